import { strict as assert } from "node:assert";
import fc from "fast-check";
import { JsonNumber, parseJson, stringifyJson, type JsonValue } from "../../../functions/lib/json";
import { itemRefusal, numberRefusal } from "../../../functions/lib/storable";
import { toItem } from "../../../functions/lib/item";

/** A parsed value with its numbers as doubles, to compare with JSON.parse. */
function asDoubles(value: JsonValue): unknown {
  if (value instanceof JsonNumber) return value.toNumber();
  if (Array.isArray(value)) return value.map(asDoubles);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asDoubles(v)]));
  return value;
}

describe("parseJson", () => {
  it("reads what JSON.parse reads, numbers aside, and writes it back", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const parsed = parseJson(text);
        assert.deepEqual(asDoubles(parsed), JSON.parse(text));
        assert.equal(stringifyJson(parsed), text);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps numbers as written, lone surrogate escapes and __proto__ keys as JSON.parse does", () => {
    const parsed = parseJson('{"a":9007199254740993,"b":1.50,"c":-0,"d":"\\ud800","__proto__":1e400}') as Record<
      string,
      JsonValue
    >;
    assert.deepEqual(
      Object.entries(parsed).map(([k, v]) => [k, v instanceof JsonNumber ? v.text : v]),
      [
        ["a", "9007199254740993"],
        ["b", "1.50"],
        ["c", "-0"],
        ["d", "\ud800"],
        ["__proto__", "1e400"],
      ],
    );
  });

  for (const bad of ["", "{", "[1,]", "01", "1.", '"\\x"', "tru", "1 2", '{"a" 1}', '"\u0001"']) {
    it(`refuses ${JSON.stringify(bad)} as JSON.parse does`, () => {
      assert.throws(() => JSON.parse(bad));
      assert.throws(() => parseJson(bad), { name: "JsonSyntaxError" });
    });
  }
});

describe("what DynamoDB refuses", () => {
  const numbers: Array<[string, string | undefined]> = [
    ["0", undefined],
    ["0.000", undefined],
    ["1E-130", undefined],
    ["0.1e-129", undefined],
    ["1e-131", "NUMBER_OUT_OF_RANGE"],
    ["9.9999999999999999999999999999999999999E+125", undefined],
    ["1e126", "NUMBER_OUT_OF_RANGE"],
    ["-1e126", "NUMBER_OUT_OF_RANGE"],
    ["12345678901234567890123456789012345678", undefined],
    ["123456789012345678901234567890123456789", "NUMBER_TOO_PRECISE"],
    ["1234567890123456789012345678901234567800000", undefined],
    ["1e99999999999999999999", "NUMBER_OUT_OF_RANGE"],
  ];
  for (const [text, reason] of numbers) {
    it(`${text}: ${reason ?? "taken"}`, () => assert.equal(numberRefusal(text)?.reason, reason));
  }

  it("refuses empty and oversized keys, lone surrogates and deep nesting, in that order", () => {
    const keys = { hashKey: "sale_id", rangeKey: "employee_id" };
    const refusal = (record: Record<string, unknown>) =>
      itemRefusal(toItem({ sale_id: "S1", employee_id: "E1", ...record } as never), keys)?.reason;
    assert.equal(refusal({}), undefined);
    assert.equal(refusal({ sale_id: "" }), "KEY_EMPTY");
    assert.equal(refusal({ sale_id: "x".repeat(2048) }), undefined);
    assert.equal(refusal({ sale_id: "x".repeat(2049) }), "KEY_TOO_LONG");
    assert.equal(refusal({ employee_id: "é".repeat(513) }), "KEY_TOO_LONG");
    assert.equal(refusal({ note: "ok \ud83d\ude00" }), undefined);
    assert.equal(refusal({ note: "\ud83d" }), "STRING_NOT_UNICODE");
    let deep: unknown = "leaf";
    for (let i = 0; i < 32; i += 1) deep = [deep];
    assert.equal(refusal({ deep }), undefined);
    assert.equal(refusal({ deep: [deep] }), "NESTING_TOO_DEEP");
    assert.equal(refusal({ note: "x".repeat(400 * 1024) }), "ITEM_TOO_LARGE");
  });
});
