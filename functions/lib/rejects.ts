/** Building rejects items (docs/design.md, "Rejects"), pure. */
import { contentHash } from "./hash";
import { toItem, type Item } from "./item";
import { REJECTS_TTL_ATTRIBUTE, REJECT_ATTRIBUTES, TABLE_KEYS, type RejectReason, type StageName } from "./contract";

/** Enough of the payload to see what was wrong, small enough to never hit the item limit. */
export const PAYLOAD_EXCERPT_CHARS = 2_048;
export const DETAIL_CHARS = 1_024;

export interface Reject {
  stage: StageName;
  sourceId: string;
  reason: RejectReason;
  detail: string;
  payload: unknown;
}

/**
 * The id a reject is stored under. A record without a usable id still needs a stable
 * key, or the same bad record would pile up under fresh keys on every run.
 */
export function rejectSourceId(payload: unknown): string {
  if (payload !== null && typeof payload === "object" && !Array.isArray(payload)) {
    const id = (payload as Record<string, unknown>).id;
    if ((typeof id === "string" && id.trim() !== "") || typeof id === "number") return String(id).slice(0, 256);
  }
  return `unidentified:${contentHash(payload).slice(0, 16)}`;
}

export function excerpt(payload: unknown, max: number = PAYLOAD_EXCERPT_CHARS): string {
  let text: string;
  try {
    text = typeof payload === "string" ? payload : (JSON.stringify(payload) ?? String(payload));
  } catch {
    text = String(payload);
  }
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function rejectItem(reject: Reject, runId: string, now: Date, ttlDays: number): Item {
  return toItem({
    [TABLE_KEYS.rejects.hashKey]: reject.stage,
    [TABLE_KEYS.rejects.rangeKey]: reject.sourceId,
    [REJECT_ATTRIBUTES.reason]: reject.reason,
    [REJECT_ATTRIBUTES.detail]: excerpt(reject.detail, DETAIL_CHARS),
    [REJECT_ATTRIBUTES.runId]: runId,
    [REJECT_ATTRIBUTES.payload]: excerpt(reject.payload),
    [REJECT_ATTRIBUTES.rejectedAt]: now.toISOString(),
    [REJECTS_TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + Math.round(ttlDays * 86_400),
  });
}
