/**
 * Stands the plan up on the embedded AWS: the tables, queues and parameters it creates,
 * its functions loaded from their deployed archives, and their triggers. Names are the
 * plan's own physical names, so what a user sees locally is what `pulumi up` creates.
 */
import { CreateTableCommand, type KeySchemaElement } from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { LAMBDA_DEFAULTS, SQS_EVENT_SOURCE_DEFAULTS } from "../../infra/aws-limits";
import type { EmbeddedAws } from "../embedded-aws";
import { LocalFunction } from "./local-function";
import { localEnvironment } from "./local-environment";
import { LocalSchedule } from "./local-schedule";
import { SqsEventSourceMapping } from "./sqs-event-source";
import { handlerLocation, TopologyError, type QueueSpec, type Topology } from "./topology";

/**
 * local-aws-sqs counts a ChangeMessageVisibility as one more receive (pinned by a test).
 * The local event source mapping returns each failed message with one such call, so a
 * failed attempt counts twice there; doubling maxReceiveCount keeps the number of
 * attempts before the DLQ what the plan says.
 */
export const RECEIVES_COUNTED_PER_FAILED_ATTEMPT = 2;

export interface RealiseOptions {
  sourceBaseUrl: string;
  /** Seconds a failed message waits before it is received again (see SqsEventSourceMapping). */
  retryDelaySeconds: number;
  /** Every line a function writes, with the function's name. */
  onOutput: (functionName: string, lines: string[]) => void;
}

export interface LocalQueue {
  spec: QueueSpec;
  url: string;
  arn: string;
}

export interface RealisedPipeline {
  queues: LocalQueue[];
  functions: LocalFunction[];
  mappings: Array<{ mapping: SqsEventSourceMapping; queue: LocalQueue; fn: LocalFunction }>;
  schedules: Array<{ schedule: LocalSchedule; fn: LocalFunction; onFailureQueue?: LocalQueue }>;
  /** The local queue for a planned queue. */
  queueFor(planned: QueueSpec): LocalQueue;
  /** The local function for a planned function name or ARN. */
  functionFor(nameOrArn: string): LocalFunction;
  close(): Promise<void>;
}

export function localQueueArn(aws: EmbeddedAws, name: string): string {
  return `arn:aws:sqs:${aws.region}:${aws.accountId}:${name}`;
}

async function createTables(aws: EmbeddedAws, topology: Topology): Promise<void> {
  for (const table of topology.tables) {
    const keySchema: KeySchemaElement[] = [{ AttributeName: table.hashKey, KeyType: "HASH" }];
    if (table.rangeKey) keySchema.push({ AttributeName: table.rangeKey, KeyType: "RANGE" });
    const keyNames = new Set(keySchema.map((key) => key.AttributeName));
    // DynamoDB refuses attribute definitions that no key uses.
    const definitions = table.attributes
      .filter((attribute) => keyNames.has(attribute.name))
      .map((attribute) => ({ AttributeName: attribute.name, AttributeType: attribute.type as "S" | "N" | "B" }));
    await aws.dynamodb.send(
      new CreateTableCommand({
        TableName: table.name,
        KeySchema: keySchema,
        AttributeDefinitions: definitions,
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  }
}

async function createQueues(aws: EmbeddedAws, topology: Topology): Promise<LocalQueue[]> {
  const byArn = new Map(topology.queues.map((queue) => [queue.arn, queue]));
  // Dead-letter queues first: a redrive policy must name a queue that exists.
  const ordered = [...topology.queues].sort((a, b) => Number(Boolean(a.redrive)) - Number(Boolean(b.redrive)));
  const created: LocalQueue[] = [];
  for (const queue of ordered) {
    const attributes: Record<string, string> = {};
    if (queue.visibilityTimeoutSeconds !== undefined)
      attributes.VisibilityTimeout = String(queue.visibilityTimeoutSeconds);
    if (queue.messageRetentionSeconds !== undefined)
      attributes.MessageRetentionPeriod = String(queue.messageRetentionSeconds);
    if (queue.sqsManagedSseEnabled !== undefined) attributes.SqsManagedSseEnabled = String(queue.sqsManagedSseEnabled);
    // The planned policy names the planned ARN; locally the queue has the emulator's.
    if (queue.policy !== undefined)
      attributes.Policy = queue.policy.split(queue.arn).join(localQueueArn(aws, queue.name));
    if (queue.redrive) {
      const target = byArn.get(queue.redrive.deadLetterTargetArn);
      if (!target) throw new TopologyError(`queue ${queue.name} redrives to a queue the plan does not create`);
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: localQueueArn(aws, target.name),
        maxReceiveCount: queue.redrive.maxReceiveCount * RECEIVES_COUNTED_PER_FAILED_ATTEMPT,
      });
    }
    const response = await aws.sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: attributes }));
    created.push({ spec: queue, url: response.QueueUrl!, arn: localQueueArn(aws, queue.name) });
  }
  return created;
}

async function putParameters(aws: EmbeddedAws, topology: Topology): Promise<void> {
  for (const parameter of topology.parameters) {
    await aws.ssm.send(
      new PutParameterCommand({
        Name: parameter.name,
        Type: parameter.type as "String" | "SecureString" | "StringList",
        Value: parameter.value,
        Overwrite: true,
      }),
    );
  }
}

async function archiveDirectory(code: unknown, functionName: string): Promise<string> {
  // A FileArchive's path is a promise in the SDK object the mocks hand over
  // (docs/design.md, "The program under mocks").
  const archivePath = await (code as { path?: Promise<string> | string } | undefined)?.path;
  if (typeof archivePath !== "string")
    throw new TopologyError(
      `function ${functionName} is not deployed from a directory archive, which the local runtime loads`,
    );
  return archivePath;
}

export async function realise(
  aws: EmbeddedAws,
  topology: Topology,
  options: RealiseOptions,
): Promise<RealisedPipeline> {
  await createTables(aws, topology);
  const queues = await createQueues(aws, topology);
  await putParameters(aws, topology);

  const replacements = new Map<string, string>();
  for (const queue of queues) {
    replacements.set(queue.spec.url, queue.url);
    replacements.set(queue.spec.arn, queue.arn);
  }
  const functions: LocalFunction[] = [];
  const functionById = new Map<string, LocalFunction>();
  for (const spec of topology.functions) {
    const { file, exportName } = handlerLocation(spec.handler, await archiveDirectory(spec.code, spec.name));
    const environment = localEnvironment(spec.environment, {
      replacements,
      sourceBaseUrl: options.sourceBaseUrl,
      awsEnvironment: aws.env(),
      functionName: spec.name,
      memoryMb: spec.memoryMb,
    });
    const fn = new LocalFunction(
      {
        name: spec.name,
        arn: spec.arn,
        file,
        exportName,
        timeoutSeconds: spec.timeoutSeconds,
        memoryMb: spec.memoryMb,
        environment,
      },
      (lines) => options.onOutput(spec.name, lines),
    );
    functions.push(fn);
    functionById.set(spec.name, fn);
    functionById.set(spec.arn, fn);
  }

  const queueByPlannedArn = new Map(queues.map((queue) => [queue.spec.arn, queue]));
  const mappings = topology.mappings
    .filter((spec) => spec.enabled)
    .map((spec) => {
      const queue = queueByPlannedArn.get(spec.queueArn)!;
      const fn = functionById.get(spec.functionName)!;
      const mapping = new SqsEventSourceMapping(
        {
          queueUrl: queue.url,
          queueArn: queue.arn,
          region: aws.region,
          batchSize: spec.batchSize,
          maximumBatchingWindowSeconds: spec.maximumBatchingWindowSeconds,
          // Without a cap Lambda scales pollers up on its own; two is its floor for a cap.
          maximumConcurrency: spec.maximumConcurrency ?? SQS_EVENT_SOURCE_DEFAULTS.minMaximumConcurrency,
          reportBatchItemFailures: spec.reportBatchItemFailures,
          retryDelaySeconds: options.retryDelaySeconds,
        },
        aws.sqs,
        fn,
      );
      return { mapping, queue, fn };
    });

  const schedules = topology.schedules
    .filter((spec) => spec.enabled)
    .map((spec) => {
      const fn = functionById.get(spec.functionArn)!;
      const asyncConfig = topology.asyncInvokeConfigs.find((config) => functionById.get(config.functionName) === fn);
      const onFailureQueue = asyncConfig?.onFailureArn ? queueByPlannedArn.get(asyncConfig.onFailureArn) : undefined;
      const schedule = new LocalSchedule(
        // Lambda retries a failed asynchronous invocation twice unless configured otherwise.
        {
          name: spec.logicalName,
          expression: spec.expression,
          input: spec.input,
          functionArn: fn.spec.arn,
          maximumRetryAttempts: asyncConfig?.maximumRetryAttempts ?? LAMBDA_DEFAULTS.asyncMaxRetryAttempts,
          onFailureQueueUrl: onFailureQueue?.url,
          retryDelayMs: options.retryDelaySeconds * 1000,
        },
        aws.sqs,
        fn,
      );
      return { schedule, fn, onFailureQueue };
    });

  for (const { mapping } of mappings) mapping.start();

  return {
    queues,
    functions,
    mappings,
    schedules,
    queueFor(planned) {
      const found = queueByPlannedArn.get(planned.arn);
      if (!found) throw new TopologyError(`queue ${planned.name} was not created locally`);
      return found;
    },
    functionFor(nameOrArn) {
      const found = functionById.get(nameOrArn);
      if (!found) throw new TopologyError(`function ${nameOrArn} was not created locally`);
      return found;
    },
    async close() {
      // Pollers first, so no invocation starts on a function being closed.
      await Promise.allSettled(mappings.map(({ mapping }) => mapping.stop()));
      await Promise.allSettled(functions.map((fn) => fn.close()));
    },
  };
}
