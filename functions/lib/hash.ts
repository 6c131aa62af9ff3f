/** Content hashing of source records, pure and independent of key order. */
import { createHash } from "node:crypto";
import { stringifyJson } from "./json";

/**
 * JSON with object keys sorted at every level, so two records that differ only in key
 * order (sources reorder fields freely) hash the same. Numbers parsed by parseJson are
 * written as the source wrote them, so a change in any digit changes the hash.
 */
export function canonicalJson(value: unknown): string {
  return stringifyJson(value, true);
}

/** sha256 of the canonical JSON, hex. */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
