import { strict as assert } from "node:assert";
import fc from "fast-check";
import { attributeValueSize, itemSize, MAX_ITEM_BYTES, toItem } from "../../../functions/lib/item";
import { validateRecords } from "../../../functions/lib/collect";
import { EmployeeRecord } from "../../../functions/lib/schemas";
import { deadlineFrom } from "../../../functions/lib/handlers";

describe("items", () => {
  it("marshals plain values", () => {
    assert.deepEqual(toItem({ s: "x", n: 1.5, b: false, z: null, l: [1, "a"], m: { k: "v" }, u: undefined }), {
      s: { S: "x" },
      n: { N: "1.5" },
      b: { BOOL: false },
      z: { NULL: true },
      l: { L: [{ N: "1" }, { S: "a" }] },
      m: { M: { k: { S: "v" } } },
    });
    assert.throws(() => toItem({ n: Number.POSITIVE_INFINITY }), TypeError);
  });

  const sizes: Array<[string, Record<string, unknown>, number]> = [
    ["a string: name + UTF-8 bytes", { S: "héllo" }, 6],
    ["a number: digits/2 + 1", { N: "12345" }, 4],
    ["a number with zeros trimmed", { N: "1000" }, 2],
    ["a boolean", { BOOL: true }, 1],
    ["null", { NULL: true }, 1],
    ["a list: 3 + 1 per element", { L: [{ S: "ab" }, { N: "1" }] }, 3 + 1 + 2 + 1 + 2],
    ["a map: 3 + per entry 1 + name", { M: { ab: { S: "c" } } }, 3 + 1 + 2 + 1],
  ];
  for (const [what, value, expected] of sizes) {
    it(`sizes ${what}`, () => assert.equal(attributeValueSize(value as never), expected));
  }

  it("item size adds attribute names; a string item's size is exact", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 50 })), (record) => {
        const expected = Object.entries(record).reduce(
          (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
          0,
        );
        return itemSize(toItem(record)) === expected;
      }),
      { numRuns: 200 },
    );
    assert.ok(itemSize(toItem({ note: "x".repeat(MAX_ITEM_BYTES) })) > MAX_ITEM_BYTES);
  });

  it("keeps a field named __proto__ as an attribute", () => {
    const record = JSON.parse('{"id":"E1","__proto__":"x"}') as Record<string, string>;
    assert.deepEqual(Object.entries(toItem(record)), [
      ["id", { S: "E1" }],
      ["__proto__", { S: "x" }],
    ]);
  });
});

describe("validateRecords", () => {
  const employee = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    branchID: "B1",
    name: "Jim",
    occupation: "salesperson",
    hiredOn: "2005-03-24",
    ...extra,
  });
  const attrs = (e: { id: string; name: string }) => ({ employee_id: e.id, name: e.name });

  it("sorts records into accepted, rejects and skipped repeats with reasons", () => {
    const { accepted, rejects, skips } = validateRecords(
      "salespersons",
      [
        employee("E1"),
        employee("E2", { hiredOn: 2005 }),
        employee("E3", { branchID: "B9" }),
        employee("E1"),
        employee("E1", { name: "Dwight" }),
        { nope: true },
      ],
      EmployeeRecord,
      attrs,
      (e) => (e.branchID === "B1" ? undefined : { reason: "PARENT_MISMATCH", detail: `branchID ${e.branchID}` }),
    );
    assert.deepEqual(
      accepted.map((a) => a.sourceId),
      ["E1"],
    );
    assert.deepEqual(
      rejects.map((r) => [r.sourceId.replace(/[0-9a-f]{16}$/, "#"), r.reason]),
      [
        ["E2", "SCHEMA_INVALID"],
        ["E3", "PARENT_MISMATCH"],
        ["E1", "DUPLICATE_ID"],
        ["unidentified:#", "SCHEMA_INVALID"],
      ],
    );
    assert.match(rejects[0].detail, /^hiredOn: /);
    assert.deepEqual(skips, [{ sourceId: "E1", reason: "REPEAT" }]);
  });

  it("never loses a record: each is accepted, rejected, or an identical repeat", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.constantFrom("E1", "E2", "E3"), name: fc.constantFrom("Jim", "", "Pam") }), {
          maxLength: 30,
        }),
        (raws) => {
          const records = raws.map((r) => employee(r.id, { name: r.name }));
          const { accepted, rejects, skips } = validateRecords("salespersons", records, EmployeeRecord, attrs);
          // Repeats are the records identical to the one accepted under their id, beyond the first.
          const repeats =
            records.filter((r) => accepted.some((a) => a.sourceId === r.id && a.record.name === r.name)).length -
            accepted.length;
          const firstWins = accepted.every(
            (a) => records.find((r) => r.id === a.sourceId && r.name !== "")?.name === a.record.name,
          );
          const counted = skips.length === repeats && skips.every((skip) => skip.reason === "REPEAT");
          return firstWins && counted && accepted.length + rejects.length + skips.length === records.length;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("deadlineFrom", () => {
  const table: Array<[number, number]> = [
    [60_000, 55_000],
    [10_000, 9_000],
    [3_000, 2_500],
    [400, 0],
  ];
  for (const [remaining, expected] of table) {
    it(`${remaining} ms remaining -> deadline in ${expected} ms`, () =>
      assert.equal(deadlineFrom({ getRemainingTimeInMillis: () => remaining }, 1_000) - 1_000, expected));
  }
});
