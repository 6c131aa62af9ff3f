/** Splitting work into API-sized pieces, pure. */

/** Splits `items` into consecutive chunks of at most `size`, preserving order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Splits `items` into consecutive chunks holding at most `maxCount` items and at most
 * `maxBytes` by `sizeOf`. An item larger than `maxBytes` on its own gets a chunk of its
 * own: the API, not the chunker, is the place to refuse it, per entry.
 */
export function chunkBy<T>(
  items: readonly T[],
  maxCount: number,
  maxBytes: number,
  sizeOf: (item: T) => number,
): T[][] {
  if (!Number.isInteger(maxCount) || maxCount < 1)
    throw new RangeError(`maxCount must be a positive integer, got ${maxCount}`);
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
