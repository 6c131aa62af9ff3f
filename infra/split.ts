/**
 * Split mode: what a pipeline stack checks in the shared stack it reads, beyond the
 * shape the output contract already validates. Pure, so each rule is tested without
 * Pulumi; the program applies it to the outputs read through the StackReference.
 */
import { consumerOf, queueNames, STAGE_TABLE, stageNames, type StageTable } from "../functions/lib/stages";
import { visibilityTimeoutSeconds } from "./config";
import type { SharedOutputs } from "./contract";
import { ProblemsError } from "./errors";
import { arnLocation, logGroupName } from "./naming";

/** Thrown when a shared stack has the right shape but cannot serve this pipeline stack. */
export class SharedStackMismatchError extends ProblemsError {
  override readonly name = "SharedStackMismatchError";
  constructor(
    /** Named so as not to hide Error's own `stack`, the trace. */
    readonly stackName: string,
    problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`stack ${stackName} cannot serve this pipeline stack`, problems, options);
  }
}

export interface PipelineStackFacts {
  project: string;
  /** This pipeline stack's name; the shared stack's roles must be scoped to its log groups. */
  stack: string;
  region: string;
  accountId: string;
  /**
   * Timeouts of the collectors by stage (those of the queue consumers are read) and the
   * batching window, from this stack's config.
   */
  timeoutSeconds: Readonly<Record<string, number>>;
  batchingWindowSeconds: number;
}

/** Every ARN in the outputs with its dotted path, in a stable order. */
function arnsOf(value: unknown, path: string[] = []): [string, string][] {
  if (typeof value === "string") return value.startsWith("arn:") ? [[path.join("."), value]] : [];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => arnsOf(inner, [...path, key]));
}

/**
 * Why the shared stack cannot serve this pipeline stack, each problem naming the output
 * and the config key to change; empty when it can:
 * - every resource is in this stack's account and (except global IAM roles) region,
 *   since an event source mapping and an execution role cannot cross either;
 * - the roles are scoped to this stack's log groups, i.e. the shared stack was set up
 *   for this pipeline stack (`pipelineStackName`) and not for another one, which
 *   would also consume the same queues;
 * - each stage queue's visibility covers 6 x its consumer's timeout + the batching
 *   window here, or SQS hands a message to a second invocation while the first runs.
 */
export function sharedStackProblems(
  shared: SharedOutputs,
  facts: PipelineStackFacts,
  stages: StageTable = STAGE_TABLE,
): string[] {
  const problems: string[] = [];
  for (const [where, arn] of arnsOf(shared)) {
    const { region, accountId } = arnLocation(arn);
    if (accountId !== facts.accountId)
      problems.push(`${where}: is in account ${accountId}, this stack deploys to ${facts.accountId}`);
    else if (region !== "" && region !== facts.region)
      problems.push(`${where}: is in ${region}, this stack deploys to ${facts.region} (aws:region)`);
  }
  const logGroups: Readonly<Record<string, string>> = shared.logGroups;
  for (const stage of stageNames(stages)) {
    const expected = logGroupName(facts.project, facts.stack, stage);
    const actual = logGroups[stage];
    if (actual !== expected)
      problems.push(
        `logGroups.${stage}: is ${actual}, this stack writes ${expected}: ` +
          `set ${facts.project}:pipelineStackName to ${facts.stack} on the shared stack`,
      );
  }
  const queues = shared.queues as unknown as Readonly<Record<string, { visibilityTimeoutSeconds: number }>>;
  for (const kind of queueNames(stages)) {
    const stage = consumerOf(stages, kind);
    const visibility = queues[kind].visibilityTimeoutSeconds;
    const timeout = facts.timeoutSeconds[stage];
    const required = visibilityTimeoutSeconds(timeout, facts.batchingWindowSeconds);
    if (visibility < required) {
      problems.push(
        `queues.${kind}.visibilityTimeoutSeconds: is ${visibility} s, ` +
          `below 6 x ${stage}TimeoutSeconds (${timeout} s) ` +
          `+ batchingWindowSeconds (${facts.batchingWindowSeconds} s) = ${required} s: ` +
          "set the same values on the shared stack and update it first",
      );
    }
  }
  return problems;
}
