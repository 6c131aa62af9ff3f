/**
 * The work of each stage, independent of how it is invoked: pull from the source,
 * validate, upsert what changed, send rejects to the rejects table, fan out. Handlers
 * wrap these; tests call them with clients pointed at the emulators.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import type { z } from "zod";
import {
  TABLE_KEYS,
  CONTENT_HASH_ATTRIBUTE,
  RUN_ATTRIBUTES,
  type StageName,
  type SkipReason,
  type BranchMessage,
  type SalespersonMessage,
} from "./contract";
import type { StageConfig } from "./env";
import type { FanOut } from "./fanout";
import { contentHash } from "./hash";
import { toItem, type Item, type Plain } from "./item";
import { branchMessage, salespersonMessage, type OutgoingMessage } from "./messages";
import { rejectItem, rejectSourceId, type Reject } from "./rejects";
import { BranchLink, EmployeeLink, ScheduleEventSchema, describeIssues } from "./schemas";
import { STAGE } from "./stages";
import { isWellFormed, MAX_SORT_KEY_BYTES } from "./storable";
import type { SourceClient } from "./source-client";
import type { TableWriter } from "./store";
import { zeroCounts, type Counts } from "./counts";
import { InvalidMessageError, StoreError } from "./errors";

/**
 * Whether an occupation means a salesperson: compared without case or spaces, so
 * "Salesperson", "salesperson " and "sales person" all do.
 */
export function isSalesperson(occupation: string): boolean {
  return occupation.toLowerCase().replace(/\s+/g, "") === "salesperson";
}

/** A valid record left out on purpose (SKIP_REASONS). Counted (RecordsSkipped) and logged by id. */
export interface Skip {
  sourceId: string;
  reason: SkipReason;
}

export interface CollectorDeps {
  config: StageConfig;
  source: SourceClient;
  table: TableWriter;
  rejects: TableWriter;
  /** Present for the stages that fan out. */
  fanOut?: FanOut;
  now?: () => Date;
}

export interface CollectContext {
  runId: string;
  /** Epoch ms after which no source call may start. */
  deadline: number;
  logger: Logger;
}

/** What one collect call did: its counts, its rejects and its skips. */
export interface CollectResult extends Counts {
  runId: string;
  rejects: Reject[];
  skips: Skip[];
}

/** A record that passed validation, ready to store, with what the next stage needs from it. */
interface Accepted<R> {
  sourceId: string;
  record: R;
  /** Business attributes of the item; the content hash is taken over exactly these. */
  attributes: Record<string, Plain | undefined>;
}

type Check<R> = (record: R) => { reason: "PARENT_MISMATCH"; detail: string } | undefined;

/**
 * How a parent whose own fields are invalid still has its children collected: its link
 * (id, parent) parses and passes the check. The id then stands in for the record.
 */
export interface LinkRule<L extends { id: string }> {
  schema: z.ZodType<L>;
  check?: (link: L) => boolean;
  /** Said in the reject's detail, e.g. "its employees are still collected". */
  note: string;
}

/** Whether an id can travel to the next stage: it becomes the children's sort key there. */
export function canCarryChildren(id: string): boolean {
  return id !== "" && isWellFormed(id) && Buffer.byteLength(id, "utf8") <= MAX_SORT_KEY_BYTES;
}

/**
 * Splits raw source records into accepted ones, rejects and skips. Duplicates of an id
 * with the same content are harmless repeats, skipped; with different content we cannot know which
 * is right, so the later ones are rejected and the first kept. `linked` holds the links
 * of schema-invalid parents whose children are still to be collected.
 */
export function validateRecords<R extends { id: string }, L extends { id: string } = { id: string }>(
  stage: StageName,
  raw: readonly unknown[],
  schema: z.ZodType<R>,
  toAttributes: (record: R) => Record<string, Plain | undefined>,
  check?: Check<R>,
  link?: LinkRule<L>,
): { accepted: Accepted<R>[]; rejects: Reject[]; skips: Skip[]; linked: L[] } {
  const accepted = new Map<string, Accepted<R> & { hash: string }>();
  const rejects: Reject[] = [];
  const skips: Skip[] = [];
  const linked = new Map<string, L>();
  for (const payload of raw) {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      const parent = link?.schema.safeParse(payload);
      const carries =
        parent?.success === true &&
        canCarryChildren(parent.data.id) &&
        (link?.check?.(parent.data) ?? true) &&
        !accepted.has(parent.data.id);
      if (carries) linked.set(parent.data.id, parent.data);
      rejects.push({
        stage,
        sourceId: rejectSourceId(payload),
        reason: "SCHEMA_INVALID",
        detail: `${describeIssues(parsed.error)}${carries ? `; ${link!.note}` : ""}`,
        payload,
      });
      continue;
    }
    const record = parsed.data;
    const problem = check?.(record);
    if (problem) {
      rejects.push({
        stage,
        sourceId: rejectSourceId(payload),
        reason: problem.reason,
        detail: problem.detail,
        payload,
      });
      continue;
    }
    const attributes = toAttributes(record);
    const hash = contentHash(attributes);
    const earlier = accepted.get(record.id);
    if (earlier) {
      if (earlier.hash !== hash)
        rejects.push({
          stage,
          sourceId: rejectSourceId(payload),
          reason: "DUPLICATE_ID",
          detail: "id seen earlier in the same pull with different content",
          payload,
        });
      else skips.push({ sourceId: record.id, reason: "REPEAT" });
      continue;
    }
    accepted.set(record.id, { sourceId: record.id, record, attributes, hash });
    // A valid listing of the id wins over an invalid one: its children go on once, from it.
    linked.delete(record.id);
  }
  return { accepted: [...accepted.values()], rejects, skips, linked: [...linked.values()] };
}

function storedItem(attributes: Record<string, Plain | undefined>, runId: string, now: Date): Item {
  return toItem({
    ...attributes,
    [CONTENT_HASH_ATTRIBUTE]: contentHash(attributes),
    [RUN_ATTRIBUTES.runId]: runId,
    [RUN_ATTRIBUTES.updatedAt]: now.toISOString(),
  });
}

interface StoreInput<R> {
  fetched: number;
  accepted: Accepted<R>[];
  rejects: Reject[];
  skips?: Skip[];
  /** The message carrying each accepted record's children on; absent for the last stage. */
  messageFor?: (sourceId: string) => OutgoingMessage;
  /** Ids of schema-invalid parents whose children still go on. */
  linkedIds?: string[];
  /** Said in the reject of a parent that still carries its children, e.g. "its sales are still collected". */
  carryNote?: string;
}

/** Upserts the accepted records, stores every reject, sends the messages; returns the counts. */
async function store<R>(deps: CollectorDeps, ctx: CollectContext, input: StoreInput<R>): Promise<CollectResult> {
  const { config } = deps;
  const now = deps.now?.() ?? new Date();
  const acceptedOf = new Map<Item, Accepted<R>>();
  const items = input.accepted.map((a) => {
    const item = storedItem(a.attributes, ctx.runId, now);
    acceptedOf.set(item, a);
    return item;
  });
  const result = await deps.table.upsert(items);
  const allRejects = [...input.rejects];
  const refusedIds = new Set<string>();
  for (const { item, reason, detail } of result.refused) {
    const a = acceptedOf.get(item)!;
    refusedIds.add(a.sourceId);
    const carries = input.messageFor !== undefined && canCarryChildren(a.sourceId);
    allRejects.push({
      stage: config.stage,
      sourceId: rejectSourceId(a.record),
      reason,
      detail: carries ? `${detail}; ${input.carryNote}` : detail,
      payload: a.record,
    });
  }
  if (allRejects.length > 0) {
    const refused = await deps.rejects.putAll(
      allRejects.map((r) => rejectItem(r, ctx.runId, now, config.rejectsTtlDays)),
    );
    // Rejects are built to be storable; one DynamoDB still refuses must fail the input, not vanish.
    if (refused.length > 0) throw new StoreError(deps.rejects.tableName, "BatchWriteItem (refused)", refused.length);
    for (const r of allRejects)
      ctx.logger.warn("record rejected", { sourceId: r.sourceId, reason: r.reason, detail: r.detail });
  }
  if (result.moved.length > 0) ctx.logger.info("records moved to a new parent", { moved: result.moved.length });
  const skips = input.skips ?? [];
  if (skips.length > 0)
    ctx.logger.info("records skipped", { skipped: skips.map((s) => ({ sourceId: s.sourceId, reason: s.reason })) });
  // A record refused for its own fields still carries its children on when its id can;
  // its reject's detail says so.
  const carriers = [
    ...input.accepted.map((a) => a.sourceId).filter((id) => !refusedIds.has(id) || canCarryChildren(id)),
    ...(input.linkedIds ?? []),
  ];
  let sent = 0;
  let retried = 0;
  if (input.messageFor && carriers.length > 0) {
    if (!deps.fanOut) throw new Error(`stage ${config.stage} has messages to send but no target queue`);
    ({ sent, retried } = await deps.fanOut.send(carriers.map(input.messageFor)));
    if (retried > 0) ctx.logger.warn("send retried", { retried });
  }
  return {
    ...zeroCounts(),
    runId: ctx.runId,
    fetched: input.fetched,
    written: result.written.length,
    unchanged: result.unchanged,
    rejected: allRejects.length,
    skipped: skips.length,
    moved: result.moved.length,
    sent,
    rejects: allRejects,
    skips,
  };
}

const EMPLOYEES_STILL_COLLECTED = "its employees are still collected";
const SALES_STILL_COLLECTED = "its sales are still collected";

/** Parses the scheduler's input: the configured JSON, `{}` or `{"branches": [...]}`. */
export function parseScheduleEvent(event: unknown): string[] | undefined {
  const parsed = ScheduleEventSchema.safeParse(event ?? {});
  if (!parsed.success) throw new InvalidMessageError(describeIssues(parsed.error));
  const names = parsed.data.branches;
  return names && names.length > 0 ? [...new Set(names)] : undefined;
}

/** The event's backfill start, if it asks for one. */
export function scheduleSince(event: unknown): string | undefined {
  const parsed = ScheduleEventSchema.safeParse(event ?? {});
  if (!parsed.success) throw new InvalidMessageError(describeIssues(parsed.error));
  return parsed.data.since;
}

export async function collectBranches(
  deps: CollectorDeps,
  ctx: CollectContext,
  event: unknown,
): Promise<CollectResult> {
  const names = parseScheduleEvent(event);
  const since = scheduleSince(event);
  const raw: unknown[] = [];
  if (names === undefined) raw.push(...(await deps.source.list(STAGE.branches.source.path, {}, ctx)));
  else
    for (const name of names) raw.push(...(await deps.source.list(STAGE.branches.source.path, { branch: name }, ctx)));
  const { accepted, rejects, skips, linked } = validateRecords(
    "branches",
    raw,
    STAGE.branches.source.record,
    (b) => ({
      [TABLE_KEYS.branches.hashKey]: b.id,
      name: b.name,
      region: b.region,
      opened_on: b.openedOn,
    }),
    undefined,
    { schema: BranchLink, note: EMPLOYEES_STILL_COLLECTED },
  );
  if (names) {
    const found = new Set(accepted.map((a) => a.record.name));
    const missing = names.filter((n) => !found.has(n));
    if (missing.length > 0) ctx.logger.warn("requested branches not found at the source", { missing });
  }
  return store(deps, ctx, {
    fetched: raw.length,
    accepted,
    rejects,
    skips,
    messageFor: (id) => branchMessage(ctx.runId, id, since),
    linkedIds: linked.map((l) => l.id),
    carryNote: EMPLOYEES_STILL_COLLECTED,
  });
}

export async function collectSalespersons(
  deps: CollectorDeps,
  ctx: CollectContext,
  message: BranchMessage,
): Promise<CollectResult> {
  const raw = await deps.source.list(STAGE.salespersons.source.path, { branchID: message.branchId }, ctx);
  const {
    accepted,
    rejects,
    skips: repeats,
    linked,
  } = validateRecords(
    "salespersons",
    raw,
    STAGE.salespersons.source.record,
    (e) => ({
      [TABLE_KEYS.salespersons.hashKey]: e.id,
      [TABLE_KEYS.salespersons.rangeKey]: e.branchID,
      name: e.name,
      occupation: e.occupation,
      hired_on: e.hiredOn,
    }),
    (e) =>
      e.branchID === message.branchId
        ? undefined
        : { reason: "PARENT_MISMATCH", detail: `branchID ${e.branchID} != requested ${message.branchId}` },
    {
      schema: EmployeeLink,
      check: (e) => e.branchID === message.branchId && isSalesperson(e.occupation),
      note: SALES_STILL_COLLECTED,
    },
  );
  const salespersons = accepted.filter((a) => isSalesperson(a.record.occupation));
  const skips: Skip[] = [
    ...accepted
      .filter((a) => !isSalesperson(a.record.occupation))
      .map((a): Skip => ({ sourceId: a.sourceId, reason: "NOT_SALESPERSON" })),
    ...repeats,
  ];
  return store(deps, ctx, {
    fetched: raw.length,
    accepted: salespersons,
    rejects,
    skips,
    messageFor: (id) => salespersonMessage(ctx.runId, message.branchId, id, message.since),
    linkedIds: linked.map((l) => l.id),
    carryNote: SALES_STILL_COLLECTED,
  });
}

export async function collectSales(
  deps: CollectorDeps,
  ctx: CollectContext,
  message: SalespersonMessage,
): Promise<CollectResult> {
  const now = deps.now?.() ?? new Date();
  // A backfill names its own window start; otherwise the look-back runs from now.
  const since = message.since
    ? new Date(message.since)
    : new Date(now.getTime() - deps.config.lookbackHours * 3_600_000);
  const raw = await deps.source.list(
    STAGE.sales.source.path,
    { salespersonsID: message.employeeId, since: since.toISOString() },
    ctx,
  );
  const {
    accepted,
    rejects,
    skips: repeats,
  } = validateRecords(
    "sales",
    raw,
    STAGE.sales.source.record,
    (s) => ({
      [TABLE_KEYS.sales.hashKey]: s.id,
      [TABLE_KEYS.sales.rangeKey]: s.salespersonsID,
      branch_id: message.branchId,
      amount: s.amount,
      currency: s.currency,
      sold_at: s.soldAt,
      note: s.note,
    }),
    (s) =>
      s.salespersonsID === message.employeeId
        ? undefined
        : {
            reason: "PARENT_MISMATCH",
            detail: `salespersonsID ${s.salespersonsID} != requested ${message.employeeId}`,
          },
  );
  // The source is asked for `since`, but a source that ignores it must not widen the window.
  const inWindow = accepted.filter((a) => Date.parse(a.record.soldAt) >= since.getTime());
  const skips: Skip[] = [
    ...accepted
      .filter((a) => Date.parse(a.record.soldAt) < since.getTime())
      .map((a): Skip => ({ sourceId: a.sourceId, reason: "OUTSIDE_WINDOW" })),
    ...repeats,
  ];
  return store(deps, ctx, { fetched: raw.length, accepted: inWindow, rejects, skips });
}
