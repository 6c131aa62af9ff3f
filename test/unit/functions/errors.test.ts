import { strict as assert } from "node:assert";
import { ENV } from "../../../functions/lib/contract";
import { loadStageConfig } from "../../../functions/lib/env";
import {
  CollectorError,
  CursorLoopError,
  DeadlineExceededError,
  EnvironmentError,
  FanOutError,
  InvalidMessageError,
  SourceBodyError,
  SourceBusyError,
  SourceHttpError,
  SourceTimeoutError,
  StoreError,
} from "../../../functions/lib/errors";
import { parseBranchMessage } from "../../../functions/lib/messages";

const URL = "https://source.example/branches";
const cause = new Error("underneath");

/** Every collector error, built with a cause, with the message it must carry. */
const CASES: [string, CollectorError, string][] = [
  [
    "EnvironmentError",
    new EnvironmentError("TABLE_NAME", "is not set", { cause }),
    "environment variable TABLE_NAME is not set",
  ],
  ["SourceHttpError", new SourceHttpError(503, URL, true, { cause }), `source answered 503 for ${URL}`],
  ["SourceBodyError", new SourceBodyError(URL, "not JSON", { cause }), `source body for ${URL} is malformed: not JSON`],
  ["SourceTimeoutError", new SourceTimeoutError(URL, 500, { cause }), `source did not answer ${URL} within 500 ms`],
  ["DeadlineExceededError", new DeadlineExceededError("fetching", { cause }), "deadline reached while fetching"],
  [
    "SourceBusyError",
    new SourceBusyError(URL, 90_000, { cause }),
    `source asked to retry ${URL} after 90000 ms, longer than this invocation can wait`,
  ],
  ["CursorLoopError", new CursorLoopError(URL, 7, { cause }), `cursor loop on ${URL} after 7 pages`],
  [
    "StoreError",
    new StoreError("t", "BatchWriteItem", 2, { cause }),
    "BatchWriteItem on t left 2 unprocessed after retries",
  ],
  [
    "FanOutError",
    new FanOutError("https://q", [{ id: "a", code: "Throttled", senderFault: false }], { cause }),
    "1 message(s) to https://q failed: a:Throttled",
  ],
  ["InvalidMessageError", new InvalidMessageError("no runId", { cause }), "invalid input message: no runId"],
];

describe("collector errors share one base", function () {
  for (const [name, error, message] of CASES) {
    it(`${name} is a CollectorError named ${name} that keeps its cause`, function () {
      assert.ok(error instanceof CollectorError);
      assert.ok(error instanceof Error);
      assert.equal(error.name, name);
      assert.equal(error.message, message);
      assert.equal(error.cause, cause);
    });
  }

  it("an error built without a cause has none", function () {
    assert.equal(new StoreError("t", "BatchGetItem", 1).cause, undefined);
  });

  it("a body that is not JSON is an InvalidMessageError caused by the parser's SyntaxError", function () {
    assert.throws(
      () => parseBranchMessage("{not json"),
      (error: unknown) => error instanceof InvalidMessageError && error.cause instanceof SyntaxError,
    );
  });

  it("a body of the wrong shape is an InvalidMessageError caused by the schema's error", function () {
    assert.throws(
      () => parseBranchMessage("{}"),
      (error: unknown) =>
        error instanceof InvalidMessageError && (error.cause as Error | undefined)?.name === "ZodError",
    );
  });

  it("a source URL that does not parse is an EnvironmentError caused by URL's TypeError", function () {
    const env = {
      [ENV.tableName]: "t",
      [ENV.rejectsTableName]: "r",
      [ENV.targetQueueUrl]: "https://q",
      [ENV.sourceBaseUrl]: "not a url",
      [ENV.deployStage]: "dev",
    };
    assert.throws(
      () => loadStageConfig("branches", env),
      (error: unknown) =>
        error instanceof EnvironmentError && error.variable === ENV.sourceBaseUrl && error.cause instanceof TypeError,
    );
  });
});
