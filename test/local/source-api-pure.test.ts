import { strict as assert } from "node:assert";
import { FaultPlan, faultFor, retryAfterValue } from "../../local/source-api/faults";
import { decodeCursor, encodeCursor, paginate } from "../../local/source-api/pagination";

describe("sample source: pagination (pure)", function () {
  const records = ["a", "b", "c", "d", "e"];

  it("walks the records page by page, the last page without a cursor", function () {
    const first = paginate(records, null, 2, false);
    assert.deepEqual(first, { records: ["a", "b"], next: encodeCursor(2), last: false });
    const second = paginate(records, first!.next, 2, false);
    assert.deepEqual(second, { records: ["c", "d"], next: encodeCursor(4), last: false });
    assert.deepEqual(paginate(records, second!.next, 2, false), { records: ["e"], next: null, last: true });
  });

  it("with cursorLoop, every next points back to the second page", function () {
    assert.equal(paginate(records, encodeCursor(2), 2, true)!.next, encodeCursor(2));
    assert.equal(paginate(records, encodeCursor(4), 2, true)!.next, null);
  });

  it("refuses a cursor it did not hand out", function () {
    assert.equal(paginate(records, "not-a-cursor", 2, false), undefined);
    assert.equal(decodeCursor(Buffer.from('{"o":-1}').toString("base64url")), undefined);
    assert.equal(decodeCursor(Buffer.from('{"o":1.5}').toString("base64url")), undefined);
    assert.equal(decodeCursor(null), 0);
  });
});

describe("sample source: faults (pure)", function () {
  it("plays the script first, then draws from the seed", function () {
    const faults = { script: ["429", "malformed"] as const, errorRate: 1 };
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => faultFor(7, faults, n, 0)),
      ["429", "malformed", "500", "503"],
    );
    assert.equal(faultFor(7, {}, 0, 0), "ok");
  });

  it("a new script starts from the next request; unavailable parents take no draw", function () {
    const plan = new FaultPlan(1, { script: ["500", "429"] }, new Set(["B002"]));
    assert.deepEqual([plan.next(null), plan.next("B002"), plan.next("B001")], ["500", "503", "429"]);
    plan.set({ script: ["malformed"] });
    assert.deepEqual([plan.next("B002"), plan.next(null), plan.next(null)], ["503", "malformed", "ok"]);
  });

  it("replaced unavailable parents apply from the next request, and an empty list ends the outage", function () {
    const plan = new FaultPlan(1, { script: ["429"] }, []);
    plan.setUnavailableParents(["B003"]);
    assert.deepEqual([plan.next("B003"), plan.next("B001")], ["503", "429"]);
    plan.setUnavailableParents([]);
    assert.deepEqual([plan.next("B003")], ["ok"]);
  });

  it("Retry-After is delta-seconds or an HTTP-date", function () {
    assert.equal(retryAfterValue(undefined, 0), "0");
    assert.equal(retryAfterValue({ form: "seconds", seconds: 3 }, 0), "3");
    assert.equal(retryAfterValue({ form: "date", seconds: 60 }, Date.UTC(2026, 0, 1)), "Thu, 01 Jan 2026 00:01:00 GMT");
  });
});
