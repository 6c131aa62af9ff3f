import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { parseStackOutputs } from "../../infra/contract";
import type { OpsCommand } from "../../local/ops/args";
import { backfill } from "../../local/ops/backfill";
import { listDeadLetters, purgeDeadLetters, redriveDeadLetters, type RedriveProgress } from "../../local/ops/dlq";
import { runOps, type OpsIo } from "../../local/ops/run";
import { pipelineStatus, STAGE_QUEUE_AGE_NOTE } from "../../local/ops/status";
import { cascadeTarget, type OpsTarget } from "../../local/ops/target";
import { queueDepth, scanAttribute } from "../../local/runtime/census";
import { LocalCascade } from "../../local/runtime/cascade";
import { invocationRecord } from "../../local/runtime/local-schedule";

const HOUR = 3_600_000;

/** Resolves once no mapping holds a batch and every stage queue is empty, twice in a row. */
async function settled(cascade: LocalCascade, target: OpsTarget): Promise<void> {
  let quiet = 0;
  while (quiet < 2) {
    const depths = await Promise.all(
      target.deadLetterQueues.flatMap((queue) => (queue.source ? [queueDepth(target.sqs, queue.source.url)] : [])),
    );
    const busy = cascade.pipeline.mappings.some(({ mapping }) => mapping.active) || depths.some((depth) => depth > 0);
    quiet = busy ? 0 : quiet + 1;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function io(stdin: string, env: Record<string, string | undefined> = {}): OpsIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdin: Readable.from([stdin]),
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    env,
    out,
    err,
  };
}

function command(action: OpsCommand["action"], target: Partial<OpsCommand["target"]>, extra: Partial<OpsCommand> = {}) {
  return {
    command: "ops",
    action,
    target: { stack: "dev", ...target },
    yes: false,
    json: true,
    ...extra,
  } as OpsCommand;
}

describe("operations commands against the embedded AWS", function () {
  this.timeout(180_000);
  let cascade: LocalCascade;
  let target: OpsTarget;
  let runId: string;

  before(async () => {
    cascade = await LocalCascade.start({
      stack: "dev",
      scale: "small",
      seed: 5,
      faults: 0,
      config: { maxReceiveCount: 5 },
      unavailableParents: ["B002"],
    });
    const first = await cascade.runOnce();
    // Something was dead-lettered, so the run is not ok, yet nothing was lost.
    assert.deepEqual([first.ok, first.conserved, first.stages.salespersons.inDlq], [false, true, 1]);
    target = await cascadeTarget(cascade);
    // A scheduled run whose retries were exhausted, recorded as Lambda records it.
    const schedule = target.deadLetterQueues.find((queue) => queue.key === "schedule")!;
    await target.sqs.send(
      new SendMessageCommand({
        QueueUrl: schedule.dlq.url,
        MessageBody: JSON.stringify(
          invocationRecord(
            cascade.schedule.spec.functionArn,
            { branches: ["Scranton"] },
            3,
            { name: "SourceError", message: "source down" },
            new Date(),
          ),
        ),
      }),
    );
    const employee = (await listDeadLetters(target, 0)).find((listing) => listing.key === "employee")!;
    const letter = employee.messages[0].letter;
    assert.equal(letter.kind, "stage");
    runId = letter.kind === "stage" ? letter.runId : "";
  });
  after(async () => cascade?.close());

  it("dlq list decodes what waits in each DLQ and leaves it there", async () => {
    const listings = await listDeadLetters(target, 0);
    const view = listings.map((listing) => ({
      key: listing.key,
      stage: listing.stage,
      letters: listing.messages.map((message) => message.letter),
    }));
    assert.deepEqual(view, [
      {
        key: "schedule",
        stage: "branches",
        letters: [
          {
            kind: "invocation",
            event: { branches: ["Scranton"] },
            attempts: 3,
            condition: "RetriesExhausted",
            error: "SourceError: source down",
          },
        ],
      },
      { key: "employee", stage: "salespersons", letters: [{ kind: "stage", runId, branchId: "B002" }] },
      { key: "sale", stage: "sales", letters: [] },
    ]);
    // Still there: a second listing sees the same messages, each received once more.
    const again = await listDeadLetters(target, 0);
    assert.deepEqual(
      again.map((listing) => listing.messages.map((message) => message.messageId)),
      listings.map((listing) => listing.messages.map((message) => message.messageId)),
    );
    const receiveCount = (of: typeof listings) =>
      of.find((listing) => listing.key === "employee")!.messages[0].receiveCount!;
    // Every read is a receive, so the count goes up: the cost peek.ts documents.
    assert.ok(receiveCount(again) > receiveCount(listings), `${receiveCount(again)} > ${receiveCount(listings)}`);
  });

  it("status reports each queue's depth and the oldest dead letter's age, and no watermark column", async () => {
    const rows = await pipelineStatus(target, { waitSeconds: 0 });
    assert.deepEqual(
      rows.map(({ role, stage, visible, delayed }) => ({ role, stage, visible, delayed })),
      [
        { role: "dead-letter queue", stage: "branches", visible: 1, delayed: 0 },
        { role: "stage queue", stage: "salespersons", visible: 0, delayed: 0 },
        { role: "dead-letter queue", stage: "salespersons", visible: 1, delayed: 0 },
        { role: "stage queue", stage: "sales", visible: 0, delayed: 0 },
        { role: "dead-letter queue", stage: "sales", visible: 0, delayed: 0 },
      ],
    );
    assert.deepEqual(
      rows.map((row) => (row.oldestAgeSeconds === null ? row.oldestAgeNote : "age")),
      ["age", STAGE_QUEUE_AGE_NOTE, "age", STAGE_QUEUE_AGE_NOTE, "empty"],
    );
  });

  it("dlq redrive moves the stage DLQ back with a message move task and re-runs the failed schedule", async () => {
    cascade.source.setUnavailableParents([]);
    const progress: RedriveProgress[] = [];
    const outcomes = await redriveDeadLetters(target, {
      onProgress: (p) => progress.push(p),
      pollMs: 20,
      waitSeconds: 0,
    });
    await settled(cascade, target);
    assert.deepEqual(
      outcomes.map(({ key, how, moved, left }) => ({ key, how, moved, left })),
      [
        { key: "schedule", how: "re-invoked", moved: 1, left: 0 },
        { key: "employee", how: "move task", moved: 1, left: 0 },
        { key: "sale", how: "nothing to do", moved: 0, left: 0 },
      ],
    );
    assert.deepEqual(
      progress.filter((p) => p.status === "COMPLETED").map((p) => [p.key, p.moved]),
      [
        ["schedule", 1],
        ["employee", 1],
      ],
    );
    // The redriven message was processed under its own run: B002's salespersons are stored with that run id.
    assert.ok(cascade.source.truth().listed.employeesOf.includes("B002"));
    const salespersons = await scanAttribute(
      cascade.aws.dynamodb,
      parseStackOutputs("pipeline", "dev", cascade.program.outputs).tables.salespersons.name,
      ["employee_id", "branch_id", "run_id"],
    );
    const ofB002 = salespersons.filter((item) => item.branch_id === "B002");
    assert.ok(ofB002.length > 0);
    assert.deepEqual([...new Set(ofB002.map((item) => item.run_id))], [runId]);
    assert.deepEqual(
      (await listDeadLetters(target, 0)).map((listing) => listing.messages.length),
      [0, 0, 0],
    );
  });

  it("backfill runs once with its since carried to the sales stage, collecting past the look-back", async () => {
    const branch = cascade.source.dataset().branches.find((b) => b.id === "B001")!;
    const since = new Date(Date.now() - 72 * HOUR);
    const { event } = await backfill(target, since.toISOString(), [branch.name]);
    await settled(cascade, target);
    assert.deepEqual(event, { since: since.toISOString(), branches: [branch.name] });
    const salespersonsOfB001 = new Set(
      cascade.source
        .dataset()
        .employees.filter((e) => e.branchId === "B001" && e.salesperson && e.valid)
        .map((e) => e.id),
    );
    const wanted = cascade.source
      .dataset()
      .sales.filter((s) => s.valid && salespersonsOfB001.has(s.employeeId) && s.soldAt >= since.getTime());
    assert.ok(
      wanted.some((s) => s.soldAt < Date.now() - 24 * HOUR),
      "B001 must have sales older than the look-back",
    );
    const stored = new Set(
      (
        await scanAttribute(
          cascade.aws.dynamodb,
          parseStackOutputs("pipeline", "dev", cascade.program.outputs).tables.sales.name,
          ["sale_id"],
        )
      ).map((item) => item.sale_id),
    );
    assert.deepEqual(
      wanted.filter((s) => !stored.has(s.id)).map((s) => s.id),
      [],
    );
  });

  describe("through the command line's runner, with --endpoint", () => {
    before(async () => {
      cascade.source.setUnavailableParents(["B003"]);
      const run = await cascade.runOnce();
      assert.equal(run.stages.salespersons.inDlq, 1);
    });

    it("dlq list --json shows the new dead letter", async () => {
      const streams = io("");
      const code = await runOps(command("dlq list", { endpoint: cascade.aws.sqsEndpoint }), streams);
      const printed = JSON.parse(streams.out.join("")) as {
        deadLetterQueues: Array<{ key: string; messages: Array<{ letter: { branchId?: string } }> }>;
      };
      assert.equal(code, 0);
      assert.deepEqual(
        printed.deadLetterQueues.map((listing) => [listing.key, listing.messages.map((m) => m.letter.branchId)]),
        [
          ["schedule", []],
          ["employee", ["B003"]],
          ["sale", []],
        ],
      );
    });

    it("dlq purge refuses without --yes when standard input is not a terminal, before touching anything", async () => {
      await assert.rejects(
        runOps(command("dlq purge", { endpoint: cascade.aws.sqsEndpoint }), io("")),
        (error: Error) => error.name === "ConfirmationError" && /pass --yes/.test(error.message),
      );
      assert.deepEqual(
        (await listDeadLetters(target, 0)).map((listing) => listing.messages.length),
        [0, 1, 0],
      );
    });

    it("dlq purge --yes purges every DLQ that holds something; a second purge finds one under way", async () => {
      const streams = io("");
      const code = await runOps(command("dlq purge", { endpoint: cascade.aws.sqsEndpoint }, { yes: true }), streams);
      assert.equal(code, 0);
      assert.deepEqual(JSON.parse(streams.out.join("")).purged, [
        { key: "schedule", purged: 0, alreadyInProgress: false },
        { key: "employee", purged: 1, alreadyInProgress: false },
        { key: "sale", purged: 0, alreadyInProgress: false },
      ]);
      // PurgeQueue allows one purge per queue per 60 s, and the emulator keeps that rule.
      assert.deepEqual(
        (await purgeDeadLetters(target)).map((queue) => [queue.key, queue.alreadyInProgress]),
        [
          ["schedule", false],
          ["employee", true],
          ["sale", false],
        ],
      );
    });

    it("backfill against a bare endpoint says where the local schedule runs", async () => {
      await assert.rejects(
        runOps(command("backfill", { endpoint: cascade.aws.sqsEndpoint }, { since: "2026-01-01" }), io("")),
        (error: Error) => error.name === "UnsupportedError" && /cascade run/.test(error.message),
      );
    });

    it("a stack whose queues are not there is a wrong stack, named", async () => {
      await assert.rejects(
        runOps(command("status", { endpoint: cascade.aws.sqsEndpoint, stack: "prod" }), io("")),
        (error: Error) => error.name === "WrongStackError" && /of stack prod does not exist/.test(error.message),
      );
    });
  });
});
