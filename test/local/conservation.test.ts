import { strict as assert } from "node:assert";
import { checkConservation, type Census, type ServedRecords } from "../../local/runtime/conservation";
import { runExitCode } from "../../local/runtime/report";

const served: ServedRecords = {
  branches: ["B1", "B2"],
  salespersons: ["E1", "E2", "E3"],
  sales: ["S1", "S2", "S3"],
  invalid: { branches: ["B3"], salespersons: ["E4"], sales: ["S4"] },
  branchOfEmployee: new Map([
    ["E1", "B1"],
    ["E2", "B1"],
    ["E3", "B2"],
    ["E4", "B2"],
  ]),
  employeeOfSale: new Map([
    ["S1", "E1"],
    ["S2", "E2"],
    ["S3", "E3"],
    ["S4", "E3"],
  ]),
  listed: { employeesOf: ["B1", "B2"], salesOf: ["E1", "E2", "E3"] },
  carriers: { branches: ["B1", "B2"], salespersons: ["E1", "E2", "E3"] },
};

const noDeadLetters = { scheduledRuns: 0, branchIds: [], employeeIds: [] };
const scheduled = { ok: true, deadLettered: false, attempts: 1 };
const complete: Census = {
  tables: { branches: ["B1", "B2"], salespersons: ["E1", "E2", "E3"], sales: ["S1", "S2", "S3"] },
  rejects: [
    { stage: "branches", sourceId: "B3", reason: "SCHEMA_INVALID" },
    { stage: "salespersons", sourceId: "E4", reason: "SCHEMA_INVALID" },
    { stage: "sales", sourceId: "S4", reason: "SCHEMA_INVALID" },
  ],
  deadLetters: noDeadLetters,
  schedule: scheduled,
};

const ok = { ok: true, conserved: true, lost: 0, duplicates: 0, unexpected: 0, inDeadLetters: 0, examples: [] };
const lost = (count: number, ...examples: string[]) => ({
  ok: false,
  conserved: false,
  lost: count,
  duplicates: 0,
  unexpected: 0,
  inDeadLetters: 0,
  examples,
});

describe("checkConservation", () => {
  const withServed = (changes: Partial<ServedRecords>): ServedRecords => ({ ...served, ...changes });
  const cases: Array<[string, Census, object, ServedRecords?]> = [
    ["everything in its place holds", complete, ok],
    [
      "a missing sale is lost",
      { ...complete, tables: { ...complete.tables, sales: ["S1", "S2"] } },
      lost(1, "sales S3: served, but not in its table, rejects or a DLQ"),
    ],
    [
      "a missing reject is lost",
      { ...complete, rejects: complete.rejects.slice(1) },
      lost(1, "branches B3: served, but not in its table, rejects or a DLQ"),
    ],
    [
      "a reject under the wrong stage does not count",
      {
        ...complete,
        rejects: [{ stage: "sales", sourceId: "B3", reason: "SCHEMA_INVALID" }, ...complete.rejects.slice(1)],
      },
      lost(1, "branches B3: served, but not in its table, rejects or a DLQ"),
    ],
    [
      "an invalid record rejected for another reason is lost",
      {
        ...complete,
        rejects: [{ stage: "branches", sourceId: "B3", reason: "ITEM_TOO_LARGE" }, ...complete.rejects.slice(1)],
      },
      lost(1, "branches B3: an invalid record, but rejected as ITEM_TOO_LARGE"),
    ],
    [
      "a valid record rejected as schema-invalid is lost",
      {
        ...complete,
        tables: { ...complete.tables, sales: ["S1", "S2"] },
        rejects: [...complete.rejects, { stage: "sales", sourceId: "S3", reason: "SCHEMA_INVALID" }],
      },
      lost(1, "sales S3: a valid record, but rejected as SCHEMA_INVALID"),
    ],
    [
      "a valid record rejected as too large is accounted for",
      {
        ...complete,
        tables: { ...complete.tables, sales: ["S1", "S2"] },
        rejects: [...complete.rejects, { stage: "sales", sourceId: "S3", reason: "ITEM_TOO_LARGE" }],
      },
      ok,
    ],
    [
      "a sale stored twice is a duplicate",
      { ...complete, tables: { ...complete.tables, sales: ["S1", "S2", "S3", "S2"] } },
      {
        ok: false,
        conserved: false,
        lost: 0,
        duplicates: 1,
        unexpected: 0,
        inDeadLetters: 0,
        examples: ["sales S2: stored more than once"],
      },
    ],
    [
      "an item the source never served is unexpected",
      { ...complete, tables: { ...complete.tables, branches: ["B1", "B2", "B9"] } },
      {
        ok: false,
        conserved: false,
        lost: 0,
        duplicates: 0,
        unexpected: 1,
        inDeadLetters: 0,
        examples: ["branches B9: stored, but the source never served it as a valid record"],
      },
    ],
    [
      "an invalid record stored as valid is unexpected",
      { ...complete, tables: { ...complete.tables, sales: ["S1", "S2", "S3", "S4"] } },
      {
        ok: false,
        conserved: false,
        lost: 0,
        duplicates: 0,
        unexpected: 1,
        inDeadLetters: 0,
        examples: ["sales S4: stored, but the source never served it as a valid record"],
      },
    ],
    [
      "a lost salesperson message shows as sales never listed",
      { ...complete, tables: { ...complete.tables, sales: ["S1", "S3"] } },
      lost(1, "salesperson E2: their sales were never listed, so the message for them was lost"),
      withServed({ sales: ["S1", "S3"], listed: { employeesOf: ["B1", "B2"], salesOf: ["E1", "E3"] } }),
    ],
    [
      "a lost branch message shows as employees never listed",
      complete,
      lost(1, "branch B2: its employees were never listed, so the message for it was lost"),
      withServed({ listed: { employeesOf: ["B1"], salesOf: ["E1", "E2", "E3"] } }),
    ],
    [
      "a branch message in a DLQ covers its employees, their sales and their listings",
      {
        tables: { branches: ["B1", "B2"], salespersons: ["E1", "E2"], sales: ["S1", "S2"] },
        rejects: complete.rejects.slice(0, 1),
        deadLetters: { scheduledRuns: 0, branchIds: ["B2"], employeeIds: [] },
        schedule: scheduled,
      },
      { ok: false, conserved: true, lost: 0, duplicates: 0, unexpected: 0, inDeadLetters: 4, examples: [] },
      withServed({ listed: { employeesOf: ["B1"], salesOf: ["E1", "E2"] } }),
    ],
    [
      "a salesperson message in a DLQ covers that salesperson's sales only",
      {
        ...complete,
        tables: { ...complete.tables, sales: ["S1"] },
        deadLetters: { scheduledRuns: 0, branchIds: [], employeeIds: ["E2"] },
      },
      {
        ok: false,
        conserved: false,
        lost: 1,
        duplicates: 0,
        unexpected: 0,
        inDeadLetters: 1,
        examples: ["sales S3: served, but not in its table, rejects or a DLQ"],
      },
    ],
    [
      "a dead-lettered scheduled run covers what is not stored, and only that",
      {
        ...complete,
        tables: { branches: ["B1"], salespersons: [], sales: [] },
        rejects: [],
        deadLetters: { scheduledRuns: 1, branchIds: [], employeeIds: [] },
        schedule: { ok: false, deadLettered: true, attempts: 3 },
      },
      { ok: false, conserved: true, lost: 0, duplicates: 0, unexpected: 0, inDeadLetters: 10, examples: [] },
    ],
    [
      "a salesperson rejected for its own fields must still have had its sales listed",
      complete,
      lost(1, "salesperson E4: their sales were never listed, so the message for them was lost"),
      withServed({ carriers: { branches: ["B1", "B2"], salespersons: ["E1", "E2", "E3", "E4"] } }),
    ],
    [
      "a valid record refused for what DynamoDB cannot hold is accounted for by its reject",
      {
        ...complete,
        tables: { ...complete.tables, sales: ["S1", "S2"] },
        rejects: [...complete.rejects, { stage: "sales", sourceId: "S3", reason: "NUMBER_OUT_OF_RANGE" }],
      },
      ok,
    ],
    [
      "a failed scheduled run with nowhere to go is lost",
      { ...complete, schedule: { ok: false, deadLettered: false, attempts: 3 } },
      lost(1, "the scheduled run failed after 3 attempts and the plan gives it no on-failure destination"),
    ],
  ];
  for (const [title, census, expected, records] of cases)
    it(title, () => assert.deepEqual(checkConservation(records ?? served, census), expected));
});

describe("runExitCode", () => {
  const landed = { ok: true, conserved: true };
  const inDlq = { ok: false, conserved: true };
  const lostOne = { ok: false, conserved: false };
  const cases: Array<[string, Array<{ ok: boolean; conserved: boolean }>, number]> = [
    ["every run landed: 0", [landed, landed], 0],
    ["conserved, but a run left work in a DLQ or failed its schedule: 3", [landed, inDlq], 3],
    ["a run lost or duplicated a record: 1, whatever else happened", [inDlq, lostOne, landed], 1],
  ];
  for (const [title, reports, code] of cases) it(title, () => assert.equal(runExitCode(reports), code));
});
