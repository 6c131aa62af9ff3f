/**
 * Each policy of the pack fires on a resource that breaks its rule, with its exact
 * message, and passes on a stack shaped like ours (built from the program's own policy
 * documents) in both the dev and prod variants.
 */
import { strict as assert } from "node:assert";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { collectorPolicy, tlsOnlyQueuePolicy, toJson } from "../../infra/iam-documents";
import { STAR_RESOURCE_EXCEPTIONS, wildcardProblems } from "../../infra/policy/iam";
import {
  collectorsObservable,
  noFullAccessManagedPolicies,
  noWildcardIam,
  policies,
  prodTablesProtected,
  queuesEncrypted,
  queuesTlsOnly,
  reportBatchItemFailures,
  visibilityCoversRetries,
} from "../../infra/policy/policies";
import { recordProgram } from "../../local/plan/record";
import { loadStackConfig } from "../../local/plan/stack-config";
import { checkResource, checkStack, type FakeResource, fromRecorded, toPolicyResource } from "./policy-harness";

const ACCOUNT = "123456789012";
const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:${ACCOUNT}:${resource}`;

const queue = (name: string, extra: Record<string, unknown> = {}): FakeResource => ({
  type: "aws:sqs/queue:Queue",
  name,
  props: {
    name,
    arn: arn("sqs", name),
    url: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/${name}`,
    sqsManagedSseEnabled: true,
    ...extra,
  },
});
const queuePolicy = (q: FakeResource): FakeResource => ({
  type: "aws:sqs/queuePolicy:QueuePolicy",
  name: q.name,
  props: { queueUrl: q.props.url, policy: toJson(tlsOnlyQueuePolicy(q.props.arn as string)) },
});
const fn = (name: string, timeout: number): FakeResource => ({
  type: "aws:lambda/function:Function",
  name,
  props: { name, arn: arn("lambda", `function:${name}`), timeout },
});
const mapping = (
  name: string,
  f: FakeResource,
  q: FakeResource,
  extra: Record<string, unknown> = {},
): FakeResource => ({
  type: "aws:lambda/eventSourceMapping:EventSourceMapping",
  name,
  props: {
    functionName: f.props.arn,
    eventSourceArn: q.props.arn,
    functionResponseTypes: ["ReportBatchItemFailures"],
    ...extra,
  },
});
const alarm = (f: FakeResource, metricName: string): FakeResource => ({
  type: "aws:cloudwatch/metricAlarm:MetricAlarm",
  name: `${f.name}-${metricName.toLowerCase()}`,
  props: { namespace: "AWS/Lambda", metricName, dimensions: { FunctionName: f.props.name }, threshold: 1 },
});
const table = (name: string, stack: string, extra: Record<string, unknown> = {}): FakeResource => ({
  type: "aws:dynamodb/table:Table",
  name,
  stack,
  props: {
    name,
    billingMode: "PAY_PER_REQUEST",
    pointInTimeRecovery: { enabled: true },
    deletionProtectionEnabled: true,
    ...extra,
  },
});

/** The shape of our stack: three collectors, two stage queues with DLQs, a scheduled first stage. */
function ourStack() {
  const employeeDlq = queue("employee-dlq", { messageRetentionSeconds: 1209600 });
  const saleDlq = queue("sale-dlq", { messageRetentionSeconds: 1209600 });
  const scheduleDlq = queue("schedule-dlq", { messageRetentionSeconds: 1209600 });
  const redrive = (dlq: FakeResource) => JSON.stringify({ deadLetterTargetArn: dlq.props.arn, maxReceiveCount: 10 });
  const employee = queue("employee", { visibilityTimeoutSeconds: 360, redrivePolicy: redrive(employeeDlq) });
  const sale = queue("sale", { visibilityTimeoutSeconds: 720, redrivePolicy: redrive(saleDlq) });
  const branches = fn("branches", 60);
  const salespersons = fn("salespersons", 60);
  const sales = fn("sales", 120);
  const queues = [employeeDlq, saleDlq, scheduleDlq, employee, sale];
  const functions = [branches, salespersons, sales];
  const grants = (stage: string) => ({
    tableArn: arn("dynamodb", `table/${stage}`),
    rejectsTableArn: arn("dynamodb", "table/rejects"),
    logGroupArn: arn("logs", `log-group:/cascading-etl/dev/${stage}`),
  });
  return {
    employee,
    sale,
    branches,
    salespersons,
    sales,
    scheduleDlq,
    resources: [
      ...queues,
      ...queues.map(queuePolicy),
      ...functions,
      mapping("salespersons-source", salespersons, employee),
      mapping("sales-source", sales, sale),
      {
        type: "aws:scheduler/schedule:Schedule",
        name: "branches-schedule",
        props: {
          scheduleExpression: "rate(1 hour)",
          target: { arn: branches.props.arn, deadLetterConfig: { arn: scheduleDlq.props.arn } },
        },
      },
      ...functions.flatMap((f) => ["Errors", "Duration", "Throttles"].map((metric) => alarm(f, metric))),
      {
        type: "aws:iam/rolePolicy:RolePolicy",
        name: "branches-policy",
        props: {
          policy: toJson(
            collectorPolicy({
              ...grants("branches"),
              targetQueueArn: employee.props.arn as string,
              failureQueueArn: scheduleDlq.props.arn as string,
            }),
          ),
        },
      },
      {
        type: "aws:iam/rolePolicy:RolePolicy",
        name: "sales-policy",
        props: { policy: toJson(collectorPolicy({ ...grants("sales"), sourceQueueArn: sale.props.arn as string })) },
      },
      {
        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        name: "basic",
        props: { policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" },
      },
      ...["branches", "salespersons", "sales", "rejects"].map((name) => table(name, "prod")),
    ] as FakeResource[],
  };
}

const resourcePolicies = policies.filter((p): p is ResourceValidationPolicy => "validateResource" in p);
const stackPolicies = policies.filter((p): p is StackValidationPolicy => "validateStack" in p);

describe("policy pack", () => {
  it("has eight mandatory policies with unique names", () => {
    assert.deepEqual(
      policies.map((p) => [p.name, p.enforcementLevel]),
      [
        ["iam-no-full-access-managed-policy", "mandatory"],
        ["iam-no-wildcards", "mandatory"],
        ["sqs-queue-encrypted", "mandatory"],
        ["sqs-queue-tls-only", "mandatory"],
        ["dynamodb-prod-table-protection", "mandatory"],
        ["sqs-visibility-six-times-consumer-timeout", "mandatory"],
        ["lambda-esm-report-batch-item-failures", "mandatory"],
        ["collector-dlq-and-alarms", "mandatory"],
      ],
    );
    assert.equal(resourcePolicies.length + stackPolicies.length, policies.length);
  });

  describe("passes on a stack shaped like ours", () => {
    for (const policy of resourcePolicies) {
      it(policy.name, async () => {
        for (const resource of ourStack().resources)
          assert.deepEqual(await checkResource(policy, resource), [], `${resource.type} ${resource.name}`);
      });
    }
    for (const policy of stackPolicies) {
      it(policy.name, async () => {
        assert.deepEqual(await checkStack(policy, ourStack().resources.map(toPolicyResource)), []);
      });
    }
  });

  describe(noFullAccessManagedPolicies.name, () => {
    it("fires on a *FullAccess attachment", async () => {
      const attachment: FakeResource = {
        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        name: "a",
        props: { role: "r", policyArn: "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess" },
      };
      assert.deepEqual(await checkResource(noFullAccessManagedPolicies, attachment), [
        "managed policy arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess grants a whole service or more; " +
          "grant the exact actions on the exact resources instead",
      ]);
    });
    it("fires on AdministratorAccess in a role's managedPolicyArns", async () => {
      const role: FakeResource = {
        type: "aws:iam/role:Role",
        name: "r",
        props: { managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] },
      };
      assert.deepEqual(await checkResource(noFullAccessManagedPolicies, role), [
        "managed policy arn:aws:iam::aws:policy/AdministratorAccess grants a whole service or more; " +
          "grant the exact actions on the exact resources instead",
      ]);
    });
  });

  describe(noWildcardIam.name, () => {
    const rolePolicy = (statement: object): FakeResource => ({
      type: "aws:iam/rolePolicy:RolePolicy",
      name: "p",
      props: { policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) },
    });
    const cases: [string, object, string[]][] = [
      [
        "a service wildcard",
        { Sid: "S", Effect: "Allow", Action: ["dynamodb:*"], Resource: [arn("dynamodb", "table/t")] },
        ['statement S allows the wildcard action "dynamodb:*"'],
      ],
      [
        "a bare wildcard as a string",
        { Effect: "Allow", Action: "*", Resource: arn("sqs", "q") },
        ['statement 0 allows the wildcard action "*"'],
      ],
      [
        "a * resource",
        { Sid: "S", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: "*" },
        ['statement S applies to every resource ("*")'],
      ],
      [
        "NotAction",
        { Sid: "S", Effect: "Allow", NotAction: ["iam:*"], Resource: [arn("sqs", "q")] },
        ['statement S allows every action but ["iam:*"] (NotAction)'],
      ],
      [
        "PutMetricData on * without a namespace condition",
        { Sid: "M", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: ["*"] },
        ['statement M applies to every resource ("*")'],
      ],
    ];
    for (const [what, statement, expected] of cases) {
      it(`fires on ${what}`, async () => {
        assert.deepEqual(await checkResource(noWildcardIam, rolePolicy(statement)), expected);
      });
    }
    it("fires inside a role's inline policies", async () => {
      const role: FakeResource = {
        type: "aws:iam/role:Role",
        name: "r",
        props: {
          inlinePolicies: [
            {
              name: "i",
              policy: JSON.stringify({ Statement: { Sid: "I", Effect: "Allow", Action: "s3:*", Resource: "*" } }),
            },
          ],
        },
      };
      assert.deepEqual(await checkResource(noWildcardIam, role), [
        'statement I allows the wildcard action "s3:*"',
        'statement I applies to every resource ("*")',
      ]);
    });
    it("allows the exceptions (PutMetricData narrowed by namespace, X-Ray uploads) and ignores Deny", async () => {
      assert.deepEqual(Object.keys(STAR_RESOURCE_EXCEPTIONS), [
        "cloudwatch:PutMetricData",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
      ]);
      const ok = [
        {
          Effect: "Allow",
          Action: ["cloudwatch:PutMetricData"],
          Resource: ["*"],
          Condition: { StringEquals: { "cloudwatch:namespace": "CascadingEtl" } },
        },
        { Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
        { Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: "*" },
      ];
      assert.deepEqual(wildcardProblems({ Statement: ok }), []);
    });
  });

  describe(queuesEncrypted.name, () => {
    it("fires on a queue with neither SSE nor KMS", async () => {
      assert.deepEqual(await checkResource(queuesEncrypted, queue("plain", { sqsManagedSseEnabled: false })), [
        "queue is not encrypted at rest: set sqsManagedSseEnabled: true or a kmsMasterKeyId",
      ]);
    });
    it("accepts a KMS key instead of SSE-SQS", async () => {
      assert.deepEqual(
        await checkResource(
          queuesEncrypted,
          queue("kms", { sqsManagedSseEnabled: undefined, kmsMasterKeyId: "alias/aws/sqs" }),
        ),
        [],
      );
    });
  });

  describe(queuesTlsOnly.name, () => {
    it("fires on a queue without a queue policy", async () => {
      const q = queue("bare");
      assert.deepEqual(await checkStack(queuesTlsOnly, [toPolicyResource(q)]), [
        "queue bare has no policy denying access without TLS (aws:SecureTransport false) [bare]",
      ]);
    });
    it("fires when the queue policy allows instead of denying insecure transport", async () => {
      const q = queue("q");
      const weak: FakeResource = {
        ...queuePolicy(q),
        props: {
          queueUrl: q.props.url,
          policy: JSON.stringify({
            Statement: [
              {
                Effect: "Allow",
                Principal: "*",
                Action: "sqs:*",
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          }),
        },
      };
      assert.deepEqual(await checkStack(queuesTlsOnly, [q, weak].map(toPolicyResource)), [
        "queue q has no policy denying access without TLS (aws:SecureTransport false) [q]",
      ]);
    });
    it("fires when the TLS policy is attached to another queue", async () => {
      const [a, b] = [queue("a"), queue("b")];
      assert.deepEqual(await checkStack(queuesTlsOnly, [a, b, queuePolicy(a)].map(toPolicyResource)), [
        "queue b has no policy denying access without TLS (aws:SecureTransport false) [b]",
      ]);
    });
    it("links a policy to its queue through the engine's dependencies when the URL is unknown (preview)", async () => {
      const q = queue("new", { url: undefined });
      const policy: FakeResource = {
        ...queuePolicy(q),
        props: { policy: toJson(tlsOnlyQueuePolicy(q.props.arn as string)) },
        deps: { queueUrl: [q] },
      };
      assert.deepEqual(await checkStack(queuesTlsOnly, [q, policy].map(toPolicyResource)), []);
    });
  });

  describe(prodTablesProtected.name, () => {
    it("fires on a prod table without PITR and deletion protection, with both messages", async () => {
      const bare = table("sales", "prod", {
        pointInTimeRecovery: { enabled: false },
        deletionProtectionEnabled: undefined,
      });
      assert.deepEqual(await checkResource(prodTablesProtected, bare, { protectedStacks: ["prod"] }), [
        "table on stack prod has no point-in-time recovery: set pointInTimeRecovery.enabled",
        "table on stack prod has no deletion protection: set deletionProtectionEnabled",
      ]);
    });
    it("leaves dev tables alone, and protects whichever stacks the pack config names", async () => {
      const bare = table("sales", "dev", { pointInTimeRecovery: undefined, deletionProtectionEnabled: false });
      assert.deepEqual(await checkResource(prodTablesProtected, bare, { protectedStacks: ["prod"] }), []);
      assert.equal((await checkResource(prodTablesProtected, bare, { protectedStacks: ["dev", "prod"] })).length, 2);
    });
    it("defaults to prod when the pack has no config", async () => {
      assert.equal(
        (await checkResource(prodTablesProtected, table("t", "prod", { deletionProtectionEnabled: false }))).length,
        1,
      );
    });
  });

  describe(visibilityCoversRetries.name, () => {
    it("fires when visibility is below 6 x timeout + batching window", async () => {
      const { resources, employee } = ourStack();
      const broken = resources.map((r) =>
        r === employee
          ? { ...r, props: { ...r.props, visibilityTimeoutSeconds: 365 } }
          : r.name === "salespersons-source"
            ? { ...r, props: { ...r.props, maximumBatchingWindowInSeconds: 10 } }
            : r,
      );
      assert.deepEqual(await checkStack(visibilityCoversRetries, broken.map(toPolicyResource)), [
        "queue employee has a visibility timeout of 365 s, " +
          "below 6 x salespersons's timeout (60 s) + batching window (10 s) = 370 s [employee]",
      ]);
    });
    it("applies SQS's default visibility (30 s) and Lambda's default timeout (3 s) when they are not set", async () => {
      const f = fn("f", 10);
      assert.deepEqual(
        await checkStack(visibilityCoversRetries, [queue("q"), f, mapping("m", f, queue("q"))].map(toPolicyResource)),
        ["queue q has a visibility timeout of 30 s, below 6 x f's timeout (10 s) + batching window (0 s) = 60 s [q]"],
      );
      const untimed: FakeResource = { ...f, props: { name: "f", arn: f.props.arn } };
      const short = queue("q", { visibilityTimeoutSeconds: 17 });
      assert.deepEqual(
        await checkStack(visibilityCoversRetries, [short, untimed, mapping("m", untimed, short)].map(toPolicyResource)),
        ["queue q has a visibility timeout of 17 s, below 6 x f's timeout (3 s) + batching window (0 s) = 18 s [q]"],
      );
    });
    it("links the mapping by dependencies when ARNs are unknown (preview)", async () => {
      const q = queue("q", { arn: undefined, visibilityTimeoutSeconds: 100 });
      const f = { ...fn("f", 60), props: { name: "f", timeout: 60 } };
      const m: FakeResource = {
        type: "aws:lambda/eventSourceMapping:EventSourceMapping",
        name: "m",
        props: { functionResponseTypes: ["ReportBatchItemFailures"] },
        deps: { eventSourceArn: [q], functionName: [f] },
      };
      assert.deepEqual(await checkStack(visibilityCoversRetries, [q, f, m].map(toPolicyResource)), [
        "queue q has a visibility timeout of 100 s, below 6 x f's timeout (60 s) + batching window (0 s) = 360 s [q]",
      ]);
    });
  });

  describe(reportBatchItemFailures.name, () => {
    const q = queue("q");
    const f = fn("f", 60);
    it("fires on an SQS mapping without ReportBatchItemFailures", async () => {
      assert.deepEqual(
        await checkResource(reportBatchItemFailures, mapping("m", f, q, { functionResponseTypes: undefined })),
        ['SQS event source mapping does not set functionResponseTypes: ["ReportBatchItemFailures"]'],
      );
    });
    it("fires while the queue ARN is still unknown", async () => {
      assert.equal(
        (
          await checkResource(
            reportBatchItemFailures,
            mapping("m", f, q, { eventSourceArn: undefined, functionResponseTypes: [] }),
          )
        ).length,
        1,
      );
    });
    it("leaves non-SQS sources alone", async () => {
      const stream = mapping("m", f, q, {
        eventSourceArn: arn("dynamodb", "table/t/stream/2024"),
        functionResponseTypes: undefined,
      });
      assert.deepEqual(await checkResource(reportBatchItemFailures, stream), []);
    });
  });

  describe(collectorsObservable.name, () => {
    it("fires on a queue-triggered collector whose source queue has no redrive policy", async () => {
      const { resources, sale } = ourStack();
      const broken = resources.map((r) => (r === sale ? { ...r, props: { ...r.props, redrivePolicy: undefined } } : r));
      assert.deepEqual(await checkStack(collectorsObservable, broken.map(toPolicyResource)), [
        "function sales has no dead-letter destination: " +
          "a redrive policy on its source queue, or a DLQ for its schedule and asynchronous invocations [sales]",
      ]);
    });
    it("fires on the scheduled collector when its schedule has no dead-letter config", async () => {
      const { resources, branches } = ourStack();
      const broken = resources.map((r) =>
        r.type === "aws:scheduler/schedule:Schedule" ? { ...r, props: { target: { arn: branches.props.arn } } } : r,
      );
      assert.deepEqual(await checkStack(collectorsObservable, broken.map(toPolicyResource)), [
        "function branches has no dead-letter destination: " +
          "a redrive policy on its source queue, or a DLQ for its schedule and asynchronous invocations [branches]",
      ]);
    });
    it("fires on a function with no trigger and no async DLQ, and names every missing alarm", async () => {
      assert.deepEqual(await checkStack(collectorsObservable, [toPolicyResource(fn("orphan", 10))]), [
        "function orphan has no dead-letter destination: " +
          "a redrive policy on its source queue, or a DLQ for its schedule and asynchronous invocations [orphan]",
        "function orphan has no Errors, Duration, Throttles alarm [orphan]",
      ]);
    });
    it("fires when one alarm is missing or watches another function", async () => {
      const { resources } = ourStack();
      const broken = resources
        .filter((r) => r.name !== "sales-throttles")
        .map((r) =>
          r.name === "sales-errors" ? { ...r, props: { ...r.props, dimensions: { FunctionName: "branches" } } } : r,
        );
      assert.deepEqual(await checkStack(collectorsObservable, broken.map(toPolicyResource)), [
        "function sales has no Errors, Throttles alarm [sales]",
      ]);
    });
    it("accepts a source queue of another stack (split mode), whose redrive policy this stack cannot see", async () => {
      const f = fn("sales", 120);
      const external = mapping("sales-source", f, queue("sale"), {
        eventSourceArn: arn("sqs", "sale-in-shared-stack"),
      });
      const alarms = ["Errors", "Duration", "Throttles"].map((m) => alarm(f, m));
      assert.deepEqual(await checkStack(collectorsObservable, [f, external, ...alarms].map(toPolicyResource)), []);
    });
    it("still fires when the source queue is unknown and linked to no queue of the stack", async () => {
      const f = fn("sales", 120);
      const unlinked = mapping("sales-source", f, queue("sale"), { eventSourceArn: undefined });
      const alarms = ["Errors", "Duration", "Throttles"].map((m) => alarm(f, m));
      assert.deepEqual(await checkStack(collectorsObservable, [f, unlinked, ...alarms].map(toPolicyResource)), [
        "function sales has no dead-letter destination: " +
          "a redrive policy on its source queue, or a DLQ for its schedule and asynchronous invocations [sales]",
      ]);
    });
    it("accepts an async-invocation DLQ for a function with no schedule", async () => {
      const f = fn("async", 10);
      const config: FakeResource = {
        type: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        name: "c",
        props: { functionName: "async", destinationConfig: { onFailure: { destination: arn("sqs", "dlq") } } },
      };
      const alarms = ["Errors", "Duration", "Throttles"].map((m) => alarm(f, m));
      assert.deepEqual(await checkStack(collectorsObservable, [f, config, ...alarms].map(toPolicyResource)), []);
    });
  });
});

describe("policy pack on the real program (recorded offline under mocks)", () => {
  for (const stack of ["dev", "prod"]) {
    describe(`stack ${stack}`, () => {
      let run: Awaited<ReturnType<typeof recordProgram>>;
      before(async () => {
        run = await recordProgram({ stack });
      });

      it("records the resources every policy looks at", () => {
        const count = (type: string) => run.resources.filter((r) => r.type === type).length;
        assert.deepEqual(
          [
            count("aws:sqs/queue:Queue"),
            count("aws:sqs/queuePolicy:QueuePolicy"),
            count("aws:lambda/function:Function"),
            count("aws:lambda/eventSourceMapping:EventSourceMapping"),
            count("aws:dynamodb/table:Table"),
            count("aws:scheduler/schedule:Schedule"),
          ],
          [5, 5, 3, 2, 4, 1],
        );
      });

      for (const policy of resourcePolicies) {
        it(`${policy.name} passes on every resource`, async () => {
          for (const resource of run.resources.filter((r) => r.custom)) {
            const fake: FakeResource = { type: resource.type, name: resource.name, stack, props: resource.inputs };
            assert.deepEqual(
              await checkResource(policy, fake, { protectedStacks: ["prod"] }),
              [],
              `${resource.type} ${resource.name}`,
            );
          }
        });
      }
      for (const policy of stackPolicies) {
        it(`${policy.name} passes on the stack`, async () => {
          assert.deepEqual(await checkStack(policy, run.resources.filter((r) => r.custom).map(fromRecorded)), []);
        });
      }
    });
  }

  describe("split mode", () => {
    const sharedRef = "acme/cascading-etl/shared";
    const runs: Record<"shared" | "pipeline", Awaited<ReturnType<typeof recordProgram>>> = {} as never;
    before(async () => {
      runs.shared = await recordProgram({ stack: "shared" });
      const config = loadStackConfig("prod", {
        overrides: {
          stackRole: "pipeline",
          sharedStack: sharedRef,
          pointInTimeRecovery: undefined,
          deletionProtection: undefined,
        },
      });
      runs.pipeline = await recordProgram({
        stack: "pipeline",
        config: { ...config, stack: "pipeline" },
        stackReferences: { [sharedRef]: runs.shared.outputs },
      });
    });

    for (const stack of ["shared", "pipeline"] as const) {
      // The shared stack holds the data, so the pack is configured to protect it like prod.
      const config = { protectedStacks: ["prod", "shared"] };
      for (const policy of resourcePolicies) {
        it(`${policy.name} passes on every resource of the ${stack} stack`, async () => {
          const resources = runs[stack].resources.filter((r) => r.custom);
          assert.ok(resources.length >= 20);
          for (const resource of resources) {
            assert.deepEqual(
              await checkResource(
                policy,
                { type: resource.type, name: resource.name, stack, props: resource.inputs },
                config,
              ),
              [],
              `${resource.type} ${resource.name}`,
            );
          }
        });
      }
      for (const policy of stackPolicies) {
        it(`${policy.name} passes on the ${stack} stack`, async () => {
          assert.deepEqual(
            await checkStack(policy, runs[stack].resources.filter((r) => r.custom).map(fromRecorded)),
            [],
          );
        });
      }
    }

    it("dynamodb-prod-table-protection covers the shared stack's tables once the pack names it", async () => {
      const run = await recordProgram({ stack: "shared", overrides: { deletionProtection: false } });
      const tables = run.resources.filter((r) => r.type === "aws:dynamodb/table:Table");
      const messages = (
        await Promise.all(
          tables.map((t) =>
            checkResource(
              prodTablesProtected,
              { type: t.type, name: t.name, stack: "shared", props: t.inputs },
              { protectedStacks: ["prod", "shared"] },
            ),
          ),
        )
      ).flat();
      assert.deepEqual(
        messages,
        Array(4).fill("table on stack shared has no deletion protection: set deletionProtectionEnabled"),
      );
    });
  });

  it("dynamodb-prod-table-protection would fail prod if its config turned protection off", async () => {
    const run = await recordProgram({ stack: "prod", overrides: { pointInTimeRecovery: false } });
    const tables = run.resources.filter((r) => r.type === "aws:dynamodb/table:Table");
    const messages = (
      await Promise.all(
        tables.map((t) =>
          checkResource(prodTablesProtected, { type: t.type, name: t.name, stack: "prod", props: t.inputs }),
        ),
      )
    ).flat();
    assert.deepEqual(
      messages,
      Array(4).fill("table on stack prod has no point-in-time recovery: set pointInTimeRecovery.enabled"),
    );
  });

  it("collector-dlq-and-alarms would fail if the program lost a collector's alarm", async () => {
    const run = await recordProgram({ stack: "dev" });
    const resources = run.resources
      .filter((r) => r.custom && r.name !== "cascading-etl-monitoring-sales-throttles")
      .map(fromRecorded);
    const sales = run.resources.find((r) => r.name === "cascading-etl-sales-function")!;
    assert.deepEqual(await checkStack(collectorsObservable, resources), [
      `function ${sales.name} has no Throttles alarm [${sales.name}]`,
    ]);
  });
});
