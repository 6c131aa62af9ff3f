/** Building and reading the stage messages (docs/design.md, "Stage messages"), pure. */
import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import { RUN_ID_ATTRIBUTE, type BranchMessage, type SalespersonMessage } from "./contract";
import { BranchMessageSchema, SalespersonMessageSchema, describeIssues } from "./schemas";
import { InvalidMessageError } from "./errors";

/** One message to send: its body, the run id attribute, and an id unique within the send. */
export interface OutgoingMessage {
  id: string;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

function outgoing(id: string, runId: string, payload: BranchMessage | SalespersonMessage): OutgoingMessage {
  return {
    id,
    body: JSON.stringify(payload),
    attributes: { [RUN_ID_ATTRIBUTE]: { DataType: "String", StringValue: runId } },
  };
}

/** `since` is written only when set, so a scheduled run's messages stay as they were. */
export function branchMessage(runId: string, branchId: string, since?: string): OutgoingMessage {
  return outgoing(branchId, runId, { runId, branchId, ...(since ? { since } : {}) });
}

export function salespersonMessage(
  runId: string,
  branchId: string,
  employeeId: string,
  since?: string,
): OutgoingMessage {
  return outgoing(employeeId, runId, { runId, branchId, employeeId, ...(since ? { since } : {}) });
}

function parseBody<T>(
  body: string,
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import("zod").ZodError } },
): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new InvalidMessageError(`body is not JSON: ${body.slice(0, 80)}`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InvalidMessageError(describeIssues(parsed.error), { cause: parsed.error });
  return parsed.data;
}

export const parseBranchMessage = (body: string): BranchMessage => parseBody(body, BranchMessageSchema);
export const parseSalespersonMessage = (body: string): SalespersonMessage => parseBody(body, SalespersonMessageSchema);

/** Size SQS counts for a message: body plus each attribute's name, type and value. */
export function messageBytes(message: OutgoingMessage): number {
  let size = Buffer.byteLength(message.body, "utf8");
  for (const [name, value] of Object.entries(message.attributes)) {
    size +=
      Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? "") + Buffer.byteLength(value.StringValue ?? "");
  }
  return size;
}
