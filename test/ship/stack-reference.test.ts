/**
 * The typed reader of the stack output contract: `parseStackOutputs` table-driven, then
 * `readStackOutputs` over a mocked StackReference, then the reporting consumer project
 * evaluated under mocks with good, missing and wrong-shaped outputs.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  parseStackOutputs,
  readStackOutputs,
  readStackOutputValues,
  StackOutputContractError,
} from "../../infra/contract";
import { recordProgram } from "../../local/plan/record";
import { loadStackConfig, REPO_ROOT } from "../../local/plan/stack-config";
import { pipelineOutputs, sharedOutputs } from "./contract-fixtures";

const STACK = "acme/cascading-etl/prod";

/** A deep copy with one value at a dotted path replaced (undefined deletes it). */
function withValue<T>(outputs: T, dotted: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(outputs) as Record<string, unknown>;
  const keys = dotted.split(".");
  const parent = keys
    .slice(0, -1)
    .reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, copy);
  const last = keys[keys.length - 1];
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof StackOutputContractError, String(error));
    assert.equal(error.name, "StackOutputContractError");
    assert.equal(error.message.split("\n")[0], `stack ${STACK} does not export the expected outputs:`);
    return error.problems;
  }
  assert.fail("expected StackOutputContractError");
}

describe("stack output contract: parseStackOutputs", () => {
  it("returns the typed outputs of a valid shared stack", () => {
    assert.deepEqual(parseStackOutputs("shared", STACK, sharedOutputs()), sharedOutputs());
  });

  it("returns the typed outputs of a valid pipeline stack", () => {
    assert.deepEqual(parseStackOutputs("pipeline", STACK, pipelineOutputs()), pipelineOutputs());
  });

  it("reads the shared part from a pipeline stack and ignores outputs outside the contract", () => {
    assert.deepEqual(
      parseStackOutputs("shared", STACK, { ...pipelineOutputs(), dashboardUrl: "https://example.com" }),
      sharedOutputs(),
    );
  });

  it("drops unknown keys inside the contract's objects, so a producer can add outputs without breaking readers", () => {
    const extended = withValue(
      withValue(
        pipelineOutputs(),
        "tables.sales.streamArn",
        "arn:aws:dynamodb:eu-central-1:123456789012:table/sales-1a2b3c4/stream/2024",
      ),
      "queues.schedule.depthAlarm",
      "on",
    );
    assert.deepEqual(parseStackOutputs("pipeline", STACK, extended), pipelineOutputs());
    assert.deepEqual(parseStackOutputs("shared", STACK, extended), sharedOutputs());
  });

  const cases: [string, "shared" | "pipeline", Record<string, unknown>, string[]][] = [
    [
      "a missing top-level output",
      "shared",
      withValue(sharedOutputs(), "tables", undefined),
      ["tables: missing output"],
    ],
    [
      "a missing nested output",
      "shared",
      withValue(sharedOutputs(), "tables.sales", undefined),
      ["tables.sales: missing output"],
    ],
    [
      "a missing leaf",
      "shared",
      withValue(sharedOutputs(), "queues.sale.dlqArn", undefined),
      ["queues.sale.dlqArn: missing output"],
    ],
    [
      "the pipeline part missing from a shared stack",
      "pipeline",
      sharedOutputs() as unknown as Record<string, unknown>,
      ["functions: missing output", "alarmTopicArn: missing output"],
    ],
    [
      "a table ARN that is not an ARN",
      "shared",
      withValue(sharedOutputs(), "tables.sales.arn", "sales"),
      ["tables.sales.arn: must be an AWS ARN"],
    ],
    [
      "an ARN of the wrong account format",
      "pipeline",
      withValue(pipelineOutputs(), "alarmTopicArn", "arn:aws:sns:eu-central-1:acme:alarms"),
      ["alarmTopicArn: must be an AWS ARN"],
    ],
    [
      "a queue URL that is not a URL",
      "shared",
      withValue(sharedOutputs(), "queues.sale.url", "sale"),
      ["queues.sale.url: Invalid URL"],
    ],
    [
      "a number where a role ARN belongs",
      "shared",
      withValue(sharedOutputs(), "roles.sales", 42),
      ["roles.sales: Invalid input: expected string, received number"],
    ],
    [
      "a string where an object belongs",
      "shared",
      withValue(sharedOutputs(), "tables", "branches"),
      ["tables: Invalid input: expected object, received string"],
    ],
    [
      "null where an object belongs",
      "shared",
      withValue(sharedOutputs(), "tables", null),
      ["tables: Invalid input: expected object, received null"],
    ],
    [
      "an empty table name",
      "shared",
      withValue(sharedOutputs(), "tables.sales.name", ""),
      ["tables.sales.name: Too small: expected string to have >=1 characters"],
    ],
    [
      "the schedule DLQ missing",
      "shared",
      withValue(sharedOutputs(), "queues.schedule", undefined),
      ["queues.schedule: missing output"],
    ],
    [
      "a schedule DLQ URL that is not a URL",
      "pipeline",
      withValue(pipelineOutputs(), "queues.schedule.url", "schedule-dlq"),
      ["queues.schedule.url: Invalid URL"],
    ],
    [
      "the log groups missing",
      "shared",
      withValue(sharedOutputs(), "logGroups", undefined),
      ["logGroups: missing output"],
    ],
    [
      "a log group name with a space",
      "shared",
      withValue(sharedOutputs(), "logGroups.sales", "/cascading-etl/prod/sales logs"),
      ["logGroups.sales: must be a CloudWatch Logs log group name"],
    ],
    [
      "a fractional visibility timeout",
      "shared",
      withValue(sharedOutputs(), "queues.employee.visibilityTimeoutSeconds", 1.5),
      ["queues.employee.visibilityTimeoutSeconds: Invalid input: expected int, received number"],
    ],
    [
      "two problems at once, each named",
      "shared",
      withValue(withValue(sharedOutputs(), "tables.rejects", undefined), "queues.employee.arn", "employee"),
      ["tables.rejects: missing output", "queues.employee.arn: must be an AWS ARN"],
    ],
  ];
  for (const [what, contract, raw, expected] of cases) {
    it(`fails on ${what}`, () => {
      assert.deepEqual(
        problemsOf(() => parseStackOutputs(contract, STACK, raw)),
        expected,
      );
    });
  }

  it("puts every problem in the error message", () => {
    const raw = withValue(sharedOutputs(), "tables.sales.arn", "sales");
    assert.throws(() => parseStackOutputs("shared", STACK, raw), {
      message: `stack ${STACK} does not export the expected outputs:\n  - tables.sales.arn: must be an AWS ARN`,
    });
  });
});

/** Mocks in which every StackReference serves `outputs`; resolves what the callback returns. */
async function withStackReference<T>(
  outputs: Record<string, unknown>,
  body: (ref: pulumi.StackReference) => pulumi.Output<T>,
): Promise<T> {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        assert.equal(args.type, "pulumi:pulumi:StackReference");
        return { id: String(args.inputs.name), state: { name: args.inputs.name, outputs, secretOutputNames: [] } };
      },
      call: () => {
        throw new Error("no calls expected");
      },
    },
    "reader-test",
    "test",
    false,
  );
  const ref = new pulumi.StackReference("upstream", { name: STACK });
  const output = body(ref);
  return new Promise<T>((resolve, reject) => {
    // Output.apply swallows nothing: a failed apply rejects the output's promise.
    (output as unknown as { promise(): Promise<T> }).promise().then(resolve, reject);
  });
}

describe("stack output contract: readStackOutputs over a StackReference", () => {
  it("resolves the typed shared outputs of the referenced stack", async () => {
    assert.deepEqual(
      await withStackReference(sharedOutputs(), (ref) => readStackOutputs(ref, "shared")),
      sharedOutputs(),
    );
  });

  it("resolves the typed pipeline outputs", async () => {
    const sales = await withStackReference(pipelineOutputs(), (ref) =>
      readStackOutputs(ref, "pipeline").apply((o) => o.functions.sales),
    );
    assert.deepEqual(sales, pipelineOutputs().functions.sales);
  });

  it("fails with StackOutputContractError naming the referenced stack and a missing output", async () => {
    await assert.rejects(
      withStackReference(withValue(sharedOutputs(), "queues", undefined), (ref) => readStackOutputs(ref, "shared")),
      (error: unknown) =>
        error instanceof StackOutputContractError &&
        error.message === `stack ${STACK} does not export the expected outputs:\n  - queues: missing output`,
    );
  });

  it("fails naming a wrong-shaped output", async () => {
    await assert.rejects(
      withStackReference(withValue(pipelineOutputs(), "functions.sales.arn", 7), (ref) =>
        readStackOutputs(ref, "pipeline"),
      ),
      {
        name: "StackOutputContractError",
        problems: ["functions.sales.arn: Invalid input: expected string, received number"],
      },
    );
  });
});

describe("stack output contract: readStackOutputValues over a StackReference", () => {
  const read = (outputs: Record<string, unknown>) =>
    withStackReference(outputs, (ref) => pulumi.output(readStackOutputValues(ref, STACK, "shared")));

  it("resolves the plain, typed shared outputs", async () => {
    assert.deepEqual(await read(pipelineOutputs()), { values: sharedOutputs(), secretKeys: [] });
  });

  it("rejects with StackOutputContractError, its message exactly as the reader wrote it", async () => {
    await assert.rejects(read(withValue(sharedOutputs(), "queues.schedule.arn", "schedule-dlq")), (error: unknown) => {
      assert.ok(error instanceof StackOutputContractError);
      assert.equal(
        error.message,
        `stack ${STACK} does not export the expected outputs:\n  - queues.schedule.arn: must be an AWS ARN`,
      );
      assert.equal(error.stackName, STACK);
      return true;
    });
  });
});

describe("reporting consumer project (infra/consumers/reporting)", () => {
  const root = path.join(REPO_ROOT, "infra", "consumers", "reporting");
  const run = (outputs: Record<string, unknown>) =>
    recordProgram({
      stack: "prod",
      config: loadStackConfig("prod", { root }),
      entry: path.join(root, "index.ts"),
      stackReferences: { [STACK]: outputs },
    });

  it("grants read-only access to exactly the referenced sales table and exports its name and ARN", async () => {
    const program = await run(pipelineOutputs());
    const sales = pipelineOutputs().tables.sales;
    assert.deepEqual(
      program.resources.map((r) => [r.type, r.name]),
      [
        ["pulumi:pulumi:StackReference", "pipeline"],
        ["aws:iam/policy:Policy", "reporting-read-sales"],
      ],
    );
    // The referenced stack is the one named in the consumer's stack config.
    assert.equal(program.resources[0].inputs.name, STACK);
    const policy = program.resources.find((r) => r.type === "aws:iam/policy:Policy")!;
    assert.deepEqual(JSON.parse(policy.inputs.policy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadSalesTable",
          Effect: "Allow",
          Action: [
            "dynamodb:BatchGetItem",
            "dynamodb:DescribeTable",
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
          ],
          Resource: [sales.arn, `${sales.arn}/index/*`],
        },
      ],
    });
    assert.equal(program.outputs.salesTableName, sales.name);
    assert.equal(program.outputs.salesTableArn, sales.arn);
  });

  it("works against a shared stack too", async () => {
    const program = await run(sharedOutputs() as unknown as Record<string, unknown>);
    assert.equal(program.outputs.salesTableArn, sharedOutputs().tables.sales.arn);
  });

  it("fails with StackOutputContractError naming a missing output", async () => {
    await assert.rejects(run(withValue(pipelineOutputs(), "tables", undefined)), {
      name: "StackOutputContractError",
      problems: ["tables: missing output"],
    });
  });

  it("fails with StackOutputContractError naming a wrong-shaped output", async () => {
    await assert.rejects(run(withValue(pipelineOutputs(), "tables.sales.arn", "arn:aws:dynamodb:::table/sales")), {
      name: "StackOutputContractError",
      problems: ["tables.sales.arn: must be an AWS ARN"],
    });
  });
});
