import { strict as assert } from "node:assert";
import fc from "fast-check";
import { ENV, REJECTS_TTL_ATTRIBUTE, STAGE_ENVIRONMENT } from "../../../functions/lib/contract";
import { loadStageConfig } from "../../../functions/lib/env";
import {
  branchMessage,
  messageBytes,
  parseBranchMessage,
  parseSalespersonMessage,
  salespersonMessage,
} from "../../../functions/lib/messages";
import { excerpt, rejectItem, rejectSourceId } from "../../../functions/lib/rejects";
import { parseScheduleEvent, scheduleSince } from "../../../functions/lib/collect";

const idArb = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0 && s.trim() === s);

describe("stage messages", () => {
  it("are JSON bodies with the run id also as an attribute, and parse back", () => {
    fc.assert(
      fc.property(idArb, idArb, idArb, (runId, branchId, employeeId) => {
        const b = branchMessage(runId, branchId);
        const s = salespersonMessage(runId, branchId, employeeId);
        assert.deepEqual(parseBranchMessage(b.body), { runId, branchId });
        assert.deepEqual(parseSalespersonMessage(s.body), { runId, branchId, employeeId });
        assert.deepEqual(b.attributes, { runId: { DataType: "String", StringValue: runId } });
        assert.equal(s.id, employeeId);
        assert.equal(
          messageBytes(b),
          Buffer.byteLength(b.body) + "runId".length + "String".length + Buffer.byteLength(runId),
        );
      }),
      { numRuns: 200 },
    );
    assert.equal(branchMessage("r1", "B001").body, '{"runId":"r1","branchId":"B001"}');
    assert.equal(salespersonMessage("r1", "B001", "E1").body, '{"runId":"r1","branchId":"B001","employeeId":"E1"}');
  });

  const bad: Array<[string, string, RegExp]> = [
    ["not JSON", "{runId:", /body is not JSON/],
    ["seed-style str(dict)", "{'runId': 'r', 'branchId': 'B1'}", /body is not JSON/],
    ["missing branchId", '{"runId":"r"}', /branchId/],
    ["empty runId", '{"runId":"","branchId":"B1"}', /runId/],
    ["unknown key", '{"runId":"r","branchId":"B1","extra":1}', /extra|Unrecognized/],
    ["null", "null", /\(root\)/],
  ];
  for (const [what, body, pattern] of bad) {
    it(`rejects a stage-2 body that is ${what}`, () => {
      assert.throws(
        () => parseBranchMessage(body),
        (e: Error) => e.name === "InvalidMessageError" && pattern.test(e.message),
      );
    });
  }

  it("the schedule event: {} or a list of branch names, duplicates collapsed", () => {
    assert.equal(parseScheduleEvent({}), undefined);
    assert.equal(parseScheduleEvent(undefined), undefined);
    assert.equal(parseScheduleEvent({ branches: [] }), undefined);
    assert.deepEqual(parseScheduleEvent({ branches: ["Scranton", "Nashua", "Scranton"] }), ["Scranton", "Nashua"]);
    assert.throws(() => parseScheduleEvent({ branches: "Scranton" }), { name: "InvalidMessageError" });
    assert.throws(() => parseScheduleEvent({ branches: [""] }), { name: "InvalidMessageError" });
  });

  it("a backfill's since travels from the schedule event through both stage messages", () => {
    const since = "2026-11-01T00:00:00.000Z";
    assert.equal(scheduleSince({}), undefined);
    assert.equal(scheduleSince({ branches: ["Scranton"], since }), since);
    assert.throws(() => scheduleSince({ since: "yesterday" }), { name: "InvalidMessageError" });
    assert.equal(branchMessage("r1", "B001", since).body, `{"runId":"r1","branchId":"B001","since":"${since}"}`);
    assert.deepEqual(parseBranchMessage(branchMessage("r1", "B001", since).body), {
      runId: "r1",
      branchId: "B001",
      since,
    });
    assert.deepEqual(parseSalespersonMessage(salespersonMessage("r1", "B001", "E1", since).body), {
      runId: "r1",
      branchId: "B001",
      employeeId: "E1",
      since,
    });
    assert.throws(() => parseBranchMessage('{"runId":"r","branchId":"B1","since":"soon"}'), {
      name: "InvalidMessageError",
    });
  });
});

describe("loadStageConfig", () => {
  const full = {
    [ENV.tableName]: "t",
    [ENV.rejectsTableName]: "r",
    [ENV.targetQueueUrl]: "http://q/1/employee",
    [ENV.sourceBaseUrl]: "https://source.example/api/",
    [ENV.deployStage]: "dev",
  };

  it("reads each stage's variables, with defaults for the optional ones", () => {
    assert.deepEqual(loadStageConfig("branches", full), {
      stage: "branches",
      tableName: "t",
      rejectsTableName: "r",
      targetQueueUrl: "http://q/1/employee",
      sourceBaseUrl: "https://source.example/api",
      sourceTokenParameter: undefined,
      deployStage: "dev",
      lookbackHours: 24,
      rejectsTtlDays: 30,
    });
    const sales = loadStageConfig("sales", {
      ...full,
      [ENV.lookbackHours]: "6",
      [ENV.sourceTokenParameter]: "/etl/token",
      [ENV.rejectsTtlDays]: "3",
    });
    assert.deepEqual(
      [sales.targetQueueUrl, sales.lookbackHours, sales.sourceTokenParameter, sales.rejectsTtlDays],
      [undefined, 6, "/etl/token", 3],
    );
  });

  for (const stage of ["branches", "salespersons", "sales"] as const) {
    const required = STAGE_ENVIRONMENT[stage].filter(
      (k) => !["sourceTokenParameter", "lookbackHours", "rejectsTtlDays"].includes(k),
    );
    for (const key of required) {
      it(`${stage}: a missing ${ENV[key]} fails naming it`, () => {
        const env: Record<string, string> = { ...full };
        delete env[ENV[key]];
        assert.throws(() => loadStageConfig(stage, env), {
          name: "EnvironmentError",
          message: `environment variable ${ENV[key]} is not set`,
        });
      });
    }
  }

  const malformed: Array<[string, string, RegExp]> = [
    [ENV.lookbackHours, "0", /LOOKBACK_HOURS must be a positive number/],
    [ENV.lookbackHours, "a day", /LOOKBACK_HOURS must be a positive number/],
    [ENV.rejectsTtlDays, "-1", /REJECTS_TTL_DAYS must be a positive number/],
    [ENV.sourceBaseUrl, "source.example", /SOURCE_BASE_URL must be an absolute URL/],
    [ENV.sourceBaseUrl, "ftp://source.example", /SOURCE_BASE_URL must be http/],
  ];
  for (const [name, value, pattern] of malformed) {
    it(`${name}=${value} fails naming the variable`, () =>
      assert.throws(() => loadStageConfig("sales", { ...full, [name]: value }), pattern));
  }
});

describe("rejects", () => {
  it("builds the item: keys, reason, run, bounded excerpt, TTL", () => {
    const now = new Date("2024-05-06T12:00:00.000Z");
    const item = rejectItem(
      {
        stage: "sales",
        sourceId: "S1",
        reason: "SCHEMA_INVALID",
        detail: "amount: expected number",
        payload: { id: "S1", amount: "x" },
      },
      "run-9",
      now,
      14,
    );
    assert.deepEqual(item, {
      stage: { S: "sales" },
      source_id: { S: "S1" },
      reason: { S: "SCHEMA_INVALID" },
      detail: { S: "amount: expected number" },
      run_id: { S: "run-9" },
      payload_excerpt: { S: '{"id":"S1","amount":"x"}' },
      rejected_at: { S: "2024-05-06T12:00:00.000Z" },
      [REJECTS_TTL_ATTRIBUTE]: { N: String(Date.UTC(2024, 4, 6, 12) / 1000 + 14 * 86_400) },
    });
  });

  it("excerpts never exceed their bound", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 2, max: 300 }), (v, max) => excerpt(v, max).length <= max),
      { numRuns: 200 },
    );
    assert.equal(excerpt("abcdef", 4), "abc…");
  });

  it("a record without a usable id gets a stable key from its content", () => {
    assert.equal(rejectSourceId({ id: "S1" }), "S1");
    assert.equal(rejectSourceId({ id: 42 }), "42");
    const a = rejectSourceId({ name: "no id" });
    assert.match(a, /^unidentified:[0-9a-f]{16}$/);
    assert.equal(rejectSourceId({ name: "no id" }), a);
    assert.notEqual(rejectSourceId({ name: "other" }), a);
    assert.match(rejectSourceId("just a string"), /^unidentified:/);
    // Ids are kept byte for byte: a blank id is an id; an empty one cannot be a key.
    assert.equal(rejectSourceId({ id: "  " }), "  ");
    assert.match(rejectSourceId({ id: "" }), /^id-sha256:[0-9a-f]{64}$/);
  });
});
