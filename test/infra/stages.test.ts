import { strict as assert } from "node:assert";
import * as path from "node:path";
import {
  cascadeLine,
  consumerOf,
  queueNames,
  sourceQueueOf,
  STAGE_TABLE,
  stageEnvironment,
  stageNames,
  stageTableProblems,
  targetQueueOf,
  type StageSpec,
} from "../../functions/lib/stages";
import { recordProgram, type ProgramRun, type RecordedResource } from "../../local/plan/record";
import { one, policyOf, T } from "./graph";

/** A stage row for table-shape tests; only the trigger matters to them. */
const row = (name: string, trigger: StageSpec["trigger"]): StageSpec => ({
  ...STAGE_TABLE[0],
  name,
  trigger,
});

describe("stages: the one table of stages (pure)", function () {
  it("derives the queues, who feeds and who consumes them from the triggers alone", function () {
    assert.deepEqual(stageNames(STAGE_TABLE), ["branches", "salespersons", "sales"]);
    assert.deepEqual(queueNames(STAGE_TABLE), ["employee", "sale"]);
    assert.deepEqual(
      stageNames(STAGE_TABLE).map((stage) => [sourceQueueOf(STAGE_TABLE, stage), targetQueueOf(STAGE_TABLE, stage)]),
      [
        [undefined, "employee"],
        ["employee", "sale"],
        ["sale", undefined],
      ],
    );
    assert.deepEqual(
      queueNames(STAGE_TABLE).map((queue) => consumerOf(STAGE_TABLE, queue)),
      ["salespersons", "sales"],
    );
    const cascade = "schedule → branches → employee queue → salespersons → sale queue → sales";
    assert.equal(cascadeLine(STAGE_TABLE), cascade);
  });

  it("gives a stage TARGET_QUEUE_URL exactly when it fans out, and its own variables", function () {
    const common = ["tableName", "rejectsTableName", "sourceBaseUrl", "sourceTokenParameter", "deployStage"];
    assert.deepEqual(stageEnvironment(STAGE_TABLE, "branches"), [...common, "rejectsTtlDays", "targetQueueUrl"]);
    assert.deepEqual(stageEnvironment(STAGE_TABLE, "salespersons"), [...common, "rejectsTtlDays", "targetQueueUrl"]);
    assert.deepEqual(stageEnvironment(STAGE_TABLE, "sales"), [...common, "rejectsTtlDays", "lookbackHours"]);
  });

  it("accepts the real table and refuses tables that are not one cascade, naming each problem", function () {
    assert.deepEqual(stageTableProblems(STAGE_TABLE), []);
    assert.deepEqual(stageTableProblems([]), ["no stages"]);
    assert.deepEqual(
      stageTableProblems([
        row("a", { kind: "queue", queue: "x", from: "b" }),
        row("b", { kind: "schedule" }),
        row("c", { kind: "queue", queue: "y", from: "b" }),
        row("d", { kind: "queue", queue: "y", from: "b" }),
        row("rejects", { kind: "queue", queue: "Z", from: "c" }),
        row("c", { kind: "queue", queue: "w", from: "a" }),
      ]),
      [
        "stage a: the first stage must be started by the schedule",
        "stage a: fed from b, which is not a stage listed before it",
        "stage b: only the first stage is started by the schedule",
        "stage b: fans out to two queues (x, y)",
        "queue y: consumed by two stages",
        "stage b: fans out to two queues (y, y)",
        'stage "rejects": a name must be lower-case letters and digits, not rejects',
        'queue "Z": a name must be lower-case',
        "stage c: listed twice",
      ],
    );
  });
});

describe("stages: a fourth stage in the table grows the program by exactly its resources", function () {
  let three: ProgramRun;
  let four: ProgramRun;

  before(async function () {
    this.timeout(300_000);
    three = await recordProgram({ stack: "dev" });
    four = await recordProgram({ stack: "dev", entry: path.join(__dirname, "fixtures", "four-stages.ts") });
  });

  /** A resource by type and logical name, as it is listed below. */
  const key = (r: RecordedResource) => `${r.type} ${r.name}`;
  /** Inputs without the code archive, whose fields are promises, in a stable order. */
  const inputsOf = (r: RecordedResource) =>
    JSON.stringify(r.inputs, (k, v: unknown) =>
      k === "code"
        ? undefined
        : v !== null && typeof v === "object" && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
          : v,
    );

  it("adds its table, queue and DLQ, role and policy, collector, mapping and alarms, and nothing else", function () {
    const before = new Set(three.resources.map(key));
    const added = four.resources.map(key).filter((k) => !before.has(k));
    assert.deepEqual(added.sort(), [
      "aws:cloudwatch/logGroup:LogGroup cascading-etl-refunds-logs",
      "aws:cloudwatch/metricAlarm:MetricAlarm cascading-etl-monitoring-refund-dlq-depth",
      "aws:cloudwatch/metricAlarm:MetricAlarm cascading-etl-monitoring-refund-queue-age",
      "aws:cloudwatch/metricAlarm:MetricAlarm cascading-etl-monitoring-refunds-duration",
      "aws:cloudwatch/metricAlarm:MetricAlarm cascading-etl-monitoring-refunds-errors",
      "aws:cloudwatch/metricAlarm:MetricAlarm cascading-etl-monitoring-refunds-throttles",
      "aws:dynamodb/table:Table cascading-etl-tables-refunds",
      "aws:iam/role:Role cascading-etl-iam-refunds",
      "aws:iam/rolePolicy:RolePolicy cascading-etl-iam-refunds",
      "aws:lambda/eventSourceMapping:EventSourceMapping cascading-etl-refunds-source",
      "aws:lambda/function:Function cascading-etl-refunds-function",
      "aws:sqs/queue:Queue cascading-etl-queues-refund",
      "aws:sqs/queue:Queue cascading-etl-queues-refund-dlq",
      "aws:sqs/queuePolicy:QueuePolicy cascading-etl-queues-refund",
      "aws:sqs/queuePolicy:QueuePolicy cascading-etl-queues-refund-dlq",
      "cascading-etl:index:Collector cascading-etl-refunds",
    ]);
    assert.equal(four.resources.length, three.resources.length + added.length, "nothing of the three stages is gone");
  });

  it("changes only what the new edge touches: sales now fans out, the dashboard shows four stages", function () {
    const earlier = new Map(three.resources.map((r) => [key(r), inputsOf(r)]));
    const changed = four.resources.filter((r) => earlier.has(key(r)) && earlier.get(key(r)) !== inputsOf(r)).map(key);
    assert.deepEqual(changed.sort(), [
      "aws:cloudwatch/dashboard:Dashboard cascading-etl-monitoring-dashboard",
      "aws:iam/rolePolicy:RolePolicy cascading-etl-iam-sales",
      "aws:lambda/function:Function cascading-etl-sales-function",
      "cascading-etl:index:Iam cascading-etl-iam",
      "cascading-etl:index:Queues cascading-etl-queues",
      "cascading-etl:index:Tables cascading-etl-tables",
    ]);

    const refundQueue = one(four, T.queue, "cascading-etl-queues-refund");
    const salesEnv = one(four, T.fn, "cascading-etl-sales-function").inputs.environment.variables;
    const salesEnvBefore = one(three, T.fn, "cascading-etl-sales-function").inputs.environment.variables;
    assert.deepEqual(salesEnv, { ...salesEnvBefore, TARGET_QUEUE_URL: refundQueue.state.url });

    const statements = policyOf(one(four, T.rolePolicy, "cascading-etl-iam-sales")).Statement;
    const statementsBefore = policyOf(one(three, T.rolePolicy, "cascading-etl-iam-sales")).Statement;
    assert.deepEqual(
      statements.filter((s: { Sid: string }) => !statementsBefore.some((b: { Sid: string }) => b.Sid === s.Sid)),
      [{ Sid: "FanOutToTargetQueue", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [refundQueue.state.arn] }],
    );
  });

  it("wires the new stage like the others: its queue, its consumer, its grants, its outputs", function () {
    const queue = one(four, T.queue, "cascading-etl-queues-refund");
    const dlq = one(four, T.queue, "cascading-etl-queues-refund-dlq");
    const fn = one(four, T.fn, "cascading-etl-refunds-function");
    assert.equal(one(four, T.esm, "cascading-etl-refunds-source").inputs.eventSourceArn, queue.state.arn);
    assert.equal(JSON.parse(queue.inputs.redrivePolicy).deadLetterTargetArn, dlq.state.arn);
    assert.equal(queue.inputs.visibilityTimeoutSeconds, 6 * 60);
    assert.equal(one(four, T.table, "cascading-etl-tables-refunds").inputs.rangeKey, "sale_id");
    assert.equal(fn.inputs.environment.variables.TARGET_QUEUE_URL, undefined);
    assert.deepEqual(
      policyOf(one(four, T.rolePolicy, "cascading-etl-iam-refunds")).Statement.map((s: { Sid: string }) => s.Sid),
      ["UpsertOwnTable", "WriteRejects", "ConsumeSourceQueue", "WriteOwnLogs"],
    );
    const outputs = four.outputs as Record<string, Record<string, unknown>>;
    for (const key of ["tables", "roles", "logGroups", "functions"]) assert.ok("refunds" in outputs[key], key);
    assert.ok("refund" in outputs.queues);
  });
});
