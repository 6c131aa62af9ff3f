/**
 * Reads the local topology out of the recorded Pulumi program: which tables, queues,
 * parameters, functions, event source mappings and schedules the plan deploys, with the
 * settings that matter for running them. This is the only description of the pipeline
 * the local runtime has, so it cannot drift from what `pulumi up` would create.
 */
import * as path from "node:path";
import { LAMBDA_DEFAULTS, SQS_EVENT_SOURCE_DEFAULTS } from "../../infra/aws-limits";
import type { RecordedResource } from "../plan/record";
import * as pulumi from "@pulumi/pulumi";

export const RESOURCE_TYPES = {
  table: "aws:dynamodb/table:Table",
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  parameter: "aws:ssm/parameter:Parameter",
  function: "aws:lambda/function:Function",
  eventSourceMapping: "aws:lambda/eventSourceMapping:EventSourceMapping",
  schedule: "aws:scheduler/schedule:Schedule",
  asyncInvokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
} as const;

export interface TableSpec {
  logicalName: string;
  name: string;
  arn: string;
  hashKey: string;
  rangeKey?: string;
  attributes: Array<{ name: string; type: string }>;
}

export interface QueueSpec {
  logicalName: string;
  name: string;
  arn: string;
  url: string;
  visibilityTimeoutSeconds?: number;
  messageRetentionSeconds?: number;
  sqsManagedSseEnabled?: boolean;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
  /** The planned queue policy document, if a QueuePolicy targets this queue. */
  policy?: string;
}

export interface ParameterSpec {
  name: string;
  type: string;
  value: string;
}

export interface FunctionSpec {
  logicalName: string;
  name: string;
  arn: string;
  /** The deployed archive's directory (a FileArchive path), resolved at realise time. */
  code: unknown;
  handler: string;
  runtime?: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
}

export interface MappingSpec {
  logicalName: string;
  queueArn: string;
  functionName: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  maximumConcurrency?: number;
  reportBatchItemFailures: boolean;
  enabled: boolean;
}

export interface ScheduleSpec {
  logicalName: string;
  expression: string;
  functionArn: string;
  input?: string;
  maximumRetryAttempts?: number;
  maximumEventAgeSeconds?: number;
  deadLetterArn?: string;
  enabled: boolean;
}

/** How Lambda handles a failed asynchronous invocation (a schedule's) of one function. */
export interface AsyncInvokeSpec {
  functionName: string;
  maximumRetryAttempts: number;
  onFailureArn?: string;
}

export interface Topology {
  tables: TableSpec[];
  queues: QueueSpec[];
  parameters: ParameterSpec[];
  functions: FunctionSpec[];
  mappings: MappingSpec[];
  schedules: ScheduleSpec[];
  asyncInvokeConfigs: AsyncInvokeSpec[];
}

/** One stage of the cascade as the plan wires it. */
export interface CascadeStep {
  fn: FunctionSpec;
  /** The queue the stage consumes (absent for the scheduled first stage). */
  sourceQueue?: QueueSpec;
  /** The queue it fans out to (absent for the last stage). */
  targetQueue?: QueueSpec;
  /** Where its failed work ends: its source queue's DLQ, or the schedule's failure destination. */
  deadLetterQueue?: QueueSpec;
}

export class TopologyError extends Error {
  override readonly name = "TopologyError";
}

/**
 * Secret inputs reach the mocks wrapped in Pulumi's secret envelope; the local runtime
 * needs the plain value (it only ever goes into the embedded SSM). Pulumi's own public
 * helpers open it, so the envelope's signature is not written here.
 */
function unwrapSecret(found: unknown): unknown {
  return pulumi.runtime.isRpcSecret(found) ? pulumi.runtime.unwrapRpcSecret(found) : found;
}

/** A resource's value for a key: the engine's state wins over what was asked for. */
function value(resource: RecordedResource, key: string): unknown {
  return unwrapSecret(resource.state?.[key] ?? resource.inputs?.[key]);
}

function requireString(resource: RecordedResource, key: string): string {
  const found = value(resource, key);
  if (typeof found !== "string" || found.length === 0)
    throw new TopologyError(`${resource.type} ${resource.name} has no ${key}`);
  return found;
}

function optionalNumber(resource: RecordedResource, key: string): number | undefined {
  const found = value(resource, key);
  return typeof found === "number" ? found : undefined;
}

function parseJson<T>(text: unknown, what: string): T | undefined {
  if (text === undefined || text === null || text === "") return undefined;
  if (typeof text !== "string") return text as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new TopologyError(`${what} is not valid JSON`);
  }
}

export function topologyOf(resources: readonly RecordedResource[]): Topology {
  const ofType = (type: string) => resources.filter((resource) => resource.type === type);

  const policies = new Map<string, string>();
  for (const resource of ofType(RESOURCE_TYPES.queuePolicy)) {
    const policy = value(resource, "policy");
    policies.set(requireString(resource, "queueUrl"), typeof policy === "string" ? policy : JSON.stringify(policy));
  }

  const tables = ofType(RESOURCE_TYPES.table).map((resource): TableSpec => ({
    logicalName: resource.name,
    name: requireString(resource, "name"),
    arn: requireString(resource, "arn"),
    hashKey: requireString(resource, "hashKey"),
    rangeKey: (value(resource, "rangeKey") as string | undefined) || undefined,
    attributes: ((value(resource, "attributes") as Array<{ name: string; type: string }> | undefined) ?? []).map(
      ({ name, type }) => ({ name, type }),
    ),
  }));

  const queues = ofType(RESOURCE_TYPES.queue).map((resource): QueueSpec => {
    const url = requireString(resource, "url");
    const redrive = parseJson<{ deadLetterTargetArn: string; maxReceiveCount: number }>(
      value(resource, "redrivePolicy"),
      `redrivePolicy of queue ${resource.name}`,
    );
    return {
      logicalName: resource.name,
      name: requireString(resource, "name"),
      arn: requireString(resource, "arn"),
      url,
      visibilityTimeoutSeconds: optionalNumber(resource, "visibilityTimeoutSeconds"),
      messageRetentionSeconds: optionalNumber(resource, "messageRetentionSeconds"),
      sqsManagedSseEnabled: value(resource, "sqsManagedSseEnabled") as boolean | undefined,
      redrive: redrive
        ? { deadLetterTargetArn: redrive.deadLetterTargetArn, maxReceiveCount: Number(redrive.maxReceiveCount) }
        : undefined,
      policy: policies.get(url),
    };
  });

  const parameters = ofType(RESOURCE_TYPES.parameter).map((resource): ParameterSpec => ({
    name: requireString(resource, "name"),
    type: requireString(resource, "type"),
    // The program writes the token as the write-only `valueWo`, which a real state never holds.
    value: String(value(resource, "valueWo") ?? value(resource, "value") ?? ""),
  }));

  const functions = ofType(RESOURCE_TYPES.function).map((resource): FunctionSpec => {
    const environment =
      (value(resource, "environment") as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
    return {
      logicalName: resource.name,
      name: requireString(resource, "name"),
      arn: requireString(resource, "arn"),
      code: resource.inputs.code,
      handler: requireString(resource, "handler"),
      runtime: value(resource, "runtime") as string | undefined,
      // Lambda's defaults when the program leaves them out.
      timeoutSeconds: optionalNumber(resource, "timeout") ?? LAMBDA_DEFAULTS.timeoutSeconds,
      memoryMb: optionalNumber(resource, "memorySize") ?? LAMBDA_DEFAULTS.memoryMb,
      environment: Object.fromEntries(Object.entries(environment).map(([key, item]) => [key, String(item)])),
    };
  });

  const mappings = ofType(RESOURCE_TYPES.eventSourceMapping).map((resource): MappingSpec => {
    const scaling = value(resource, "scalingConfig") as { maximumConcurrency?: number } | undefined;
    const responseTypes = (value(resource, "functionResponseTypes") as string[] | undefined) ?? [];
    return {
      logicalName: resource.name,
      queueArn: requireString(resource, "eventSourceArn"),
      functionName: requireString(resource, "functionName"),
      // Lambda's defaults for an SQS event source.
      batchSize: optionalNumber(resource, "batchSize") ?? SQS_EVENT_SOURCE_DEFAULTS.batchSize,
      maximumBatchingWindowSeconds:
        optionalNumber(resource, "maximumBatchingWindowInSeconds") ?? SQS_EVENT_SOURCE_DEFAULTS.batchingWindowSeconds,
      maximumConcurrency: scaling?.maximumConcurrency,
      reportBatchItemFailures: responseTypes.includes("ReportBatchItemFailures"),
      enabled: value(resource, "enabled") !== false,
    };
  });

  const schedules = ofType(RESOURCE_TYPES.schedule).map((resource): ScheduleSpec => {
    const target = value(resource, "target") as
      | {
          arn?: string;
          input?: string;
          retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
          deadLetterConfig?: { arn?: string };
        }
      | undefined;
    if (!target?.arn) throw new TopologyError(`${resource.type} ${resource.name} has no target arn`);
    return {
      logicalName: resource.name,
      expression: requireString(resource, "scheduleExpression"),
      functionArn: target.arn,
      input: target.input,
      maximumRetryAttempts: target.retryPolicy?.maximumRetryAttempts,
      maximumEventAgeSeconds: target.retryPolicy?.maximumEventAgeInSeconds,
      deadLetterArn: target.deadLetterConfig?.arn,
      enabled: value(resource, "state") !== "DISABLED",
    };
  });

  const asyncInvokeConfigs = ofType(RESOURCE_TYPES.asyncInvokeConfig).map((resource): AsyncInvokeSpec => {
    const destination = value(resource, "destinationConfig") as { onFailure?: { destination?: string } } | undefined;
    return {
      functionName: requireString(resource, "functionName"),
      // Lambda retries a failed asynchronous invocation twice unless told otherwise.
      maximumRetryAttempts: optionalNumber(resource, "maximumRetryAttempts") ?? LAMBDA_DEFAULTS.asyncMaxRetryAttempts,
      onFailureArn: destination?.onFailure?.destination,
    };
  });

  const topology = { tables, queues, parameters, functions, mappings, schedules, asyncInvokeConfigs };
  checkReferences(topology);
  return topology;
}

/** Every cross-reference the runtime follows must land on something the plan creates. */
function checkReferences(topology: Topology): void {
  const queueArns = new Set(topology.queues.map((queue) => queue.arn));
  const functionIds = new Set(topology.functions.flatMap((fn) => [fn.name, fn.arn]));
  for (const queue of topology.queues) {
    if (queue.redrive && !queueArns.has(queue.redrive.deadLetterTargetArn))
      throw new TopologyError(
        `queue ${queue.name} redrives to ${queue.redrive.deadLetterTargetArn}, which the plan does not create`,
      );
  }
  for (const mapping of topology.mappings) {
    if (!queueArns.has(mapping.queueArn))
      throw new TopologyError(
        `event source mapping ${mapping.logicalName} reads ${mapping.queueArn}, which the plan does not create`,
      );
    if (!functionIds.has(mapping.functionName))
      throw new TopologyError(
        `event source mapping ${mapping.logicalName} invokes ${mapping.functionName}, which the plan does not create`,
      );
  }
  for (const config of topology.asyncInvokeConfigs) {
    if (!functionIds.has(config.functionName))
      throw new TopologyError(`invoke config for ${config.functionName} names a function the plan does not create`);
    if (config.onFailureArn && !queueArns.has(config.onFailureArn))
      throw new TopologyError(
        `invoke config for ${config.functionName} sends failures to ${config.onFailureArn}, ` +
          "which the plan does not create",
      );
  }
  for (const schedule of topology.schedules) {
    if (!functionIds.has(schedule.functionArn))
      throw new TopologyError(
        `schedule ${schedule.logicalName} targets ${schedule.functionArn}, which the plan does not create`,
      );
    if (schedule.deadLetterArn && !queueArns.has(schedule.deadLetterArn))
      throw new TopologyError(
        `schedule ${schedule.logicalName} dead-letters to ${schedule.deadLetterArn}, which the plan does not create`,
      );
  }
}

/** Splits a Lambda handler string (`index.handler`) into the file and export it names. */
export function handlerLocation(handler: string, codeDir: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf(".");
  if (dot <= 0 || dot === handler.length - 1)
    throw new TopologyError(`handler "${handler}" is not of the form file.export`);
  return { file: path.join(codeDir, `${handler.slice(0, dot)}.js`), exportName: handler.slice(dot + 1) };
}

/** The function a name or ARN refers to. */
export function findFunction(topology: Topology, nameOrArn: string): FunctionSpec | undefined {
  return topology.functions.find((fn) => fn.name === nameOrArn || fn.arn === nameOrArn);
}

/**
 * The cascade as the plan wires it, read from the graph rather than from names: the
 * scheduled function first, then whichever function consumes the queue the previous one
 * fans out to, until a function fans out to nothing.
 */
export function cascadeOf(topology: Topology, length: number): CascadeStep[] {
  const enabled = topology.schedules.filter((schedule) => schedule.enabled);
  if (enabled.length !== 1)
    throw new TopologyError(`expected one enabled schedule to start the cascade, found ${enabled.length}`);
  const queueByArn = new Map(topology.queues.map((queue) => [queue.arn, queue]));
  const queueByUrl = new Map(topology.queues.map((queue) => [queue.url, queue]));
  const schedule = enabled[0];
  const first = findFunction(topology, schedule.functionArn)!;
  const asyncConfig = topology.asyncInvokeConfigs.find(
    (config) => findFunction(topology, config.functionName) === first,
  );
  const failureArn = asyncConfig?.onFailureArn ?? schedule.deadLetterArn;

  const steps: CascadeStep[] = [];
  let step: CascadeStep = { fn: first, deadLetterQueue: failureArn ? queueByArn.get(failureArn) : undefined };
  for (;;) {
    const targetUrl = Object.values(step.fn.environment).find((item) => queueByUrl.has(item));
    step.targetQueue = targetUrl ? queueByUrl.get(targetUrl) : undefined;
    steps.push(step);
    if (!step.targetQueue) break;
    if (steps.length > length) throw new TopologyError(`the cascade is longer than ${length} stages`);
    const target = step.targetQueue;
    const consumers = topology.mappings.filter((mapping) => mapping.queueArn === target.arn);
    if (consumers.length !== 1)
      throw new TopologyError(`queue ${target.name} should have one consumer, has ${consumers.length}`);
    const next = findFunction(topology, consumers[0].functionName)!;
    step = {
      fn: next,
      sourceQueue: target,
      deadLetterQueue: target.redrive ? queueByArn.get(target.redrive.deadLetterTargetArn) : undefined,
    };
  }
  if (steps.length !== length)
    throw new TopologyError(`expected a cascade of ${length} stages, the plan wires ${steps.length}`);
  return steps;
}
