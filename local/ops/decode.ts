/**
 * What a dead letter says, decoded. Pure.
 * - The employee and sale DLQs hold stage messages as the stage sent them (SQS moves the
 *   message unchanged after maxReceiveCount): runId, branchId, and employeeId for a sale.
 * - The schedule DLQ holds what Lambda sends an on-failure destination after the last
 *   retry of an asynchronous invocation: a record whose requestPayload is the event
 *   (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html),
 *   or, from EventBridge Scheduler's own dead-letter queue, the undeliverable target
 *   input itself.
 */
import type { Message } from "@aws-sdk/client-sqs";
import { parseBranchMessage, parseSalespersonMessage } from "../../functions/lib/messages";
import { ScheduleEventSchema } from "../../functions/lib/schemas";
import type { ScheduleEvent } from "../../functions/lib/contract";
import type { DeadLetterKey } from "./target";

export type DeadLetter =
  | { kind: "stage"; runId: string; branchId: string; employeeId?: string; since?: string }
  | {
      kind: "invocation";
      /** The event the failed run was given, to start it again with. */
      event: ScheduleEvent;
      attempts?: number;
      condition?: string;
      error?: string;
    }
  | { kind: "undecodable"; reason: string; excerpt: string };

export interface DecodedMessage {
  messageId: string;
  /** Epoch ms SQS first accepted the message (kept across the move to the DLQ). */
  sentAt?: number;
  receiveCount?: number;
  letter: DeadLetter;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function undecodable(reason: string, body: string): DeadLetter {
  return { kind: "undecodable", reason, excerpt: body.slice(0, 120) };
}

function scheduleLetter(body: string): DeadLetter {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undecodable("body is not JSON", body);
  }
  const record = asRecord(json);
  if (!record) return undecodable("body is not a JSON object", body);
  const hasPayload = "requestPayload" in record;
  const payload = hasPayload ? record.requestPayload : record;
  const event = ScheduleEventSchema.safeParse(payload ?? {});
  if (!event.success) return undecodable("the event is not a schedule event", body);
  const context = asRecord(record.requestContext);
  const response = asRecord(record.responsePayload);
  return {
    kind: "invocation",
    event: event.data,
    attempts: typeof context?.approximateInvokeCount === "number" ? context.approximateInvokeCount : undefined,
    condition: typeof context?.condition === "string" ? context.condition : undefined,
    error:
      response && typeof response.errorMessage === "string"
        ? `${typeof response.errorType === "string" ? `${response.errorType}: ` : ""}${response.errorMessage}`
        : undefined,
  };
}

function stageLetter(key: "employee" | "sale", body: string): DeadLetter {
  try {
    const message = key === "employee" ? parseBranchMessage(body) : parseSalespersonMessage(body);
    return { kind: "stage", ...message };
  } catch (error) {
    return undecodable((error as Error).message, body);
  }
}

export function decodeDeadLetter(key: DeadLetterKey, message: Message): DecodedMessage {
  const body = message.Body ?? "";
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? "",
    sentAt: attributes.SentTimestamp ? Number(attributes.SentTimestamp) : undefined,
    receiveCount: attributes.ApproximateReceiveCount ? Number(attributes.ApproximateReceiveCount) : undefined,
    letter: key === "schedule" ? scheduleLetter(body) : stageLetter(key, body),
  };
}

/** One line per dead letter, for `cascade dlq list`. */
export function describeLetter(letter: DeadLetter): string {
  switch (letter.kind) {
    case "stage":
      return [
        `run ${letter.runId}`,
        `branch ${letter.branchId}`,
        ...(letter.employeeId ? [`employee ${letter.employeeId}`] : []),
        ...(letter.since ? [`since ${letter.since}`] : []),
      ].join(", ");
    case "invocation":
      return [
        `event ${JSON.stringify(letter.event)}`,
        ...(letter.attempts !== undefined ? [`${letter.attempts} attempts`] : []),
        ...(letter.error ? [letter.error] : []),
      ].join(", ");
    case "undecodable":
      return `undecodable (${letter.reason}): ${letter.excerpt}`;
  }
}
