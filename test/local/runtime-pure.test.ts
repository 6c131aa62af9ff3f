import { strict as assert } from "node:assert";
import * as path from "node:path";
import { settleBatch } from "../../local/runtime/batch-settlement";
import { parseEmfLine, addTotals } from "../../local/runtime/emf";
import { rateMillis } from "../../local/runtime/local-schedule";
import { localEnvironment } from "../../local/runtime/local-environment";
import { handlerLocation, TopologyError } from "../../local/runtime/topology";

describe("settleBatch (what an SQS event source mapping does with a batch)", () => {
  const ids = ["a", "b", "c"];
  const cases: Array<[string, { ok: boolean; result?: unknown }, boolean, { remove: string[]; retry: string[] }]> = [
    ["an error returns the whole batch", { ok: false }, true, { remove: [], retry: ["a", "b", "c"] }],
    [
      "an error without partial responses returns the whole batch",
      { ok: false },
      false,
      { remove: [], retry: ["a", "b", "c"] },
    ],
    [
      "success without partial responses deletes all",
      { ok: true, result: { batchItemFailures: [{ itemIdentifier: "a" }] } },
      false,
      { remove: ["a", "b", "c"], retry: [] },
    ],
    ["no response deletes all", { ok: true, result: undefined }, true, { remove: ["a", "b", "c"], retry: [] }],
    [
      "an empty failure list deletes all",
      { ok: true, result: { batchItemFailures: [] } },
      true,
      { remove: ["a", "b", "c"], retry: [] },
    ],
    [
      "reported failures alone return",
      { ok: true, result: { batchItemFailures: [{ itemIdentifier: "b" }] } },
      true,
      { remove: ["a", "c"], retry: ["b"] },
    ],
    [
      "a repeated failure returns once",
      { ok: true, result: { batchItemFailures: [{ itemIdentifier: "c" }, { itemIdentifier: "c" }] } },
      true,
      { remove: ["a", "b"], retry: ["c"] },
    ],
    [
      "an unknown identifier fails the whole batch",
      { ok: true, result: { batchItemFailures: [{ itemIdentifier: "z" }] } },
      true,
      { remove: [], retry: ["a", "b", "c"] },
    ],
    [
      "an empty identifier fails the whole batch",
      { ok: true, result: { batchItemFailures: [{ itemIdentifier: "" }] } },
      true,
      { remove: [], retry: ["a", "b", "c"] },
    ],
    [
      "a null identifier fails the whole batch",
      { ok: true, result: { batchItemFailures: [{ itemIdentifier: null }] } },
      true,
      { remove: [], retry: ["a", "b", "c"] },
    ],
    [
      "a non-list failure field fails the whole batch",
      { ok: true, result: { batchItemFailures: "b" } },
      true,
      { remove: [], retry: ["a", "b", "c"] },
    ],
  ];
  for (const [title, invocation, report, expected] of cases) {
    it(title, () => assert.deepEqual(settleBatch(ids, invocation, report), expected));
  }
});

describe("parseEmfLine", () => {
  const emf = (body: Record<string, unknown>, namespace = "CascadingEtl", names = Object.keys(body)) =>
    JSON.stringify({
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [
          { Namespace: namespace, Dimensions: [["service"]], Metrics: names.map((Name) => ({ Name, Unit: "Count" })) },
        ],
      },
      service: "x",
      ...body,
    });

  it("reads every metric of a document", () =>
    assert.deepEqual(parseEmfLine(emf({ RecordsFetched: 4, RecordsWritten: 3 })), {
      RecordsFetched: 4,
      RecordsWritten: 3,
    }));
  it("sums an array of values", () =>
    assert.deepEqual(parseEmfLine(emf({ MessagesSent: [2, 3] })), { MessagesSent: 5 }));
  it("keeps only the asked namespace", () =>
    assert.deepEqual(parseEmfLine(emf({ RecordsFetched: 4 }, "Other"), "CascadingEtl"), {}));
  it("ignores a plain log line", () => assert.equal(parseEmfLine('{"level":"INFO","message":"hello"}'), undefined));
  it("ignores text that is not JSON", () =>
    assert.equal(parseEmfLine("START RequestId: 1 CloudWatchMetrics"), undefined));
  it("adds totals", () => assert.deepEqual(addTotals({ a: 1 }, { a: 2, b: 3 }), { a: 3, b: 3 }));
});

describe("rateMillis", () => {
  const cases: Array<[string, number | undefined]> = [
    ["rate(1 hour)", 3_600_000],
    ["rate(5 minutes)", 300_000],
    ["rate(2 days)", 172_800_000],
    ["cron(0 * * * ? *)", undefined],
    ["rate(one hour)", undefined],
  ];
  for (const [expression, expected] of cases) it(expression, () => assert.equal(rateMillis(expression), expected));
});

describe("localEnvironment", () => {
  it("points queues and the source at local endpoints and adds the runtime's own variables", () => {
    const environment = localEnvironment(
      {
        TABLE_NAME: "branch-1234",
        TARGET_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/111111111111/employee-1",
        SOURCE_BASE_URL: "https://api.example.com",
      },
      {
        replacements: new Map([
          ["https://sqs.eu-west-1.amazonaws.com/111111111111/employee-1", "http://127.0.0.1:5/000000000000/employee-1"],
        ]),
        sourceBaseUrl: "http://127.0.0.1:7",
        awsEnvironment: { AWS_REGION: "us-east-1" },
        functionName: "branches-fn",
        memoryMb: 256,
      },
    );
    assert.deepEqual(environment, {
      TABLE_NAME: "branch-1234",
      TARGET_QUEUE_URL: "http://127.0.0.1:5/000000000000/employee-1",
      SOURCE_BASE_URL: "http://127.0.0.1:7",
      AWS_REGION: "us-east-1",
      AWS_LAMBDA_FUNCTION_NAME: "branches-fn",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    });
  });
});

describe("handlerLocation", () => {
  it("splits file and export", () =>
    assert.deepEqual(handlerLocation("index.handler", "/code"), {
      file: path.join("/code", "index.js"),
      exportName: "handler",
    }));
  it("keeps dots in the file part", () =>
    assert.deepEqual(handlerLocation("lib/app.v2.main", "/code"), {
      file: path.join("/code", "lib/app.v2.js"),
      exportName: "main",
    }));
  for (const bad of ["handler", ".handler", "index."])
    it(`refuses "${bad}"`, () => assert.throws(() => handlerLocation(bad, "/code"), TopologyError));
});
