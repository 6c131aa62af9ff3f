import { strict as assert } from "node:assert";
import { checkConservation, type Census, type ServedRecords } from "../../local/runtime/conservation";

const served: ServedRecords = {
  branches: ["B1", "B2"],
  salespersons: ["E1", "E2", "E3"],
  sales: ["S1", "S2", "S3"],
  invalid: { branches: ["B3"], salespersons: ["E4"], sales: ["S4"] },
  branchOfEmployee: new Map([["E1", "B1"], ["E2", "B1"], ["E3", "B2"], ["E4", "B2"]]),
  employeeOfSale: new Map([["S1", "E1"], ["S2", "E2"], ["S3", "E3"], ["S4", "E3"]]),
};

const complete: Census = {
  tables: { branches: ["B1", "B2"], salespersons: ["E1", "E2", "E3"], sales: ["S1", "S2", "S3"] },
  rejects: [{ stage: "branches", sourceId: "B3" }, { stage: "salespersons", sourceId: "E4" }, { stage: "sales", sourceId: "S4" }],
  deadLetters: { scheduledRuns: 0, branchIds: [], employeeIds: [] },
};

const ok = { ok: true, lost: 0, duplicates: 0, unexpected: 0, inDeadLetters: 0, examples: [] };

describe("checkConservation", () => {
  const cases: Array<[string, Census, object]> = [
    ["everything in its place holds", complete, ok],
    ["a missing sale is lost", { ...complete, tables: { ...complete.tables, sales: ["S1", "S2"] } }, { ok: false, lost: 1, duplicates: 0, unexpected: 0, inDeadLetters: 0, examples: ["sales S3: served, but not in its table, rejects or a DLQ"] }],
    ["a missing reject is lost", { ...complete, rejects: complete.rejects.slice(1) }, { ok: false, lost: 1, duplicates: 0, unexpected: 0, inDeadLetters: 0, examples: ["branches B3: served, but not in its table, rejects or a DLQ"] }],
    ["a reject under the wrong stage does not count", { ...complete, rejects: [{ stage: "sales", sourceId: "B3" }, ...complete.rejects.slice(1)] }, { ok: false, lost: 1, duplicates: 0, unexpected: 0, inDeadLetters: 0, examples: ["branches B3: served, but not in its table, rejects or a DLQ"] }],
    ["a valid record in rejects is accounted for", { ...complete, tables: { ...complete.tables, sales: ["S1", "S2"] }, rejects: [...complete.rejects, { stage: "sales", sourceId: "S3" }] }, ok],
    ["a sale stored twice is a duplicate", { ...complete, tables: { ...complete.tables, sales: ["S1", "S2", "S3", "S2"] } }, { ok: false, lost: 0, duplicates: 1, unexpected: 0, inDeadLetters: 0, examples: ["sales S2: stored more than once"] }],
    ["an item the source never served is unexpected", { ...complete, tables: { ...complete.tables, branches: ["B1", "B2", "B9"] } }, { ok: false, lost: 0, duplicates: 0, unexpected: 1, inDeadLetters: 0, examples: ["branches B9: stored, but the source never served it as a valid record"] }],
    ["an invalid record stored as valid is unexpected", { ...complete, tables: { ...complete.tables, sales: ["S1", "S2", "S3", "S4"] } }, { ok: false, lost: 0, duplicates: 0, unexpected: 1, inDeadLetters: 0, examples: ["sales S4: stored, but the source never served it as a valid record"] }],
    [
      "a branch message in a DLQ covers its employees and their sales",
      { tables: { branches: ["B1", "B2"], salespersons: ["E1", "E2"], sales: ["S1", "S2"] }, rejects: complete.rejects.slice(0, 1), deadLetters: { scheduledRuns: 0, branchIds: ["B2"], employeeIds: [] } },
      { ok: true, lost: 0, duplicates: 0, unexpected: 0, inDeadLetters: 4, examples: [] },
    ],
    [
      "a salesperson message in a DLQ covers that salesperson's sales only",
      { ...complete, tables: { ...complete.tables, sales: ["S1"] }, deadLetters: { scheduledRuns: 0, branchIds: [], employeeIds: ["E2"] } },
      { ok: false, lost: 1, duplicates: 0, unexpected: 0, inDeadLetters: 1, examples: ["sales S3: served, but not in its table, rejects or a DLQ"] },
    ],
    [
      "a scheduled run in the DLQ covers everything",
      { tables: { branches: [], salespersons: [], sales: [] }, rejects: [], deadLetters: { scheduledRuns: 1, branchIds: [], employeeIds: [] } },
      { ok: true, lost: 0, duplicates: 0, unexpected: 0, inDeadLetters: 11, examples: [] },
    ],
  ];
  for (const [title, census, expected] of cases) it(title, () => assert.deepEqual(checkConservation(served, census), expected));
});
