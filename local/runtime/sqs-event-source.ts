/**
 * An SQS event source mapping, locally: pollers that receive from a queue, hand batches
 * to a function as an `SQSEvent`, and settle each batch as Lambda does (batch size,
 * batching window, maximum concurrency, ReportBatchItemFailures). Messages the function
 * reports as failed stay on the queue and come back; the queue's own redrive policy
 * moves them to the DLQ after maxReceiveCount, as on AWS.
 */
import { setMaxListeners } from "node:events";
import type { SQSClient, Message } from "@aws-sdk/client-sqs";
import {
  DeleteMessageBatchCommand,
  ChangeMessageVisibilityBatchCommand,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { chunk } from "../../functions/lib/chunk";
import { settleBatch } from "./batch-settlement";
import type { InvokeOutcome } from "./local-function";

export interface EventSourceMappingSpec {
  queueUrl: string;
  queueArn: string;
  region: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  maximumConcurrency: number;
  reportBatchItemFailures: boolean;
  /**
   * Seconds a returned message stays hidden before it is received again. On AWS it is
   * the rest of the queue's visibility timeout; locally it is short so a run settles in
   * seconds, while the number of attempts before the DLQ stays as planned.
   */
  retryDelaySeconds: number;
}

export interface MappingStats {
  batches: number;
  received: number;
  deleted: number;
  returned: number;
  /** Poll iterations that failed (an SQS call or the settlement), and were retried. */
  errors: number;
}

export interface Invoker {
  invoke(event: unknown): Promise<InvokeOutcome>;
}

/** SQS allows at most 10 messages per receive and per batch delete. */
const SQS_MAX_MESSAGES = 10;
/** How long an idle poller waits for a message before it polls again. */
const IDLE_WAIT_SECONDS = 1;
/** A poller that fails this many times in a row stops, and says why. */
const MAX_CONSECUTIVE_ERRORS = 5;
/** How often a poller looks for more messages while its batching window is open. */
const BATCHING_POLL_MS = 50;
const ERROR_BACKOFF_MS = 100;

export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          stringValue: value.StringValue,
          binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString("base64") : undefined,
          stringListValues: [],
          binaryListValues: [],
          dataType: value.DataType ?? "String",
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export class SqsEventSourceMapping {
  readonly stats: MappingStats = { batches: 0, received: 0, deleted: 0, returned: 0, errors: 0 };
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private busy = 0;
  private stoppedBy: Error | undefined;

  constructor(
    readonly spec: EventSourceMappingSpec,
    private readonly sqs: SQSClient,
    private readonly fn: Invoker,
  ) {
    // Every poller's in-flight receive listens for the stop; that is not a leak.
    setMaxListeners(0, this.abort.signal);
  }

  /** True while a batch is being received or processed. */
  get active(): boolean {
    return this.busy > 0;
  }

  /** Why a poller gave up, if one did: the mapping no longer drains its queue. */
  get failure(): Error | undefined {
    return this.stoppedBy;
  }

  start(): void {
    const pollers = Math.max(1, this.spec.maximumConcurrency);
    this.loops = Array.from({ length: pollers }, () => this.poll());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
  }

  /**
   * One poller. A failed iteration (an SQS call, the settlement) gives back what it holds
   * and tries again, so one bad call neither strands messages until their visibility
   * timeout nor kills the poller; a run of failures stops it and is reported.
   */
  private async poll(): Promise<void> {
    let consecutiveErrors = 0;
    while (!this.abort.signal.aborted) {
      const batch: Message[] = [];
      const settled = new Set<string>();
      let holding = false;
      try {
        await this.gatherBatch(batch, () => {
          if (!holding) this.busy += 1;
          holding = true;
        });
        // A stop while gathering leaves the batch unprocessed: hand it back for the next run.
        if (this.abort.signal.aborted) await this.giveBack(batch);
        else if (batch.length > 0) await this.process(batch, settled);
        consecutiveErrors = 0;
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.stats.errors += 1;
        consecutiveErrors += 1;
        await this.giveBack(batch.filter((message) => !settled.has(message.MessageId ?? ""))).catch(() => undefined);
        if (consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) {
          this.stoppedBy = new Error(
            `the event source mapping for ${this.spec.queueArn} stopped after ${consecutiveErrors} failed polls: ` +
              `${(error as Error).message}`,
          );
          return;
        }
        await this.pause(ERROR_BACKOFF_MS * consecutiveErrors);
      } finally {
        if (holding) this.busy -= 1;
      }
    }
  }

  /** Up to batchSize messages, waiting at most the batching window once one has arrived. */
  private async gatherBatch(batch: Message[], onFirst: () => void): Promise<void> {
    const onePoll = Math.min(SQS_MAX_MESSAGES, this.spec.batchSize);
    const first = await this.receive(onePoll, 0);
    if (first.length === 0) {
      // The emulator's long poll returns early only when MaxNumberOfMessages is met, so
      // wait for a single message, then top up to what one poll would have returned.
      const woken = await this.receive(1, IDLE_WAIT_SECONDS);
      if (woken.length === 0) return;
      onFirst();
      batch.push(...woken);
      if (onePoll > 1) batch.push(...(await this.receive(onePoll - 1, 0)));
    } else {
      onFirst();
      batch.push(...first);
    }
    // Without a batching window Lambda invokes with what one poll returned.
    if (this.spec.maximumBatchingWindowSeconds === 0) return;
    const windowEnds = Date.now() + this.spec.maximumBatchingWindowSeconds * 1000;
    while (batch.length < this.spec.batchSize && !this.abort.signal.aborted) {
      const more = await this.receive(Math.min(SQS_MAX_MESSAGES, this.spec.batchSize - batch.length), 0);
      batch.push(...more);
      if (more.length === 0 && Date.now() >= windowEnds) break;
      if (more.length === 0) await this.pause(Math.min(BATCHING_POLL_MS, windowEnds - Date.now()));
    }
  }

  /** Waits `ms`, or less if the mapping stops meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const stop = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          this.abort.signal.removeEventListener("abort", stop);
          resolve();
        },
        Math.max(0, ms),
      );
      this.abort.signal.addEventListener("abort", stop, { once: true });
    });
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    try {
      const response = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.spec.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          AttributeNames: ["All"],
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
        { abortSignal: this.abort.signal },
      );
      const messages = response.Messages ?? [];
      this.stats.received += messages.length;
      return messages;
    } catch (error) {
      if (this.abort.signal.aborted) return [];
      throw error;
    }
  }

  private async process(batch: Message[], settled: Set<string>): Promise<void> {
    this.stats.batches += 1;
    const event: SQSEvent = {
      Records: batch.map((message) => toSqsRecord(message, this.spec.queueArn, this.spec.region)),
    };
    const outcome = await this.fn.invoke(event);
    const ids = batch.map((message) => message.MessageId ?? "");
    const settlement = settleBatch(
      ids,
      outcome.ok ? { ok: true, result: outcome.result } : { ok: false },
      this.spec.reportBatchItemFailures,
    );
    const byId = new Map(batch.map((message) => [message.MessageId ?? "", message]));
    await this.remove(settlement.remove.map((id) => byId.get(id)!));
    for (const id of settlement.remove) settled.add(id);
    await this.giveBack(settlement.retry.map((id) => byId.get(id)!));
    for (const id of settlement.retry) settled.add(id);
  }

  private async remove(messages: Message[]): Promise<void> {
    for (const part of chunk(messages, SQS_MAX_MESSAGES)) {
      const response = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.spec.queueUrl,
          Entries: part.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
      if (response.Failed && response.Failed.length > 0)
        throw new Error(
          `could not delete ${response.Failed.length} processed messages from ${this.spec.queueUrl}: ` +
            `${response.Failed[0].Message}`,
        );
      this.stats.deleted += part.length;
    }
  }

  private async giveBack(messages: Message[]): Promise<void> {
    this.stats.returned += messages.length;
    for (const part of chunk(messages, SQS_MAX_MESSAGES)) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.spec.queueUrl,
          Entries: part.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: this.spec.retryDelaySeconds,
          })),
        }),
      );
    }
  }
}
