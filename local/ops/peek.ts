/**
 * Reading a queue's messages without consuming them, as far as SQS allows.
 *
 * SQS has no peek: the only read is ReceiveMessage, and every receive counts. It
 * increments the message's ApproximateReceiveCount ("the number of times a message has
 * been received across all queues but not deleted",
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html)
 * and hides the message for the receive's VisibilityTimeout. So:
 * - A receive with VisibilityTimeout 0 does not read without side effects either: the
 *   count still goes up, and since the message is visible again at once, the next receive
 *   may return it again; a loop cannot tell when it has seen every message.
 * - Here each message is hidden for HIDE_SECONDS while the listing goes on, then made
 *   visible again with ChangeMessageVisibility 0. The listing sees each message once;
 *   the cost is the receive count going up by one per listing and, for those seconds, the
 *   message being invisible to anything else (a redrive started meanwhile moves it later,
 *   when it is visible again).
 * That cost is why this reads only dead-letter queues: nothing consumes them, and their
 * count has no maxReceiveCount behind it. Peeking a live stage queue would delay its
 * consumer and could push a message towards its own DLQ, so that is never done.
 * Receives long-poll (WaitTimeSeconds) because a short poll samples only some of SQS's
 * servers and may return nothing while messages wait
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { chunk } from "../../functions/lib/chunk";

/** Long enough to read a DLQ of a few thousand messages before the first comes back. */
export const HIDE_SECONDS = 60;
/** SQS's limit per receive and per batch call. */
const SQS_BATCH = 10;

export interface PeekOptions {
  /** Long-poll wait of each receive. @default 1 */
  waitSeconds?: number;
  /** Stop after this many messages. @default 10000 */
  limit?: number;
}

/** The queue's visible messages, each once, left on the queue. */
export async function peekMessages(sqs: SQSClient, queueUrl: string, options: PeekOptions = {}): Promise<Message[]> {
  const limit = options.limit ?? 10_000;
  const seen = new Map<string, Message>();
  try {
    while (seen.size < limit) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(SQS_BATCH, limit - seen.size),
          WaitTimeSeconds: options.waitSeconds ?? 1,
          VisibilityTimeout: HIDE_SECONDS,
          // The emulator answers only the older AttributeNames; AWS takes both.
          AttributeNames: ["All"],
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      );
      const fresh = (Messages ?? []).filter((message) => !seen.has(message.MessageId ?? ""));
      if (fresh.length === 0) break;
      for (const message of fresh) seen.set(message.MessageId ?? "", message);
    }
  } finally {
    await release(sqs, queueUrl, [...seen.values()]);
  }
  return [...seen.values()];
}

/** Makes received messages visible again at once. */
export async function release(sqs: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  for (const part of chunk(messages, SQS_BATCH)) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: part.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}
