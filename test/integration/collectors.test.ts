import { strict as assert } from "node:assert";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { CONTENT_HASH_ATTRIBUTE, REJECTS_TTL_ATTRIBUTE } from "../../functions/lib/contract";
import { pickCounts } from "../../functions/lib/counts";
import { contentHash } from "../../functions/lib/hash";
import { DEFAULT_REJECTS_TTL_DAYS } from "../../functions/lib/env";
import type { Dataset } from "../../local/source-api";
import {
  drain,
  FAST,
  ids,
  lambdaContext,
  receiveAll,
  runPipeline,
  sqsRecord,
  startFixture,
  type Fixture,
} from "./fixture";

const HOUR = 3_600_000;

/**
 * What a full run must store, computed from the generated data set. An invalid record of
 * the generator keeps its id and parent link, so its children are collected all the same.
 */
function expected(dataset: Dataset, now = Date.now()) {
  const branches = dataset.branches.filter((b) => b.valid).map((b) => b.id);
  const salespersons = dataset.employees.filter((e) => e.salesperson).map((e) => e.id);
  const sellers = new Set(dataset.employees.filter((e) => e.sells).map((e) => e.id));
  const sales = dataset.sales
    .filter((s) => s.valid && sellers.has(s.employeeId) && s.soldAt >= now - 24 * HOUR)
    .map((s) => s.id);
  return { branches: branches.sort(), salespersons: salespersons.sort(), sales: sales.sort() };
}

describe("collectors against dynalite, local-aws-sqs and the sample source", function () {
  describe("a clean source", () => {
    let fx: Fixture;
    before(async () => {
      fx = await startFixture({
        seed: 7,
        scale: { branches: 3, employeesPerBranch: 8, salesPerSalesperson: 6 },
        pageSize: 4,
      });
    });
    after(() => fx.close());

    it("first run writes everything, second writes nothing, a changed record is rewritten", async () => {
      const handlers = fx.handlers();
      const want = expected(fx.source.dataset());
      assert.ok(
        want.sales.length > 0 && want.sales.length < fx.source.dataset().sales.length,
        "some sales must fall outside the window",
      );

      const first = await runPipeline(fx, handlers);
      assert.deepEqual(ids(await fx.scan("branches"), "branch_id"), want.branches);
      assert.deepEqual(ids(await fx.scan("salespersons"), "employee_id"), want.salespersons);
      assert.deepEqual(ids(await fx.scan("sales"), "sale_id"), want.sales);
      assert.deepEqual(await fx.scan("rejects"), []);
      assert.deepEqual(pickCounts(first.branches), {
        fetched: 3,
        written: 3,
        unchanged: 0,
        rejected: 0,
        skipped: 0,
        moved: 0,
        retried: 0,
        sent: 3,
      });
      assert.equal(first.salespersons.counts.fetched, 24);
      assert.equal(first.salespersons.counts.written, want.salespersons.length);
      assert.equal(first.salespersons.counts.sent, want.salespersons.length);
      assert.equal(first.sales.counts.written, want.sales.length);
      assert.equal(first.sales.counts.fetched, want.sales.length);
      assert.deepEqual([first.salespersons.failures, first.sales.failures], [[], []]);

      // What the source says it served is exactly what the tables hold.
      const truth = fx.source.truth();
      assert.deepEqual(truth.branches.valid, want.branches);
      assert.deepEqual(truth.employees.salespersons, want.salespersons);
      assert.deepEqual(truth.sales.valid, want.sales);

      // A stored item: source fields, parent, hash over the business attributes, run id.
      const sale = (await fx.scan("sales")).find((i) => i.sale_id.S === want.sales[0])!;
      const source = fx.source.dataset().sales.find((s) => s.id === want.sales[0])!;
      const body = source.body as { amount: number; soldAt: string; salespersonsID: string };
      assert.equal(sale.employee_id.S, body.salespersonsID);
      assert.equal(sale.branch_id.S, `B${sale.sale_id.S!.slice(1, 4)}`);
      assert.equal(sale.amount.N, String(body.amount));
      assert.equal(sale.sold_at.S, body.soldAt);
      assert.equal(sale.run_id.S, first.branches.runId);
      assert.equal(
        sale[CONTENT_HASH_ATTRIBUTE].S,
        contentHash({
          sale_id: sale.sale_id.S,
          employee_id: body.salespersonsID,
          branch_id: sale.branch_id.S,
          amount: body.amount,
          currency: "USD",
          sold_at: body.soldAt,
        }),
      );

      const second = await runPipeline(fx, handlers);
      assert.notEqual(second.branches.runId, first.branches.runId);
      assert.deepEqual(
        [second.branches.written, second.salespersons.counts.written, second.sales.counts.written],
        [0, 0, 0],
      );
      assert.deepEqual(
        [second.branches.unchanged, second.salespersons.counts.unchanged, second.sales.counts.unchanged],
        [3, want.salespersons.length, want.sales.length],
      );
      // Unchanged items keep the run that last changed them.
      assert.ok((await fx.scan("sales")).every((i) => i.run_id.S === first.branches.runId));

      fx.source.changeRecord(want.sales[1]);
      fx.source.changeRecord(want.salespersons[0]);
      const third = await runPipeline(fx, handlers);
      assert.deepEqual(
        [third.branches.written, third.salespersons.counts.written, third.sales.counts.written],
        [0, 1, 1],
      );
      const rewritten = (await fx.scan("sales")).find((i) => i.sale_id.S === want.sales[1])!;
      assert.equal(rewritten.run_id.S, third.branches.runId);
      assert.equal(
        Number(rewritten.amount.N),
        (fx.source.dataset().sales.find((s) => s.id === want.sales[1])!.body as { amount: number }).amount,
      );
      const employee = (await fx.scan("salespersons")).find((i) => i.employee_id.S === want.salespersons[0])!;
      assert.equal(employee.run_id.S, third.branches.runId);
    });

    it("a schedule event with branch names limits the run to those branches", async () => {
      const handlers = fx.handlers();
      const result = await handlers.branches({ branches: ["Stamford", "Nowhere"] });
      assert.equal(result.fetched, 1);
      assert.equal(result.sent, 1);
      const sent = await drain(fx.aws.sqs, fx.queues.employee, async (event) => {
        assert.deepEqual(
          event.Records.map((r) => JSON.parse(r.body)),
          [{ runId: result.runId, branchId: "B002" }],
        );
        assert.equal(event.Records[0].messageAttributes.runId.stringValue, result.runId);
        return { batchItemFailures: [] };
      });
      assert.deepEqual(sent, []);
    });

    it("a since in the schedule event widens the sales window past the look-back, down to sales", async () => {
      const handlers = fx.handlers();
      const since = new Date(Date.now() - 72 * HOUR);
      const result = await handlers.branches({ branches: ["Stamford"], since: since.toISOString() });
      const forwarded: unknown[] = [];
      await drain(fx.aws.sqs, fx.queues.employee, async (event) => {
        forwarded.push(...event.Records.map((r) => JSON.parse(r.body)));
        return handlers.salespersons(event);
      });
      assert.deepEqual(forwarded, [{ runId: result.runId, branchId: "B002", since: since.toISOString() }]);
      const salesBodies: Array<{ employeeId: string; since?: string }> = [];
      await drain(fx.aws.sqs, fx.queues.sale, async (event) => {
        salesBodies.push(...event.Records.map((r) => JSON.parse(r.body)));
        return handlers.sales(event);
      });
      assert.ok(salesBodies.length > 0 && salesBodies.every((b) => b.since === since.toISOString()));
      const employees = new Set(salesBodies.map((b) => b.employeeId));
      const wanted = fx.source
        .dataset()
        .sales.filter((s) => s.valid && employees.has(s.employeeId) && s.soldAt >= since.getTime())
        .map((s) => s.id)
        .sort();
      const beyondLookback = wanted.filter(
        (id) => fx.source.dataset().sales.find((s) => s.id === id)!.soldAt < Date.now() - 24 * HOUR,
      );
      assert.ok(beyondLookback.length > 0, "the data set must hold sales older than the 24 h look-back");
      const stored = new Set(ids(await fx.scan("sales"), "sale_id"));
      assert.deepEqual(
        wanted.filter((id) => !stored.has(id)),
        [],
      );
    });

    it("a poison message becomes a batchItemFailure while the rest of the batch succeeds", async () => {
      const handlers = fx.handlers();
      const good = sqsRecord(JSON.stringify({ runId: "run-poison", branchId: "B003" }), "run-poison");
      const notJson = sqsRecord("{branchId: B001", "run-poison");
      const wrongShape = sqsRecord(JSON.stringify({ runId: "run-poison", branch: "B001" }));
      const before = handlers.counts.salespersons.fetched;
      const response = await handlers.salespersons({ Records: [notJson, good, wrongShape] });
      assert.deepEqual(
        response.batchItemFailures.map((f) => f.itemIdentifier).sort(),
        [notJson.messageId, wrongShape.messageId].sort(),
      );
      assert.equal(handlers.counts.salespersons.fetched - before, 8);
      // The good message's work went on to the next queue.
      const forwarded = await drain(fx.aws.sqs, fx.queues.sale, async (event) => {
        assert.ok(event.Records.length > 0);
        assert.ok(
          event.Records.every(
            (r) => JSON.parse(r.body).branchId === "B003" && JSON.parse(r.body).runId === "run-poison",
          ),
        );
        return { batchItemFailures: [] };
      });
      assert.deepEqual(forwarded, []);
    });

    it("a batch whose every message fails fails the invocation, so the Errors alarm sees it", async () => {
      const handlers = fx.handlers();
      await assert.rejects(handlers.sales({ Records: [sqsRecord("null"), sqsRecord("{}")] }), {
        name: "FullBatchFailureError",
      });
    });
  });

  describe("schema-invalid and oversized records", () => {
    let fx: Fixture;
    before(async () => {
      fx = await startFixture({
        seed: 3,
        scale: { branches: 3, employeesPerBranch: 6, salesPerSalesperson: 5 },
        invalidIds: ["B003", "E001-004", "S001-002-001"],
        oversizedIds: ["S002-002-001"],
      });
    });
    after(() => fx.close());

    it("go to rejects with a reason while the rest are stored", async () => {
      const handlers = fx.handlers();
      const started = Date.now();
      const run = await runPipeline(fx, handlers);
      const rejects = await fx.scan("rejects");
      const byKey = new Map(rejects.map((r) => [`${r.stage.S}/${r.source_id.S}`, r]));
      assert.deepEqual([...byKey.keys()].sort(), [
        "branches/B003",
        "sales/S001-002-001",
        "sales/S002-002-001",
        "salespersons/E001-004",
      ]);
      assert.deepEqual([...byKey.entries()].map(([k, r]) => [k, r.reason.S]).sort(), [
        ["branches/B003", "SCHEMA_INVALID"],
        ["sales/S001-002-001", "SCHEMA_INVALID"],
        ["sales/S002-002-001", "ITEM_TOO_LARGE"],
        ["salespersons/E001-004", "SCHEMA_INVALID"],
      ]);
      const branch = byKey.get("branches/B003")!;
      assert.match(branch.detail.S!, /^openedOn: .*; its employees are still collected$/);
      assert.equal(branch.run_id.S, run.branches.runId);
      assert.equal(JSON.parse(branch.payload_excerpt.S!).openedOn, "sometime in the nineties");
      const ttl = Number(branch[REJECTS_TTL_ATTRIBUTE].N);
      const rejectedAt = Date.parse(branch.rejected_at.S!);
      assert.ok(rejectedAt >= started - 1000 && rejectedAt <= Date.now());
      assert.equal(ttl, Math.floor(rejectedAt / 1000) + DEFAULT_REJECTS_TTL_DAYS * 86_400);
      // The oversized sale's excerpt is bounded; its item never reached the sales table.
      const big = byKey.get("sales/S002-002-001")!;
      assert.ok(big.payload_excerpt.S!.length <= 2048);
      assert.match(big.detail.S!, /^item is \d+ bytes; DynamoDB allows 409600$/);

      const want = expected(fx.source.dataset());
      assert.deepEqual(ids(await fx.scan("branches"), "branch_id"), ["B001", "B002"]);
      assert.deepEqual(ids(await fx.scan("salespersons"), "employee_id"), want.salespersons);
      assert.deepEqual(
        ids(await fx.scan("sales"), "sale_id"),
        want.sales.filter((id) => id !== "S002-002-001"),
      );
      assert.equal(run.branches.rejected, 1);
      assert.equal(run.salespersons.counts.rejected, 1);
      assert.equal(run.sales.counts.rejected, 2);
      const truth = fx.source.truth();
      assert.deepEqual(
        [truth.branches.invalid, truth.employees.invalid, truth.sales.invalid],
        [["B003"], ["E001-004"], ["S001-002-001"]],
      );
    });
  });

  describe("a faulty source", () => {
    let fx: Fixture;
    afterEach(() => fx.close());

    it("429s, 5xx and malformed bodies are retried until the run succeeds", async () => {
      fx = await startFixture({
        seed: 11,
        scale: { branches: 2, employeesPerBranch: 6, salesPerSalesperson: 4 },
        pageSize: 3,
        faults: {
          script: ["503", "429", "500", "malformed"],
          errorRate: 0.15,
          throttleRate: 0.15,
          malformedRate: 0.05,
        },
      });
      const handlers = fx.handlers();
      const run = await runPipeline(fx, handlers);
      const want = expected(fx.source.dataset());
      assert.deepEqual([run.salespersons.failures, run.sales.failures], [[], []]);
      assert.deepEqual(ids(await fx.scan("sales"), "sale_id"), want.sales);
      assert.deepEqual(ids(await fx.scan("salespersons"), "employee_id"), want.salespersons);
      const { faults } = fx.source.truth();
      assert.ok(faults.serverError >= 2 && faults.throttled >= 1 && faults.malformed >= 1, JSON.stringify(faults));
      const retries =
        handlers.counts.branches.retried + handlers.counts.salespersons.retried + handlers.counts.sales.retried;
      assert.equal(retries, faults.serverError + faults.throttled + faults.malformed);
    });

    it("honours Retry-After given as an HTTP-date", async () => {
      fx = await startFixture({
        seed: 2,
        scale: { branches: 1, employeesPerBranch: 2, salesPerSalesperson: 1 },
        faults: { script: ["429", "429"], retryAfter: { form: "date", seconds: 30 } },
      });
      // The waits are recorded, not slept: what matters is that the date was read.
      const waits: number[] = [];
      const handlers = fx.handlers({
        branches: { source: { ...FAST.source, retryAfterCapMs: 60_000, sleep: async (ms) => void waits.push(ms) } },
      });
      const result = await handlers.branches({});
      assert.equal(result.written, 1);
      assert.equal(handlers.counts.branches.retried, 2);
      assert.equal(fx.source.truth().faults.throttled, 2);
      // An HTTP-date has whole seconds, so 30 s ahead is between 29 and 30 s away.
      assert.equal(waits.length, 2);
      assert.ok(
        waits.every((ms) => ms > 28_000 && ms <= 30_000),
        JSON.stringify(waits),
      );
    });

    it("a Retry-After longer than it can wait hands the message back to the queue for that long", async () => {
      fx = await startFixture({
        seed: 2,
        scale: { branches: 1, employeesPerBranch: 2, salesPerSalesperson: 1 },
        faults: { script: ["429"], retryAfter: { form: "seconds", seconds: 1 } },
      });
      // FAST waits out at most 50 ms of Retry-After; the source asks for 1 s.
      const handlers = fx.handlers();
      await fx.aws.sqs.send(
        new SendMessageCommand({
          QueueUrl: fx.queues.employee,
          MessageBody: JSON.stringify({ runId: "run-1", branchId: "B001" }),
        }),
      );
      const [record] = await receiveAll(fx.aws.sqs, fx.queues.employee);
      // Its only message failed, so the whole batch fails (the Errors alarm sees it).
      await assert.rejects(handlers.salespersons({ Records: [record] }), { name: "FullBatchFailureError" });
      // Asked once, not retried inside the window the source asked us to stay away.
      assert.deepEqual([fx.source.truth().requests.employees, handlers.counts.salespersons.retried], [1, 0]);
      // receiveAll hid it for 300 s; handed back, it is visible again after the 1 s asked for.
      const again = await fx.aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: fx.queues.employee, WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }),
      );
      assert.equal(again.Messages?.[0]?.MessageId, record.messageId);
    });

    it("a cursor loop fails the run instead of spinning", async () => {
      fx = await startFixture({
        seed: 2,
        scale: { branches: 12, employeesPerBranch: 1, salesPerSalesperson: 1 },
        pageSize: 2,
        cursorLoop: true,
      });
      const handlers = fx.handlers();
      await assert.rejects(handlers.branches({}), { name: "CursorLoopError" });
      assert.deepEqual(await fx.scan("branches"), []);
    });

    it("stops at the deadline kept below the function's remaining time", async () => {
      fx = await startFixture({
        seed: 2,
        scale: { branches: 1, employeesPerBranch: 1, salesPerSalesperson: 1 },
        faults: { latencyMs: 1_500 },
      });
      const handlers = fx.handlers();
      const started = Date.now();
      await assert.rejects(handlers.branches({}, lambdaContext(1_000)), { name: "DeadlineExceededError" });
      // The deadline leaves 500 ms of the 1 s for the function to fail cleanly before Lambda would end it.
      assert.ok(Date.now() - started < 1_000, `gave up after ${Date.now() - started} ms`);
    });

    it("a non-retryable status fails at once", async () => {
      fx = await startFixture({
        seed: 2,
        scale: { branches: 1, employeesPerBranch: 1, salesPerSalesperson: 1 },
        token: "expected-token",
      });
      const handlers = fx.handlers();
      await assert.rejects(handlers.branches({}), { name: "SourceHttpError", status: 401 });
      assert.equal(fx.source.truth().faults.unauthorized, 1);
      assert.equal(handlers.counts.branches.retried, 0);
    });
  });

  describe("the source token", () => {
    let fx: Fixture;
    after(() => fx.close());

    it("is read from an SSM SecureString through Powertools and sent as a bearer token", async () => {
      fx = await startFixture({
        seed: 5,
        scale: { branches: 2, employeesPerBranch: 3, salesPerSalesperson: 2 },
        token: "t0ken-from-ssm",
      });
      await fx.aws.ssm.send(
        new PutParameterCommand({ Name: "/etl/source-token", Value: "t0ken-from-ssm", Type: "SecureString" }),
      );
      const provider = new SSMProvider({ awsSdkV3Client: fx.aws.ssm });
      const getParameter = (name: string) => provider.get(name, { decrypt: true, maxAge: 300 });
      const handlers = fx.handlers({
        branches: { getParameter },
        salespersons: { getParameter },
        sales: { getParameter },
      });
      const ssmBefore = fx.aws.requests.ssm;
      const run = await runPipeline(fx, handlers);
      assert.equal(run.branches.written, 2);
      assert.deepEqual([run.salespersons.failures, run.sales.failures], [[], []]);
      assert.ok(run.sales.counts.written > 0);
      assert.equal(fx.source.truth().faults.unauthorized, 0);
      // Cached: one SSM read for the whole run, however many source calls.
      assert.equal(fx.aws.requests.ssm - ssmBefore, 1);
    });
  });
});
