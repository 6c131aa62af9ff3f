import { strict as assert } from "node:assert";
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  ScanCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { startEmbeddedAws, type EmbeddedAws } from "../../local/embedded-aws";
import { CONTENT_HASH_ATTRIBUTE } from "../../functions/lib/contract";
import { FanOut } from "../../functions/lib/fanout";
import { toItem, type Item } from "../../functions/lib/item";
import { branchMessage } from "../../functions/lib/messages";
import { TableWriter } from "../../functions/lib/store";
import { receiveAll } from "./fixture";

const fast = { backoff: { baseMs: 1, capMs: 5 } };

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages);
}

/**
 * The real client, except that the SendMessageBatch calls numbered in `failOn` (1-based)
 * hold back their first entry and report it Failed, as SQS does under internal errors.
 */
function failingFirstEntries(
  real: SQSClient,
  failOn: (call: number) => boolean,
): Pick<SQSClient, "send"> & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    send: (async (command: unknown) => {
      if (!(command instanceof SendMessageBatchCommand)) return real.send(command as never);
      const entries = command.input.Entries ?? [];
      calls.push(entries.length);
      if (!failOn(calls.length)) return real.send(command);
      const [held, ...rest] = entries;
      const out: SendMessageBatchCommandOutput = rest.length
        ? await real.send(new SendMessageBatchCommand({ ...command.input, Entries: rest }))
        : { Successful: [], Failed: [], $metadata: {} };
      return {
        ...out,
        Failed: [
          ...(out.Failed ?? []),
          { Id: held.Id, Code: "InternalError", SenderFault: false, Message: "injected" },
        ],
      };
    }) as SQSClient["send"],
  };
}

/**
 * The real client, except that its first `times` batch calls leave their last key or
 * item unprocessed, as DynamoDB does when throttled; a call of one is not sent at all.
 */
function unprocessing(
  real: DynamoDBClient,
  times: number,
): Pick<DynamoDBClient, "send"> & { gets: number; writes: number } {
  const wrapper = {
    gets: 0,
    writes: 0,
    send: (async (command: unknown) => {
      if (command instanceof BatchWriteItemCommand) {
        wrapper.writes += 1;
        const [table, requests] = Object.entries(command.input.RequestItems ?? {})[0];
        if (wrapper.writes > times) return real.send(command);
        const out =
          requests.length < 2
            ? { $metadata: {} }
            : await real.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests.slice(0, -1) } }));
        return { ...out, UnprocessedItems: { [table]: requests.slice(-1) } };
      }
      if (command instanceof BatchGetItemCommand) {
        wrapper.gets += 1;
        const [table, ka] = Object.entries(command.input.RequestItems ?? {})[0];
        const keys = ka.Keys ?? [];
        if (wrapper.gets > times) return real.send(command);
        const out =
          keys.length < 2
            ? { Responses: {}, $metadata: {} }
            : await real.send(
                new BatchGetItemCommand({ RequestItems: { [table]: { ...ka, Keys: keys.slice(0, -1) } } }),
              );
        return { ...out, UnprocessedKeys: { [table]: { ...ka, Keys: keys.slice(-1) } } };
      }
      return real.send(command as never);
    }) as DynamoDBClient["send"],
  };
  return wrapper;
}

describe("fan-out and store against the embedded AWS", () => {
  let aws: EmbeddedAws;
  let queueUrl: string;
  beforeEach(async () => {
    aws = await startEmbeddedAws();
    queueUrl = (await aws.sqs.send(new CreateQueueCommand({ QueueName: `q-${Date.now()}` }))).QueueUrl!;
  });
  afterEach(() => aws.close());

  it("sends in batches of 10 and retries Failed entries until every message is on the queue once", async () => {
    const client = failingFirstEntries(aws.sqs, (call) => call === 1 || call === 3);
    const retries: number[] = [];
    const fanOut = new FanOut({ client, queueUrl, ...fast, onRetry: (i) => retries.push(i.failed) });
    const messages = Array.from({ length: 23 }, (_, i) => branchMessage("run-1", `B${i}`));
    const result = await fanOut.send(messages);
    assert.deepEqual(result, { sent: 23, retried: 2 });
    // 10 (one held back), retry of 1, 10 (one held back), retry of 1, then 3.
    assert.deepEqual(client.calls, [10, 1, 10, 1, 3]);
    assert.deepEqual(retries, [1, 1]);
    const received = await receiveAll(aws.sqs, queueUrl);
    assert.deepEqual(
      received.map((r) => JSON.parse(r.body).branchId).sort(),
      messages.map((m) => JSON.parse(m.body).branchId).sort(),
    );
    assert.ok(received.every((r) => r.messageAttributes.runId.stringValue === "run-1"));
  });

  it("throws naming the messages that still fail after the last attempt", async () => {
    const fanOut = new FanOut({ client: failingFirstEntries(aws.sqs, () => true), queueUrl, maxAttempts: 3, ...fast });
    await assert.rejects(
      fanOut.send([branchMessage("r", "A"), branchMessage("r", "B")]),
      (error: Error & { failures?: unknown }) => {
        assert.equal(error.name, "FanOutError");
        assert.deepEqual(error.failures, [{ id: "A", code: "InternalError", senderFault: false }]);
        return true;
      },
    );
    assert.equal(await queueDepth(aws.sqs, queueUrl), 1);
  });

  it("a message the queue refuses comes back Failed from the real emulator and fails the send", async () => {
    const small = (
      await aws.sqs.send(new CreateQueueCommand({ QueueName: "small", Attributes: { MaximumMessageSize: "1024" } }))
    ).QueueUrl!;
    const fanOut = new FanOut({ client: aws.sqs, queueUrl: small, ...fast });
    const bad = { id: "bad", body: "x".repeat(2048), attributes: {} };
    await assert.rejects(
      fanOut.send([branchMessage("r", "ok"), bad]),
      (error: Error & { failures?: Array<{ id: string; senderFault: boolean }> }) => {
        assert.equal(error.name, "FanOutError");
        assert.deepEqual(
          error.failures?.map((f) => [f.id, f.senderFault]),
          [["bad", true]],
        );
        return true;
      },
    );
    assert.equal(await queueDepth(aws.sqs, small), 1);
  });

  it("a queue that does not exist fails the send", async () => {
    const fanOut = new FanOut({ client: aws.sqs, queueUrl: `${aws.sqsEndpoint}/000000000000/missing`, ...fast });
    await assert.rejects(fanOut.send([branchMessage("r", "x")]), { name: "QueueDoesNotExist" });
  });

  describe("TableWriter", () => {
    const table = "store-test";
    beforeEach(async () => {
      await aws.dynamodb.send(
        new CreateTableCommand({
          TableName: table,
          KeySchema: [
            { AttributeName: "sale_id", KeyType: "HASH" },
            { AttributeName: "employee_id", KeyType: "RANGE" },
          ],
          AttributeDefinitions: [
            { AttributeName: "sale_id", AttributeType: "S" },
            { AttributeName: "employee_id", AttributeType: "S" },
          ],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
    });
    const item = (n: number, hash = "h1", extra: Record<string, string> = {}): Item =>
      toItem({ sale_id: `S${n}`, employee_id: `E${n % 3}`, [CONTENT_HASH_ATTRIBUTE]: hash, ...extra });
    const scanCount = async (): Promise<number> =>
      (await aws.dynamodb.send(new ScanCommand({ TableName: table, Select: "COUNT" }))).Count ?? -1;

    it("writes new and changed items only, across chunk boundaries, retrying unprocessed keys and items", async () => {
      const client = unprocessing(aws.dynamodb, 2);
      const writer = new TableWriter({
        client,
        tableName: table,
        keys: { hashKey: "sale_id", rangeKey: "employee_id" },
        ...fast,
      });
      const items = Array.from({ length: 130 }, (_, i) => item(i));
      const first = await writer.upsert(items);
      assert.deepEqual([first.written.length, first.unchanged, first.refused.length], [130, 0, 0]);
      assert.equal(await scanCount(), 130);
      // Keys: 100 (one left), that one (left again), that one, then 30. Items likewise: 25, 1, 1, then 5 more chunks.
      assert.deepEqual([client.gets, client.writes], [4, 8]);

      const changed = items.map((it, i) => (i % 40 === 0 ? item(i, "h2") : it));
      const second = await writer.upsert(changed);
      assert.deepEqual([second.written.length, second.unchanged], [4, 126]);
      assert.deepEqual(
        second.written.map((w) => w.sale_id.S),
        ["S0", "S40", "S80", "S120"],
      );
    });

    it("collapses duplicate keys and refuses items over 400 KB without sending them", async () => {
      const writer = new TableWriter({
        client: aws.dynamodb,
        tableName: table,
        keys: { hashKey: "sale_id", rangeKey: "employee_id" },
        ...fast,
      });
      const huge = item(7, "h", { note: "y".repeat(400 * 1024) });
      const result = await writer.upsert([item(1, "a"), item(1, "b"), huge, item(2)]);
      assert.deepEqual(
        result.written.map((w) => [w.sale_id.S, w[CONTENT_HASH_ATTRIBUTE].S]),
        [
          ["S1", "b"],
          ["S2", "h1"],
        ],
      );
      assert.deepEqual(
        result.refused.map((r) => [r.item.sale_id.S, r.reason]),
        [["S7", "ITEM_TOO_LARGE"]],
      );
      assert.match(result.refused[0].detail, /^item is \d+ bytes; DynamoDB allows 409600$/);
      assert.equal(await scanCount(), 2);
    });

    it("puts items that share a key as one, the last, instead of failing the request", async () => {
      const writer = new TableWriter({
        client: aws.dynamodb,
        tableName: table,
        keys: { hashKey: "sale_id", rangeKey: "employee_id" },
        ...fast,
      });
      await writer.putAll([item(1, "first"), item(2), item(1, "last")]);
      const { Items } = await aws.dynamodb.send(new ScanCommand({ TableName: table }));
      assert.deepEqual(Items?.map((found) => [found.sale_id.S, found[CONTENT_HASH_ATTRIBUTE].S]).sort(), [
        ["S1", "last"],
        ["S2", "h1"],
      ]);
    });

    it("finds the one item DynamoDB refuses by splitting its batch, and puts the other 29", async () => {
      const writer = new TableWriter({
        client: aws.dynamodb,
        tableName: table,
        keys: { hashKey: "sale_id", rangeKey: "employee_id" },
        ...fast,
      });
      // putAll sends as given (upsert checks first), so DynamoDB itself decides here.
      const items = Array.from({ length: 30 }, (_, i) => item(100 + i));
      items[17] = { ...items[17], amount: { N: "1e200" } };
      const refused = await writer.putAll(items);
      assert.deepEqual(
        refused.map((r) => [r.item.sale_id.S, r.reason, r.detail]),
        [
          [
            "S117",
            "STORE_REFUSED",
            "DynamoDB: Number overflow. Attempting to store a number with magnitude larger than supported range",
          ],
        ],
      );
      const { Items } = await aws.dynamodb.send(new ScanCommand({ TableName: table }));
      const stored = new Set(Items?.map((found) => found.sale_id.S));
      assert.deepEqual(
        items.map((i) => i.sale_id.S).filter((id) => !stored.has(id)),
        ["S117"],
      );
    });

    it("gives up with a StoreError when items stay unprocessed", async () => {
      const writer = new TableWriter({
        client: unprocessing(aws.dynamodb, 1_000),
        tableName: table,
        keys: { hashKey: "sale_id", rangeKey: "employee_id" },
        maxAttempts: 3,
        ...fast,
      });
      await assert.rejects(writer.putAll([item(1), item(2)]), {
        name: "StoreError",
        operation: "BatchWriteItem",
        remaining: 1,
      });
    });
  });
});
