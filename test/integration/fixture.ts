/**
 * A pipeline on the embedded AWS and the sample source, for the collectors' tests: the
 * four tables and two queues created, handlers built with clients pointed at the
 * emulators, and a driver that plays SQS's part (receive, invoke, delete on success).
 */
import { randomUUID } from "node:crypto";
import {
  CreateTableCommand,
  ScanCommand,
  type AttributeDefinition,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { startEmbeddedAws, type EmbeddedAws } from "../../local/embedded-aws";
import { startSourceApi, type SourceApi, type SourceApiOptions } from "../../local/source-api";
import { ENV, RUN_ID_ATTRIBUTE, TABLE_KEYS, type StageName, type TableKind } from "../../functions/lib/contract";
import {
  createBranchesHandler,
  createSalesHandler,
  createSalespersonsHandler,
  type BranchesResult,
} from "../../functions/lib/handlers";
import type { Item } from "../../functions/lib/item";
import { createHandlerDeps, type DepsOverrides } from "../../functions/lib/runtime";
import { Telemetry, addCounts, zeroCounts, type Counts } from "../../functions/lib/telemetry";

/** Fast retries: the tests check that retries happen, not how long they wait. */
export const FAST = {
  source: { backoff: { baseMs: 2, capMs: 20 }, retryAfterCapMs: 50, attemptTimeoutMs: 2_000 },
  fanOut: { backoff: { baseMs: 2, capMs: 20 } },
  store: { backoff: { baseMs: 2, capMs: 20 } },
} satisfies DepsOverrides;

export function lambdaContext(remainingMs = 60_000, functionName = "collector"): Context {
  const start = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "256",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, remainingMs - (Date.now() - start)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Telemetry that counts but prints nothing: Powertools reads POWERTOOLS_METRICS_DISABLED
 * when a Metrics is constructed, so it is set only for that moment.
 */
export function quietTelemetry(stage: StageName): Telemetry {
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  try {
    return new Telemetry(
      new Logger({ serviceName: stage, logLevel: "SILENT" }),
      new Metrics({ serviceName: stage, namespace: "Test" }),
    );
  } finally {
    if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = previous;
  }
}

export interface StageRun {
  counts: Counts;
  /** Message ids SQS would redeliver. */
  failures: string[];
}

export interface PipelineRun {
  branches: BranchesResult;
  salespersons: StageRun;
  sales: StageRun;
}

export interface Fixture {
  aws: EmbeddedAws;
  source: SourceApi;
  tables: Record<TableKind, string>;
  queues: { employee: string; sale: string };
  env(stage: StageName): Record<string, string>;
  /** Handlers on the emulators; `sourceUrl` points them at another source than the sample one. */
  handlers(overrides?: Partial<Record<StageName, DepsOverrides>>, sourceUrl?: string): Handlers;
  scan(kind: TableKind): Promise<Item[]>;
  close(): Promise<void>;
}

export interface Handlers {
  branches(event: unknown, context?: Context): Promise<BranchesResult>;
  salespersons(event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
  sales(event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
  /** Counts of every invocation since the handlers were built, per stage. */
  counts: Record<StageName, Counts>;
}

async function createTable(aws: EmbeddedAws, name: string, kind: TableKind): Promise<void> {
  const keys: { hashKey: string; rangeKey?: string } = TABLE_KEYS[kind];
  const schema: KeySchemaElement[] = [{ AttributeName: keys.hashKey, KeyType: "HASH" }];
  const attributes: AttributeDefinition[] = [{ AttributeName: keys.hashKey, AttributeType: "S" }];
  if (keys.rangeKey) {
    schema.push({ AttributeName: keys.rangeKey, KeyType: "RANGE" });
    attributes.push({ AttributeName: keys.rangeKey, AttributeType: "S" });
  }
  await aws.dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: schema,
      AttributeDefinitions: attributes,
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
}

export async function startFixture(sourceOptions: SourceApiOptions = {}): Promise<Fixture> {
  const aws = await startEmbeddedAws();
  let source: SourceApi | undefined;
  try {
    source = await startSourceApi(sourceOptions);
    const tables: Record<TableKind, string> = {
      branches: "branch-test",
      salespersons: "salesperson-test",
      sales: "sale-test",
      rejects: "rejects-test",
    };
    for (const [kind, name] of Object.entries(tables)) await createTable(aws, name, kind as TableKind);
    const queueUrl = async (name: string): Promise<string> =>
      (await aws.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    const queues = { employee: await queueUrl("employee-queue-test"), sale: await queueUrl("sale-queue-test") };
    const src = source;
    const env = (stage: StageName): Record<string, string> => ({
      ...aws.env(),
      [ENV.tableName]: tables[stage],
      [ENV.rejectsTableName]: tables.rejects,
      ...(stage === "branches"
        ? { [ENV.targetQueueUrl]: queues.employee }
        : stage === "salespersons"
          ? { [ENV.targetQueueUrl]: queues.sale }
          : {}),
      [ENV.sourceBaseUrl]: src.url,
      [ENV.deployStage]: "test",
    });
    return {
      aws,
      source: src,
      tables,
      queues,
      env,
      handlers(overrides = {}, sourceUrl) {
        const deps = (stage: StageName) => {
          const o = overrides[stage] ?? {};
          const base = { ...env(stage), ...(sourceUrl ? { [ENV.sourceBaseUrl]: sourceUrl } : {}) };
          return createHandlerDeps(
            stage,
            o.getParameter ? { ...base, [ENV.sourceTokenParameter]: "/etl/source-token" } : base,
            {
              dynamodb: aws.dynamodb,
              sqs: aws.sqs,
              telemetry: quietTelemetry(stage),
              ...FAST,
              ...o,
            },
          );
        };
        const b = deps("branches");
        const sp = deps("salespersons");
        const s = deps("sales");
        const counts = { branches: zeroCounts(), salespersons: zeroCounts(), sales: zeroCounts() };
        b.telemetry.onFlush((c) => addCounts(counts.branches, c));
        sp.telemetry.onFlush((c) => addCounts(counts.salespersons, c));
        s.telemetry.onFlush((c) => addCounts(counts.sales, c));
        const branches = createBranchesHandler(b);
        const salespersons = createSalespersonsHandler(sp);
        const sales = createSalesHandler(s);
        return {
          branches: (event, context = lambdaContext()) => branches(event, context),
          salespersons: (event, context = lambdaContext()) => salespersons(event, context),
          sales: (event, context = lambdaContext()) => sales(event, context),
          counts,
        };
      },
      async scan(kind) {
        const items: Item[] = [];
        let start: Item | undefined;
        do {
          const out = await aws.dynamodb.send(
            new ScanCommand({ TableName: tables[kind], ExclusiveStartKey: start, ConsistentRead: true }),
          );
          items.push(...(out.Items ?? []));
          start = out.LastEvaluatedKey;
        } while (start);
        return items;
      },
      async close() {
        await src.close();
        await aws.close();
      },
    };
  } catch (error) {
    await source?.close();
    await aws.close();
    throw error;
  }
}

/** Receives every visible message of a queue as Lambda's SQS event source would hand them over. */
export async function receiveAll(sqs: SQSClient, queueUrl: string, region = "us-east-1"): Promise<SQSRecord[]> {
  const records: SQSRecord[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 300,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return records;
    for (const m of messages) {
      const attrs: SQSRecord["messageAttributes"] = {};
      for (const [name, v] of Object.entries(m.MessageAttributes ?? {}))
        attrs[name] = {
          dataType: v.DataType ?? "String",
          stringValue: v.StringValue,
          stringListValues: [],
          binaryListValues: [],
        };
      records.push({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: String(Date.now()),
          SenderId: "local",
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: attrs,
        md5OfBody: m.MD5OfBody!,
        eventSource: "aws:sqs",
        eventSourceARN: `arn:aws:sqs:${region}:000000000000:${queueUrl.split("/").pop()}`,
        awsRegion: region,
      });
    }
  }
}

/** A record with a given body, as if SQS delivered it. */
export function sqsRecord(body: string, runId?: string): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(Date.now()),
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: runId
      ? { [RUN_ID_ATTRIBUTE]: { dataType: "String", stringValue: runId, stringListValues: [], binaryListValues: [] } }
      : {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:test",
    awsRegion: "us-east-1",
  };
}

/** Feeds a queue's messages to a handler in batches of `batchSize`, deleting what succeeded. */
export async function drain(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
  batchSize = 10,
): Promise<string[]> {
  const records = await receiveAll(sqs, queueUrl);
  const failures: string[] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    const batch = records.slice(i, i + batchSize);
    const response = await handler({ Records: batch });
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    failures.push(...failed);
    const done = batch.filter((r) => !failed.has(r.messageId));
    if (done.length > 0)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((r, n) => ({ Id: `d${n}`, ReceiptHandle: r.receiptHandle })),
        }),
      );
  }
  return failures;
}

/** One scheduled run through all three stages. */
export async function runPipeline(fx: Fixture, handlers: Handlers, event: unknown = {}): Promise<PipelineRun> {
  const before = { salespersons: { ...handlers.counts.salespersons }, sales: { ...handlers.counts.sales } };
  const branches = await handlers.branches(event);
  const spFailures = await drain(fx.aws.sqs, fx.queues.employee, (e) => handlers.salespersons(e));
  const sFailures = await drain(fx.aws.sqs, fx.queues.sale, (e) => handlers.sales(e));
  const delta = (stage: "salespersons" | "sales"): Counts => {
    const out = zeroCounts();
    for (const k of Object.keys(out) as Array<keyof Counts>) out[k] = handlers.counts[stage][k] - before[stage][k];
    return out;
  };
  return {
    branches,
    salespersons: { counts: delta("salespersons"), failures: spFailures },
    sales: { counts: delta("sales"), failures: sFailures },
  };
}

export const ids = (items: Item[], attribute: string): string[] => items.map((i) => i[attribute]?.S ?? "").sort();
