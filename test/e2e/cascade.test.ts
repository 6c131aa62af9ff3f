/**
 * The whole cascade locally, as `npm start` runs it: the real CLI in a child process, and
 * the same runtime in-process for a faulty source and a second run.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { STAGES } from "../../functions/lib/contract";
import { planJson } from "../../local/plan-view";
import { recordProgram } from "../../local/plan/record";
import { LocalCascade } from "../../local/runtime/cascade";
import type { RunReport } from "../../local/runtime/report";
import { listRejects } from "../../local/rejects-list";
import { MESSY_CASES } from "../../local/source-api";
import { ScanCommand } from "@aws-sdk/client-dynamodb";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..", "..");

/** The counts a run must show when conservation holds with nothing in a DLQ. */
function assertConserved(
  report: Pick<RunReport, "ok" | "conserved" | "source" | "tables" | "dlq" | "lost" | "duplicates">,
): void {
  assert.deepEqual(
    {
      ok: report.ok,
      conserved: report.conserved,
      tables: report.tables,
      dlq: report.dlq,
      lost: report.lost,
      duplicates: report.duplicates,
    },
    {
      ok: true,
      conserved: true,
      tables: {
        branches: report.source.branches,
        salespersons: report.source.salespersons,
        sales: report.source.sales,
        rejects: report.source.invalid,
      },
      dlq: 0,
      lost: 0,
      duplicates: 0,
    },
  );
}

describe("cascade run, end to end", function () {
  this.timeout(180_000);

  it("`cascade run --json` conserves every record and ends with the JSON summary", async () => {
    const { stdout } = await run(
      process.execPath,
      [path.join(ROOT, "bin", "cascade.js"), "run", "--json", "--seed", "7"],
      {
        cwd: ROOT,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const lines = stdout.trim().split("\n");
    const report = JSON.parse(lines[lines.length - 1]) as RunReport;
    assertConserved(report);
    // The fields scripts rely on (README, "Commands").
    assert.deepEqual(
      {
        ok: typeof report.ok,
        source: Object.keys(report.source).slice(0, 3),
        tables: Object.keys(report.tables),
        dlq: typeof report.dlq,
        lost: typeof report.lost,
        duplicates: typeof report.duplicates,
        durationMs: typeof report.durationMs,
        requests: Object.keys(report.requests).slice(0, 2),
      },
      {
        ok: "boolean",
        source: ["branches", "salespersons", "sales"],
        tables: ["branches", "salespersons", "sales", "rejects"],
        dlq: "number",
        lost: "number",
        duplicates: "number",
        durationMs: "number",
        requests: ["dynamodb", "sqs"],
      },
    );
    assert.deepEqual(
      { seed: report.seed, scale: report.scale, stack: report.stack },
      { seed: 7, scale: "small", stack: "dev" },
    );
    assert.equal(report.source.branches, 4);
    assert.ok(
      report.source.sales > 0 && report.requests.dynamodb > 0 && report.requests.sqs > 0,
      JSON.stringify(report.requests),
    );
    assert.equal(report.stages.branches.written, report.source.branches);
    assert.equal(report.stages.salespersons.written, report.source.salespersons);
    assert.equal(report.stages.sales.written, report.source.sales);
    // Every record fetched is accounted for in one column: the summary adds up.
    for (const stage of STAGES) {
      const { fetched, written, unchanged, rejected, skipped } = report.stages[stage];
      assert.deepEqual({ stage, fetched }, { stage, fetched: written + unchanged + rejected + skipped });
    }
    assert.ok(report.stages.salespersons.skipped > 0, "the sample source serves employees who are not salespersons");
  });

  describe("against a messy source with faults", () => {
    let cascade: LocalCascade;
    let report: RunReport;

    before(async () => {
      cascade = await LocalCascade.start({ stack: "dev", scale: "small", seed: 3, faults: 0.2, data: "messy" });
      report = await cascade.runOnce();
    });
    after(async () => cascade?.close());

    it("conserves; numbers and ids stored exactly, each hostile record rejected alone with its reason", async () => {
      assert.deepEqual(
        [report.ok, report.conserved, report.lost, report.duplicates, report.unexpected, report.dlq],
        [true, true, 0, 0, 0, 0],
      );
      const { tables } = cascade.endpoints();
      const tableOf = (kind: string) => Object.entries(tables).find(([logical]) => logical.endsWith(kind))![1];
      const sales = new Map<string, string | undefined>();
      let start: Record<string, never> | undefined;
      do {
        const page = await cascade.aws.dynamodb.send(
          new ScanCommand({ TableName: tableOf("sales"), ExclusiveStartKey: start }),
        );
        for (const item of page.Items ?? []) sales.set(item.sale_id.S!, item.amount?.N);
        start = page.LastEvaluatedKey as typeof start;
      } while (start);
      assert.deepEqual(
        ["S-exact-2p53", "S-exact-23", "S-pad", " S-pad", "S-twice"].map((id) => [id, sales.get(id)]),
        [
          ["S-exact-2p53", "9007199254740993"],
          ["S-exact-23", "12345678901234567890123"],
          ["S-pad", "10"],
          [" S-pad", "11"],
          ["S-twice", "5"],
        ],
      );
      const rejects = new Map(
        (await listRejects(cascade.aws.dynamodb, tableOf("rejects"), "sales")).map((r) => [r.sourceId, r.reason]),
      );
      const hostile = MESSY_CASES.filter((c) => !sales.has(c.id)).map((c) => [c.id.slice(0, 12), rejects.get(c.id)]);
      assert.deepEqual(hostile, [
        ["S-overflow", "NUMBER_OUT_OF_RANGE"],
        ["S-precise", "NUMBER_TOO_PRECISE"],
        ["\ud800", "STRING_NOT_UNICODE"],
        ["\udc00", "STRING_NOT_UNICODE"],
        ["S-long-xxxxx", "KEY_TOO_LONG"],
        ["S-long-xxxxx", "KEY_TOO_LONG"],
        ["S-note", "STRING_NOT_UNICODE"],
      ]);
      assert.equal(rejects.get("S-twice"), "DUPLICATE_ID");
    });
  });

  describe("against a faulty source, twice", () => {
    let cascade: LocalCascade;
    let first: RunReport;
    let second: RunReport;

    const output = new Map<string, string[]>();

    before(async () => {
      cascade = await LocalCascade.start({
        stack: "dev",
        scale: "small",
        seed: 3,
        faults: 0.3,
        onOutput: (fn, lines) => output.set(fn, [...(output.get(fn) ?? []), ...lines]),
      });
      first = await cascade.runOnce();
      second = await cascade.runOnce();
    });
    after(async () => cascade?.close());

    it("retries the source's faults and still conserves every record", () => {
      assertConserved(first);
      const retried = STAGES.reduce((sum, stage) => sum + first.stages[stage].retried, 0);
      const injected = cascade.source.truth().faults;
      const faults = injected.serverError + injected.throttled + injected.malformed;
      // Every retry answers a fault; a request that runs out of attempts fails its
      // message instead, which SQS delivers again.
      assert.ok(retried > 0 && retried <= faults, `retried ${retried}, injected ${JSON.stringify(injected)}`);
    });

    it("logs cold_start: true only in each execution environment's first invocation, like Powertools", () => {
      for (const fn of cascade.pipeline.functions) {
        const requests = { cold: new Set<string>(), warm: new Set<string>() };
        for (const line of output.get(fn.spec.name) ?? []) {
          const entry = line.startsWith("{") ? (JSON.parse(line) as Record<string, unknown>) : {};
          if (typeof entry.cold_start === "boolean")
            requests[entry.cold_start ? "cold" : "warm"].add(String(entry.function_request_id));
        }
        assert.equal(requests.cold.size, fn.stats.coldStarts, fn.spec.name);
        assert.ok(requests.warm.size > 0, `${fn.spec.name} ran warm in the second run`);
      }
    });

    it("gives every queue its planned policy, naming the local queue", async () => {
      for (const queue of cascade.pipeline.queues) {
        const { Attributes } = await cascade.aws.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ["Policy"] }),
        );
        assert.equal(Attributes?.Policy, queue.spec.policy!.split(queue.spec.arn).join(queue.arn), queue.spec.name);
        assert.match(Attributes!.Policy!, /"aws:SecureTransport"/);
      }
    });

    it("writes nothing the second time over unchanged data", () => {
      assertConserved(second);
      for (const stage of STAGES) {
        assert.deepEqual(
          { stage, written: second.stages[stage].written, unchanged: second.stages[stage].unchanged },
          { stage, written: 0, unchanged: first.stages[stage].written },
        );
      }
      assert.deepEqual(second.tables, first.tables);
    });
  });

  describe("when a branch's employees can never be listed", () => {
    let cascade: LocalCascade;
    let first: RunReport;
    let second: RunReport;

    before(async () => {
      cascade = await LocalCascade.start({
        stack: "dev",
        scale: "small",
        seed: 5,
        faults: 0,
        config: { maxReceiveCount: 5 },
        unavailableParents: ["B002"],
      });
      first = await cascade.runOnce();
      second = await cascade.runOnce();
    });
    after(async () => cascade?.close());

    it("dead-letters that branch's message after maxReceiveCount attempts and still conserves the rest", () => {
      // Conserved (the DLQ holds the message that would carry B002 on), but not everything landed.
      assert.deepEqual(
        {
          ok: first.ok,
          conserved: first.conserved,
          lost: first.lost,
          dlq: first.dlq,
          inDlq: STAGES.map((stage) => first.stages[stage].inDlq),
        },
        { ok: false, conserved: true, lost: 0, dlq: 1, inDlq: [0, 1, 0] },
      );
      const served = cascade.source.truth();
      assert.equal(served.employees.valid.filter((id) => id.startsWith("E002-")).length, 0);
      assert.deepEqual(served.listed.employeesOf, ["B001", "B003", "B004"]);
      assert.deepEqual(first.tables, {
        branches: first.source.branches,
        salespersons: first.source.salespersons,
        sales: first.source.sales,
        rejects: first.source.invalid,
      });
    });

    it("counts only its own dead letters on the next run", () => {
      assert.deepEqual(
        { ok: second.ok, conserved: second.conserved, dlq: second.dlq, inDlq: second.stages.salespersons.inDlq },
        { ok: false, conserved: true, dlq: 1, inDlq: 1 },
      );
    });
  });

  it("plans prod differently from dev where the config says so", async () => {
    const tables = async (stack: string) => {
      const plan = await planJson(await recordProgram({ stack }));
      const resources = plan.resources as Array<{ type: string; inputs: Record<string, any> }>;
      const ofType = (type: string) => resources.filter((resource) => resource.type === type);
      return {
        pitr: ofType("aws:dynamodb/table:Table").map((table) => table.inputs.pointInTimeRecovery?.enabled ?? false),
        deletionProtection: ofType("aws:dynamodb/table:Table").map(
          (table) => table.inputs.deletionProtectionEnabled ?? false,
        ),
        logRetention: ofType("aws:cloudwatch/logGroup:LogGroup").map((group) => group.inputs.retentionInDays),
      };
    };
    const [dev, prod] = [await tables("dev"), await tables("prod")];
    assert.deepEqual(dev.pitr, [false, false, false, false]);
    assert.deepEqual(prod.pitr, [true, true, true, true]);
    assert.deepEqual(dev.deletionProtection, [false, false, false, false]);
    assert.deepEqual(prod.deletionProtection, [true, true, true, true]);
    assert.ok(
      prod.logRetention.every((days, index) => days > dev.logRetention[index]),
      JSON.stringify({ dev: dev.logRetention, prod: prod.logRetention }),
    );
  });
});
