import { strict as assert } from "node:assert";
import fc from "fast-check";
import { chunk, chunkBy } from "../../../functions/lib/chunk";
import { canonicalJson, contentHash } from "../../../functions/lib/hash";

describe("chunk", () => {
  it("never exceeds the size, and the chunks concatenate to the input", () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 300 }), fc.integer({ min: 1, max: 120 }), (items, size) => {
        const parts = chunk(items, size);
        return (
          parts.every((p) => p.length >= 1 && p.length <= size) &&
          JSON.stringify(parts.flat()) === JSON.stringify(items) &&
          parts.length === Math.ceil(items.length / size)
        );
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a size that is not a positive integer", () => {
    for (const size of [0, -1, 2.5, Number.NaN]) assert.throws(() => chunk([1], size), RangeError);
  });

  it("chunkBy keeps count and bytes within limits unless one item alone is over", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(300), { maxLength: 200 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 1_000 }),
        (sizes, maxCount, maxBytes) => {
          const parts = chunkBy(sizes, maxCount, maxBytes, (n) => n);
          const withinLimits = parts.every(
            (p) => p.length <= maxCount && (p.length === 1 || p.reduce((a, b) => a + b, 0) <= maxBytes),
          );
          return (
            withinLimits && JSON.stringify(parts.flat()) === JSON.stringify(sizes) && parts.every((p) => p.length > 0)
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("chunkBy by example: 10 per SendMessageBatch, split early on bytes", () => {
    assert.deepEqual(
      chunkBy([1, 1, 1], 2, 100, (n) => n),
      [[1, 1], [1]],
    );
    assert.deepEqual(
      chunkBy([60, 60, 10], 10, 100, (n) => n),
      [[60], [60, 10]],
    );
    assert.deepEqual(
      chunkBy([500, 1], 10, 100, (n) => n),
      [[500], [1]],
    );
    assert.deepEqual(
      chunkBy([], 10, 100, (n: number) => n),
      [],
    );
  });
});

describe("contentHash", () => {
  it("is a known sha256 of the canonical JSON", () => {
    assert.equal(
      canonicalJson({ b: 1, a: [true, null, "x"], c: { z: 1, y: 2 } }),
      '{"a":[true,null,"x"],"b":1,"c":{"y":2,"z":1}}',
    );
    assert.equal(
      contentHash({ name: "Scranton", id: "B001" }),
      "48cffe74f42a8745819b00d3ed1d38eb628184a156e7b4807f5dc7fc7c372510",
    );
    assert.equal(contentHash({}), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  });

  it("ignores key order at every level and undefined fields", () => {
    const shuffle = (value: unknown, seed: number): unknown => {
      if (Array.isArray(value)) return value.map((v, i) => shuffle(v, seed + i));
      if (value && typeof value === "object") {
        const entries = Object.entries(value);
        entries.sort(
          (a, b) => ((a[0].length * 31 + seed) % 7) - ((b[0].length * 31 + seed) % 7) || (a[0] < b[0] ? 1 : -1),
        );
        return Object.fromEntries(entries.map(([k, v]) => [k, shuffle(v, seed + 1)]));
      }
      return value;
    };
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.nat(100),
        (value, seed) => contentHash(value) === contentHash(shuffle(value, seed)),
      ),
      { numRuns: 200 },
    );
    assert.equal(contentHash({ a: 1, b: undefined }), contentHash({ a: 1 }));
  });

  it("differs when any value differs", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { minKeys: 1 }),
        fc.string({ maxLength: 5 }),
        (record, extra) => {
          const key = Object.keys(record)[0];
          const changed = { ...record, [key]: `${record[key]}${extra}!` };
          return contentHash(record) !== contentHash(changed);
        },
      ),
      { numRuns: 200 },
    );
  });
});
