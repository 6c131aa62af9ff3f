/**
 * `cascade status`: how much waits where. Per stage queue and DLQ: what SQS counts
 * (visible, in flight, delayed). The oldest message's age:
 * - On AWS that is the CloudWatch metric ApproximateAgeOfOldestMessage, not a queue
 *   attribute (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
 *   Reading it needs @aws-sdk/client-cloudwatch, which is not a dependency here, so a
 *   stage queue's age is reported as unknown, with that reason.
 * - A DLQ's age is derived from the SentTimestamp of its messages, read as `dlq list`
 *   reads them (peek.ts): nothing consumes a DLQ, so that costs only a receive count.
 *   A stage queue is never peeked: hiding its messages would delay its consumer.
 * Watermark lag per stage is not reported: the pipeline records no watermarks yet, and a
 * column with nothing behind it would mislead.
 */
import { queueCounts } from "./dlq";
import { peekMessages } from "./peek";
import type { OpsTarget } from "./target";

export interface QueueStatus {
  queue: string;
  role: "stage queue" | "dead-letter queue";
  stage: string;
  visible: number;
  inFlight: number;
  delayed: number;
  /** Seconds since the oldest message was sent, or why it is unknown. */
  oldestAgeSeconds: number | null;
  oldestAgeNote?: string;
}

export const STAGE_QUEUE_AGE_NOTE = "needs CloudWatch's ApproximateAgeOfOldestMessage (no CloudWatch client here)";

export async function pipelineStatus(
  target: OpsTarget,
  options: { now?: () => number; waitSeconds?: number } = {},
): Promise<QueueStatus[]> {
  const now = options.now ?? Date.now;
  const rows: QueueStatus[] = [];
  for (const queue of target.deadLetterQueues) {
    if (queue.source)
      rows.push({
        queue: queue.source.name,
        role: "stage queue",
        stage: queue.stage,
        ...(await queueCounts(target.sqs, queue.source.url)),
        oldestAgeSeconds: null,
        oldestAgeNote: STAGE_QUEUE_AGE_NOTE,
      });
    const counts = await queueCounts(target.sqs, queue.dlq.url);
    const empty = counts.visible + counts.inFlight + counts.delayed === 0;
    const sent = empty
      ? []
      : (await peekMessages(target.sqs, queue.dlq.url, { waitSeconds: options.waitSeconds }))
          .map((message) => Number(message.Attributes?.SentTimestamp))
          .filter((value) => Number.isFinite(value));
    rows.push({
      queue: queue.dlq.name,
      role: "dead-letter queue",
      stage: queue.stage,
      ...counts,
      oldestAgeSeconds: sent.length > 0 ? Math.max(0, Math.round((now() - Math.min(...sent)) / 1000)) : null,
      oldestAgeNote: sent.length > 0 ? undefined : "empty",
    });
  }
  return rows;
}

export function formatStatus(rows: readonly QueueStatus[]): string {
  const header = ["queue", "role", "stage", "visible", "in flight", "delayed", "oldest"];
  const body = rows.map((row) => [
    row.queue,
    row.role,
    row.stage,
    String(row.visible),
    String(row.inFlight),
    String(row.delayed),
    row.oldestAgeSeconds !== null ? `${row.oldestAgeSeconds} s` : `n/a (${row.oldestAgeNote})`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join("  ")
      .trimEnd();
  return [line(header), ...body.map(line), "watermark lag: not shown; the pipeline records no watermarks yet"].join(
    "\n",
  );
}
