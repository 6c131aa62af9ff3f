/**
 * `cascade dlq list | redrive | purge`: what waits in each dead-letter queue, sending it
 * back, or dropping it. Calls SQS (and, for the schedule DLQ's redrive, the target's
 * scheduled run); everything else is in decode.ts.
 */
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { decodeDeadLetter, type DecodedMessage } from "./decode";
import { OpsError, UnsupportedError } from "./errors";
import { HIDE_SECONDS, peekMessages, release } from "./peek";
import type { DeadLetterKey, DeadLetterQueue, OpsTarget } from "./target";

export interface DeadLetterListing {
  key: DeadLetterKey;
  stage: DeadLetterQueue["stage"];
  queue: string;
  messages: DecodedMessage[];
}

/** Every DLQ's messages, decoded and left where they are (see peek.ts for what a read costs). */
export async function listDeadLetters(target: OpsTarget, waitSeconds?: number): Promise<DeadLetterListing[]> {
  const listings: DeadLetterListing[] = [];
  for (const queue of target.deadLetterQueues) {
    const messages = await peekMessages(target.sqs, queue.dlq.url, { waitSeconds });
    listings.push({
      key: queue.key,
      stage: queue.stage,
      queue: queue.dlq.name,
      messages: messages.map((message) => decodeDeadLetter(queue.key, message)).sort(bySentAt),
    });
  }
  return listings;
}

function bySentAt(a: DecodedMessage, b: DecodedMessage): number {
  return (a.sentAt ?? 0) - (b.sentAt ?? 0) || a.messageId.localeCompare(b.messageId);
}

/** Messages SQS counts on a queue: visible, in flight, delayed. */
export async function queueCounts(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

export class RedriveError extends OpsError {
  override readonly name = "RedriveError";
}

export interface RedriveOutcome {
  key: DeadLetterKey;
  /** How it was sent back: a message move task, or scheduled runs started again. */
  how: "move task" | "re-invoked" | "nothing to do";
  moved: number;
  /** Messages left on the DLQ because they could not be decoded into a run to start again. */
  left: number;
  notes: string[];
}

export interface RedriveProgress {
  key: DeadLetterKey;
  status: string;
  moved: number;
  toMove?: number;
}

export interface RedriveOptions {
  onProgress?: (progress: RedriveProgress) => void;
  /** How often a move task's progress is read. @default 500 */
  pollMs?: number;
  /** Long-poll wait when reading the schedule DLQ. @default 1 */
  waitSeconds?: number;
}

/**
 * A stage DLQ goes back to its source queue with StartMessageMoveTask (the DLQ is the
 * source, the stage queue the destination; only one task per queue may run at a time),
 * and ListMessageMoveTasks reports its status and counts until it is no longer RUNNING.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListMessageMoveTasks.html
 */
async function moveBack(
  sqs: SQSClient,
  queue: DeadLetterQueue & { source: NonNullable<DeadLetterQueue["source"]> },
  options: RedriveOptions,
): Promise<RedriveOutcome> {
  const before = await queueCounts(sqs, queue.dlq.url);
  if (before.visible + before.inFlight + before.delayed === 0)
    return { key: queue.key, how: "nothing to do", moved: 0, left: 0, notes: [] };
  const { TaskHandle } = await sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn: queue.dlq.arn, DestinationArn: queue.source.arn }),
  );
  for (;;) {
    const { Results = [] } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: queue.dlq.arn, MaxResults: 1 }),
    );
    const task = Results.find((result) => result.TaskHandle === TaskHandle) ?? Results[0];
    if (!task) throw new RedriveError(`the move task from ${queue.dlq.name} is not listed by ListMessageMoveTasks`);
    const moved = task.ApproximateNumberOfMessagesMoved ?? 0;
    options.onProgress?.({
      key: queue.key,
      status: task.Status ?? "UNKNOWN",
      moved,
      toMove: task.ApproximateNumberOfMessagesToMove,
    });
    if (task.Status === "COMPLETED") {
      const after = await queueCounts(sqs, queue.dlq.url);
      return { key: queue.key, how: "move task", moved, left: after.visible + after.inFlight, notes: [] };
    }
    if (task.Status !== "RUNNING")
      throw new RedriveError(
        `the move task from ${queue.dlq.name} to ${queue.source.name} ended ${task.Status}` +
          (task.FailureReason ? `: ${task.FailureReason}` : ""),
      );
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

/**
 * The schedule DLQ holds Lambda's records of failed asynchronous invocations, which
 * StartMessageMoveTask cannot send anywhere useful (the branches stage reads no queue).
 * Its redrive starts each recorded run again with the event it was given, through the
 * target (the local schedule, or an asynchronous Invoke of the branches function), and
 * deletes the record once the new run is accepted. A record that cannot be decoded stays.
 */
async function reinvoke(target: OpsTarget, queue: DeadLetterQueue, options: RedriveOptions): Promise<RedriveOutcome> {
  const outcome: RedriveOutcome = { key: queue.key, how: "re-invoked", moved: 0, left: 0, notes: [] };
  const seen = new Set<string>();
  for (;;) {
    const { Messages = [] } = await target.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.dlq.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: options.waitSeconds ?? 1,
        VisibilityTimeout: HIDE_SECONDS,
        AttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const fresh = Messages.filter((message) => !seen.has(message.MessageId ?? ""));
    if (fresh.length === 0) break;
    const keep = [];
    for (const message of fresh) {
      seen.add(message.MessageId ?? "");
      const decoded = decodeDeadLetter(queue.key, message);
      if (decoded.letter.kind !== "invocation") {
        keep.push(message);
        outcome.left += 1;
        outcome.notes.push(`left ${decoded.messageId}: cannot tell which run it was`);
        continue;
      }
      try {
        outcome.notes.push(await target.invokeScheduledRun(decoded.letter.event));
      } catch (error) {
        if (!(error instanceof UnsupportedError)) throw error;
        keep.push(message);
        outcome.left += 1;
        outcome.notes.push(`left ${decoded.messageId}: ${error.message}`);
        continue;
      }
      await target.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queue.dlq.url, ReceiptHandle: message.ReceiptHandle }),
      );
      outcome.moved += 1;
      options.onProgress?.({ key: queue.key, status: "RUNNING", moved: outcome.moved });
    }
    await release(target.sqs, queue.dlq.url, keep);
  }
  if (outcome.moved === 0 && outcome.left === 0) outcome.how = "nothing to do";
  else options.onProgress?.({ key: queue.key, status: "COMPLETED", moved: outcome.moved });
  return outcome;
}

export async function redriveDeadLetters(target: OpsTarget, options: RedriveOptions = {}): Promise<RedriveOutcome[]> {
  const outcomes: RedriveOutcome[] = [];
  for (const queue of target.deadLetterQueues) {
    const source = queue.source;
    outcomes.push(
      source ? await moveBack(target.sqs, { ...queue, source }, options) : await reinvoke(target, queue, options),
    );
  }
  return outcomes;
}

/**
 * Drops every message of every DLQ. PurgeQueue may take up to 60 seconds to finish and
 * allows one purge per queue per 60 seconds (PurgeQueueInProgress otherwise):
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_PurgeQueue.html
 * Returns how many messages each held when the purge was asked for.
 */
export interface PurgeOutcome {
  key: DeadLetterKey;
  purged: number;
  /** A purge asked for within the last 60 seconds is still under way; this one was not needed. */
  alreadyInProgress: boolean;
}

/** SQS's error names for a second purge within 60 seconds (JSON and query protocols). */
const PURGE_IN_PROGRESS = new Set(["PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress"]);

export async function purgeDeadLetters(target: OpsTarget): Promise<PurgeOutcome[]> {
  const outcomes: PurgeOutcome[] = [];
  for (const queue of target.deadLetterQueues) {
    const counts = await queueCounts(target.sqs, queue.dlq.url);
    const total = counts.visible + counts.inFlight + counts.delayed;
    let alreadyInProgress = false;
    if (total > 0) {
      try {
        await target.sqs.send(new PurgeQueueCommand({ QueueUrl: queue.dlq.url }));
      } catch (error) {
        if (!PURGE_IN_PROGRESS.has((error as Error).name)) throw error;
        alreadyInProgress = true;
      }
    }
    outcomes.push({ key: queue.key, purged: alreadyInProgress ? 0 : total, alreadyInProgress });
  }
  return outcomes;
}
