import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import {
  CONFIG_DEFAULTS,
  CONFIG_KEYS,
  CONFIG_SPEC,
  parseConfig,
  scheduleProblem,
  visibilityTimeoutSeconds,
  type ConfigKeySpec,
} from "../../infra/config";
import { listStacks, loadStackConfig, REPO_ROOT } from "../../local/plan/stack-config";
import { ProgramRunError, recordProgram } from "../../local/plan/record";

const ctx = { stack: "dev", region: "eu-west-1" };

describe("infra: config validation (pure)", function () {
  it("accepts the declared defaults", function () {
    const result = parseConfig({}, ctx);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.equal(result.config.maxReceiveCount, 10);
    assert.equal(result.config.dlqRetentionSeconds, 1209600);
    assert.deepEqual(result.config.collectors.sales, { memoryMb: 512, timeoutSeconds: 120 });
    assert.equal(result.config.sourceApiToken, undefined);
    assert.equal(result.config.alarmEmail, undefined);
  });

  it("gives components the spec's defaults as the program reads them", function () {
    const result = parseConfig({}, ctx);
    assert.ok(result.ok);
    const flat: Record<string, unknown> = { ...result.config };
    for (const stage of ["branches", "salespersons", "sales"] as const) {
      flat[`${stage}MemoryMb`] = result.config.collectors[stage].memoryMb;
      flat[`${stage}TimeoutSeconds`] = result.config.collectors[stage].timeoutSeconds;
    }
    // The split and adopt keys are gathered into stackRole and adoptTables.
    const gathered = (key: string) =>
      ["stackRole", "sharedStack", "pipelineStackName"].includes(key) || key.startsWith("adopt");
    for (const key of CONFIG_KEYS.filter((k) => !gathered(k))) assert.deepEqual(CONFIG_DEFAULTS[key], flat[key], key);
    assert.deepEqual(
      CONFIG_KEYS.filter(gathered).map((key) => [key, CONFIG_DEFAULTS[key]]),
      [
        ["stackRole", "all"],
        ["sharedStack", undefined],
        ["pipelineStackName", undefined],
        ["adoptBranchesTable", undefined],
        ["adoptSalespersonsTable", undefined],
        ["adoptSalesTable", undefined],
        ["adoptTablesPhase", "import"],
      ],
    );
    assert.deepEqual([result.config.stackRole, result.config.adoptTables], [{ role: "all" }, undefined]);
  });

  it("allows a batch above 10 only with a batching window", function () {
    assert.equal(parseConfig({ batchSize: "100" }, ctx).ok, false);
    const ok = parseConfig({ batchSize: "100", batchingWindowSeconds: "5" }, ctx);
    assert.ok(ok.ok && ok.config.batchSize === 100);
  });

  it("strips a trailing slash from the source URL and parses branch lists", function () {
    const result = parseConfig(
      { sourceApiUrl: "https://api.example.org/v2/", scheduleBranches: '["North","South"]' },
      ctx,
    );
    assert.ok(result.ok);
    assert.equal(result.config.sourceApiUrl, "https://api.example.org/v2");
    assert.deepEqual(result.config.scheduleBranches, ["North", "South"]);
  });

  it("reports every bad key at once", function () {
    const result = parseConfig({ batchSize: "0", maxReceiveCount: "2" }, ctx);
    assert.ok(!result.ok);
    assert.equal(result.errors.length, 2);
  });

  const schedules: [string, boolean][] = [
    ["rate(1 hour)", true],
    ["rate(6 hours)", true],
    ["rate(15 minutes)", true],
    ["cron(0 6 * * ? *)", true],
    ["rate(1 hours)", false],
    ["rate(2 hour)", false],
    ["rate(0 minutes)", false],
    ["cron(0 6 * * * *)", false],
    ["cron(0 6 * *)", false],
    ["at(2030-01-01T00:00:00)", false],
    ["every hour", false],
  ];
  for (const [expression, valid] of schedules) {
    it(`${valid ? "accepts" : "rejects"} the schedule ${expression}`, function () {
      assert.equal(scheduleProblem(expression) === undefined, valid, scheduleProblem(expression));
    });
  }

  // EventBridge Scheduler's cron fields, values and wildcards, and its examples:
  // https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
  const crons: [string, string | undefined][] = [
    ["cron(0 10 * * ? *)", undefined],
    ["cron(15 12 * * ? *)", undefined],
    ["cron(0 18 ? * MON-FRI *)", undefined],
    ["cron(0 8 1 * ? *)", undefined],
    ["cron(0/15 * * * ? *)", undefined],
    ["cron(0/10 * ? * MON-FRI *)", undefined],
    ["cron(0/5 8-17 ? * MON-FRI *)", undefined],
    ["cron(0 9 ? * 2#1 *)", undefined],
    ["cron(0 12 L * ? *)", undefined],
    ["cron(0 12 3W * ? *)", undefined],
    ["cron(0 12 ? * L *)", undefined],
    ["cron(0 12 ? JAN,FEB,MAR 1-5 2030-2199)", undefined],
    ["cron(0 12 ? jan sun *)", undefined],
    ["cron(0 25 ? * * *)", 'the hours field "25" is not valid (values 0-23, wildcards , - * /)'],
    ["cron(0 12 ? 13 * *)", 'the month field "13" is not valid (values 1-12 or JAN-DEC, wildcards , - * /)'],
    ["cron(a b ? * * *)", 'the minutes field "a" is not valid (values 0-59, wildcards , - * /)'],
    ["cron(60 12 * * ? *)", 'the minutes field "60" is not valid (values 0-59, wildcards , - * /)'],
    ["cron(0 12 32 * ? *)", 'the day-of-month field "32" is not valid (values 1-31, wildcards , - * ? / L W)'],
    ["cron(0 12 0 * ? *)", 'the day-of-month field "0" is not valid (values 1-31, wildcards , - * ? / L W)'],
    ["cron(0 12 ? * 8 *)", 'the day-of-week field "8" is not valid (values 1-7 or SUN-SAT, wildcards , - * ? L #)'],
    [
      "cron(0 12 ? * MON/2 *)",
      'the day-of-week field "MON/2" is not valid (values 1-7 or SUN-SAT, wildcards , - * ? L #)',
    ],
    [
      "cron(0 12 ? * 3#1,6#3 *)",
      'the day-of-week field "3#1,6#3" is not valid (values 1-7 or SUN-SAT, wildcards , - * ? L #): ' +
        'a "#" expression cannot be part of a list',
    ],
    ["cron(0 12 ? * 2#6 *)", 'the day-of-week field "2#6" is not valid (values 1-7 or SUN-SAT, wildcards , - * ? L #)'],
    ["cron(0 5W * * ? *)", 'the hours field "5W" is not valid (values 0-23, wildcards , - * /)'],
    ["cron(0 12 * ? ? *)", 'the month field "?" is not valid (values 1-12 or JAN-DEC, wildcards , - * /)'],
    ["cron(0 12 * * ? 1969)", 'the year field "1969" is not valid (values 1970-2199, wildcards , - * /)'],
    ["cron(0 12 * * ? 2200)", 'the year field "2200" is not valid (values 1970-2199, wildcards , - * /)'],
    ["cron(0/0 12 * * ? *)", 'the minutes field "0/0" is not valid (values 0-59, wildcards , - * /)'],
    ["cron(0 20-25 * * ? *)", 'the hours field "20-25" is not valid (values 0-23, wildcards , - * /)'],
    ["cron(0 12 ? * ? *)", "exactly one of day-of-month and day-of-week must be ?"],
    [
      "cron(0 12 * * ?)",
      'must be "rate(N minute|minutes|hour|hours|day|days)" or "cron(min hour day-of-month month day-of-week year)"',
    ],
  ];
  for (const [expression, problem] of crons) {
    it(`${problem ? "rejects" : "accepts"} ${expression}`, function () {
      assert.equal(scheduleProblem(expression), problem);
    });
  }

  it("derives visibility as 6 x timeout plus the batching window", function () {
    assert.equal(visibilityTimeoutSeconds(60, 0), 360);
    assert.equal(visibilityTimeoutSeconds(120, 30), 750);
  });
});

/** Each bad value, the key its message must name, and a fragment of the allowed values. */
const INVALID: [string, Record<string, unknown>, string, string][] = [
  ["a region that is not one", { "aws:region": "mars-1" }, "aws:region", "AWS region"],
  ["a missing region", { "aws:region": undefined }, "aws:region", "AWS region"],
  ["a plain-http source", { sourceApiUrl: "http://source.example.com" }, "cascading-etl:sourceApiUrl", "https"],
  ["a malformed schedule", { schedule: "every hour" }, "cascading-etl:schedule", "rate("],
  ["a branch list that is not a list", { scheduleBranches: '"North"' }, "cascading-etl:scheduleBranches", "list"],
  [
    "a branch name the collector would refuse (over 256 characters)",
    { scheduleBranches: JSON.stringify(["x".repeat(257)]) },
    "cascading-etl:scheduleBranches",
    "1 to 256 characters",
  ],
  [
    "an empty branch name",
    { scheduleBranches: '["North",""]' },
    "cascading-etl:scheduleBranches",
    "1 to 256 characters",
  ],
  [
    "more branches than a run takes",
    { scheduleBranches: JSON.stringify(Array.from({ length: 1001 }, (_, i) => `B${i}`)) },
    "cascading-etl:scheduleBranches",
    "at most 1000",
  ],
  ["too little memory", { branchesMemoryMb: 64 }, "cascading-etl:branchesMemoryMb", "128 to 10240"],
  ["too much memory", { salesMemoryMb: 20000 }, "cascading-etl:salesMemoryMb", "128 to 10240"],
  [
    "a timeout above 15 minutes",
    { salespersonsTimeoutSeconds: 901 },
    "cascading-etl:salespersonsTimeoutSeconds",
    "1 to 900",
  ],
  ["a fractional timeout", { salesTimeoutSeconds: "1.5" }, "cascading-etl:salesTimeoutSeconds", "integer"],
  [
    "a batch above 10 without a window",
    { batchSize: 11 },
    "cascading-etl:batchSize",
    "1 to 10 without a batching window",
  ],
  [
    "a batch above 10000 with a window",
    { batchSize: 10001, batchingWindowSeconds: 10 },
    "cascading-etl:batchSize",
    "1 to 10000",
  ],
  ["a batching window above 300 s", { batchingWindowSeconds: 301 }, "cascading-etl:batchingWindowSeconds", "0 to 300"],
  ["a concurrency below the SQS minimum", { maxConcurrency: 1 }, "cascading-etl:maxConcurrency", "2 to 1000"],
  ["a receive count below 5", { maxReceiveCount: 4 }, "cascading-etl:maxReceiveCount", "5 to 1000"],
  [
    "a DLQ retention above 14 days",
    { dlqRetentionSeconds: 1209601 },
    "cascading-etl:dlqRetentionSeconds",
    "60 to 1209600",
  ],
  [
    "a DLQ retention not above the queue's",
    { queueRetentionSeconds: 1209600, dlqRetentionSeconds: 1209600 },
    "cascading-etl:dlqRetentionSeconds",
    "longer than queueRetentionSeconds",
  ],
  [
    "a log retention CloudWatch does not offer",
    { logRetentionDays: 10 },
    "cascading-etl:logRetentionDays",
    "one of 1, 3, 5, 7, 14",
  ],
  ["an alarm email that is not one", { alarmEmail: "oncall" }, "cascading-etl:alarmEmail", "email address"],
  [
    "a duration alarm above the timeout",
    { durationAlarmPercent: 120 },
    "cascading-etl:durationAlarmPercent",
    "1 to 100",
  ],
  [
    "a queue age alarm beyond retention",
    { queueAgeAlarmSeconds: 345600 },
    "cascading-etl:queueAgeAlarmSeconds",
    "below queueRetentionSeconds",
  ],
  ["PITR that is not a boolean", { pointInTimeRecovery: "yes" }, "cascading-etl:pointInTimeRecovery", "true or false"],
  [
    "deletion protection that is not a boolean",
    { deletionProtection: "1" },
    "cascading-etl:deletionProtection",
    "true or false",
  ],
  ["a rejects TTL of zero", { rejectsTtlDays: 0 }, "cascading-etl:rejectsTtlDays", "1 to 365"],
  ["a lookback of zero", { lookbackHours: 0 }, "cascading-etl:lookbackHours", "1 to 168"],
  [
    "too many schedule retries",
    { scheduleMaxRetryAttempts: 186 },
    "cascading-etl:scheduleMaxRetryAttempts",
    "0 to 185",
  ],
  [
    "a schedule event age below a minute",
    { scheduleMaxEventAgeSeconds: 59 },
    "cascading-etl:scheduleMaxEventAgeSeconds",
    "60 to 86400",
  ],
  [
    "more async retries than Lambda allows",
    { asyncMaxRetryAttempts: 3 },
    "cascading-etl:asyncMaxRetryAttempts",
    "0 to 2",
  ],
  [
    "an async event age above 6 hours",
    { asyncMaxEventAgeSeconds: 21601 },
    "cascading-etl:asyncMaxEventAgeSeconds",
    "60 to 21600",
  ],
  ["a misspelt key", { maxRecieveCount: 10 }, "cascading-etl:maxRecieveCount", "not a known key"],
  [
    "two of the three adopted tables",
    { adoptBranchesTable: "branch-dev", adoptSalespersonsTable: "salesperson-dev" },
    "cascading-etl:adoptSalesTable",
    "adopt all three stage tables or none",
  ],
  [
    "an adopted table name below DynamoDB's 3 characters",
    { adoptBranchesTable: "br", adoptSalespersonsTable: "salesperson-dev", adoptSalesTable: "sale-dev" },
    "cascading-etl:adoptBranchesTable",
    "3 to 255 characters",
  ],
  [
    "an adopted table name above DynamoDB's 255 characters",
    { adoptBranchesTable: "branch-dev", adoptSalespersonsTable: "s".repeat(256), adoptSalesTable: "sale-dev" },
    "cascading-etl:adoptSalespersonsTable",
    "3 to 255 characters",
  ],
  [
    "an adopted table name with a character DynamoDB refuses",
    { adoptBranchesTable: "branch-dev", adoptSalespersonsTable: "salesperson-dev", adoptSalesTable: "sale/dev" },
    "cascading-etl:adoptSalesTable",
    "a-z, A-Z, 0-9, _ - .",
  ],
  [
    "one table adopted for two stages",
    { adoptBranchesTable: "branch-dev", adoptSalespersonsTable: "branch-dev", adoptSalesTable: "sale-dev" },
    "cascading-etl:adoptSalespersonsTable",
    "different table",
  ],
  [
    "an adoption phase that is not one",
    { adoptTablesPhase: "done" },
    "cascading-etl:adoptTablesPhase",
    "import, secure",
  ],
];

describe("infra: an invalid stack config fails the program before any resource", function () {
  for (const [what, overrides, key, allowed] of INVALID) {
    it(`${what} (${key})`, async function () {
      const error = await recordProgram({ stack: "dev", overrides }).then(
        () => assert.fail("the program accepted the config"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ProgramRunError, String(error));
      assert.equal((error.cause as Error).name, "ConfigError");
      assert.ok(error.message.includes(key), `message names ${key}: ${error.message}`);
      assert.ok(error.message.includes(allowed), `message says what is allowed (${allowed}): ${error.message}`);
      assert.equal(error.message.split("\n  - ").length - 1, 1, "exactly one problem is reported");
      assert.deepEqual(error.resources, []);
    });
  }
});

describe("infra: Pulumi.yaml, stack files and docs agree with the config spec", function () {
  const project = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));

  it("declares exactly the program's keys that have a default, each with its type and default", function () {
    assert.equal(project.name, "cascading-etl");
    assert.equal(project.runtime.name, "nodejs");
    assert.equal(project.runtime.options.typescript, true);
    assert.ok(String(project.main).startsWith("infra/"));
    const withDefault = CONFIG_KEYS.filter((key) => CONFIG_SPEC[key].default !== undefined);
    assert.deepEqual(Object.keys(project.config).sort(), [...withDefault].sort());
    for (const key of withDefault) {
      const spec: { type: string; default?: unknown; secret?: boolean } = CONFIG_SPEC[key];
      assert.equal(project.config[key].type, spec.type, key);
      assert.deepEqual(project.config[key].default, spec.default, key);
      assert.equal(project.config[key].secret ?? false, spec.secret ?? false, key);
    }
  });

  it("leaves out only optional secrets, which the CLI would otherwise require of every stack", function () {
    const undeclared = CONFIG_KEYS.filter((key) => !(key in project.config));
    assert.deepEqual(undeclared, ["sourceApiToken"]);
    for (const key of undeclared) {
      const spec: { default?: unknown; secret?: boolean } = CONFIG_SPEC[key];
      assert.deepEqual([spec.default, spec.secret], [undefined, true], key);
    }
  });

  for (const stack of listStacks()) {
    it(`Pulumi.${stack}.yaml passes the Pulumi CLI's checks and the program's`, function () {
      const { config } = loadStackConfig(stack);
      const raw = Object.fromEntries(
        Object.entries(config)
          .filter(([k]) => k.startsWith("cascading-etl:"))
          .map(([k, v]) => [k.slice("cascading-etl:".length), v]),
      );
      const result = parseConfig(raw, { stack, region: config["aws:region"] });
      assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    });

    it(`Pulumi.${stack}.yaml sets the program's secrets only encrypted`, function () {
      const values = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")).config ?? {};
      for (const key of CONFIG_KEYS.filter((k) => (CONFIG_SPEC[k] as ConfigKeySpec).secret === true)) {
        const value = values[`cascading-etl:${key}`];
        if (value !== undefined) assert.ok(typeof value === "object" && "secure" in value, `${key} is encrypted`);
      }
    });
  }

  for (const file of ["docs/infrastructure.md", "README.md"]) {
    it(`documents every key in ${file}`, function () {
      const doc = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
      for (const key of [...CONFIG_KEYS, "aws:region"])
        assert.ok(doc.includes(`| \`${key}\``), `${key} has a row in the config table of ${file}`);
    });

    it(`gives each key's default from the spec in ${file}`, function () {
      const rows = fs.readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n");
      for (const key of CONFIG_KEYS) {
        const fallback = (CONFIG_SPEC[key] as ConfigKeySpec).default;
        if (fallback === undefined) continue;
        const shown = fallback === "" ? '""' : Array.isArray(fallback) ? JSON.stringify(fallback) : String(fallback);
        const cells = rows.find((row) => row.startsWith(`| \`${key}\` |`))?.split(" | ");
        assert.ok(cells?.[2].startsWith(`\`${shown}\``), `${key}'s default in ${file} is ${shown}: ${cells?.[2]}`);
      }
    });
  }
});
