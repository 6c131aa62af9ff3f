import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { parseCommand } from "../../local/cli-args";
import { backfillEvent } from "../../local/ops/backfill";
import { decodeDeadLetter } from "../../local/ops/decode";
import { invokeAsync } from "../../local/ops/lambda-invoke";
import { regionFor } from "../../local/ops/outputs";
import { runOps, type OpsIo } from "../../local/ops/run";
import { invocationRecord } from "../../local/runtime/local-schedule";
import { listenOnLoopback, closeOnce, portOf } from "../../local/loopback";
import { FIXTURE_REGION, pipelineOutputs } from "../ship/contract-fixtures";

function io(stdin: string, isTTY = false): OpsIo {
  const stream = Readable.from([stdin]) as Readable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stdin: stream, stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
}

const status = (target: Record<string, string>) =>
  ({ command: "ops", action: "status", target: { stack: "prod", ...target }, yes: false, json: true }) as const;

describe("operations commands: parsing", () => {
  it("parses dlq actions, status and backfill with their options", () => {
    assert.deepEqual(parseCommand(["dlq", "purge", "--outputs", "out.json", "--yes"]), {
      command: "ops",
      action: "dlq purge",
      target: { outputs: "out.json", endpoint: undefined, stack: "dev", region: undefined },
      yes: true,
      json: false,
      since: undefined,
      branches: undefined,
    });
    const backfill = parseCommand(["backfill", "--since", "2026-11-30", "--branches", "Scranton,Nashua"]);
    assert.deepEqual(backfill.command === "ops" && [backfill.since, backfill.branches], [
      "2026-11-30",
      ["Scranton", "Nashua"],
    ]);
  });

  const bad: Array<[string[], RegExp]> = [
    [["dlq"], /dlq takes one of list, redrive, purge/],
    [["dlq", "list", "--yes"], /--yes is not an option of "dlq list"/],
    [["status", "--outputs", "a", "--endpoint", "http://127.0.0.1:1"], /cannot be combined/],
    [["status", "--endpoint", "localhost"], /--endpoint must be an http\(s\) URL/],
    [["backfill"], /backfill needs --since/],
    [["backfill", "--since", "2026-01-01", "--branches", "a,,b"], /--branches must be comma-separated/],
  ];
  for (const [argv, pattern] of bad)
    it(`refuses ${argv.join(" ")}`, () => {
      assert.throws(
        () => parseCommand(argv),
        (error: Error) => error.name === "UsageError" && pattern.test(error.message),
      );
    });

  it("a backfill event: a day is midnight UTC, an instant keeps its offset, the future is refused", () => {
    const now = new Date("2026-12-01T12:00:00Z");
    assert.deepEqual(backfillEvent("2026-11-30", undefined, now), { since: "2026-11-30T00:00:00.000Z" });
    assert.deepEqual(backfillEvent("2026-11-30T06:00:00+02:00", ["Scranton"], now), {
      since: "2026-11-30T04:00:00.000Z",
      branches: ["Scranton"],
    });
    assert.throws(() => backfillEvent("2026-12-02", undefined, now), /not in the past/);
    assert.throws(() => backfillEvent("last tuesday", undefined, now), /--since must be a date/);
  });

  it("decodes a Lambda on-failure record of the schedule DLQ to the event it was given", () => {
    const body = JSON.stringify(
      invocationRecord(
        "arn:aws:lambda:eu-west-1:123456789012:function:b",
        { since: "2026-11-30T00:00:00.000Z" },
        3,
        {
          name: "Error",
          message: "boom",
        },
        new Date(0),
      ),
    );
    assert.deepEqual(decodeDeadLetter("schedule", { MessageId: "m", Body: body }).letter, {
      kind: "invocation",
      event: { since: "2026-11-30T00:00:00.000Z" },
      attempts: 3,
      condition: "RetriesExhausted",
      error: "Error: boom",
    });
    assert.equal(decodeDeadLetter("sale", { MessageId: "m", Body: '{"runId":"r"}' }).letter.kind, "undecodable");
  });
});

describe("operations commands: clear errors", () => {
  it("no outputs at all: names the three ways to give them", async () => {
    await assert.rejects(
      runOps(status({}), io("", true)),
      (error: Error) =>
        error.name === "MissingOutputsError" && /pipe them in/.test(error.message) && /--endpoint/.test(error.message),
    );
  });

  it("an outputs file that is not there, or not JSON, or misses an output", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ops-outputs-"));
    await assert.rejects(
      runOps(status({ outputs: path.join(dir, "none.json") }), io("")),
      (error: Error) => error.name === "MissingOutputsError" && /ENOENT/.test(error.message),
    );
    await assert.rejects(
      runOps(status({}), io("Current stack is prod")),
      (error: Error) => error.name === "MissingOutputsError" && /not the JSON/.test(error.message),
    );
    const { queues, ...withoutQueues } = pipelineOutputs();
    void queues;
    writeFileSync(path.join(dir, "shared.json"), JSON.stringify(withoutQueues));
    await assert.rejects(
      runOps(status({ outputs: path.join(dir, "shared.json") }), io("")),
      (error: Error) => error.name === "MissingOutputsError" && /queues: missing output/.test(error.message),
    );
  });

  it("outputs of another region than the one configured: a wrong stack", () => {
    assert.equal(regionFor(pipelineOutputs(), "prod", undefined), FIXTURE_REGION);
    assert.throws(
      () => regionFor(pipelineOutputs(), "prod", "us-west-2"),
      (error: Error) =>
        error.name === "WrongStackError" &&
        /name queues in eu-central-1, but the region is us-west-2/.test(error.message),
    );
  });

  it("no credentials anywhere in the environment: says how to provide them", async () => {
    const keys = [
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_PROFILE",
      "AWS_SHARED_CREDENTIALS_FILE",
      "AWS_CONFIG_FILE",
      "AWS_EC2_METADATA_DISABLED",
      "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ];
    const saved = Object.fromEntries(keys.map((key) => [key, process.env[key]]));
    for (const key of keys) delete process.env[key];
    process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/credentials";
    process.env.AWS_CONFIG_FILE = "/nonexistent/config";
    process.env.AWS_EC2_METADATA_DISABLED = "true";
    try {
      await assert.rejects(
        runOps(status({}), io(JSON.stringify(pipelineOutputs()))),
        (error: Error) => error.name === "MissingCredentialsError" && /AWS_ACCESS_KEY_ID/.test(error.message),
      );
    } finally {
      for (const key of keys) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });
});

describe("the asynchronous Lambda invocation", () => {
  it("POSTs the event, SigV4-signed for lambda, as InvocationType Event", async () => {
    const seen: Array<{ method?: string; url?: string; headers: IncomingMessage["headers"]; body: string }> = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(202, { "x-amzn-requestid": "req-1" }).end();
      });
    });
    await listenOnLoopback(server);
    try {
      const requestId = await invokeAsync(
        "cascading-etl-branches",
        { since: "2026-11-30T00:00:00.000Z" },
        {
          region: "eu-west-1",
          credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
          endpoint: `http://127.0.0.1:${portOf(server)}`,
        },
      );
      assert.equal(requestId, "req-1");
      assert.equal(seen.length, 1);
      const [request] = seen;
      assert.deepEqual(
        [request.method, request.url, request.headers["x-amz-invocation-type"], request.body],
        [
          "POST",
          "/2015-03-31/functions/cascading-etl-branches/invocations",
          "Event",
          '{"since":"2026-11-30T00:00:00.000Z"}',
        ],
      );
      assert.match(
        String(request.headers.authorization),
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=/,
      );
    } finally {
      await closeOnce(server)();
    }
  });
});
