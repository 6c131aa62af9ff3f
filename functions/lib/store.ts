/**
 * Content-hash upsert into one DynamoDB table: read the stored hashes (BatchGetItem
 * chunks, or a Query per item where the hash key alone is a record's identity), write
 * only what changed in BatchWriteItem chunks, and retry whatever DynamoDB leaves
 * unprocessed with backoff. An item DynamoDB would refuse is never sent, and one it
 * refuses anyway is found by splitting its batch, so it cannot fail its neighbours.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  QueryCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
  type QueryCommandOutput,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { retrier, type Retrier, type RetryOptions } from "./backoff";
import { chunk } from "./chunk";
import { CONTENT_HASH_ATTRIBUTE } from "./contract";
import { StoreError } from "./errors";
import { stringAttribute, type Item } from "./item";
import { itemRefusal, type Refusal } from "./storable";

/** DynamoDB's per-request limits. */
export const BATCH_GET_MAX_KEYS = 100;
export const BATCH_WRITE_MAX_ITEMS = 25;
/** Identity lookups (one Query each) in flight at once. */
export const QUERY_CONCURRENCY = 8;

export interface TableKeys {
  hashKey: string;
  rangeKey?: string;
}

/** `maxAttempts` counts attempts per chunk. @default 8 */
export interface TableWriterOptions extends RetryOptions {
  client: Pick<DynamoDBClient, "send">;
  tableName: string;
  keys: TableKeys;
  /**
   * The hash key alone is a record's identity and the range key its parent: a row with
   * the same hash key and another range key is the record as listed under an earlier
   * parent, and is deleted when the record is upserted under its new one. @default false
   */
  hashKeyIsIdentity?: boolean;
}

export interface RefusedItem extends Refusal {
  item: Item;
}

export interface UpsertResult {
  /** Items written because they were new or their content hash changed. */
  written: Item[];
  /** Count of items whose stored hash matched: not written. */
  unchanged: number;
  /** Items DynamoDB would refuse (never sent) or did refuse (its message as the detail). */
  refused: RefusedItem[];
  /** Rows deleted because their record is now stored under another parent. */
  moved: Item[];
}

/** DynamoDB's answer to a request it will never accept as sent: retrying cannot help. */
function isValidationError(error: unknown): error is Error {
  return error instanceof Error && error.name === "ValidationException";
}

/** The item's key, as a string that identifies it among others of the same table. */
export function keyString(item: Item, keys: TableKeys): string {
  const hash = stringAttribute(item, keys.hashKey) ?? "";
  return keys.rangeKey ? `${hash}\u0000${stringAttribute(item, keys.rangeKey) ?? ""}` : hash;
}

export function keyOf(item: Item, keys: TableKeys): Item {
  const key: Item = { [keys.hashKey]: item[keys.hashKey] };
  if (keys.rangeKey) key[keys.rangeKey] = item[keys.rangeKey];
  return key;
}

export class TableWriter {
  readonly tableName: string;
  readonly keys: TableKeys;
  private readonly client: Pick<DynamoDBClient, "send">;
  private readonly retry: Retrier;

  private readonly hashKeyIsIdentity: boolean;

  constructor(options: TableWriterOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.keys = options.keys;
    this.hashKeyIsIdentity = (options.hashKeyIsIdentity ?? false) && options.keys.rangeKey !== undefined;
    this.retry = retrier(options, 8);
  }

  /**
   * Writes the items whose CONTENT_HASH_ATTRIBUTE differs from the stored one. Items
   * with the same key are collapsed to the last one, since BatchWriteItem refuses
   * duplicate keys in one request. With hashKeyIsIdentity, rows of the same records
   * under other parents are deleted first: a crash between the delete and the put
   * leaves the record missing until the retry puts it, never stored twice.
   */
  async upsert(items: readonly Item[]): Promise<UpsertResult> {
    const refused: RefusedItem[] = [];
    const byKey = new Map<string, Item>();
    for (const item of items) {
      const refusal = itemRefusal(item, this.keys);
      if (refusal) refused.push({ item, ...refusal });
      else byKey.set(keyString(item, this.keys), item);
    }
    const { hashes: stored, others } = this.hashKeyIsIdentity
      ? await this.storedByIdentity([...byKey.values()])
      : { hashes: await this.storedHashes([...byKey.values()]), others: [] };
    const changed = [...byKey.entries()]
      .filter(([key, item]) => stored.get(key) !== stringAttribute(item, CONTENT_HASH_ATTRIBUTE))
      .map(([, item]) => item);
    await this.writeAll(others.map((Key) => ({ DeleteRequest: { Key } })));
    const refusedNow = await this.writeAll(changed.map((Item) => ({ PutRequest: { Item } })));
    const refusedSet = new Set(refusedNow.map((r) => r.item));
    refused.push(...refusedNow);
    const written = changed.filter((item) => !refusedSet.has(item));
    return { written, unchanged: byKey.size - changed.length, refused, moved: others };
  }

  /**
   * Puts every item, unconditionally, in chunks of 25, and returns those DynamoDB refused.
   * Items with the same key collapse to the last one: BatchWriteItem refuses a request that
   * names a key twice, and one such pair would otherwise fail every item written with it.
   */
  async putAll(items: readonly Item[]): Promise<RefusedItem[]> {
    const byKey = new Map<string, Item>();
    for (const item of items) byKey.set(keyString(item, this.keys), item);
    return this.writeAll([...byKey.values()].map((Item) => ({ PutRequest: { Item } })));
  }

  /**
   * Sends the requests in chunks of 25, retrying what comes back unprocessed. A chunk
   * DynamoDB refuses with a ValidationException is split in halves until the refused
   * request stands alone; that one is returned with DynamoDB's message and the others go in.
   */
  private async writeAll(requests: readonly WriteRequest[]): Promise<RefusedItem[]> {
    const refused: RefusedItem[] = [];
    const send = async (part: WriteRequest[]): Promise<void> => {
      try {
        await this.writeChunk(part);
      } catch (error) {
        if (!isValidationError(error)) throw error;
        if (part.length === 1) {
          const request = part[0];
          const item = request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {};
          refused.push({ item, reason: "STORE_REFUSED", detail: `DynamoDB: ${error.message}` });
          return;
        }
        const half = Math.ceil(part.length / 2);
        await send(part.slice(0, half));
        await send(part.slice(half));
      }
    };
    for (const part of chunk(requests, BATCH_WRITE_MAX_ITEMS)) await send(part);
    return refused;
  }

  private async writeChunk(part: WriteRequest[]): Promise<void> {
    let pending = part;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 0) await this.pause(attempt, "BatchWriteItem", pending.length);
      const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = out.UnprocessedItems?.[this.tableName] ?? [];
    }
  }

  /**
   * Every stored row of each item's hash key, by Query: the stored hash of the item's own
   * key, and the keys of rows under other range keys (the same record, other parents).
   */
  async storedByIdentity(items: readonly Item[]): Promise<{ hashes: Map<string, string>; others: Item[] }> {
    const hashes = new Map<string, string>();
    const others: Item[] = [];
    const wanted = new Set(items.map((item) => keyString(item, this.keys)));
    const otherKeys = new Set<string>();
    const names = { "#h": this.keys.hashKey, "#r": this.keys.rangeKey!, "#c": CONTENT_HASH_ATTRIBUTE };
    const lookUp = async (item: Item): Promise<void> => {
      let start: Item | undefined;
      do {
        const out: QueryCommandOutput = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: "#h = :h",
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ":h": item[this.keys.hashKey] },
            ProjectionExpression: "#h, #r, #c",
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const found of out.Items ?? []) {
          const key = keyString(found, this.keys);
          if (wanted.has(key)) {
            const hash = stringAttribute(found, CONTENT_HASH_ATTRIBUTE);
            if (hash !== undefined) hashes.set(key, hash);
          } else if (!otherKeys.has(key)) {
            otherKeys.add(key);
            others.push(keyOf(found, this.keys));
          }
        }
        start = out.LastEvaluatedKey;
      } while (start);
    };
    // Items sharing a hash key need one lookup between them.
    const byHash = new Map(items.map((item) => [stringAttribute(item, this.keys.hashKey), item]));
    const queue = [...byHash.values()];
    const worker = async (): Promise<void> => {
      for (let item = queue.shift(); item; item = queue.shift()) await lookUp(item);
    };
    await Promise.all(Array.from({ length: Math.min(QUERY_CONCURRENCY, queue.length) }, worker));
    return { hashes, others };
  }

  /** Stored content hashes by key string, for those of `items` that exist. */
  async storedHashes(items: readonly Item[]): Promise<Map<string, string>> {
    const hashes = new Map<string, string>();
    const names: Record<string, string> = { "#h": this.keys.hashKey, "#c": CONTENT_HASH_ATTRIBUTE };
    if (this.keys.rangeKey) names["#r"] = this.keys.rangeKey;
    for (const part of chunk(items, BATCH_GET_MAX_KEYS)) {
      let pending: KeysAndAttributes | undefined = {
        Keys: part.map((item) => keyOf(item, this.keys)),
        ProjectionExpression: Object.keys(names).join(", "),
        ExpressionAttributeNames: names,
        ConsistentRead: true,
      };
      for (let attempt = 0; pending?.Keys?.length; attempt += 1) {
        if (attempt > 0) await this.pause(attempt, "BatchGetItem", pending.Keys.length);
        const out: BatchGetItemCommandOutput = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        for (const found of out.Responses?.[this.tableName] ?? []) {
          const hash = stringAttribute(found, CONTENT_HASH_ATTRIBUTE);
          if (hash !== undefined) hashes.set(keyString(found, this.keys), hash);
        }
        pending = out.UnprocessedKeys?.[this.tableName];
      }
    }
    return hashes;
  }

  private async pause(attempt: number, operation: string, remaining: number): Promise<void> {
    if (attempt >= this.retry.maxAttempts) throw new StoreError(this.tableName, operation, remaining);
    await this.retry.wait(attempt);
  }
}
