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
  type BranchMessage,
  type SalespersonMessage,
} from "./contract";
import type { StageConfig } from "./env";
import type { FanOut } from "./fanout";
import { contentHash } from "./hash";
import { toItem, type Item, type Plain } from "./item";
import { branchMessage, salespersonMessage, type OutgoingMessage } from "./messages";
import { rejectItem, rejectSourceId, type Reject } from "./rejects";
import { ScheduleEventSchema, describeIssues } from "./schemas";
import { STAGE } from "./stages";
import type { SourceClient } from "./source-client";
import type { TableWriter } from "./store";
import { zeroCounts, type Counts } from "./counts";
import { InvalidMessageError } from "./errors";

export const SALESPERSON_OCCUPATION = "salesperson";

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

/** What one collect call did: its counts and its rejects. */
export interface CollectResult extends Counts {
  runId: string;
  rejects: Reject[];
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
 * Splits raw source records into accepted ones and rejects. Duplicates of an id with
 * the same content are harmless repeats; with different content we cannot know which
 * is right, so the later ones are rejected and the first kept.
 */
export function validateRecords<R extends { id: string }>(
  stage: StageName,
  raw: readonly unknown[],
  schema: z.ZodType<R>,
  toAttributes: (record: R) => Record<string, Plain | undefined>,
  check?: Check<R>,
): { accepted: Accepted<R>[]; rejects: Reject[] } {
  const accepted = new Map<string, Accepted<R> & { hash: string }>();
  const rejects: Reject[] = [];
  for (const payload of raw) {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      rejects.push({
        stage,
        sourceId: rejectSourceId(payload),
        reason: "SCHEMA_INVALID",
        detail: describeIssues(parsed.error),
        payload,
      });
      continue;
    }
    const record = parsed.data;
    const problem = check?.(record);
    if (problem) {
      rejects.push({ stage, sourceId: record.id, reason: problem.reason, detail: problem.detail, payload });
      continue;
    }
    const attributes = toAttributes(record);
    const hash = contentHash(attributes);
    const earlier = accepted.get(record.id);
    if (earlier) {
      if (earlier.hash !== hash)
        rejects.push({
          stage,
          sourceId: record.id,
          reason: "DUPLICATE_ID",
          detail: "id seen earlier in the same pull with different content",
          payload,
        });
      continue;
    }
    accepted.set(record.id, { sourceId: record.id, record, attributes, hash });
  }
  return { accepted: [...accepted.values()], rejects };
}

function storedItem(attributes: Record<string, Plain | undefined>, runId: string, now: Date): Item {
  return toItem({
    ...attributes,
    [CONTENT_HASH_ATTRIBUTE]: contentHash(attributes),
    [RUN_ATTRIBUTES.runId]: runId,
    [RUN_ATTRIBUTES.updatedAt]: now.toISOString(),
  });
}

/**
 * Upserts the accepted records, stores every reject, sends the messages; returns the counts.
 * What was fetched and is neither accepted nor rejected here was skipped (SKIP_REASONS).
 */
async function store<R>(
  deps: CollectorDeps,
  ctx: CollectContext,
  fetched: number,
  accepted: Accepted<R>[],
  rejects: Reject[],
  messages: OutgoingMessage[],
): Promise<CollectResult> {
  const { config } = deps;
  const now = deps.now?.() ?? new Date();
  const sourceIdOf = new Map<Item, Accepted<R>>();
  const items = accepted.map((a) => {
    const item = storedItem(a.attributes, ctx.runId, now);
    sourceIdOf.set(item, a);
    return item;
  });
  const result = await deps.table.upsert(items);
  const allRejects = [...rejects];
  const tooLargeIds = new Set<string>();
  for (const { item, bytes } of result.tooLarge) {
    const a = sourceIdOf.get(item)!;
    tooLargeIds.add(a.sourceId);
    allRejects.push({
      stage: config.stage,
      sourceId: a.sourceId,
      reason: "ITEM_TOO_LARGE",
      detail: `item is ${bytes} bytes; DynamoDB allows 409600`,
      payload: a.record,
    });
  }
  if (allRejects.length > 0) {
    await deps.rejects.putAll(allRejects.map((r) => rejectItem(r, ctx.runId, now, config.rejectsTtlDays)));
    for (const r of allRejects)
      ctx.logger.warn("record rejected", { sourceId: r.sourceId, reason: r.reason, detail: r.detail });
  }
  // A record we could not store must not send work downstream.
  const toSend = messages.filter((m) => !tooLargeIds.has(m.id));
  let sent = 0;
  let retried = 0;
  if (toSend.length > 0) {
    if (!deps.fanOut) throw new Error(`stage ${config.stage} has messages to send but no target queue`);
    ({ sent, retried } = await deps.fanOut.send(toSend));
    if (retried > 0) ctx.logger.warn("send retried", { retried });
  }
  return {
    ...zeroCounts(),
    runId: ctx.runId,
    fetched,
    written: result.written.length,
    unchanged: result.unchanged,
    rejected: allRejects.length,
    skipped: fetched - accepted.length - rejects.length,
    sent,
    rejects: allRejects,
  };
}

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
  const { accepted, rejects } = validateRecords("branches", raw, STAGE.branches.source.record, (b) => ({
    [TABLE_KEYS.branches.hashKey]: b.id,
    name: b.name,
    region: b.region,
    opened_on: b.openedOn,
  }));
  if (names) {
    const found = new Set(accepted.map((a) => a.record.name));
    const missing = names.filter((n) => !found.has(n));
    if (missing.length > 0) ctx.logger.warn("requested branches not found at the source", { missing });
  }
  const messages = accepted.map((a) => branchMessage(ctx.runId, a.record.id, since));
  return store(deps, ctx, raw.length, accepted, rejects, messages);
}

export async function collectSalespersons(
  deps: CollectorDeps,
  ctx: CollectContext,
  message: BranchMessage,
): Promise<CollectResult> {
  const raw = await deps.source.list(STAGE.salespersons.source.path, { branchID: message.branchId }, ctx);
  const { accepted, rejects } = validateRecords(
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
  );
  const salespersons = accepted.filter((a) => a.record.occupation === SALESPERSON_OCCUPATION);
  const messages = salespersons.map((a) => salespersonMessage(ctx.runId, message.branchId, a.record.id, message.since));
  return store(deps, ctx, raw.length, salespersons, rejects, messages);
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
  const { accepted, rejects } = validateRecords(
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
  if (inWindow.length < accepted.length)
    ctx.logger.info("sales outside the look-back window skipped", { skipped: accepted.length - inWindow.length });
  return store(deps, ctx, raw.length, inWindow, rejects, []);
}
