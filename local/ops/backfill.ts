/**
 * `cascade backfill --since DATE [--branches a,b]`: one scheduled run whose sales window
 * starts at DATE instead of lookbackHours before now. The event carries `since`; stage 1
 * forwards it in every message, and the sales stage asks the source from there.
 */
import type { ScheduleEvent } from "../../functions/lib/contract";
import { ScheduleEventSchema, describeIssues } from "../../functions/lib/schemas";
import { OpsError } from "./errors";
import type { OpsTarget } from "./target";

export class BackfillError extends OpsError {
  override readonly name = "BackfillError";
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** The schedule event of a backfill; DATE is a day (midnight UTC) or an ISO 8601 instant with its offset. Pure. */
export function backfillEvent(since: string, branches: readonly string[] | undefined, now: Date): ScheduleEvent {
  const instant = DATE_ONLY.test(since) ? `${since}T00:00:00.000Z` : since;
  const at = new Date(instant);
  if (!/T/.test(instant) || Number.isNaN(at.getTime()))
    throw new BackfillError(`--since must be a date (2026-11-30) or an ISO 8601 time with offset, got "${since}"`);
  if (at.getTime() >= now.getTime())
    throw new BackfillError(`--since ${since} is not in the past: a backfill collects what already happened`);
  const event: ScheduleEvent = {
    since: at.toISOString(),
    ...(branches && branches.length > 0 ? { branches: [...branches] } : {}),
  };
  const parsed = ScheduleEventSchema.safeParse(event);
  if (!parsed.success) throw new BackfillError(`not a valid schedule event: ${describeIssues(parsed.error)}`);
  return event;
}

export async function backfill(
  target: OpsTarget,
  since: string,
  branches: readonly string[] | undefined,
  now = new Date(),
): Promise<{ event: ScheduleEvent; note: string }> {
  const event = backfillEvent(since, branches, now);
  return { event, note: await target.invokeScheduledRun(event) };
}
