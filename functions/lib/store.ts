/**
 * Content-hash upsert into one DynamoDB table: read the stored hashes in BatchGetItem
 * chunks, write only what changed in BatchWriteItem chunks, and retry whatever DynamoDB
 * leaves unprocessed with backoff.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { retrier, type Retrier, type RetryOptions } from "./backoff";
import { chunk } from "./chunk";
import { CONTENT_HASH_ATTRIBUTE } from "./contract";
import { StoreError } from "./errors";
import { itemSize, MAX_ITEM_BYTES, stringAttribute, type Item } from "./item";

/** DynamoDB's per-request limits. */
export const BATCH_GET_MAX_KEYS = 100;
export const BATCH_WRITE_MAX_ITEMS = 25;

export interface TableKeys {
  hashKey: string;
  rangeKey?: string;
}

/** `maxAttempts` counts attempts per chunk. @default 8 */
export interface TableWriterOptions extends RetryOptions {
  client: Pick<DynamoDBClient, "send">;
  tableName: string;
  keys: TableKeys;
}

export interface UpsertResult {
  /** Items written because they were new or their content hash changed. */
  written: Item[];
  /** Count of items whose stored hash matched: not written. */
  unchanged: number;
  /** Items over DynamoDB's size limit: never sent. */
  tooLarge: Array<{ item: Item; bytes: number }>;
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

  constructor(options: TableWriterOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.keys = options.keys;
    this.retry = retrier(options, 8);
  }

  /**
   * Writes the items whose CONTENT_HASH_ATTRIBUTE differs from the stored one. Items
   * with the same key are collapsed to the last one, since BatchWriteItem refuses
   * duplicate keys in one request.
   */
  async upsert(items: readonly Item[]): Promise<UpsertResult> {
    const tooLarge: UpsertResult["tooLarge"] = [];
    const byKey = new Map<string, Item>();
    for (const item of items) {
      const bytes = itemSize(item);
      if (bytes > MAX_ITEM_BYTES) tooLarge.push({ item, bytes });
      else byKey.set(keyString(item, this.keys), item);
    }
    const stored = await this.storedHashes([...byKey.values()]);
    const written = [...byKey.entries()]
      .filter(([key, item]) => stored.get(key) !== stringAttribute(item, CONTENT_HASH_ATTRIBUTE))
      .map(([, item]) => item);
    await this.putAll(written);
    return { written, unchanged: byKey.size - written.length, tooLarge };
  }

  /**
   * Puts every item, unconditionally, in chunks of 25. Items with the same key collapse to
   * the last one: BatchWriteItem refuses a request that names a key twice, and one such
   * pair would otherwise fail every item written with it.
   */
  async putAll(items: readonly Item[]): Promise<void> {
    const byKey = new Map<string, Item>();
    for (const item of items) byKey.set(keyString(item, this.keys), item);
    for (const part of chunk([...byKey.values()], BATCH_WRITE_MAX_ITEMS)) {
      let pending: WriteRequest[] = part.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 0) await this.pause(attempt, "BatchWriteItem", pending.length);
        const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
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
