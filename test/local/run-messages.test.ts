import { strict as assert } from "node:assert";
import { keepCommands } from "../../local/keep-instructions";
import { plannedLine, signalExitCode, stoppedLine } from "../../local/run-messages";

describe("what cascade run says about itself", () => {
  it("explains resources the local run adds to the plan", () =>
    assert.equal(
      plannedLine("dev", 57, [{ type: "cascading-etl:index:SourceToken" }, { type: "aws:ssm/parameter:Parameter" }]),
      "57 planned resources: the dev plan's 55 (as `cascade plan --stack dev` shows) and 2 the local run adds by " +
        "setting sourceApiToken, so the functions read the sample source's token from SSM " +
        "(cascading-etl:index:SourceToken, aws:ssm/parameter:Parameter)",
    ));
  it("says nothing more when it adds none", () => assert.equal(plannedLine("dev", 1, []), "1 planned resource"));

  const running = { functions: 1, pollers: 2 };
  const cases: Array<[Parameters<typeof stoppedLine>, string]> = [
    [
      ["SIGINT", { kind: "starting" }],
      "cascade: SIGINT before the first run: stopped the offline plan and the embedded AWS while they were starting",
    ],
    [
      ["SIGTERM", { kind: "running", run: 2, elapsedMs: 1250 }, running],
      "cascade: SIGTERM during run 2, 1.3 s in: the run was stopped before it settled, so it has no summary and no " +
        "conservation check; shut down 1 function, 2 queue pollers, the embedded DynamoDB, " +
        "SQS and SSM, and the sample source",
    ],
    [
      ["SIGINT", { kind: "idle", why: "--watch" }, running],
      "cascade: SIGINT: shut down 1 function, 2 queue pollers, the embedded DynamoDB, " +
        "SQS and SSM, and the sample source",
    ],
  ];
  for (const [args, expected] of cases) it(expected, () => assert.equal(stoppedLine(...args), expected));

  it("exits as a shell reports a signal", () =>
    assert.deepEqual([signalExitCode("SIGINT"), signalExitCode("SIGTERM")], [130, 143]));

  it("prints --keep commands for AWS CLI v1 and v2 and a curl line, quoted for a shell", () =>
    assert.deepEqual(
      keepCommands({
        environment: { AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "us-east-1" },
        dynamodbEndpoint: "http://127.0.0.1:1",
        sqsEndpoint: "http://127.0.0.1:2",
        tables: {},
        queues: {},
        sourceUrl: "http://127.0.0.1:3",
        sourceToken: "it's",
        examples: { table: "sales-1", rejectsTable: "rejects-1", queueUrl: "http://127.0.0.1:2/0/q" },
      }),
      {
        exportLine: "export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1",
        commands: [
          "aws dynamodb scan --table-name sales-1 --select COUNT --endpoint-url http://127.0.0.1:1",
          "aws dynamodb scan --table-name rejects-1 --endpoint-url http://127.0.0.1:1",
          "aws sqs list-queues --endpoint-url http://127.0.0.1:2",
          "aws sqs get-queue-attributes --queue-url http://127.0.0.1:2/0/q --attribute-names All " +
            "--endpoint-url http://127.0.0.1:2",
          "npm run cascade -- rejects --table rejects-1 --endpoint http://127.0.0.1:1",
        ],
        curl: "curl -H 'Authorization: Bearer it'\\''s' http://127.0.0.1:3/branches",
      },
    ));
});
