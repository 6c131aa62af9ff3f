/**
 * Split mode: a `shared` stack owning Tables, Queues and Iam, and a `pipeline` stack
 * reading them through a StackReference (mocked here with the contract fixtures or with
 * what the recorded shared stack exports). Config rules, the fit checks, both programs'
 * resource graphs and their failures.
 */
import { strict as assert } from "node:assert";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { ENV, STAGES, type StageName } from "../../functions/lib/contract";
import { parseConfig } from "../../infra/config";
import {
  parseStackOutputs,
  pipelineOutputsSchema,
  sharedOutputsSchema,
  type SharedOutputs,
} from "../../infra/contract";
import { sharedStackProblems, type PipelineStackFacts } from "../../infra/split";
import { countByType, MOCK_ACCOUNT_ID, ProgramRunError, recordProgram, type ProgramRun } from "../../local/plan/record";
import { loadStackConfig, type StackConfig } from "../../local/plan/stack-config";
import { FIXTURE_PIPELINE_STACK, sharedOutputs } from "../ship/contract-fixtures";
import { expectedRoleStatements, ofType, one, policyOf, T } from "./graph";

const SHARED_REF = "acme/cascading-etl/shared";
const STACK_REFERENCE = "pulumi:pulumi:StackReference";
const REGION = "eu-central-1";
const TOKEN = "tok-split-7c1e";

/**
 * A pipeline stack on prod's stack file: prod's own region and settings, minus the
 * table protection keys, which belong to the shared stack in split mode.
 */
function pipelineConfig(overrides: Record<string, unknown> = {}, stack = FIXTURE_PIPELINE_STACK): StackConfig {
  const config = loadStackConfig("prod", {
    overrides: {
      stackRole: "pipeline",
      sharedStack: SHARED_REF,
      pointInTimeRecovery: undefined,
      deletionProtection: undefined,
      ...overrides,
    },
  });
  return { ...config, stack };
}

function recordPipeline(
  shared: unknown,
  overrides: Record<string, unknown> = {},
  stack = FIXTURE_PIPELINE_STACK,
): Promise<ProgramRun> {
  return recordProgram({
    stack,
    config: pipelineConfig(overrides, stack),
    stackReferences: { [SHARED_REF]: shared as Record<string, unknown> },
  });
}

/** A deep copy of the shared fixture, changed by `edit`. */
function sharedWith(edit: (outputs: any) => void): SharedOutputs {
  const outputs = structuredClone(sharedOutputs());
  edit(outputs);
  return outputs;
}

const sorted = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));

describe("split mode: stackRole, sharedStack and pipelineStackName (pure)", function () {
  const ctx = { stack: "pipeline", region: REGION };

  it("defaults to one stack owning everything", function () {
    const result = parseConfig({}, ctx);
    assert.ok(result.ok);
    assert.deepEqual(result.config.stackRole, { role: "all" });
  });

  it("reads a shared stack and the pipeline stack it serves", function () {
    const result = parseConfig(
      { stackRole: "shared", pipelineStackName: "pipeline", pointInTimeRecovery: "true" },
      { stack: "shared", region: REGION },
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.deepEqual(result.config.stackRole, { role: "shared", pipelineStackName: "pipeline" });
  });

  it("reads a pipeline stack and the shared stack it reads", function () {
    const result = parseConfig(
      { stackRole: "pipeline", sharedStack: ` ${SHARED_REF} `, schedule: "rate(6 hours)" },
      ctx,
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.deepEqual(result.config.stackRole, { role: "pipeline", sharedStack: SHARED_REF });
  });

  it("accepts Pulumi.shared.yaml on its own", function () {
    const { config } = loadStackConfig("shared");
    const raw = Object.fromEntries(
      Object.entries(config)
        .filter(([k]) => k.startsWith("cascading-etl:"))
        .map(([k, v]) => [k.slice("cascading-etl:".length), v]),
    );
    const result = parseConfig(raw, { stack: "shared", region: config["aws:region"] });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.deepEqual(result.config.stackRole, { role: "shared", pipelineStackName: "pipeline" });
    assert.deepEqual(
      [result.config.region, result.config.pointInTimeRecovery, result.config.deletionProtection],
      [REGION, true, true],
    );
  });

  const INVALID: [string, Record<string, string>, string, string][] = [
    [
      "an unknown role",
      { stackRole: "split" },
      "pipeline",
      'cascading-etl:stackRole must be one of all, shared, pipeline (got "split")',
    ],
    [
      "a pipeline stack without sharedStack",
      { stackRole: "pipeline" },
      "pipeline",
      "cascading-etl:sharedStack must name the shared stack as <org>/<project>/<stack> " +
        'when stackRole is pipeline (got "")',
    ],
    [
      "a sharedStack that is not fully qualified",
      { stackRole: "pipeline", sharedStack: "shared" },
      "pipeline",
      "cascading-etl:sharedStack must name the shared stack as <org>/<project>/<stack> " +
        'when stackRole is pipeline (got "shared")',
    ],
    [
      "a pipeline stack reading itself",
      { stackRole: "pipeline", sharedStack: "acme/cascading-etl/pipeline" },
      "pipeline",
      "cascading-etl:sharedStack must name another stack than this pipeline stack (pipeline) " +
        '(got "acme/cascading-etl/pipeline")',
    ],
    [
      "a shared stack serving no pipeline stack",
      { stackRole: "shared" },
      "shared",
      "cascading-etl:pipelineStackName must name the pipeline stack this shared stack serves " +
        '(letters, digits, _ . -) when stackRole is shared (got "")',
    ],
    [
      "a shared stack serving a malformed name",
      { stackRole: "shared", pipelineStackName: "acme/pipeline" },
      "shared",
      "cascading-etl:pipelineStackName must name the pipeline stack this shared stack serves " +
        '(letters, digits, _ . -) when stackRole is shared (got "acme/pipeline")',
    ],
    [
      "a shared stack serving itself",
      { stackRole: "shared", pipelineStackName: "shared" },
      "shared",
      'cascading-etl:pipelineStackName must name another stack than this shared stack (shared) (got "shared")',
    ],
    [
      "sharedStack on a single stack",
      { sharedStack: SHARED_REF },
      "dev",
      `cascading-etl:sharedStack is only read in split mode (stackRole pipeline); ` +
        `a stackRole all stack owns every resource itself (got "${SHARED_REF}")`,
    ],
    [
      "pipelineStackName on a single stack",
      { pipelineStackName: "pipeline" },
      "dev",
      "cascading-etl:pipelineStackName is only read in split mode (stackRole shared); " +
        'a stackRole all stack owns every resource itself (got "pipeline")',
    ],
    [
      "table protection on a pipeline stack",
      { stackRole: "pipeline", sharedStack: SHARED_REF, deletionProtection: "true" },
      "pipeline",
      "cascading-etl:deletionProtection is not read by a pipeline stack (stackRole pipeline): " +
        'set it on the shared stack (got "true")',
    ],
    [
      "a queue setting on a pipeline stack",
      { stackRole: "pipeline", sharedStack: SHARED_REF, maxReceiveCount: "20" },
      "pipeline",
      "cascading-etl:maxReceiveCount is not read by a pipeline stack (stackRole pipeline): " +
        'set it on the shared stack (got "20")',
    ],
    [
      "a schedule on a shared stack",
      { stackRole: "shared", pipelineStackName: "pipeline", schedule: "rate(6 hours)" },
      "shared",
      "cascading-etl:schedule is not read by a shared stack (stackRole shared): " +
        'set it on the pipeline stack (got "rate(6 hours)")',
    ],
    [
      "the source token on a shared stack, without echoing it",
      { stackRole: "shared", pipelineStackName: "pipeline", sourceApiToken: TOKEN },
      "shared",
      "cascading-etl:sourceApiToken is not read by a shared stack (stackRole shared): " +
        'set it on the pipeline stack (got "[secret]")',
    ],
    [
      "sharedStack on a shared stack",
      { stackRole: "shared", pipelineStackName: "pipeline", sharedStack: SHARED_REF },
      "shared",
      `cascading-etl:sharedStack is not read by a shared stack (stackRole shared): ` +
        `set it on the pipeline stack (got "${SHARED_REF}")`,
    ],
  ];
  for (const [what, raw, stack, message] of INVALID) {
    it(`refuses ${what}`, function () {
      const result = parseConfig(raw, { stack, region: REGION });
      assert.ok(!result.ok);
      assert.deepEqual(result.errors, [message]);
    });
  }

  it("accepts a both-stack key (a consumer's timeout) on either stack", function () {
    assert.ok(
      parseConfig(
        { stackRole: "shared", pipelineStackName: "pipeline", salesTimeoutSeconds: "150", batchingWindowSeconds: "5" },
        { stack: "shared", region: REGION },
      ).ok,
    );
    assert.ok(
      parseConfig(
        { stackRole: "pipeline", sharedStack: SHARED_REF, salesTimeoutSeconds: "150", batchingWindowSeconds: "5" },
        ctx,
      ).ok,
    );
  });

  it("fails the program on an invalid combination before registering anything", async function () {
    const error = await recordProgram({ stack: "dev", overrides: { stackRole: "pipeline" } }).then(
      () => assert.fail("the program accepted a pipeline stack without sharedStack"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ProgramRunError);
    assert.equal((error.cause as Error).name, "ConfigError");
    assert.equal(
      error.message,
      "invalid stack configuration:\n" +
        "  - cascading-etl:sharedStack must name the shared stack as <org>/<project>/<stack> " +
        'when stackRole is pipeline (got "")',
    );
    assert.deepEqual(error.resources, []);
  });
});

describe("split mode: does the shared stack fit this pipeline stack (pure)", function () {
  const facts: PipelineStackFacts = {
    project: "cascading-etl",
    stack: FIXTURE_PIPELINE_STACK,
    region: REGION,
    accountId: MOCK_ACCOUNT_ID,
    timeoutSeconds: { salespersons: 60, sales: 120 },
    batchingWindowSeconds: 0,
  };

  it("fits the fixture, which serves prod with the default timeouts", function () {
    assert.deepEqual(sharedStackProblems(sharedOutputs(), facts), []);
  });

  const CASES: [string, SharedOutputs, Partial<PipelineStackFacts>, string[]][] = [
    [
      "a queue in another region",
      sharedWith((o) => (o.queues.schedule.arn = `arn:aws:sqs:us-east-1:${MOCK_ACCOUNT_ID}:schedule-dlq-1a2b3c4`)),
      {},
      ["queues.schedule.arn: is in us-east-1, this stack deploys to eu-central-1 (aws:region)"],
    ],
    [
      "a role of another account",
      sharedWith((o) => (o.roles.branches = "arn:aws:iam::111111111111:role/branches-1a2b3c4")),
      {},
      ["roles.branches: is in account 111111111111, this stack deploys to 123456789012"],
    ],
    [
      "a shared stack set up for another pipeline stack",
      sharedOutputs(),
      { stack: "staging" },
      STAGES.map(
        (stage) =>
          `logGroups.${stage}: is /cascading-etl/prod/${stage}, this stack writes /cascading-etl/staging/${stage}: ` +
          "set cascading-etl:pipelineStackName to staging on the shared stack",
      ),
    ],
    [
      "a consumer timeout the queue's visibility does not cover",
      sharedOutputs(),
      { timeoutSeconds: { salespersons: 60, sales: 150 } },
      [
        "queues.sale.visibilityTimeoutSeconds: is 720 s, " +
          "below 6 x salesTimeoutSeconds (150 s) + batchingWindowSeconds (0 s) = 900 s: " +
          "set the same values on the shared stack and update it first",
      ],
    ],
    [
      "a batching window the visibility does not cover",
      sharedOutputs(),
      { batchingWindowSeconds: 1 },
      [
        "queues.employee.visibilityTimeoutSeconds: is 360 s, " +
          "below 6 x salespersonsTimeoutSeconds (60 s) + batchingWindowSeconds (1 s) = 361 s: " +
          "set the same values on the shared stack and update it first",
        "queues.sale.visibilityTimeoutSeconds: is 720 s, " +
          "below 6 x salesTimeoutSeconds (120 s) + batchingWindowSeconds (1 s) = 721 s: " +
          "set the same values on the shared stack and update it first",
      ],
    ],
  ];
  for (const [what, shared, changed, expected] of CASES) {
    it(`names ${what}`, function () {
      assert.deepEqual(sharedStackProblems(shared, { ...facts, ...changed }), expected);
    });
  }

  it("names every resource of a shared stack in another region, but not the global IAM roles", function () {
    const paths = [
      "tables.branches.arn",
      "tables.salespersons.arn",
      "tables.sales.arn",
      "tables.rejects.arn",
      "queues.employee.arn",
      "queues.employee.dlqArn",
      "queues.sale.arn",
      "queues.sale.dlqArn",
      "queues.schedule.arn",
    ];
    assert.deepEqual(
      sharedStackProblems(sharedOutputs(), { ...facts, region: "eu-west-1" }),
      paths.map((path) => `${path}: is in eu-central-1, this stack deploys to eu-west-1 (aws:region)`),
    );
  });
});

describe("split mode: the shared stack (Pulumi.shared.yaml) under mocks", function () {
  let run: ProgramRun;
  before(async function () {
    run = await recordProgram({ stack: "shared" });
  });

  it("registers exactly Tables, Queues and Iam", function () {
    assert.deepEqual(countByType(run.resources, { custom: true }), {
      [T.table]: 4,
      [T.role]: 3,
      [T.rolePolicy]: 3,
      [T.queue]: 5,
      [T.queuePolicy]: 5,
    });
    assert.deepEqual(countByType(run.resources, { custom: false }), {
      "cascading-etl:index:Iam": 1,
      "cascading-etl:index:Queues": 1,
      "cascading-etl:index:Tables": 1,
    });
    for (const type of [
      T.fn,
      T.esm,
      T.schedule,
      T.invokeConfig,
      T.alarm,
      T.topic,
      T.dashboard,
      T.logGroup,
      T.parameter,
      STACK_REFERENCE,
    ])
      assert.equal(ofType(run, type).length, 0, type);
  });

  it("exports exactly the shared contract, naming its own resources", function () {
    assert.deepEqual(Object.keys(run.outputs).sort(), ["logGroups", "queues", "roles", "tables"]);
    assert.ok(sharedOutputsSchema.safeParse(run.outputs).success);
    // Parsing drops keys outside the contract, so equality means there are none.
    assert.deepEqual(parseStackOutputs("shared", "shared", run.outputs), run.outputs);
    const outputs = run.outputs as SharedOutputs;
    const queue = (name: string) => one(run, T.queue, `cascading-etl-queues-${name}`).state;
    assert.deepEqual(outputs.queues, {
      employee: {
        url: queue("employee").url,
        arn: queue("employee").arn,
        dlqUrl: queue("employee-dlq").url,
        dlqArn: queue("employee-dlq").arn,
        visibilityTimeoutSeconds: 360,
      },
      sale: {
        url: queue("sale").url,
        arn: queue("sale").arn,
        dlqUrl: queue("sale-dlq").url,
        dlqArn: queue("sale-dlq").arn,
        visibilityTimeoutSeconds: 720,
      },
      schedule: { url: queue("schedule-dlq").url, arn: queue("schedule-dlq").arn },
    });
    for (const kind of ["branches", "salespersons", "sales", "rejects"] as const) {
      const table = one(run, T.table, `cascading-etl-tables-${kind}`).state;
      assert.deepEqual(outputs.tables[kind], { name: table.name, arn: table.arn });
    }
    for (const stage of STAGES)
      assert.equal(outputs.roles[stage], one(run, T.role, `cascading-etl-iam-${stage}`).state.arn);
    assert.deepEqual(outputs.logGroups, {
      branches: "/cascading-etl/pipeline/branches",
      salespersons: "/cascading-etl/pipeline/salespersons",
      sales: "/cascading-etl/pipeline/sales",
    });
  });

  it("protects its tables, as the stack holding the data", function () {
    for (const table of ofType(run, T.table)) {
      assert.deepEqual(
        [table.inputs.pointInTimeRecovery, table.inputs.deletionProtectionEnabled],
        [{ enabled: true }, true],
        table.name,
      );
    }
  });

  it("scopes each role to the served stack's log group and token parameter and its own tables and queues", function () {
    const expected = expectedRoleStatements(run, {
      region: REGION,
      logStack: "pipeline",
      tokenParameterArn: `arn:aws:ssm:${REGION}:${MOCK_ACCOUNT_ID}:parameter/cascading-etl/pipeline/source-api-token`,
    });
    for (const stage of STAGES) {
      assert.deepEqual(policyOf(one(run, T.rolePolicy, `cascading-etl-iam-${stage}`)), {
        Version: "2012-10-17",
        Statement: expected[stage],
      });
      assert.deepEqual(policyOf(one(run, T.role, `cascading-etl-iam-${stage}`)).Statement[0].Principal, {
        Service: "lambda.amazonaws.com",
      });
    }
  });
});

describe("split mode: a pipeline stack reading mocked shared outputs", function () {
  let run: ProgramRun;
  const shared = sharedOutputs();
  before(async function () {
    run = await recordPipeline(shared);
  });

  it("registers exactly the collectors and monitoring, and reads the shared stack named in its config", function () {
    assert.deepEqual(
      countByType(run.resources, { custom: true }),
      sorted({
        [STACK_REFERENCE]: 1,
        [T.dashboard]: 1,
        [T.logGroup]: 3,
        [T.alarm]: 14,
        [T.role]: 1,
        [T.rolePolicy]: 1,
        [T.esm]: 2,
        [T.fn]: 3,
        [T.invokeConfig]: 1,
        [T.schedule]: 1,
        [T.topic]: 1,
        [T.subscription]: 1,
      }),
    );
    assert.deepEqual(countByType(run.resources, { custom: false }), {
      "cascading-etl:index:Collector": 3,
      "cascading-etl:index:Monitoring": 1,
    });
    assert.deepEqual(
      [run.resources[0].type, run.resources[0].name, run.resources[0].inputs.name],
      [STACK_REFERENCE, "cascading-etl-shared", SHARED_REF],
    );
    // The only role here is the scheduler's; the collectors' roles are the shared stack's.
    assert.deepEqual(
      ofType(run, T.role).map((r) => r.name),
      ["cascading-etl-branches-scheduler"],
    );
  });

  it("runs each function with the shared role, log group, tables and queues", function () {
    const targets: Record<StageName, Record<string, string>> = {
      branches: { [ENV.targetQueueUrl]: shared.queues.employee.url },
      salespersons: { [ENV.targetQueueUrl]: shared.queues.sale.url },
      sales: { [ENV.lookbackHours]: "24" },
    };
    for (const stage of STAGES) {
      const fn = one(run, T.fn, `cascading-etl-${stage}-function`).inputs;
      assert.equal(fn.role, shared.roles[stage]);
      assert.deepEqual(fn.loggingConfig, { logFormat: "JSON", logGroup: shared.logGroups[stage] });
      assert.equal(one(run, T.logGroup, `cascading-etl-${stage}-logs`).inputs.name, shared.logGroups[stage]);
      assert.deepEqual(fn.environment.variables, {
        [ENV.tableName]: shared.tables[stage].name,
        [ENV.rejectsTableName]: shared.tables.rejects.name,
        [ENV.sourceBaseUrl]: "https://source.example.com/api",
        [ENV.deployStage]: "prod",
        [ENV.rejectsTtlDays]: "30",
        ...targets[stage],
        POWERTOOLS_SERVICE_NAME: `cascading-etl-${stage}`,
        POWERTOOLS_METRICS_NAMESPACE: "CascadingEtl",
        NODE_OPTIONS: "--enable-source-maps",
      });
    }
  });

  it("maps the shared stage queues to their consumers", function () {
    const mapping = (stage: string) => one(run, T.esm, `cascading-etl-${stage}-source`).inputs;
    assert.deepEqual(
      [mapping("salespersons").eventSourceArn, mapping("salespersons").functionName],
      [shared.queues.employee.arn, one(run, T.fn, "cascading-etl-salespersons-function").state.arn],
    );
    assert.deepEqual(
      [mapping("sales").eventSourceArn, mapping("sales").functionName],
      [shared.queues.sale.arn, one(run, T.fn, "cascading-etl-sales-function").state.arn],
    );
    assert.deepEqual(mapping("sales").scalingConfig, { maximumConcurrency: 10 });
  });

  it("sends stage 1's undeliverable events and failed invocations to the shared schedule DLQ", function () {
    const fn = one(run, T.fn, "cascading-etl-branches-function").state;
    const role = one(run, T.role, "cascading-etl-branches-scheduler");
    assert.deepEqual(one(run, T.schedule, "cascading-etl-branches-schedule").inputs.target, {
      arn: fn.arn,
      roleArn: role.state.arn,
      input: "{}",
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: shared.queues.schedule.arn },
    });
    assert.deepEqual(one(run, T.invokeConfig, "cascading-etl-branches-async").inputs.destinationConfig, {
      onFailure: { destination: shared.queues.schedule.arn },
    });
    assert.deepEqual(policyOf(one(run, T.rolePolicy, "cascading-etl-branches-scheduler")).Statement, [
      { Sid: "InvokeCollector", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [fn.arn] },
      {
        Sid: "SendUndeliveredEvents",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [shared.queues.schedule.arn],
      },
    ]);
    assert.deepEqual(policyOf(role).Statement[0].Condition, { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } });
  });

  it("alarms on the shared queues by the names in their ARNs, and on each function", function () {
    const byQueue = (name: string) =>
      ofType(run, T.alarm)
        .filter((a) => a.inputs.dimensions?.QueueName === name)
        .map((a) => a.inputs.metricName);
    assert.deepEqual(
      ["employee-1a2b3c4-dlq", "sale-1a2b3c4-dlq", "schedule-dlq-1a2b3c4", "employee-1a2b3c4", "sale-1a2b3c4"].map(
        byQueue,
      ),
      [
        ["ApproximateNumberOfMessagesVisible"],
        ["ApproximateNumberOfMessagesVisible"],
        ["ApproximateNumberOfMessagesVisible"],
        ["ApproximateAgeOfOldestMessage"],
        ["ApproximateAgeOfOldestMessage"],
      ],
    );
    const topic = ofType(run, T.topic)[0].state.arn;
    for (const stage of STAGES) {
      const alarms = ofType(run, T.alarm).filter(
        (a) => a.inputs.dimensions?.FunctionName === one(run, T.fn, `cascading-etl-${stage}-function`).state.name,
      );
      assert.deepEqual(alarms.map((a) => a.inputs.metricName).sort(), ["Duration", "Errors", "Throttles"]);
      for (const alarm of alarms) assert.deepEqual(alarm.inputs.alarmActions, [topic]);
    }
  });

  it("exports the whole pipeline contract, the shared part passed through", function () {
    assert.ok(pipelineOutputsSchema.safeParse(run.outputs).success);
    const outputs = parseStackOutputs("pipeline", "prod", run.outputs);
    assert.deepEqual(outputs, run.outputs);
    assert.deepEqual(
      { tables: outputs.tables, queues: outputs.queues, roles: outputs.roles, logGroups: outputs.logGroups },
      shared,
    );
    for (const stage of STAGES) {
      const fn = one(run, T.fn, `cascading-etl-${stage}-function`).state;
      assert.deepEqual(outputs.functions[stage], { name: fn.name, arn: fn.arn });
    }
    assert.equal(outputs.alarmTopicArn, ofType(run, T.topic)[0].state.arn);
  });

  it("ignores outputs the contract does not know, nested or not", async function () {
    const extended = {
      ...sharedWith((o) => (o.tables.sales.streamArn = `${o.tables.sales.arn}/stream/2024-01-01T00:00:00.000`)),
      dashboardUrl: "https://example.com",
    };
    const withExtras = await recordPipeline(extended);
    assert.deepEqual((withExtras.outputs.tables as SharedOutputs["tables"]).sales, shared.tables.sales);
    assert.equal(
      one(withExtras, T.fn, "cascading-etl-sales-function").inputs.environment.variables[ENV.tableName],
      shared.tables.sales.name,
    );
  });

  it("keeps the source token in the pipeline stack, under the name the shared roles may read", async function () {
    const withToken = await recordPipeline(shared, { sourceApiToken: TOKEN });
    const [parameter] = ofType(withToken, T.parameter);
    assert.deepEqual(
      [ofType(withToken, T.parameter).length, parameter.inputs.name, parameter.inputs.type],
      [1, "/cascading-etl/prod/source-api-token", "SecureString"],
    );
    assert.deepEqual(parameter.inputs.valueWo, { [rpc.specialSigKey]: rpc.specialSecretSig, value: TOKEN });
    assert.equal("value" in parameter.inputs, false);
    for (const stage of STAGES)
      assert.equal(
        one(withToken, T.fn, `cascading-etl-${stage}-function`).inputs.environment.variables[ENV.sourceTokenParameter],
        "/cascading-etl/prod/source-api-token",
      );
    assert.ok(!JSON.stringify(withToken.outputs).includes(TOKEN));
  });
});

describe("split mode: a pipeline stack refuses a shared stack that does not fit", function () {
  const CASES: [string, unknown, Record<string, unknown>, string, string][] = [
    [
      "a missing output",
      sharedWith((o) => delete o.queues.schedule),
      {},
      "StackOutputContractError",
      `stack ${SHARED_REF} does not export the expected outputs:\n  - queues.schedule: missing output`,
    ],
    [
      "a missing top-level output (a stack exporting the contract before split mode)",
      sharedWith((o) => delete o.logGroups),
      {},
      "StackOutputContractError",
      `stack ${SHARED_REF} does not export the expected outputs:\n  - logGroups: missing output`,
    ],
    [
      "a wrong-shaped output",
      sharedWith((o) => (o.queues.schedule.arn = "schedule-dlq")),
      {},
      "StackOutputContractError",
      `stack ${SHARED_REF} does not export the expected outputs:\n  - queues.schedule.arn: must be an AWS ARN`,
    ],
    [
      "a wrong-typed output",
      sharedWith((o) => (o.queues.sale.visibilityTimeoutSeconds = "720")),
      {},
      "StackOutputContractError",
      `stack ${SHARED_REF} does not export the expected outputs:\n` +
        "  - queues.sale.visibilityTimeoutSeconds: Invalid input: expected number, received string",
    ],
    [
      "a stack that is not a shared stack at all",
      {},
      {},
      "StackOutputContractError",
      `stack ${SHARED_REF} does not export the expected outputs:\n` +
        "  - tables: missing output\n  - queues: missing output\n" +
        "  - roles: missing output\n  - logGroups: missing output",
    ],
    [
      "a shared stack in another region",
      sharedOutputs(),
      { "aws:region": "eu-west-1" },
      "SharedStackMismatchError",
      `stack ${SHARED_REF} cannot serve this pipeline stack:\n` +
        [
          "tables.branches.arn",
          "tables.salespersons.arn",
          "tables.sales.arn",
          "tables.rejects.arn",
          "queues.employee.arn",
          "queues.employee.dlqArn",
          "queues.sale.arn",
          "queues.sale.dlqArn",
          "queues.schedule.arn",
        ]
          .map((p) => `  - ${p}: is in eu-central-1, this stack deploys to eu-west-1 (aws:region)`)
          .join("\n"),
    ],
    [
      "a sales timeout the shared sale queue's visibility does not cover",
      sharedOutputs(),
      { salesTimeoutSeconds: 150 },
      "SharedStackMismatchError",
      `stack ${SHARED_REF} cannot serve this pipeline stack:\n` +
        "  - queues.sale.visibilityTimeoutSeconds: is 720 s, " +
        "below 6 x salesTimeoutSeconds (150 s) + batchingWindowSeconds (0 s) = 900 s: " +
        "set the same values on the shared stack and update it first",
    ],
  ];
  for (const [what, outputs, overrides, name, message] of CASES) {
    it(`fails on ${what}, naming it`, async function () {
      const error = await recordPipeline(outputs, overrides).then(
        () => assert.fail("the pipeline stack accepted the shared stack"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof Error, String(error));
      assert.equal(error.name, name);
      assert.equal(error.message, message);
    });
  }

  it("fails when the shared stack serves another pipeline stack, naming the key to change", async function () {
    const error = await recordPipeline(sharedOutputs(), {}, "staging").then(
      () => assert.fail("the pipeline stack accepted a shared stack set up for prod"),
      (e: unknown) => e as Error,
    );
    assert.equal(error.name, "SharedStackMismatchError");
    assert.equal(
      error.message,
      `stack ${SHARED_REF} cannot serve this pipeline stack:\n` +
        STAGES.map(
          (s) =>
            `  - logGroups.${s}: is /cascading-etl/prod/${s}, this stack writes /cascading-etl/staging/${s}: ` +
            "set cascading-etl:pipelineStackName to staging on the shared stack",
        ).join("\n"),
    );
  });
});

describe("split mode: the shared and pipeline stacks together", function () {
  let shared: ProgramRun;
  let pipeline: ProgramRun;
  let single: ProgramRun;
  before(async function () {
    shared = await recordProgram({ stack: "shared" });
    pipeline = await recordPipeline(shared.outputs, { sourceApiToken: TOKEN }, "pipeline");
    single = await recordProgram({ stack: "prod", overrides: { sourceApiToken: TOKEN } });
  });

  it("the pipeline stack accepts exactly what the shared stack exports", function () {
    assert.deepEqual(parseStackOutputs("shared", SHARED_REF, pipeline.outputs), shared.outputs);
  });

  it("between them create what the single stack creates, each resource once", function () {
    const both = countByType([...shared.resources, ...pipeline.resources].filter((r) => r.type !== STACK_REFERENCE));
    assert.deepEqual(both, countByType(single.resources));
    assert.equal(
      [...shared.resources, ...pipeline.resources].filter((r) => r.custom && r.type !== STACK_REFERENCE).length,
      single.resources.filter((r) => r.custom).length,
    );
  });

  it("the shared roles allow exactly the pipeline's log groups and token parameter", function () {
    const parameterArn = ofType(pipeline, T.parameter)[0].state.arn as string;
    for (const stage of STAGES) {
      const statements = policyOf(one(shared, T.rolePolicy, `cascading-etl-iam-${stage}`)).Statement;
      const logGroup = one(pipeline, T.logGroup, `cascading-etl-${stage}-logs`).state;
      assert.deepEqual(statements.find((s: any) => s.Sid === "WriteOwnLogs").Resource, [`${logGroup.arn}:*`]);
      assert.deepEqual(statements.find((s: any) => s.Sid === "ReadSourceToken").Resource, [parameterArn]);
      assert.equal(
        one(pipeline, T.fn, `cascading-etl-${stage}-function`).inputs.role,
        one(shared, T.role, `cascading-etl-iam-${stage}`).state.arn,
      );
    }
  });
});
