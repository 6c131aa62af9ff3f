/**
 * The Pulumi program: validate the stack's config (before any resource exists), build
 * the stack's part of the pipeline (infra/pipeline.ts), and export exactly its output
 * contract (infra/contract.ts): `SharedOutputs` from a shared stack, `PipelineOutputs`
 * otherwise. One object export, because a shared stack has no functions to export and
 * Pulumi warns about every named export left undefined.
 */
import { loadConfig } from "./config";
import { createPipeline } from "./pipeline";

export = createPipeline(loadConfig()).outputs;
