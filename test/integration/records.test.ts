import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { CONTENT_HASH_ATTRIBUTE } from "../../functions/lib/contract";
import type { Item } from "../../functions/lib/item";
import { contentHash } from "../../functions/lib/hash";
import { JsonNumber } from "../../functions/lib/json";
import { receiveAll, sqsRecord, startFixture, type Fixture } from "./fixture";
import { startScriptedSource, type ScriptedSource } from "./scripted-source";

const HOUR = 3_600_000;

/** A sale as JSON text; `id` and `amount` are written into the text as given. */
function sale(id: string, amount: string, extra = "", soldAt = new Date(Date.now() - HOUR).toISOString()): string {
  return `{"id":${id},"salespersonsID":"E1","amount":${amount},"currency":"USD","soldAt":"${soldAt}"${extra}}`;
}
function employee(id: string, branchId: string, occupation = "salesperson", hiredOn = '"2005-03-24"'): string {
  return (
    `{"id":"${id}","branchID":"${branchId}","name":"Jim Halpert",` +
    `"occupation":"${occupation}","hiredOn":${hiredOn}}`
  );
}
const salesMessage = (employeeId: string, branchId = "B1") =>
  sqsRecord(JSON.stringify({ runId: "run-1", branchId, employeeId }), "run-1");
const branchMessage = (branchId: string) => sqsRecord(JSON.stringify({ runId: "run-1", branchId }), "run-1");
const rejectsByKey = (items: Item[]) =>
  new Map(items.map((r) => [`${r.stage.S}/${r.source_id.S}`, { reason: r.reason.S, detail: r.detail.S, r }]));
const idHash = (id: string) => `id-sha256:${createHash("sha256").update(JSON.stringify(id)).digest("hex")}`;

describe("record fidelity against dynalite and a source serving hostile JSON", () => {
  let fx: Fixture;
  let source: ScriptedSource;
  beforeEach(async () => {
    fx = await startFixture({ scale: { branches: 0, employeesPerBranch: 0, salesPerSalesperson: 0 } });
    source = await startScriptedSource();
  });
  afterEach(async () => {
    await source.close();
    await fx.close();
  });

  it("one bad value is one reject with its reason; every valid neighbour is stored, exactly as served", async () => {
    const longA = "L".repeat(3000) + "a";
    const longB = "L".repeat(3000) + "b";
    const fillers = Array.from({ length: 25 }, (_, i) => sale(`"S-f${i}"`, `${i + 1}.25`));
    source.serve("/sales?salespersonsID=E1", [
      sale('"S-ok"', "12.5"),
      sale('"S-2p53"', "9007199254740993"),
      sale('"S-big"', "12345678901234567890123"),
      sale('"S-38"', "12345678901234567890123456789012345678"),
      sale('"S-overflow"', "1e200"),
      sale('"S-tiny"', "1e-131"),
      sale('"S-precise"', "123456789012345678901234567890123456789"),
      sale('"\\ud800"', "1"),
      sale('"\\udc00"', "1"),
      sale('""', "1"),
      sale(JSON.stringify(longA), "1"),
      sale(JSON.stringify(longB), "1"),
      sale('" S-pad"', "1"),
      sale('"S-pad"', "2"),
      sale('"S-note"', "1", ',"note":"\\udfff"'),
      sale('"S-large"', "1", `,"note":"${"x".repeat(420 * 1024)}"`),
      sale('"S-negative"', "-5"),
      ...fillers,
    ]);
    const handlers = fx.handlers({}, source.url);
    for (const attempt of [1, 2]) {
      const response = await handlers.sales({ Records: [salesMessage("E1")] });
      assert.deepEqual(response.batchItemFailures, [], `attempt ${attempt}`);
    }

    const stored = new Map((await fx.scan("sales")).map((i) => [i.sale_id.S!, i]));
    assert.deepEqual(
      [...stored.keys()].sort(),
      [" S-pad", "S-2p53", "S-38", "S-big", "S-ok", "S-pad", ...fillers.map((_, i) => `S-f${i}`)].sort(),
    );
    assert.equal(stored.get("S-2p53")!.amount.N, "9007199254740993");
    assert.equal(stored.get("S-big")!.amount.N, "12345678901234567890123");
    assert.equal(stored.get("S-38")!.amount.N, "12345678901234567890123456789012345678");
    assert.equal(stored.get(" S-pad")!.amount.N, "1");
    assert.equal(stored.get("S-pad")!.amount.N, "2");
    // The hash is over the number as served, so a change in its last digit is a change.
    const s2p53 = stored.get("S-2p53")!;
    assert.equal(
      s2p53[CONTENT_HASH_ATTRIBUTE].S,
      contentHash({
        sale_id: "S-2p53",
        employee_id: "E1",
        branch_id: "B1",
        amount: new JsonNumber("9007199254740993"),
        currency: "USD",
        sold_at: s2p53.sold_at.S,
      }),
    );

    const rejects = rejectsByKey(await fx.scan("rejects"));
    assert.deepEqual(
      [...rejects.entries()].map(([key, r]) => [key, r.reason]).sort(),
      [
        ["sales/S-large", "ITEM_TOO_LARGE"],
        ["sales/S-negative", "SCHEMA_INVALID"],
        ["sales/S-note", "STRING_NOT_UNICODE"],
        ["sales/S-overflow", "NUMBER_OUT_OF_RANGE"],
        ["sales/S-precise", "NUMBER_TOO_PRECISE"],
        ["sales/S-tiny", "NUMBER_OUT_OF_RANGE"],
        [`sales/${idHash("")}`, "KEY_EMPTY"],
        [`sales/${idHash("\ud800")}`, "STRING_NOT_UNICODE"],
        [`sales/${idHash("\udc00")}`, "STRING_NOT_UNICODE"],
        [`sales/${idHash(longA)}`, "KEY_TOO_LONG"],
        [`sales/${idHash(longB)}`, "KEY_TOO_LONG"],
      ].sort(),
    );
    // A hashed key keeps the whole id, as JSON text so a lone surrogate stays readable.
    assert.equal(rejects.get(`sales/${idHash(longA)}`)!.r.record_id.S, JSON.stringify(longA));
    assert.equal(rejects.get(`sales/${idHash("\ud800")}`)!.r.record_id.S, '"\\ud800"');
    assert.equal(rejects.get(`sales/${idHash(longB)}`)!.detail, "key sale_id is 3001 bytes; DynamoDB allows 2048");
    assert.match(rejects.get("sales/S-overflow")!.detail!, /^amount: 1e200 is outside DynamoDB's range/);
    assert.match(rejects.get("sales/S-precise")!.detail!, /has 39 significant digits; DynamoDB keeps 38$/);
    // Both attempts counted the same: 42 served, 31 stored (written once), 11 rejected.
    assert.deepEqual(
      [handlers.counts.sales.fetched, handlers.counts.sales.written, handlers.counts.sales.unchanged],
      [84, 31, 31],
    );
    assert.equal(handlers.counts.sales.rejected, 22);
  });

  it("a transfer moves the employee: the row under the old branch goes in the same invocation", async () => {
    source.serve("/employees?branchID=B1", [employee("E1", "B1"), employee("E2", "B1")]);
    const handlers = fx.handlers({}, source.url);
    await handlers.salespersons({ Records: [branchMessage("B1")] });
    const rows = async () => (await fx.scan("salespersons")).map((i) => `${i.employee_id.S}@${i.branch_id.S}`).sort();
    assert.deepEqual(await rows(), ["E1@B1", "E2@B1"]);

    // The next run: E1 now works at B2 and is listed there only.
    source.serve("/employees?branchID=B1", [employee("E2", "B1")]);
    source.serve("/employees?branchID=B2", [employee("E1", "B2")]);
    const before = handlers.counts.salespersons.moved;
    const response = await handlers.salespersons({ Records: [branchMessage("B2")] });
    assert.deepEqual(response.batchItemFailures, []);
    assert.deepEqual(await rows(), ["E1@B2", "E2@B1"]);
    assert.equal(handlers.counts.salespersons.moved - before, 1);
    // B1's listing changes nothing further.
    await handlers.salespersons({ Records: [branchMessage("B1")] });
    assert.deepEqual(await rows(), ["E1@B2", "E2@B1"]);
  });

  it("a sale listed under two salespersons is stored once, under the last", async () => {
    source.serve("/sales?salespersonsID=E1", [sale('"S-x"', "10")]);
    source.serve("/sales?salespersonsID=E2", [sale('"S-x"', "10").replace('"E1"', '"E2"')]);
    const handlers = fx.handlers({}, source.url);
    await handlers.sales({ Records: [salesMessage("E1")] });
    await handlers.sales({ Records: [salesMessage("E2")] });
    assert.deepEqual(
      (await fx.scan("sales")).map((i) => `${i.sale_id.S}@${i.employee_id.S}`),
      ["S-x@E2"],
    );
    assert.equal(handlers.counts.sales.moved, 1);
  });

  it("an invalid salesperson still has its sales collected; occupations match without case or spaces", async () => {
    source.serve("/employees?branchID=B1", [
      employee("E-invalid", "B1", "salesperson", "20070401"),
      employee("E-cap", "B1", "Salesperson"),
      employee("E-trail", "B1", "salesperson "),
      employee("E-space", "B1", "sales person"),
      employee("E-acct", "B1", "accountant"),
      employee("E-bad-acct", "B1", "accountant", "20070401"),
    ]);
    const handlers = fx.handlers({}, source.url);
    const response = await handlers.salespersons({ Records: [branchMessage("B1")] });
    assert.deepEqual(response.batchItemFailures, []);
    assert.deepEqual((await fx.scan("salespersons")).map((i) => [i.employee_id.S, i.occupation.S]).sort(), [
      ["E-cap", "Salesperson"],
      ["E-space", "sales person"],
      ["E-trail", "salesperson "],
    ]);
    const rejects = rejectsByKey(await fx.scan("rejects"));
    assert.deepEqual([...rejects.keys()].sort(), ["salespersons/E-bad-acct", "salespersons/E-invalid"]);
    assert.equal(
      rejects.get("salespersons/E-invalid")!.detail,
      "hiredOn: Invalid input: expected string, received JsonNumber; its sales are still collected",
    );
    assert.equal(
      rejects.get("salespersons/E-bad-acct")!.detail,
      "hiredOn: Invalid input: expected string, received JsonNumber",
    );
    const forwarded = (await receiveAll(fx.aws.sqs, fx.queues.sale)).map(
      (m) => (JSON.parse(m.body) as { employeeId: string }).employeeId,
    );
    assert.deepEqual(forwarded.sort(), ["E-cap", "E-invalid", "E-space", "E-trail"]);
    const counts = handlers.counts.salespersons;
    assert.deepEqual([counts.fetched, counts.written, counts.rejected, counts.skipped, counts.sent], [6, 3, 2, 1, 4]);
  });

  it("a sale outside the look-back window, served by a source that ignores `since`, is a counted skip", async () => {
    const old = new Date(Date.now() - 48 * HOUR).toISOString();
    source.serve("/sales?salespersonsID=E1", [sale('"S-new"', "1"), sale('"S-old"', "1", "", old)]);
    const handlers = fx.handlers({}, source.url);
    await handlers.sales({ Records: [salesMessage("E1")] });
    assert.deepEqual(
      (await fx.scan("sales")).map((i) => i.sale_id.S),
      ["S-new"],
    );
    const counts = handlers.counts.sales;
    assert.deepEqual([counts.fetched, counts.written, counts.rejected, counts.skipped], [2, 1, 0, 1]);
  });
});
