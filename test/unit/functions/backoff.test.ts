import { strict as assert } from "node:assert";
import fc from "fast-check";
import { fullJitterDelay, parseRetryAfter, retryDelay } from "../../../functions/lib/backoff";

const NOW = Date.UTC(2024, 4, 6, 12, 0, 0);

describe("backoff", () => {
  describe("parseRetryAfter", () => {
    const cases: Array<[string | null | undefined, number | undefined]> = [
      [undefined, undefined],
      [null, undefined],
      ["", undefined],
      ["0", 0],
      ["7", 7_000],
      [" 120 ", 120_000],
      ["-1", undefined],
      ["1.5", undefined],
      ["soon", undefined],
      ["Mon, 06 May 2024 12:00:05 GMT", 5_000],
      ["Monday, 06-May-24 12:00:30 GMT", 30_000],
      ["Mon May  6 12:01:00 2024", 60_000],
      ["Mon, 06 May 2024 11:59:00 GMT", 0],
      ["2024-05-06T12:00:05Z", undefined],
      ["Mon, 99 May 2024 12:00:05 GMT", undefined],
    ];
    for (const [header, expected] of cases) {
      it(`${JSON.stringify(header)} -> ${expected}`, () => assert.equal(parseRetryAfter(header, NOW), expected));
    }

    it("delta-seconds round-trip for any non-negative integer", () => {
      fc.assert(
        fc.property(fc.nat(10_000_000), (s) => parseRetryAfter(String(s), NOW) === s * 1000),
        { numRuns: 200 },
      );
    });

    it("an HTTP-date in the future is the distance to it, to the second", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 86_400 * 365 }),
          (s) => parseRetryAfter(new Date(NOW + s * 1000).toUTCString(), NOW) === s * 1000,
        ),
        { numRuns: 200 },
      );
    });
  });

  describe("fullJitterDelay", () => {
    it("stays in [0, min(cap, base * 2^attempt))", () => {
      fc.assert(
        fc.property(
          fc.nat(100),
          fc.integer({ min: 1, max: 10_000 }),
          fc.integer({ min: 1, max: 100_000 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (attempt, baseMs, capMs, r) => {
            const d = fullJitterDelay(attempt, { baseMs, capMs }, () => r);
            return Number.isInteger(d) && d >= 0 && d < Math.max(1, Math.min(capMs, baseMs * 2 ** attempt));
          },
        ),
        { numRuns: 500 },
      );
    });

    const table: Array<[number, number, number]> = [
      [0, 0.5, 50],
      [1, 0.5, 100],
      [3, 0.999, 799],
      [10, 0.5, 2_500],
      [60, 0.999, 4_995],
      [2, 0, 0],
    ];
    for (const [attempt, r, expected] of table) {
      it(`attempt ${attempt}, random ${r} -> ${expected} ms (base 100, cap 5000)`, () =>
        assert.equal(
          fullJitterDelay(attempt, { baseMs: 100, capMs: 5_000 }, () => r),
          expected,
        ));
    }
  });

  describe("retryDelay", () => {
    it("prefers Retry-After, capped", () => {
      assert.equal(
        retryDelay(0, 3_000, 10_000, { baseMs: 100, capMs: 5_000 }, () => 0.5),
        3_000,
      );
      assert.equal(
        retryDelay(0, 3_600_000, 10_000, { baseMs: 100, capMs: 5_000 }, () => 0.5),
        10_000,
      );
      assert.equal(
        retryDelay(2, undefined, 10_000, { baseMs: 100, capMs: 5_000 }, () => 0.5),
        200,
      );
    });

    it("never exceeds the larger of the two caps", () => {
      fc.assert(
        fc.property(
          fc.nat(40),
          fc.option(fc.nat(10_000_000), { nil: undefined }),
          fc.nat(60_000),
          (attempt, ra, raCap) =>
            retryDelay(attempt, ra, raCap, { baseMs: 100, capMs: 5_000 }, Math.random) <= Math.max(raCap, 5_000),
        ),
        { numRuns: 300 },
      );
    });
  });
});

describe("parseRetryAfter in another time zone", () => {
  let zone: string | undefined;
  beforeEach(() => {
    zone = process.env.TZ;
    process.env.TZ = "America/New_York";
  });
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it("reads the asctime form as UTC, as every HTTP-date is", () => {
    const now = Date.UTC(1994, 10, 6, 8, 49, 0);
    assert.equal(parseRetryAfter("Sun Nov  6 08:49:37 1994", now), 37_000);
  });
});
