/** Building rejects items (docs/design.md, "Rejects"), pure. */
import { createHash } from "node:crypto";
import { contentHash } from "./hash";
import { JsonNumber, stringifyJson } from "./json";
import { isWellFormed, MAX_SORT_KEY_BYTES, toWellFormed } from "./storable";
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

/** Longest record id kept in a reject's REJECT_ATTRIBUTES.recordId; longer ones are only in the key's hash. */
export const MAX_RECORD_ID_CHARS = 64 * 1024;

/** The record's id as served: a string, or a number's text; undefined when it has none. */
export function recordIdOf(payload: unknown): string | undefined {
  if (payload !== null && typeof payload === "object" && !Array.isArray(payload)) {
    const id = (payload as Record<string, unknown>).id;
    if (typeof id === "string") return id;
    if (id instanceof JsonNumber) return id.text;
    if (typeof id === "number") return String(id);
  }
  return undefined;
}

/** Whether an id can be the rejects table's sort key byte for byte. */
function usableAsKey(id: string): boolean {
  return id !== "" && isWellFormed(id) && Buffer.byteLength(id, "utf8") <= MAX_SORT_KEY_BYTES;
}

/**
 * The id a reject is stored under: the whole id, byte for byte, when DynamoDB can key on
 * it. An id too long for a sort key, empty or not valid Unicode is keyed by a hash of all
 * of it (two long ids with a common start stay two rejects), and a record without an id
 * by a hash of its content, so the same bad record keeps one key across runs.
 */
export function rejectSourceId(payload: unknown): string {
  const id = recordIdOf(payload);
  if (id === undefined) return `unidentified:${contentHash(payload).slice(0, 16)}`;
  if (usableAsKey(id)) return id;
  return `id-sha256:${createHash("sha256").update(JSON.stringify(id)).digest("hex")}`;
}

/** Text DynamoDB stores as given: lone surrogates (also from cutting a pair) become U+FFFD here, not there. */
function storableText(text: string): string {
  return toWellFormed(text);
}

export function excerpt(payload: unknown, max: number = PAYLOAD_EXCERPT_CHARS): string {
  let text: string;
  try {
    text = typeof payload === "string" ? payload : stringifyJson(payload);
  } catch {
    text = String(payload);
  }
  return storableText(text.length <= max ? text : `${text.slice(0, max - 1)}…`);
}

export function rejectItem(reject: Reject, runId: string, now: Date, ttlDays: number): Item {
  const id = recordIdOf(reject.payload);
  const hashed = id !== undefined && !usableAsKey(id) && id.length <= MAX_RECORD_ID_CHARS;
  return toItem({
    [TABLE_KEYS.rejects.hashKey]: reject.stage,
    [TABLE_KEYS.rejects.rangeKey]: reject.sourceId,
    [REJECT_ATTRIBUTES.reason]: reject.reason,
    [REJECT_ATTRIBUTES.detail]: excerpt(reject.detail, DETAIL_CHARS),
    [REJECT_ATTRIBUTES.runId]: runId,
    [REJECT_ATTRIBUTES.payload]: excerpt(reject.payload),
    [REJECT_ATTRIBUTES.rejectedAt]: now.toISOString(),
    [REJECTS_TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + Math.round(ttlDays * 86_400),
    // JSON text: ASCII escapes keep a lone surrogate readable, where a raw string would turn into U+FFFD.
    [REJECT_ATTRIBUTES.recordId]: hashed ? JSON.stringify(id) : undefined,
  });
}
