/**
 * zod schemas: the source's record shapes and the pipeline's own messages. The source
 * is a third party, so its records are parsed, never trusted; a record that does not
 * parse goes to rejects (docs/design.md, "Rejects") and the rest go on.
 */
import { z } from "zod";
import { JsonNumber } from "./json";

/**
 * An id, byte for byte as served: never trimmed, since " S-pad" and "S-pad" are two
 * records. What DynamoDB cannot key on (empty, too long, not Unicode) is refused by the
 * storage checks with its own reason (storable.ts), not here.
 */
const id = z.string();
/** Text that must say something; kept as served, never trimmed. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.trim() !== "", "must not be blank");
const isoDateTime = z.iso.datetime({ offset: true });
/**
 * A number as the source wrote it (a JsonNumber from parseJson, kept to the last digit)
 * or a plain number from code. Whether DynamoDB can hold it is storable.ts's question.
 */
const decimal = z.union([
  z.custom<JsonNumber>((v) => v instanceof JsonNumber, "expected a number"),
  z.number().finite(),
]);
const nonNegative = (n: JsonNumber | number): boolean => !((n instanceof JsonNumber ? n.toNumber() : n) < 0);

export const BranchRecord = z.object({
  id,
  name: text(256),
  region: text(256),
  openedOn: z.iso.date(),
});
export type BranchRecord = z.infer<typeof BranchRecord>;

export const EmployeeRecord = z.object({
  id,
  branchID: id,
  name: text(256),
  occupation: text(128),
  hiredOn: z.iso.date(),
});
export type EmployeeRecord = z.infer<typeof EmployeeRecord>;

export const SaleRecord = z.object({
  id,
  salespersonsID: id,
  amount: decimal.refine(nonNegative, "must not be negative"),
  currency: z.string().regex(/^[A-Z]{3}$/),
  soldAt: isoDateTime,
  // Free text; can be long, and is what can push an item past DynamoDB's size limit.
  note: z.string().optional(),
});
export type SaleRecord = z.infer<typeof SaleRecord>;

/** The envelope every source response uses: data under `result`, an optional `next` cursor. */
export const SourcePage = z.object({
  result: z.array(z.unknown()),
  next: z.string().min(1).nullish(),
});
export type SourcePage = z.infer<typeof SourcePage>;

/** Where a backfill's sales window starts; absent, the stage's look-back decides. */
const since = isoDateTime.optional();

/**
 * What a parent needs to have its children collected even when its other fields are
 * invalid: its id and its own parent link (and, for an employee, whether it sells).
 */
export const BranchLink = z.object({ id });
export const EmployeeLink = z.object({ id, branchID: id, occupation: z.string() });

export const ScheduleEventSchema = z.object({
  branches: z.array(z.string().trim().min(1).max(256)).max(1000).optional(),
  since,
});

/** Ids in messages: as stored, so at most a sort key's 1,024 bytes (storable.ts). */
const messageId = z
  .string()
  .min(1)
  .refine((s) => Buffer.byteLength(s, "utf8") <= 1_024, "longer than 1,024 bytes");
export const BranchMessageSchema = z.strictObject({
  runId: z.string().min(1).max(128),
  branchId: messageId,
  since,
});
export const SalespersonMessageSchema = z.strictObject({
  runId: z.string().min(1).max(128),
  branchId: messageId,
  employeeId: messageId,
  since,
});

/** A short, stable description of why a value failed, for the reject's `detail`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}
