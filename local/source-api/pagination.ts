/**
 * Cursor pagination of the sample source: an opaque base64url cursor holding the offset
 * of the next page, as the seed's API hands out in `next`.
 */

export const encodeCursor = (offset: number): string =>
  Buffer.from(JSON.stringify({ o: offset })).toString("base64url");

/** The offset a cursor points at (0 for no cursor), or undefined when it is not one of ours. */
export function decodeCursor(cursor: string | null): number | undefined {
  if (cursor === null) return 0;
  try {
    const o = (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { o?: unknown }).o;
    return typeof o === "number" && Number.isInteger(o) && o >= 0 ? o : undefined;
  } catch {
    return undefined;
  }
}

export interface PageOf<T> {
  records: T[];
  /** The cursor of the following page; null on the last. */
  next: string | null;
  /** Whether this is the last page, i.e. the listing was served to its end. */
  last: boolean;
}

/**
 * The page of `records` a cursor asks for, or undefined for a bad cursor. With
 * `cursorLoop`, every `next` points back to the second page, for testing clients.
 */
export function paginate<T>(
  records: readonly T[],
  cursor: string | null,
  pageSize: number,
  cursorLoop: boolean,
): PageOf<T> | undefined {
  const offset = decodeCursor(cursor);
  if (offset === undefined) return undefined;
  const more = offset + pageSize < records.length;
  const next = cursorLoop && more ? encodeCursor(pageSize) : more ? encodeCursor(offset + pageSize) : null;
  return { records: records.slice(offset, offset + pageSize), next, last: !more };
}
