/**
 * DynamoDB item building, pure: marshalling plain values to AttributeValues and
 * estimating an item's size against DynamoDB's 400 KB limit before we send it.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { JsonNumber } from "./json";

/** DynamoDB's item size limit (names and values, UTF-8), in bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** A JsonNumber is stored as its text, exactly as the source wrote it. */
export type Plain =
  string | number | JsonNumber | boolean | null | readonly Plain[] | { readonly [key: string]: Plain };
export type Item = Record<string, AttributeValue>;

export function toAttributeValue(value: Plain): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot store non-finite number ${value}`);
    return { N: String(value) };
  }
  if (value instanceof JsonNumber) return { N: value.text };
  if (typeof value === "boolean") return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
  return { M: toItem(value as Record<string, Plain>) };
}

/** Marshals a flat or nested record; undefined fields are left out rather than stored as NULL. */
export function toItem(record: Readonly<Record<string, Plain | undefined>>): Item {
  // fromEntries defines own properties; assigning would turn a "__proto__" field into
  // the object's prototype and drop it from the item.
  return Object.fromEntries(
    Object.entries(record).flatMap(([k, v]) => (v === undefined ? [] : [[k, toAttributeValue(v)]])),
  );
}

const utf8 = (s: string): number => Buffer.byteLength(s, "utf8");

/**
 * Size of one value by DynamoDB's published rules: strings and binaries by length,
 * numbers about one byte per two significant digits plus one, 1 byte for booleans and
 * nulls, 3 bytes of overhead for lists and maps plus 1 per element. Rounded up, so a
 * "fits" here fits there.
 */
export function attributeValueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) {
    const digits = value.N.replace(/^-/, "")
      .replace(/[eE].*$/, "")
      .replace(".", "")
      .replace(/^0+/, "")
      .replace(/0+$/, "");
    return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
  }
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + attributeValueSize({ N: s }), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((n, v) => n + 1 + attributeValueSize(v), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((n, [k, v]) => n + 1 + utf8(k) + attributeValueSize(v), 0);
  return 0;
}

export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + attributeValueSize(value);
  return size;
}

/** Reads a string attribute back, or undefined. */
export function stringAttribute(item: Item | undefined, name: string): string | undefined {
  return item?.[name]?.S;
}
