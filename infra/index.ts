/**
 * The Pulumi program: validate the stack's config (before any resource exists), build
 * the pipeline, export the typed output contract (infra/contract.ts).
 */
import { loadConfig } from "./config";
import { createPipeline } from "./pipeline";

const { outputs } = createPipeline(loadConfig());

export const tables = outputs.tables;
export const queues = outputs.queues;
export const roles = outputs.roles;
export const functions = outputs.functions;
export const alarmTopicArn = outputs.alarmTopicArn;
