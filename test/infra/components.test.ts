/**
 * Each component's argument check is a pure function returning its problems, tested
 * directly as pulumi-awsx tests `validateVpcArgs` (pulumi/pulumi-awsx awsx/ec2/vpc.test.ts);
 * one program run under mocks shows a component with bad arguments registers nothing.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { collectorArgsProblems, type CollectorArgs, type ScheduleTrigger } from "../../infra/collector";
import { iamArgsProblems, type IamArgs } from "../../infra/iam";
import { monitoringArgsProblems, type MonitoringArgs } from "../../infra/monitoring";
import { queuesArgsProblems, type QueuesArgs } from "../../infra/queues";
import { sourceTokenArgsProblems } from "../../infra/source-token";
import { loadStackConfig } from "../../local/plan/stack-config";
import { ProgramRunError, recordProgram } from "../../local/plan/record";

const BOUNDARY = "arn:aws:iam::123456789012:policy/cascading-etl-boundary";

const RETENTIONS =
  "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653";

const collector = (changes: Partial<CollectorArgs> = {}): CollectorArgs => ({
  stage: "sales",
  code: "code" as unknown as CollectorArgs["code"],
  roleArn: "arn:aws:iam::123456789012:role/r",
  logGroupName: "/l",
  environment: {},
  trigger: { kind: "queue", queueArn: "arn:aws:sqs:eu-west-1:123456789012:q" },
  ...changes,
});

const SCHEDULE: ScheduleTrigger = {
  kind: "schedule",
  expression: "rate(1 hour)",
  input: "{}",
  maxRetryAttempts: 0,
  maxEventAgeSeconds: 60,
  asyncMaxRetryAttempts: 0,
  asyncMaxEventAgeSeconds: 60,
  deadLetterQueueArn: "arn:aws:sqs:eu-west-1:123456789012:d",
  accountId: "123456789012",
};

describe("infra: Collector arguments (pure)", function () {
  it("accepts the defaults and the limits' edges", function () {
    assert.deepEqual(collectorArgsProblems(collector()), []);
    assert.deepEqual(collectorArgsProblems(collector({ trigger: SCHEDULE })), []);
    assert.deepEqual(collectorArgsProblems(collector({ trigger: { ...SCHEDULE, permissionsBoundary: BOUNDARY } })), []);
    assert.deepEqual(collectorArgsProblems(collector({ memoryMb: 128, timeoutSeconds: 900 })), []);
    assert.deepEqual(collectorArgsProblems(collector({ memoryMb: 10240, timeoutSeconds: 1, logRetentionDays: 1 })), []);
  });

  const CASES: [string, Partial<CollectorArgs>, string][] = [
    [
      "a stage name that is not lower-case letters and digits",
      { stage: "Refunds" },
      'stage must be a stage name of lower-case letters and digits (got "Refunds")',
    ],
    ["too little memory", { memoryMb: 64 }, "memoryMb must be an integer from 128 to 10240 (got 64)"],
    ["too much memory", { memoryMb: 10241 }, "memoryMb must be an integer from 128 to 10240 (got 10241)"],
    ["fractional memory", { memoryMb: 256.5 }, "memoryMb must be an integer from 128 to 10240 (got 256.5)"],
    ["a zero timeout", { timeoutSeconds: 0 }, "timeoutSeconds must be an integer from 1 to 900 (got 0)"],
    ["a timeout past Lambda's", { timeoutSeconds: 901 }, "timeoutSeconds must be an integer from 1 to 900 (got 901)"],
    [
      "a retention CloudWatch refuses",
      { logRetentionDays: 10 },
      `logRetentionDays must be one of ${RETENTIONS} (got 10)`,
    ],
    ["an unknown trigger", { trigger: { kind: "stream" } as never }, 'trigger.kind must be "schedule" or "queue"'],
    [
      "a scheduler role's boundary that is a role, not a policy",
      { trigger: { ...SCHEDULE, permissionsBoundary: "arn:aws:iam::123456789012:role/r" } },
      'trigger.permissionsBoundary must be the ARN of an IAM policy (got "arn:aws:iam::123456789012:role/r")',
    ],
  ];
  for (const [what, changes, problem] of CASES) {
    it(`rejects ${what}`, function () {
      assert.deepEqual(collectorArgsProblems(collector(changes)), [problem]);
    });
  }

  it("lists every problem, in argument order", function () {
    assert.deepEqual(collectorArgsProblems(collector({ memoryMb: 64, timeoutSeconds: 0, logRetentionDays: 10 })), [
      "memoryMb must be an integer from 128 to 10240 (got 64)",
      "timeoutSeconds must be an integer from 1 to 900 (got 0)",
      `logRetentionDays must be one of ${RETENTIONS} (got 10)`,
    ]);
  });
});

const fn = { name: "f", timeoutSeconds: 60 };
const monitoring = (changes: Partial<MonitoringArgs> = {}): MonitoringArgs => ({
  region: "eu-west-1",
  cascade: "schedule → branches → employee queue → salespersons → sale queue → sales",
  dashboardName: "cascading-etl-dev",
  functions: { branches: fn, salespersons: fn, sales: fn },
  queues: { employee: { name: "e", dlqName: "ed" }, sale: { name: "s", dlqName: "sd" } },
  scheduleDlqName: "d",
  ...changes,
});

describe("infra: Monitoring arguments (pure)", function () {
  it("accepts the default percentage and both ends of the range", function () {
    assert.deepEqual(monitoringArgsProblems(monitoring()), []);
    assert.deepEqual(monitoringArgsProblems(monitoring({ durationAlarmPercent: 1 })), []);
    assert.deepEqual(monitoringArgsProblems(monitoring({ durationAlarmPercent: 100 })), []);
  });

  it("rejects a percentage outside 1..100", function () {
    for (const percent of [0, 101, 50.5])
      assert.deepEqual(monitoringArgsProblems(monitoring({ durationAlarmPercent: percent })), [
        `durationAlarmPercent must be an integer from 1 to 100 (got ${percent})`,
      ]);
  });

  it("rejects a dashboard name PutDashboard refuses", function () {
    for (const dashboardName of ["", "cascading-etl.dev", "x".repeat(256)])
      assert.deepEqual(monitoringArgsProblems(monitoring({ dashboardName })), [
        `dashboardName must be 1 to 255 characters of A-Z, a-z, 0-9, - and _ (got ${JSON.stringify(dashboardName)})`,
      ]);
    assert.deepEqual(monitoringArgsProblems(monitoring({ dashboardName: "x".repeat(255) })), []);
  });

  it("rejects a function without a positive integer timeout, naming its stage", function () {
    const functions = { branches: fn, salespersons: { name: "f", timeoutSeconds: 0 }, sales: fn };
    assert.deepEqual(monitoringArgsProblems(monitoring({ functions })), [
      "functions.salespersons.timeoutSeconds must be a positive integer (got 0)",
    ]);
  });

  it("rejects a function without a timeout", function () {
    const functions = { branches: fn, salespersons: fn, sales: { name: "f" } as typeof fn };
    assert.deepEqual(monitoringArgsProblems(monitoring({ functions })), [
      "functions.sales.timeoutSeconds must be a positive integer (got undefined)",
    ]);
  });
});

const queues = (changes: Partial<QueuesArgs> = {}): QueuesArgs => ({
  queues: { employee: { visibilityTimeoutSeconds: 360 }, sale: { visibilityTimeoutSeconds: 720 } },
  ...changes,
});

describe("infra: Queues arguments (pure)", function () {
  it("accepts the defaults", function () {
    assert.deepEqual(queuesArgsProblems(queues()), []);
  });

  const CASES: [string, Partial<QueuesArgs>, string[]][] = [
    [
      "a receive count below the floor",
      { maxReceiveCount: 3 },
      ["maxReceiveCount must be an integer of at least 5 (got 3)"],
    ],
    [
      "a DLQ retention past the SQS maximum",
      { dlqRetentionSeconds: 1209601 },
      ["dlqRetentionSeconds must be at most 1209600 (got 1209601)"],
    ],
    [
      "a DLQ retention no longer than the queue's",
      { retentionSeconds: 86400, dlqRetentionSeconds: 86400 },
      ["dlqRetentionSeconds (86400) must be longer than retentionSeconds (86400)"],
    ],
    [
      "a visibility past 12 hours",
      { queues: { employee: { visibilityTimeoutSeconds: 50000 }, sale: { visibilityTimeoutSeconds: 360 } } },
      ["queues.employee.visibilityTimeoutSeconds must be an integer from 0 to 43200 (got 50000)"],
    ],
    [
      "a queue without settings",
      { queues: { employee: { visibilityTimeoutSeconds: 360 }, sale: undefined as never } },
      ["queues.sale.visibilityTimeoutSeconds must be an integer from 0 to 43200 (got undefined)"],
    ],
  ];
  for (const [what, changes, problems] of CASES) {
    it(`rejects ${what}`, function () {
      assert.deepEqual(queuesArgsProblems(queues(changes)), problems);
    });
  }
});

describe("infra: Iam and SourceToken arguments (pure)", function () {
  it("Iam needs at least one collector, and grants for every one", function () {
    assert.deepEqual(iamArgsProblems({ accountId: "123456789012", collectors: {} }), ["collectors names no stage"]);
    const grants = {} as IamArgs["collectors"]["branches"];
    assert.deepEqual(
      iamArgsProblems({
        accountId: "123456789012",
        collectors: { branches: grants, salespersons: grants, sales: grants },
      }),
      [],
    );
    assert.deepEqual(
      iamArgsProblems({
        accountId: "123456789012",
        collectors: { branches: grants, salespersons: undefined as never, sales: undefined as never },
      }),
      ["collectors has no grants for salespersons, sales"],
    );
  });

  it("Iam takes a policy ARN as permissions boundary, and nothing else", function () {
    const collectors = { branches: {} as IamArgs["collectors"]["branches"] };
    assert.deepEqual(iamArgsProblems({ accountId: "123456789012", collectors, permissionsBoundary: BOUNDARY }), []);
    assert.deepEqual(iamArgsProblems({ accountId: "123456789012", collectors, permissionsBoundary: "boundary" }), [
      'permissionsBoundary must be the ARN of an IAM policy (got "boundary")',
    ]);
    assert.deepEqual(iamArgsProblems({ accountId: "123456789012", collectors: {}, permissionsBoundary: "b" }), [
      "collectors names no stage",
      'permissionsBoundary must be the ARN of an IAM policy (got "b")',
    ]);
  });

  it("SourceToken needs a parameter path and a positive integer version", function () {
    const token = { parameterName: "/cascading-etl/dev/token", token: "t", version: 1 };
    assert.deepEqual(sourceTokenArgsProblems(token), []);
    assert.deepEqual(sourceTokenArgsProblems({ ...token, parameterName: "token" }), [
      'parameterName must be a path starting with "/" (got "token")',
    ]);
    for (const version of [0, 1.5])
      assert.deepEqual(sourceTokenArgsProblems({ ...token, version }), [
        `version must be a positive integer (got ${version})`,
      ]);
  });
});

describe("infra: a component given bad arguments registers nothing", function () {
  it("fails the program with ComponentArgsError listing every problem, before any resource", async function () {
    const config = loadStackConfig("dev");
    const entry = path.join(__dirname, "fixtures", "bad-components.ts");
    const error = await recordProgram({ stack: "dev", config, entry }).then(
      () => assert.fail("the component accepted the arguments"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ProgramRunError);
    // The recorder loads infra/ afresh for every run, so the class is not this file's: compare by name.
    assert.equal((error.cause as Error).name, "ComponentArgsError");
    assert.equal(
      error.message,
      "Collector c has invalid arguments:\n" +
        "  - memoryMb must be an integer from 128 to 10240 (got 64)\n" +
        `  - logRetentionDays must be one of ${RETENTIONS} (got 10)`,
    );
    assert.deepEqual(error.resources, []);
  });
});
