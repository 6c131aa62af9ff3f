/**
 * zod schemas: the source's record shapes and the pipeline's own messages. The source
 * is a third party, so its records are parsed, never trusted; a record that does not
 * parse goes to rejects (docs/design.md, "Rejects") and the rest go on.
 */
import { z } from "zod";

const id = z.string().trim().min(1).max(256);
const isoDateTime = z.iso.datetime({ offset: true });

export const BranchRecord = z.object({
  id,
  name: z.string().trim().min(1).max(256),
  region: z.string().min(1).max(256),
  openedOn: z.iso.date(),
});
export type BranchRecord = z.infer<typeof BranchRecord>;

export const EmployeeRecord = z.object({
  id,
  branchID: id,
  name: z.string().trim().min(1).max(256),
  occupation: z.string().min(1).max(128),
  hiredOn: z.iso.date(),
});
export type EmployeeRecord = z.infer<typeof EmployeeRecord>;

export const SaleRecord = z.object({
  id,
  salespersonsID: id,
  amount: z.number().finite().nonnegative(),
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

export const ScheduleEventSchema = z.object({
  branches: z.array(z.string().trim().min(1).max(256)).max(1000).optional(),
  since,
});

export const BranchMessageSchema = z.strictObject({
  runId: z.string().min(1).max(128),
  branchId: id,
  since,
});
export const SalespersonMessageSchema = z.strictObject({
  runId: z.string().min(1).max(128),
  branchId: id,
  employeeId: id,
  since,
});

/** A short, stable description of why a value failed, for the reject's `detail`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}
