import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  type SQSClient,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { startEmbeddedAws, type EmbeddedAws } from "../../local/embedded-aws";
import { LocalFunction } from "../../local/runtime/local-function";
import { SqsEventSourceMapping, type EventSourceMappingSpec, type Invoker } from "../../local/runtime/sqs-event-source";
import { RECEIVES_COUNTED_PER_FAILED_ATTEMPT, localQueueArn } from "../../local/runtime/realise";
import { queueDepth } from "../../local/runtime/census";

/** Polls real state until it holds; fails with `what` if it does not within the limit. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 15_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function writeBundle(dir: string, name: string, source: string): string {
  const file = path.join(dir, name, "index.js");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, source);
  return file;
}

/** A function that reports messages whose body is "poison" as failed, and logs each attempt. */
const BATCH_HANDLER = `
exports.handler = async (event, context) => {
  const failures = [];
  for (const record of event.Records) {
    console.log("attempt " + record.body + " " + process.env.MARK);
    if (record.body === "poison") failures.push({ itemIdentifier: record.messageId });
    if (record.body === "hang") await new Promise(() => {});
  }
  return { batchItemFailures: failures, remaining: context.getRemainingTimeInMillis() > 0 };
};`;

describe("local function host and SQS event source mapping", function () {
  let aws: EmbeddedAws;
  let dir: string;
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    aws = await startEmbeddedAws();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cascade-host-"));
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  after(async () => {
    await aws.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function fn(name: string, source: string, environment: Record<string, string> = {}, timeoutSeconds = 5) {
    const lines: string[] = [];
    const file = writeBundle(dir, name, source);
    const local = new LocalFunction(
      {
        name,
        arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
        file,
        exportName: "handler",
        timeoutSeconds,
        memoryMb: 128,
        environment,
      },
      (output) => lines.push(...output),
    );
    closers.push(() => local.close());
    return { local, lines };
  }

  /** A mapping on a local queue, with the settings a test does not care about at their usual values. */
  function mappingOn(
    queueUrl: string,
    queueName: string,
    invoker: Invoker,
    settings: Partial<EventSourceMappingSpec> = {},
    sqs: SQSClient = aws.sqs,
  ) {
    const mapping = new SqsEventSourceMapping(
      {
        queueUrl,
        queueArn: localQueueArn(aws, queueName),
        region: aws.region,
        batchSize: 10,
        maximumBatchingWindowSeconds: 0,
        maximumConcurrency: 1,
        reportBatchItemFailures: true,
        retryDelaySeconds: 0,
        ...settings,
      },
      sqs,
      invoker,
    );
    closers.push(() => mapping.stop());
    return mapping;
  }

  it("gives each function its own environment and captures what it prints", async () => {
    const source =
      `console.log("cold " + process.env.MARK); ` +
      "exports.handler = async (event) => ({ mark: process.env.MARK, event });";
    const a = fn("env-a", source, { MARK: "A" });
    const b = fn("env-b", source, { MARK: "B" });
    const [ra, rb] = await Promise.all([a.local.invoke({ n: 1 }), b.local.invoke({ n: 2 })]);
    assert.deepEqual(
      [ra.ok && ra.result, rb.ok && rb.result],
      [
        { mark: "A", event: { n: 1 } },
        { mark: "B", event: { n: 2 } },
      ],
    );
    assert.deepEqual([a.lines, b.lines], [["cold A"], ["cold B"]]);
    assert.equal(a.local.stats.coldStarts, 1);
  });

  it("reuses a warm environment and starts another only for concurrent invocations", async () => {
    const { local } = fn(
      "warm",
      `exports.handler = async () => { await new Promise((r) => setTimeout(r, 50)); return 1; };`,
    );
    await local.invoke({});
    await local.invoke({});
    assert.equal(local.stats.coldStarts, 1);
    await Promise.all([local.invoke({}), local.invoke({}), local.invoke({})]);
    assert.deepEqual(
      { cold: local.stats.coldStarts, peak: local.stats.peakConcurrency, invocations: local.stats.invocations },
      { cold: 3, peak: 3, invocations: 5 },
    );
  });

  it("reports an error thrown by the handler and keeps the environment", async () => {
    const { local } = fn(
      "thrower",
      `class BadRecord extends Error { constructor(m) { super(m); this.name = "BadRecord"; } } ` +
        `exports.handler = async () => { throw new BadRecord("no"); };`,
    );
    const outcome = await local.invoke({});
    assert.equal(outcome.ok, false);
    assert.deepEqual(!outcome.ok && { name: outcome.error.name, message: outcome.error.message }, {
      name: "BadRecord",
      message: "no",
    });
    await local.invoke({});
    assert.deepEqual({ cold: local.stats.coldStarts, errors: local.stats.errors }, { cold: 1, errors: 2 });
  });

  it("ends an invocation that overruns the timeout and discards its environment", async () => {
    const { local } = fn("sleeper", `exports.handler = async () => new Promise(() => {});`, {}, 1);
    const outcome = await local.invoke({});
    assert.deepEqual(!outcome.ok && outcome.error, {
      name: "Sandbox.Timedout",
      message: "Task timed out after 1.00 seconds",
    });
    await local.invoke({});
    assert.deepEqual({ cold: local.stats.coldStarts, timeouts: local.stats.timeouts }, { cold: 2, timeouts: 2 });
  });

  it("keeps what an invocation printed before it timed out", async () => {
    const { local, lines } = fn(
      "slow-talker",
      `exports.handler = async () => { console.log("started"); return new Promise(() => {}); };`,
      {},
      1,
    );
    const outcome = await local.invoke({});
    assert.deepEqual(
      { ok: outcome.ok, output: outcome.output, seen: lines },
      { ok: false, output: ["started"], seen: ["started"] },
    );
  });

  it("fails the invocation of a handler that exits the process, and starts afresh", async () => {
    const { local } = fn(
      "quitter",
      `exports.handler = async (event) => { if (event.quit) process.exit(3); return "fine"; };`,
    );
    const outcome = await local.invoke({ quit: true });
    assert.deepEqual(!outcome.ok && outcome.error, {
      name: "Runtime.ExitError",
      message: "Runtime exited with error: exit status 3",
    });
    const next = await local.invoke({});
    assert.deepEqual(
      { ok: next.ok, result: next.ok && next.result, cold: local.stats.coldStarts },
      { ok: true, result: "fine", cold: 2 },
    );
  });

  it("discards an idle environment whose background work throws, without harm to the host", async () => {
    const { local } = fn(
      "late-thrower",
      "exports.handler = async (event) => { " +
        'if (event.later) setTimeout(() => { throw new Error("late background failure"); }, 10); ' +
        'return "done"; };',
    );
    const first = await local.invoke({ later: true });
    assert.equal(first.ok && first.result, "done");
    await until("the idle environment to be discarded", async () => (local.environments === 0 ? true : undefined));
    const second = await local.invoke({});
    assert.deepEqual({ ok: second.ok, cold: local.stats.coldStarts }, { ok: true, cold: 2 });
  });

  it("reports a bundle that fails to load", async () => {
    const { local } = fn("broken", `throw new Error("cannot load");`);
    const outcome = await local.invoke({});
    assert.equal(outcome.ok, false);
    assert.match(!outcome.ok ? outcome.error.message : "", /^broken failed to initialise: cannot load$/);
  });

  it("local-aws-sqs counts a visibility change as a receive (why failed attempts count twice)", async () => {
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: "quirk" }));
    await aws.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" }));
    const first = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl, AttributeNames: ["All"] }));
    await aws.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: first.Messages![0].ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const second = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl, AttributeNames: ["All"] }));
    assert.equal(
      second.Messages![0].Attributes!.ApproximateReceiveCount,
      String(1 + RECEIVES_COUNTED_PER_FAILED_ATTEMPT),
    );
  });

  it("local-aws-sqs counts in-flight messages as waiting (why queueDepth reads only that number)", async () => {
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: "depth" }));
    await aws.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: ["a", "b", "c", "d"].map((body) => ({ Id: body, MessageBody: body })),
      }),
    );
    await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 3 }));
    const { Attributes } = await aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    assert.deepEqual(Attributes, { ApproximateNumberOfMessages: "4", ApproximateNumberOfMessagesNotVisible: "3" });
    assert.equal(await queueDepth(aws.sqs, QueueUrl!), 4);
  });

  it("deletes handled messages, reports failures, and redrives a poison message after maxReceiveCount", async () => {
    const maxReceiveCount = 3;
    const dlq = await aws.sqs.send(new CreateQueueCommand({ QueueName: "esm-dlq" }));
    const queue = await aws.sqs.send(
      new CreateQueueCommand({
        QueueName: "esm-queue",
        Attributes: {
          VisibilityTimeout: "30",
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: localQueueArn(aws, "esm-dlq"),
            maxReceiveCount: maxReceiveCount * RECEIVES_COUNTED_PER_FAILED_ATTEMPT,
          }),
        },
      }),
    );
    const { local, lines } = fn("consumer", BATCH_HANDLER, { MARK: "m" });
    const mapping = mappingOn(queue.QueueUrl!, "esm-queue", local, { maximumConcurrency: 2 });
    mapping.start();
    await aws.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.QueueUrl,
        Entries: ["one", "two", "poison", "three"].map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );

    const depth = (url: string) => queueDepth(aws.sqs, url);
    await until("the poison message in the DLQ and the queue empty", async () =>
      (await depth(dlq.QueueUrl!)) === 1 && (await depth(queue.QueueUrl!)) === 0 && !mapping.active ? true : undefined,
    );

    const attempts = (body: string) => lines.filter((line) => line === `attempt ${body} m`).length;
    assert.deepEqual(
      { one: attempts("one"), two: attempts("two"), three: attempts("three"), poison: attempts("poison") },
      { one: 1, two: 1, three: 1, poison: maxReceiveCount },
    );
    assert.deepEqual(
      { deleted: mapping.stats.deleted, returned: mapping.stats.returned },
      { deleted: 3, returned: maxReceiveCount },
    );
  });

  /** Records batch sizes; succeeds on every batch. */
  function recorder() {
    const sizes: number[] = [];
    return {
      sizes,
      invoke: async (event: unknown) => {
        sizes.push((event as { Records: unknown[] }).Records.length);
        return { ok: true as const, result: {}, durationMs: 0, output: [] };
      },
    };
  }

  // AWS allows a batch size over 10 only with a batching window.
  for (const [windowSeconds, batchSize, expected] of [
    [0, 10, [10, 5]],
    [2, 12, [12, 3]],
  ] as const) {
    it(`gathers up to ${batchSize} messages within a ${windowSeconds} s batching window`, async () => {
      const name = `window-${windowSeconds}`;
      const queue = await aws.sqs.send(new CreateQueueCommand({ QueueName: name }));
      const invoker = recorder();
      const mapping = mappingOn(queue.QueueUrl!, name, invoker, {
        batchSize,
        maximumBatchingWindowSeconds: windowSeconds,
      });
      mapping.start();
      await aws.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.QueueUrl,
          Entries: Array.from({ length: 10 }, (_, index) => ({ Id: String(index), MessageBody: `m${index}` })),
        }),
      );
      // The rest arrive only after the first ten were received, inside any open window.
      await until("the first ten received", async () => (mapping.stats.received >= 10 ? true : undefined));
      await aws.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.QueueUrl,
          Entries: Array.from({ length: 5 }, (_, index) => ({ Id: String(index), MessageBody: `n${index}` })),
        }),
      );
      await until("all 15 messages processed", async () => (mapping.stats.deleted === 15 ? true : undefined));
      assert.deepEqual(invoker.sizes, expected);
    });
  }

  /** The real SQS client, except that the named command fails the first `times` times it is sent. */
  function failing(command: string, times: number): SQSClient {
    let left = times;
    return new Proxy(aws.sqs, {
      get(target, property, receiver) {
        if (property !== "send") return Reflect.get(target, property, receiver);
        return (input: { constructor: { name: string } }, options?: unknown) => {
          if (input.constructor.name === command && left > 0) {
            left -= 1;
            return Promise.reject(Object.assign(new Error(`${command} refused`), { name: "ServiceUnavailable" }));
          }
          return (target.send as (i: unknown, o?: unknown) => Promise<unknown>)(input, options);
        };
      },
    });
  }

  it("survives a failed delete: the batch goes back, is processed again, and the poller goes on", async () => {
    const queue = await aws.sqs.send(
      new CreateQueueCommand({ QueueName: "flaky-delete", Attributes: { VisibilityTimeout: "30" } }),
    );
    const invoker = recorder();
    const mapping = mappingOn(queue.QueueUrl!, "flaky-delete", invoker, {}, failing("DeleteMessageBatchCommand", 1));
    await aws.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.QueueUrl,
        Entries: ["a", "b", "c"].map((body) => ({ Id: body, MessageBody: body })),
      }),
    );
    mapping.start();
    await until("the queue drained", async () =>
      (await queueDepth(aws.sqs, queue.QueueUrl!)) === 0 && !mapping.active ? true : undefined,
    );
    assert.deepEqual(
      { sizes: invoker.sizes, errors: mapping.stats.errors, deleted: mapping.stats.deleted, failure: mapping.failure },
      { sizes: [3, 3], errors: 1, deleted: 3, failure: undefined },
    );
  });

  it("stops after five failed polls in a row and says why", async () => {
    const queue = await aws.sqs.send(new CreateQueueCommand({ QueueName: "unreachable" }));
    const mapping = mappingOn(
      queue.QueueUrl!,
      "unreachable",
      recorder(),
      {},
      failing("ReceiveMessageCommand", Number.POSITIVE_INFINITY),
    );
    mapping.start();
    const failure = await until("the mapping to give up", async () => mapping.failure);
    assert.equal(
      failure.message,
      "the event source mapping for arn:aws:sqs:us-east-1:000000000000:unreachable " +
        "stopped after 5 failed polls: ReceiveMessageCommand refused",
    );
    assert.equal(mapping.stats.errors, 5);
  });
});
