import { strict as assert } from "node:assert";
import { plural } from "../../local/plural";
import { formatSummary, type RunReport, type StageSummary } from "../../local/runtime/report";

const stage = (counts: Partial<StageSummary>): StageSummary => ({
  invocations: 0,
  errors: 0,
  fetched: 0,
  written: 0,
  unchanged: 0,
  rejected: 0,
  skipped: 0,
  moved: 0,
  retried: 0,
  sent: 0,
  inDlq: 0,
  ...counts,
});

const report: RunReport = {
  ok: false,
  conserved: true,
  stack: "dev",
  scale: "small",
  seed: 1,
  faults: 0,
  source: { branches: 1, salespersons: 1, sales: 2, invalid: 1 },
  tables: { branches: 1, salespersons: 1, sales: 2, rejects: 1 },
  dlq: 1,
  lost: 0,
  duplicates: 0,
  unexpected: 0,
  examples: [],
  schedule: { ok: true, attempts: 1, deadLettered: false },
  durationMs: 500,
  requests: { dynamodb: 1, sqs: 2, ssm: 1, source: 3 },
  stages: {
    branches: stage({ invocations: 1, fetched: 1, written: 1, sent: 1 }),
    salespersons: stage({ invocations: 1, fetched: 3, written: 1, rejected: 1, skipped: 1, sent: 1 }),
    sales: stage({ invocations: 1, fetched: 2, written: 2, inDlq: 1 }),
  },
};

describe("plural", () => {
  const cases: Array<[number, string, string | undefined, string]> = [
    [0, "message", undefined, "0 messages"],
    [1, "message", undefined, "1 message"],
    [2, "message", undefined, "2 messages"],
    [1, "branch", "branches", "1 branch"],
    [4, "branch", "branches", "4 branches"],
  ];
  for (const [count, singular, pluralForm, expected] of cases)
    it(expected, () => assert.equal(plural(count, singular, pluralForm), expected));
});

describe("formatSummary", () => {
  it("has a skipped column, says why per stage, and puts every noun in the right number", () =>
    assert.equal(
      formatSummary(report),
      [
        // Each row in two halves: the summary is wider than a source line.
        "stage         invocations  errors  fetched  written  unchanged  " +
          "rejected  skipped  moved  retried  sent  in DLQ",
        "branches                1       0        1        1          0  " +
          "       0        0      0        0     1       0",
        "salespersons            1       0        3        1          0  " +
          "       1        1      0        0     1       0",
        "sales                   1       0        2        2          0  " +
          "       0        0      0        0     0       1",
        "",
        "skipped        salespersons: 1 record (employees who are not salespersons, repeats within one pull)",
        "source served  1 branch, 1 salesperson, 2 sales, 1 invalid record",
        "tables hold    1 branch, 1 salesperson, 2 sales, 1 reject; this run dead-lettered 1 message",
        "schedule       the scheduled invocation succeeded",
        "requests       1 DynamoDB, 2 SQS, 1 SSM, 3 source",
        "took           0.50 s (10 records/s)",
        "conservation holds, but not everything landed: 1 message in DLQs",
      ].join("\n"),
    ));

  it("says conservation holds without a caveat when everything landed", () =>
    assert.equal(
      formatSummary({ ...report, ok: true, dlq: 0 })
        .split("\n")
        .at(-1),
      "conservation holds: every record served is in its table or in rejects (0 lost, 0 duplicated)",
    ));

  it("says what was lost when conservation fails", () =>
    assert.equal(
      formatSummary({ ...report, conserved: false, lost: 2, duplicates: 1 })
        .split("\n")
        .at(-1),
      "conservation FAILED: 2 lost, 1 duplicated, 0 not served by the source",
    ));

  it("counts a failed schedule's attempts in words", () =>
    assert.equal(
      formatSummary({ ...report, schedule: { ok: false, attempts: 1, deadLettered: true } }).split("\n")[8],
      "schedule       the scheduled invocation failed 1 time and went to its on-failure destination",
    ));
});
