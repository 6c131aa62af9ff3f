import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import {
  ENV,
  STAGE_ENVIRONMENT,
  STAGES,
  TABLE_KEYS,
  REJECTS_TTL_ATTRIBUTE,
  type StageName,
} from "../../functions/lib/contract";
import { DEFAULT_BUNDLE_ROOT } from "../../functions/bundle";
import { parseStackOutputs } from "../../infra/contract";
import { countByType, MOCK_ACCOUNT_ID, recordProgram, type ProgramRun } from "../../local/plan/record";
import { byUrn, expectedRoleStatements, ofType, one, policyOf, T } from "./graph";

const TOKEN = "tok-3f9a-not-for-env";

/** Exact custom resources per type for each stack; components listed separately. */
const DEV_COUNTS: Record<string, number> = {
  [T.dashboard]: 1,
  [T.logGroup]: 3,
  [T.alarm]: 14,
  [T.table]: 4,
  [T.role]: 4,
  [T.rolePolicy]: 4,
  [T.esm]: 2,
  [T.fn]: 3,
  [T.invokeConfig]: 1,
  [T.schedule]: 1,
  [T.topic]: 1,
  [T.queue]: 5,
  [T.queuePolicy]: 5,
};
const EXPECTED_COUNTS: Record<"dev" | "prod", Record<string, number>> = {
  dev: DEV_COUNTS,
  // prod differs only by the subscription of its alarm email.
  prod: { ...DEV_COUNTS, [T.subscription]: 1 },
};
const EXPECTED_COMPONENTS = {
  "cascading-etl:index:Collector": 3,
  "cascading-etl:index:Iam": 1,
  "cascading-etl:index:Monitoring": 1,
  "cascading-etl:index:Queues": 1,
  "cascading-etl:index:Tables": 1,
};

const TIMEOUTS: Record<StageName, number> = { branches: 60, salespersons: 60, sales: 120 };
const MEMORY: Record<StageName, number> = { branches: 256, salespersons: 256, sales: 512 };

describe("infra: the Pulumi program under mocks", function () {
  const runs = {} as Record<"dev" | "prod" | "devWithToken", ProgramRun>;

  before(async function () {
    runs.dev = await recordProgram({ stack: "dev" });
    runs.prod = await recordProgram({ stack: "prod" });
    runs.devWithToken = await recordProgram({ stack: "dev", overrides: { sourceApiToken: TOKEN } });
  });

  for (const stack of ["dev", "prod"] as const) {
    describe(`${stack} stack`, function () {
      it("registers exactly the expected resources by type", function () {
        assert.deepEqual(
          countByType(runs[stack].resources, { custom: true }),
          Object.fromEntries(Object.entries(EXPECTED_COUNTS[stack]).sort(([a], [b]) => a.localeCompare(b))),
        );
        assert.deepEqual(countByType(runs[stack].resources, { custom: false }), EXPECTED_COMPONENTS);
      });

      it("parents every resource under its component, named from it", function () {
        const run = runs[stack];
        for (const r of run.resources) {
          assert.ok(r.urn.startsWith(`urn:pulumi:${stack}::cascading-etl::`), r.urn);
          if (!r.custom) {
            assert.equal(r.parentUrn, undefined, `${r.name} is a top-level component`);
            continue;
          }
          const parent = byUrn(run, r.parentUrn);
          assert.ok(
            parent && !parent.custom && parent.type.startsWith("cascading-etl:index:"),
            `${r.type} ${r.name} has a component parent`,
          );
          assert.ok(r.name.startsWith(`${parent.name}-`), `${r.name} is named from ${parent.name}`);
        }
      });

      it("exports the typed pipeline output contract with ARNs of the stack's region", function () {
        const run = runs[stack];
        const outputs = parseStackOutputs("pipeline", stack, run.outputs);
        assert.deepEqual(Object.keys(run.outputs).sort(), [
          "alarmTopicArn",
          "functions",
          "logGroups",
          "queues",
          "roles",
          "tables",
        ]);
        const region = stack === "dev" ? "eu-west-1" : "eu-central-1";
        assert.equal(
          outputs.tables.rejects.arn,
          `arn:aws:dynamodb:${region}:${MOCK_ACCOUNT_ID}:table/${outputs.tables.rejects.name}`,
        );
        assert.equal(
          outputs.queues.employee.url,
          `https://sqs.${region}.amazonaws.com/${MOCK_ACCOUNT_ID}/${one(run, T.queue, "cascading-etl-queues-employee").state.name}`,
        );
        assert.equal(outputs.functions.sales.arn, one(run, T.fn, "cascading-etl-sales-function").state.arn);
        assert.equal(outputs.roles.branches, one(run, T.role, "cascading-etl-iam-branches").state.arn);
        assert.equal(outputs.alarmTopicArn, ofType(run, T.topic)[0].state.arn);
      });

      it("creates the four tables on demand, encrypted, streaming new images, keyed per the contract", function () {
        const run = runs[stack];
        for (const kind of Object.keys(TABLE_KEYS) as (keyof typeof TABLE_KEYS)[]) {
          const table = one(run, T.table, `cascading-etl-tables-${kind}`).inputs;
          const keys: { hashKey: string; rangeKey?: string } = TABLE_KEYS[kind];
          assert.equal(table.billingMode, "PAY_PER_REQUEST");
          assert.deepEqual(table.serverSideEncryption, { enabled: true });
          assert.equal(table.streamEnabled, true);
          assert.equal(table.streamViewType, "NEW_IMAGE");
          assert.equal(table.hashKey, keys.hashKey);
          assert.equal(table.rangeKey, keys.rangeKey);
          assert.deepEqual(
            table.attributes,
            [keys.hashKey, ...(keys.rangeKey ? [keys.rangeKey] : [])].map((name) => ({ name, type: "S" })),
          );
          assert.deepEqual(
            table.ttl,
            kind === "rejects" ? { attributeName: REJECTS_TTL_ATTRIBUTE, enabled: true } : undefined,
          );
        }
      });

      it("encrypts every queue and denies it any non-TLS access", function () {
        const run = runs[stack];
        const queues = ofType(run, T.queue);
        for (const queue of queues) {
          assert.equal(queue.inputs.sqsManagedSseEnabled, true, queue.name);
          const policies = ofType(run, T.queuePolicy).filter((p) => p.inputs.queueUrl === queue.state.url);
          assert.equal(policies.length, 1, `${queue.name} has one queue policy`);
          assert.deepEqual(policyOf(policies[0]), {
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: ["sqs:*"],
                Resource: [queue.state.arn],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          });
        }
      });

      it("redrives each stage queue to its DLQ, with visibility of at least 6 x its consumer's timeout", function () {
        const run = runs[stack];
        const consumers: [StageName, string][] = [
          ["salespersons", "employee"],
          ["sales", "sale"],
        ];
        for (const [stage, kind] of consumers) {
          const queue = one(run, T.queue, `cascading-etl-queues-${kind}`);
          const dlq = one(run, T.queue, `cascading-etl-queues-${kind}-dlq`);
          const consumer = one(run, T.fn, `cascading-etl-${stage}-function`);
          const mapping = one(run, T.esm, `cascading-etl-${stage}-source`);
          assert.equal(mapping.inputs.eventSourceArn, queue.state.arn);
          assert.equal(mapping.inputs.functionName, consumer.state.arn);
          assert.equal(queue.inputs.visibilityTimeoutSeconds, 6 * TIMEOUTS[stage]);
          assert.ok(queue.inputs.visibilityTimeoutSeconds >= 6 * consumer.inputs.timeout);
          assert.deepEqual(JSON.parse(queue.inputs.redrivePolicy), {
            deadLetterTargetArn: dlq.state.arn,
            maxReceiveCount: 10,
          });
          assert.equal(queue.inputs.messageRetentionSeconds, 345600);
          assert.equal(dlq.inputs.messageRetentionSeconds, 1209600);
          assert.ok(dlq.inputs.messageRetentionSeconds > queue.inputs.messageRetentionSeconds);
        }
        assert.equal(one(run, T.queue, "cascading-etl-queues-schedule-dlq").inputs.messageRetentionSeconds, 1209600);
      });

      it("deploys each bundled collector on Node.js 22 arm64 with memory and timeout from config", async function () {
        const run = runs[stack];
        for (const stage of STAGES) {
          const fn = one(run, T.fn, `cascading-etl-${stage}-function`);
          const logGroup = one(run, T.logGroup, `cascading-etl-${stage}-logs`);
          assert.equal(fn.inputs.runtime, "nodejs22.x");
          assert.deepEqual(fn.inputs.architectures, ["arm64"]);
          assert.equal(fn.inputs.handler, "index.handler");
          assert.equal(fn.inputs.memorySize, MEMORY[stage]);
          assert.equal(fn.inputs.timeout, TIMEOUTS[stage]);
          assert.equal(fn.inputs.role, one(run, T.role, `cascading-etl-iam-${stage}`).state.arn);
          assert.equal(await fn.inputs.code.path, path.join(DEFAULT_BUNDLE_ROOT, stage));
          assert.deepEqual(fn.inputs.loggingConfig, {
            logFormat: "JSON",
            logGroup: `/cascading-etl/${stack}/${stage}`,
          });
          assert.equal(logGroup.inputs.name, `/cascading-etl/${stack}/${stage}`);
          assert.equal(logGroup.inputs.retentionInDays, stack === "prod" ? 365 : 7);
        }
      });

      it("gives each function exactly its stage's environment, with no token parameter when none is set", function () {
        const run = runs[stack];
        const tables = (stage: string) => one(run, T.table, `cascading-etl-tables-${stage}`).state.name;
        const queueUrl = (kind: string) => one(run, T.queue, `cascading-etl-queues-${kind}`).state.url;
        const expected: Record<StageName, Record<string, string>> = {
          branches: { [ENV.targetQueueUrl]: queueUrl("employee") },
          salespersons: { [ENV.targetQueueUrl]: queueUrl("sale") },
          sales: { [ENV.lookbackHours]: "24" },
        };
        for (const stage of STAGES) {
          const env = one(run, T.fn, `cascading-etl-${stage}-function`).inputs.environment.variables;
          assert.deepEqual(env, {
            [ENV.tableName]: tables(stage),
            [ENV.rejectsTableName]: tables("rejects"),
            [ENV.sourceBaseUrl]: "https://source.example.com/api",
            [ENV.deployStage]: stack,
            [ENV.rejectsTtlDays]: "30",
            ...expected[stage],
            POWERTOOLS_SERVICE_NAME: `cascading-etl-${stage}`,
            POWERTOOLS_METRICS_NAMESPACE: "CascadingEtl",
            NODE_OPTIONS: "--enable-source-maps",
          });
          const contractKeys = STAGE_ENVIRONMENT[stage]
            .filter((key) => key !== "sourceTokenParameter")
            .map((key) => ENV[key]);
          assert.deepEqual(
            Object.keys(env)
              .filter((key) => !key.startsWith("POWERTOOLS_") && key !== "NODE_OPTIONS")
              .sort(),
            contractKeys.sort(),
          );
        }
        assert.equal(ofType(run, T.parameter).length, 0);
      });

      it("creates each function, and so its trigger, only after its role's policy exists", function () {
        // AWS checks the role's permissions when a mapping or an async invoke config is created.
        const run = runs[stack];
        for (const stage of STAGES) {
          const policy = one(run, T.rolePolicy, `cascading-etl-iam-${stage}`);
          const fn = one(run, T.fn, `cascading-etl-${stage}-function`);
          assert.ok(fn.dependencies.includes(policy.urn), `${stage} function waits for ${policy.urn}`);
          const triggers = [...ofType(run, T.esm), ...ofType(run, T.invokeConfig)].filter((trigger) =>
            trigger.name.startsWith(`cascading-etl-${stage}-`),
          );
          assert.equal(triggers.length, 1, stage);
          assert.ok(triggers[0].dependencies.includes(fn.urn), `${triggers[0].name} waits for ${fn.name}`);
        }
      });

      it("grants each collector role exactly its statements, on exactly its ARNs", function () {
        const run = runs[stack];
        const expected = expectedRoleStatements(run, {
          region: stack === "dev" ? "eu-west-1" : "eu-central-1",
          logStack: stack,
        });
        for (const stage of STAGES) {
          const role = one(run, T.role, `cascading-etl-iam-${stage}`);
          assert.deepEqual(policyOf(one(run, T.rolePolicy, `cascading-etl-iam-${stage}`)), {
            Version: "2012-10-17",
            Statement: expected[stage],
          });
          assert.equal(one(run, T.rolePolicy, `cascading-etl-iam-${stage}`).inputs.role, role.state.name);
          assert.deepEqual(policyOf(role), {
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "AssumedByService",
                Effect: "Allow",
                Principal: { Service: "lambda.amazonaws.com" },
                Action: ["sts:AssumeRole"],
                Condition: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } },
              },
            ],
          });
          assert.equal(role.inputs.managedPolicyArns, undefined);
        }
      });

      it("uses no wildcard action or resource and no managed policy anywhere in IAM", function () {
        const run = runs[stack];
        assert.equal(run.resources.filter((r) => r.type.startsWith("aws:iam/") && /Attachment/.test(r.type)).length, 0);
        for (const policy of ofType(run, T.rolePolicy)) {
          for (const statement of policyOf(policy).Statement) {
            assert.equal(statement.Effect, "Allow");
            for (const action of statement.Action)
              assert.ok(action !== "*" && !action.endsWith(":*"), `${policy.name}: ${action}`);
            for (const resource of statement.Resource)
              assert.ok(resource !== "*" && resource.startsWith("arn:aws:"), `${policy.name}: ${resource}`);
          }
        }
      });

      it("starts stage 1 from a schedule with retry limits and a dead-letter queue", function () {
        const run = runs[stack];
        const fn = one(run, T.fn, "cascading-etl-branches-function");
        const dlq = one(run, T.queue, "cascading-etl-queues-schedule-dlq");
        const role = one(run, T.role, "cascading-etl-branches-scheduler");
        const schedule = one(run, T.schedule, "cascading-etl-branches-schedule").inputs;
        assert.equal(schedule.scheduleExpression, stack === "prod" ? "rate(1 hour)" : "rate(6 hours)");
        assert.deepEqual(schedule.flexibleTimeWindow, { mode: "OFF" });
        assert.deepEqual(schedule.target, {
          arn: fn.state.arn,
          roleArn: role.state.arn,
          input: "{}",
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: dlq.state.arn },
        });
        assert.deepEqual(policyOf(one(run, T.rolePolicy, "cascading-etl-branches-scheduler")).Statement, [
          { Sid: "InvokeCollector", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [fn.state.arn] },
          { Sid: "SendUndeliveredEvents", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [dlq.state.arn] },
        ]);
        assert.deepEqual(policyOf(role).Statement[0].Principal, { Service: "scheduler.amazonaws.com" });
        const invoke = one(run, T.invokeConfig, "cascading-etl-branches-async").inputs;
        assert.equal(invoke.functionName, fn.state.name);
        assert.equal(invoke.maximumRetryAttempts, 2);
        assert.equal(invoke.maximumEventAgeInSeconds, 3600);
        assert.deepEqual(invoke.destinationConfig, { onFailure: { destination: dlq.state.arn } });
      });

      it("triggers stages 2 and 3 from their queues with partial batch responses and bounded concurrency", function () {
        const run = runs[stack];
        for (const stage of ["salespersons", "sales"] as const) {
          const mapping = one(run, T.esm, `cascading-etl-${stage}-source`).inputs;
          assert.deepEqual(mapping.functionResponseTypes, ["ReportBatchItemFailures"]);
          assert.equal(mapping.batchSize, 10);
          assert.equal(mapping.maximumBatchingWindowInSeconds, 0);
          assert.deepEqual(mapping.scalingConfig, { maximumConcurrency: stack === "prod" ? 10 : 5 });
          assert.equal(mapping.enabled, true);
        }
      });

      it("alarms on each function's errors, duration (80% of its timeout) and throttles", function () {
        const run = runs[stack];
        const topicArn = ofType(run, T.topic)[0].state.arn;
        for (const stage of STAGES) {
          const fnName = one(run, T.fn, `cascading-etl-${stage}-function`).state.name;
          const alarms = ofType(run, T.alarm).filter((a) => a.inputs.dimensions?.FunctionName === fnName);
          assert.deepEqual(alarms.map((a) => a.inputs.metricName).sort(), ["Duration", "Errors", "Throttles"]);
          for (const alarm of alarms) {
            assert.equal(alarm.inputs.namespace, "AWS/Lambda");
            assert.deepEqual(alarm.inputs.alarmActions, [topicArn]);
            assert.equal(alarm.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold");
          }
          const byMetric = Object.fromEntries(alarms.map((a) => [a.inputs.metricName, a.inputs]));
          assert.deepEqual(
            [byMetric.Errors.statistic, byMetric.Errors.period, byMetric.Errors.threshold],
            ["Sum", 300, 1],
          );
          assert.deepEqual(
            [byMetric.Throttles.statistic, byMetric.Throttles.period, byMetric.Throttles.threshold],
            ["Sum", 300, 1],
          );
          assert.deepEqual(
            [byMetric.Duration.statistic, byMetric.Duration.period, byMetric.Duration.threshold],
            ["Maximum", 60, TIMEOUTS[stage] * 1000 * 0.8],
          );
        }
      });

      it("alarms on every DLQ's depth and every stage queue's oldest message", function () {
        const run = runs[stack];
        const alarmsFor = (queueName: string) =>
          ofType(run, T.alarm).filter((a) => a.inputs.dimensions?.QueueName === queueName);
        for (const dlq of ["employee-dlq", "sale-dlq", "schedule-dlq"]) {
          const alarms = alarmsFor(one(run, T.queue, `cascading-etl-queues-${dlq}`).state.name);
          assert.deepEqual(
            alarms.map((a) => [a.inputs.namespace, a.inputs.metricName, a.inputs.threshold]),
            [["AWS/SQS", "ApproximateNumberOfMessagesVisible", 1]],
          );
        }
        for (const kind of ["employee", "sale"]) {
          const alarms = alarmsFor(one(run, T.queue, `cascading-etl-queues-${kind}`).state.name);
          assert.deepEqual(
            alarms.map((a) => [a.inputs.namespace, a.inputs.metricName, a.inputs.threshold]),
            [["AWS/SQS", "ApproximateAgeOfOldestMessage", 3600]],
          );
        }
      });

      it("draws the cascade on one dashboard", function () {
        const body = JSON.parse(ofType(runs[stack], T.dashboard)[0].inputs.dashboardBody);
        const titles: string[] = body.widgets.map((w: any) => w.properties.title).filter(Boolean);
        for (const stage of STAGES) assert.ok(titles.includes(`${stage}: errors and throttles`), stage);
        assert.ok(titles.includes("dead-letter queues: visible messages"));
        assert.equal(body.widgets.length, 15, "within CloudWatch's 100-widget limit");
      });
    });
  }

  describe("prod against dev", function () {
    it("turns on point-in-time recovery and deletion protection only in prod", function () {
      for (const [stack, on] of [
        ["dev", false],
        ["prod", true],
      ] as const) {
        for (const table of ofType(runs[stack], T.table)) {
          assert.deepEqual(table.inputs.pointInTimeRecovery, { enabled: on }, `${stack} ${table.name}`);
          assert.equal(table.inputs.deletionProtectionEnabled, on, `${stack} ${table.name}`);
        }
      }
    });

    it("keeps prod logs longer and subscribes the on-call address", function () {
      const retention = (run: ProgramRun) => ofType(run, T.logGroup).map((g) => g.inputs.retentionInDays);
      assert.deepEqual(retention(runs.dev), [7, 7, 7]);
      assert.deepEqual(retention(runs.prod), [365, 365, 365]);
      assert.equal(ofType(runs.dev, T.subscription).length, 0);
      const [subscription] = ofType(runs.prod, T.subscription);
      assert.deepEqual(
        [subscription.inputs.protocol, subscription.inputs.endpoint, subscription.inputs.topic],
        ["email", "etl-oncall@example.com", ofType(runs.prod, T.topic)[0].state.arn],
      );
    });
  });

  describe("with a source token", function () {
    it("stores it as an SSM SecureString and gives the functions only the parameter name", function () {
      const run = runs.devWithToken;
      const [parameter] = ofType(run, T.parameter);
      assert.equal(ofType(run, T.parameter).length, 1);
      assert.deepEqual(
        [parameter.inputs.type, parameter.inputs.name],
        ["SecureString", "/cascading-etl/dev/source-api-token"],
      );
      // Write-only and secret: the provider never stores it in state, and previews hide it.
      assert.deepEqual(parameter.inputs.valueWo, { [rpc.specialSigKey]: rpc.specialSecretSig, value: TOKEN });
      assert.equal(parameter.inputs.valueWoVersion, 1);
      assert.equal("value" in parameter.inputs, false);
      assert.equal(byUrn(run, parameter.parentUrn)?.type, "cascading-etl:index:SourceToken");
      for (const stage of STAGES) {
        const env = one(run, T.fn, `cascading-etl-${stage}-function`).inputs.environment.variables;
        assert.equal(env[ENV.sourceTokenParameter], "/cascading-etl/dev/source-api-token");
        assert.ok(!JSON.stringify(env).includes(TOKEN), `${stage} environment holds no token`);
        const statements = policyOf(one(run, T.rolePolicy, `cascading-etl-iam-${stage}`)).Statement;
        assert.deepEqual(
          statements.find((s: any) => s.Sid === "ReadSourceToken"),
          { Sid: "ReadSourceToken", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [parameter.state.arn] },
        );
      }
    });

    it("puts the token nowhere but the parameter", function () {
      const holders = runs.devWithToken.resources
        .filter((r) => r.custom && JSON.stringify(r.inputs).includes(TOKEN))
        .map((r) => r.type);
      assert.deepEqual(holders, [T.parameter]);
      assert.ok(!JSON.stringify(runs.devWithToken.outputs).includes(TOKEN));
    });
  });
});
