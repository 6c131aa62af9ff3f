/**
 * The typed output contract of a stack (docs/design.md, "Stack outputs"). The Pulumi program exports
 * exactly these shapes, and another project reads them back through a StackReference
 * with `readStackOutputs`, which validates instead of trusting raw `getOutput` strings.
 *
 * `SharedOutputs` is what the resource-owning part exports (tables, queues, roles and
 * the log groups the roles are scoped to); `PipelineOutputs` adds what the collectors
 * add (functions, alarm topic). A shared stack exports the first, a pipeline stack and
 * a single stack the second.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { REJECTS_TABLE, STAGES, type QueueKind } from "../functions/lib/contract";
import { byKey, queueNames, STAGE_TABLE, stageNames, type StageTable } from "../functions/lib/stages";
import { ProblemsError } from "./errors";

const arn = z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/, "must be an AWS ARN");
const url = z.string().url();
const logGroupName = z.string().regex(/^[A-Za-z0-9_./#-]{1,512}$/, "must be a CloudWatch Logs log group name");

// Objects drop keys they do not know rather than reject them, so a producer may add an
// output (a table's streamArn, say) without breaking every reader; a known key that is
// missing or malformed still fails, named by its path.
const namedArn = z.object({ name: z.string().min(1), arn });
const queue = z.object({ url, arn });
/** A stage queue with its DLQ; its visibility lets a pipeline stack check it covers its consumer's timeout. */
const stageQueue = queue.extend({ dlqUrl: url, dlqArn: arn, visibilityTimeoutSeconds: z.number().int().positive() });

/**
 * The shared contract of a cascade with these stages and queues: one table, role and log
 * group per stage (and the rejects table), one queue with its DLQ per stage queue.
 */
function sharedSchemaOf<S extends string, Q extends string>(stages: readonly S[], queues: readonly Q[]) {
  const perStage = <T extends z.ZodType>(schema: T) => z.object(byKey(stages, () => schema));
  return z.object({
    tables: z.object(byKey([...stages, REJECTS_TABLE] as (S | typeof REJECTS_TABLE)[], () => namedArn)),
    /**
     * `schedule` is the dead-letter queue of the scheduled stage (undeliverable schedule
     * events and failed async invocations).
     */
    queues: z.object({ ...byKey(queues, () => stageQueue), schedule: queue }),
    roles: perStage(arn),
    /** The log groups the roles may write to: a pipeline stack must create exactly these. */
    logGroups: perStage(logGroupName),
  });
}

function pipelineSchemaOf<S extends string, Q extends string>(stages: readonly S[], queues: readonly Q[]) {
  return sharedSchemaOf(stages, queues).extend({
    functions: z.object(byKey(stages, () => namedArn)),
    alarmTopicArn: arn,
  });
}

export const sharedOutputsSchema = sharedSchemaOf(STAGES, queueNames(STAGE_TABLE) as QueueKind[]);
export const pipelineOutputsSchema = pipelineSchemaOf(STAGES, queueNames(STAGE_TABLE) as QueueKind[]);

/** Both contracts of a stack built from `stages`; for the real table, the two schemas above. */
export function outputSchemasOf(stages: StageTable): { shared: z.ZodObject; pipeline: z.ZodObject } {
  return {
    shared: sharedSchemaOf(stageNames(stages), queueNames(stages)),
    pipeline: pipelineSchemaOf(stageNames(stages), queueNames(stages)),
  };
}

export type SharedOutputs = z.infer<typeof sharedOutputsSchema>;
/** One stage queue's outputs: its URL and ARN, its DLQ's, its visibility. */
export type StageQueueOutputs = z.infer<typeof stageQueue>;
export type PipelineOutputs = z.infer<typeof pipelineOutputsSchema>;
export type OutputContract = "shared" | "pipeline";

const schemas: Record<OutputContract, z.ZodObject> = { shared: sharedOutputsSchema, pipeline: pipelineOutputsSchema };
type ContractOf<C extends OutputContract> = C extends "shared" ? SharedOutputs : PipelineOutputs;

/** Thrown when a stack's outputs do not match the contract; says which output and why. */
export class StackOutputContractError extends ProblemsError {
  override readonly name = "StackOutputContractError";
  constructor(
    /** Named so as not to hide Error's own `stack`, the trace. */
    readonly stackName: string,
    problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`stack ${stackName} does not export the expected outputs`, problems, options);
  }
}

/**
 * Validates plain output values against a contract. Pure, so it is tested without
 * Pulumi; `readStackOutputs` applies it to a StackReference's outputs.
 */
export function parseStackOutputs<C extends OutputContract>(
  contract: C,
  stack: string,
  raw: Record<string, unknown>,
  stages: StageTable = STAGE_TABLE,
): ContractOf<C> {
  const schema = stages === STAGE_TABLE ? schemas[contract] : outputSchemasOf(stages)[contract];
  const keys = Object.keys(schema.shape) as string[];
  const picked: Record<string, unknown> = {};
  for (const key of keys) picked[key] = raw[key];
  const result = schema.safeParse(picked);
  if (!result.success) {
    // A value that is absent is reported as missing at its own path (tables.sales),
    // not as zod's "expected object, received undefined".
    const valueAt = (path: PropertyKey[]) =>
      path.reduce<unknown>(
        (value, key) =>
          value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined,
        raw,
      );
    const problems = result.error.issues.map((issue) => {
      const where = issue.path.map(String).join(".");
      return valueAt(issue.path) === undefined ? `${where}: missing output` : `${where}: ${issue.message}`;
    });
    throw new StackOutputContractError(stack, [...new Set(problems)], { cause: result.error });
  }
  return result.data as ContractOf<C>;
}

/**
 * Reads a stack's outputs through a StackReference and validates them. The result is
 * one Output of the whole typed contract; a missing or malformed output fails the
 * program with `StackOutputContractError` naming it.
 */
export function readStackOutputs<C extends OutputContract>(
  ref: pulumi.StackReference,
  contract: C,
): pulumi.Output<ContractOf<C>> {
  const keys = Object.keys(schemas[contract].shape);
  const values = Object.fromEntries(keys.map((key) => [key, ref.getOutput(key)]));
  return pulumi
    .all([ref.name, values])
    .apply(([name, raw]) => parseStackOutputs(contract, name, raw as Record<string, unknown>));
}

/** A referenced stack's outputs as plain, validated values, and which of them it exports as secrets. */
export interface StackOutputValues<C extends OutputContract> {
  values: ContractOf<C>;
  /**
   * The top-level outputs the referenced stack marks secret. Their values are read here
   * in the clear (the contract has to be checked), so whatever the reader builds from
   * them, resource inputs and its own outputs, must be made secret again.
   */
  secretKeys: (keyof ContractOf<C> & string)[];
}

/**
 * Reads a stack's outputs as plain values and validates them, for a program that must
 * know them before it registers anything wired to them (a pipeline stack reading its
 * shared stack). A failure rejects with `StackOutputContractError`, whose message stays
 * as written because no resource input carries it. `getOutputDetails` hands a secret
 * output back as `secretValue`: its name is returned in `secretKeys` rather than lost.
 */
export async function readStackOutputValues<C extends OutputContract>(
  ref: pulumi.StackReference,
  stack: string,
  contract: C,
  stages: StageTable = STAGE_TABLE,
): Promise<StackOutputValues<C>> {
  const keys = Object.keys(schemas[contract].shape) as (keyof ContractOf<C> & string)[];
  const details = await Promise.all(keys.map((key) => ref.getOutputDetails(key)));
  const raw = Object.fromEntries(keys.map((key, i) => [key, details[i].value ?? details[i].secretValue]));
  const secretKeys = keys.filter((_, i) => details[i].secretValue !== undefined);
  return { values: parseStackOutputs(contract, stack, raw, stages), secretKeys };
}

/**
 * The same value with every string and number in it wrapped in `pulumi.secret`, for
 * values read in the clear from secret outputs: each leaf becomes an input that keeps
 * its secrecy wherever it goes (state, previews, this stack's own outputs).
 */
export function secretLeaves<T>(value: T): T {
  if (typeof value === "string" || typeof value === "number") return pulumi.secret(value) as unknown as T;
  if (Array.isArray(value)) return value.map(secretLeaves) as unknown as T;
  if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretLeaves(v)])) as T;
  return value;
}
