/**
 * Fan-out to the next stage's queue: SendMessageBatch in chunks of 10, `Failed` entries
 * retried with backoff. What still fails is thrown, so the input that produced it fails
 * and SQS (or the scheduler) retries it; nothing is dropped silently.
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from "@aws-sdk/client-sqs";
import { retrier, type Retrier, type RetryOptions } from "./backoff";
import { chunkBy } from "./chunk";
import { FanOutError } from "./errors";
import { messageBytes, type OutgoingMessage } from "./messages";

export const SEND_BATCH_MAX_ENTRIES = 10;
/** SendMessageBatch's total payload limit; kept at the long-standing 256 KiB to be safe everywhere. */
export const SEND_BATCH_MAX_BYTES = 256 * 1024;

/** `maxAttempts` counts attempts per entry. @default 5 */
export interface FanOutOptions extends RetryOptions {
  client: Pick<SQSClient, "send">;
  queueUrl: string;
  onRetry?: (info: { attempt: number; failed: number }) => void;
}

export interface SendResult {
  sent: number;
  /** Entries that needed more than one attempt. */
  retried: number;
}

export class FanOut {
  readonly queueUrl: string;
  private readonly client: Pick<SQSClient, "send">;
  private readonly retry: Retrier;
  private readonly onRetry?: FanOutOptions["onRetry"];

  constructor(options: FanOutOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.retry = retrier(options, 5);
    this.onRetry = options.onRetry;
  }

  async send(messages: readonly OutgoingMessage[]): Promise<SendResult> {
    const failures: Array<{ id: string; code: string; senderFault: boolean }> = [];
    let sent = 0;
    const retried = new Set<string>();
    for (const part of chunkBy(messages, SEND_BATCH_MAX_ENTRIES, SEND_BATCH_MAX_BYTES, messageBytes)) {
      // Entry ids only need to be unique within one request; positions are, and are always valid ids.
      let pending = part.map((message, index) => ({ message, entryId: `m${index}` }));
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 0) {
          this.onRetry?.({ attempt, failed: pending.length });
          for (const p of pending) retried.add(p.message.id);
          await this.retry.wait(attempt);
        }
        const entries: SendMessageBatchRequestEntry[] = pending.map(({ message, entryId }) => ({
          Id: entryId,
          MessageBody: message.body,
          MessageAttributes: message.attributes,
        }));
        const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        sent += out.Successful?.length ?? 0;
        const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
        const next: typeof pending = [];
        for (const p of pending) {
          const f = failed.get(p.entryId);
          if (!f) continue;
          // A sender fault (bad body, bad attribute) fails the same way every time.
          if (f.SenderFault || attempt + 1 >= this.retry.maxAttempts)
            failures.push({ id: p.message.id, code: f.Code ?? "Unknown", senderFault: f.SenderFault ?? false });
          else next.push(p);
        }
        pending = next;
      }
    }
    if (failures.length > 0) throw new FanOutError(this.queueUrl, failures);
    return { sent, retried: retried.size };
  }
}
