/**
 * Pulumi.localstack.yaml: it parses, every AWS service the program uses points at
 * LocalStack on localhost, and the program accepts the stack's configuration.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { recordProgram } from "../../local/plan/record";
import { REPO_ROOT } from "../../local/plan/stack-config";

const file = path.join(REPO_ROOT, "Pulumi.localstack.yaml");
const config = () => (parse(readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;

/** The endpoint key of each AWS service whose resources or calls the program makes. */
const SERVICES = [
  "cloudwatch",
  "cloudwatchlogs",
  "dynamodb",
  "events",
  "iam",
  "lambda",
  "scheduler",
  "sns",
  "sqs",
  "ssm",
  "sts",
];

describe("LocalStack stack (Pulumi.localstack.yaml)", () => {
  it("points every service the program uses at http://localhost:4566, and nothing elsewhere", () => {
    const endpoints = config()["aws:endpoints"] as Record<string, string>[];
    assert.equal(endpoints.length, 1);
    assert.deepEqual(Object.keys(endpoints[0]).sort(), SERVICES);
    for (const [service, url] of Object.entries(endpoints[0])) {
      assert.equal(new URL(url).hostname, "localhost", service);
      assert.equal(url, "http://localhost:4566", service);
    }
  });

  it("skips the checks that need a real AWS account", () => {
    const c = config();
    assert.deepEqual(
      [
        c["aws:skipCredentialsValidation"],
        c["aws:skipRequestingAccountId"],
        c["aws:skipMetadataApiCheck"],
        c["aws:s3UsePathStyle"],
        c["aws:accessKey"],
        c["aws:secretKey"],
      ],
      [true, true, true, true, "test", "test"],
    );
  });

  describe("under the program", () => {
    let run: Awaited<ReturnType<typeof recordProgram>>;
    before(async () => {
      run = await recordProgram({ stack: "localstack" });
    });

    it("covers every AWS service of the resources the program registers", () => {
      const services = new Set(
        run.resources.filter((r) => r.type.startsWith("aws:")).map((r) => r.type.split(":")[1].split("/")[0]),
      );
      const endpointOf: Record<string, string> = {
        cloudwatch: "cloudwatch",
        dynamodb: "dynamodb",
        iam: "iam",
        lambda: "lambda",
        scheduler: "scheduler",
        sns: "sns",
        sqs: "sqs",
        ssm: "ssm",
      };
      for (const service of services)
        assert.ok(SERVICES.includes(endpointOf[service] ?? service), `no endpoint for ${service}`);
      assert.ok(services.has("dynamodb") && services.has("sqs") && services.has("lambda"));
    });

    it("is accepted by the program, which refuses unknown or invalid keys", () => {
      assert.equal(run.stack, "localstack");
      assert.equal(run.resources.filter((r) => r.type === "aws:lambda/function:Function").length, 3);
    });
  });
});
