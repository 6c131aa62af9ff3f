/**
 * An SQS event source mapping, locally: pollers that receive from a queue, hand batches
 * to a function as an `SQSEvent`, and settle each batch as Lambda does (batch size,
 * batching window, maximum concurrency, ReportBatchItemFailures). Messages the function
 * reports as failed stay on the queue and come back; the queue's own redrive policy
 * moves them to the DLQ after maxReceiveCount, as on AWS.
 */
import { setMaxListeners } from "node:events";
import type { SQSClient, Message } from "@aws-sdk/client-sqs";
import { DeleteMessageBatchCommand, ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
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
}

export interface Invoker {
  invoke(event: unknown): Promise<InvokeOutcome>;
}

/** SQS allows at most 10 messages per receive and per batch delete. */
const SQS_MAX_MESSAGES = 10;
/** How long an idle poller waits for a message before it polls again. */
const IDLE_WAIT_SECONDS = 1;

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
        { stringValue: value.StringValue, binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString("base64") : undefined, stringListValues: [], binaryListValues: [], dataType: value.DataType ?? "String" },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export class SqsEventSourceMapping {
  readonly stats: MappingStats = { batches: 0, received: 0, deleted: 0, returned: 0 };
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private busy = 0;

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

  start(): void {
    const pollers = Math.max(1, this.spec.maximumConcurrency);
    this.loops = Array.from({ length: pollers }, () => this.poll());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async poll(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const batch = await this.gatherBatch();
        if (batch.length > 0) await this.process(batch);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        throw error;
      }
    }
  }

  /** Up to batchSize messages, waiting at most the batching window once one has arrived. */
  private async gatherBatch(): Promise<Message[]> {
    const batch: Message[] = [];
    const first = await this.receive(Math.min(SQS_MAX_MESSAGES, this.spec.batchSize), 0);
    if (first.length === 0) {
      // The emulator's long poll returns early only when MaxNumberOfMessages is met, so
      // wait for a single message, then top the batch up without waiting.
      const woken = await this.receive(1, IDLE_WAIT_SECONDS);
      if (woken.length === 0) return batch;
      this.busy += 1;
      batch.push(...woken);
    } else {
      this.busy += 1;
      batch.push(...first);
    }
    const windowEnds = Date.now() + this.spec.maximumBatchingWindowSeconds * 1000;
    while (batch.length < this.spec.batchSize && !this.abort.signal.aborted) {
      const more = await this.receive(Math.min(SQS_MAX_MESSAGES, this.spec.batchSize - batch.length), 0);
      batch.push(...more);
      if (more.length === 0 && Date.now() >= windowEnds) break;
      if (more.length === 0) await this.receive(0, 0, windowEnds);
    }
    return batch;
  }

  private async receive(max: number, waitSeconds: number, until?: number): Promise<Message[]> {
    if (max === 0) {
      // Nothing to receive: only wait until the window ends or a stop.
      const wait = Math.max(0, Math.min(50, (until ?? Date.now()) - Date.now()));
      await new Promise<void>((resolve) => {
        const stop = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          this.abort.signal.removeEventListener("abort", stop);
          resolve();
        }, wait);
        this.abort.signal.addEventListener("abort", stop, { once: true });
      });
      return [];
    }
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

  private async process(batch: Message[]): Promise<void> {
    try {
      this.stats.batches += 1;
      const event: SQSEvent = { Records: batch.map((message) => toSqsRecord(message, this.spec.queueArn, this.spec.region)) };
      const outcome = await this.fn.invoke(event);
      const ids = batch.map((message) => message.MessageId ?? "");
      const settlement = settleBatch(ids, outcome.ok ? { ok: true, result: outcome.result } : { ok: false }, this.spec.reportBatchItemFailures);
      const byId = new Map(batch.map((message) => [message.MessageId ?? "", message]));
      await this.remove(settlement.remove.map((id) => byId.get(id)!));
      await this.giveBack(settlement.retry.map((id) => byId.get(id)!));
    } finally {
      this.busy -= 1;
    }
  }

  private async remove(messages: Message[]): Promise<void> {
    for (const part of chunk(messages, SQS_MAX_MESSAGES)) {
      const response = await this.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.spec.queueUrl, Entries: part.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })) }),
      );
      if (response.Failed && response.Failed.length > 0) throw new Error(`could not delete ${response.Failed.length} processed messages from ${this.spec.queueUrl}: ${response.Failed[0].Message}`);
      this.stats.deleted += part.length;
    }
  }

  private async giveBack(messages: Message[]): Promise<void> {
    this.stats.returned += messages.length;
    for (const part of chunk(messages, SQS_MAX_MESSAGES)) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.spec.queueUrl,
          Entries: part.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: this.spec.retryDelaySeconds })),
        }),
      );
    }
  }
}
