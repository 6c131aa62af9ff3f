/**
 * Would DynamoDB take this item? Pure checks of everything DynamoDB refuses, so one bad
 * value becomes one reject instead of failing the BatchWriteItem that carries its
 * neighbours. The limits are DynamoDB's published ones:
 * - "Service, account, and table quotas in Amazon DynamoDB"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html):
 *   partition key values 1 to 2,048 bytes, sort key values 1 to 1,024 bytes, items up to
 *   400 KB, nested attributes up to 32 levels deep.
 * - "Supported data types and naming rules in Amazon DynamoDB"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html):
 *   numbers of up to 38 digits of precision, positive 1E-130 to
 *   9.9999999999999999999999999999999999999E+125 and the negatives alike; strings are
 *   Unicode in UTF-8, which a string holding a lone UTF-16 surrogate cannot be encoded as
 *   (DynamoDB then sees U+FFFD, so two different such ids collide).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { RejectReason } from "./contract";
import { itemSize, MAX_ITEM_BYTES, type Item } from "./item";

export const MAX_PARTITION_KEY_BYTES = 2_048;
export const MAX_SORT_KEY_BYTES = 1_024;
export const MAX_NESTING_DEPTH = 32;
export const MAX_NUMBER_DIGITS = 38;
/** Decimal exponent of the most significant digit: 1E-130 up to 9.99…E+125. */
export const MIN_NUMBER_EXPONENT = -130;
export const MAX_NUMBER_EXPONENT = 125;

export interface Refusal {
  reason: RejectReason;
  detail: string;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

/** String.prototype.isWellFormed, which the project's TypeScript lib (ES2022) does not declare. */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}
/** String.prototype.toWellFormed: each lone surrogate becomes U+FFFD. */
export function toWellFormed(s: string): string {
  return s.replace(LONE_SURROGATES, "\uFFFD");
}

const NUMBER_TEXT = /^-?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Why DynamoDB would refuse this number text, or undefined if it takes it as written. */
export function numberRefusal(text: string): Refusal | undefined {
  const m = NUMBER_TEXT.exec(text);
  if (!m || (m[1] === "" && (m[2] ?? "") === ""))
    return { reason: "NUMBER_OUT_OF_RANGE", detail: `${clip(text)} is not a number` };
  const whole = m[1];
  const digits = whole + (m[2] ?? "");
  const lead = digits.search(/[1-9]/);
  if (lead < 0) return undefined; // zero, however written
  const significant = digits.slice(lead).replace(/0+$/, "");
  if (significant.length > MAX_NUMBER_DIGITS)
    return {
      reason: "NUMBER_TOO_PRECISE",
      detail: `${clip(text)} has ${significant.length} significant digits; DynamoDB keeps ${MAX_NUMBER_DIGITS}`,
    };
  // BigInt: an exponent like 1e99999999999999999999 must not overflow into a wrong answer.
  const exponent = BigInt(whole.length - lead - 1) + BigInt(m[3] ?? "0");
  if (exponent > BigInt(MAX_NUMBER_EXPONENT) || exponent < BigInt(MIN_NUMBER_EXPONENT))
    return {
      reason: "NUMBER_OUT_OF_RANGE",
      detail: `${clip(text)} is outside DynamoDB's range 1E-130 to 9.99…E+125 in magnitude`,
    };
  return undefined;
}

function clip(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

function stringRefusal(where: string, s: string): Refusal | undefined {
  if (isWellFormed(s)) return undefined;
  return {
    reason: "STRING_NOT_UNICODE",
    detail: `${where} holds a lone UTF-16 surrogate, which has no UTF-8 form: ${clip(JSON.stringify(s))}`,
  };
}

function valueRefusal(where: string, value: AttributeValue, depth: number): Refusal | undefined {
  if (value.S !== undefined) return stringRefusal(where, value.S);
  if (value.N !== undefined) {
    const refusal = numberRefusal(value.N);
    return refusal && { ...refusal, detail: `${where}: ${refusal.detail}` };
  }
  const children: Array<[string, AttributeValue]> =
    value.L !== undefined
      ? value.L.map((v, i) => [`${where}[${i}]`, v])
      : value.M !== undefined
        ? Object.entries(value.M).map(([k, v]) => [`${where}.${k}`, v])
        : [];
  if (children.length > 0 && depth + 1 > MAX_NESTING_DEPTH)
    return {
      reason: "NESTING_TOO_DEEP",
      detail: `${clip(where)} nests deeper than DynamoDB's ${MAX_NESTING_DEPTH} levels`,
    };
  if (value.M !== undefined)
    for (const name of Object.keys(value.M)) {
      const refusal = stringRefusal(`a field name in ${where}`, name);
      if (refusal) return refusal;
    }
  for (const [path, child] of children) {
    const refusal = valueRefusal(path, child, depth + 1);
    if (refusal) return refusal;
  }
  return undefined;
}

/**
 * The first reason DynamoDB would refuse the item, or undefined. Keys are string
 * attributes here (TABLE_KEYS); their size is their UTF-8 length.
 */
export function itemRefusal(item: Item, keys: { hashKey: string; rangeKey?: string }): Refusal | undefined {
  const keyLimits: Array<[string, number]> = [[keys.hashKey, MAX_PARTITION_KEY_BYTES]];
  if (keys.rangeKey) keyLimits.push([keys.rangeKey, MAX_SORT_KEY_BYTES]);
  for (const [name, limit] of keyLimits) {
    const key = item[name]?.S;
    if (key === undefined || key === "") return { reason: "KEY_EMPTY", detail: `key ${name} is empty` };
    const bytes = Buffer.byteLength(key, "utf8");
    if (bytes > limit)
      return { reason: "KEY_TOO_LONG", detail: `key ${name} is ${bytes} bytes; DynamoDB allows ${limit}` };
  }
  for (const [name, value] of Object.entries(item)) {
    const refusal = stringRefusal("a field name", name) ?? valueRefusal(name, value, 0);
    if (refusal) return refusal;
  }
  const bytes = itemSize(item);
  if (bytes > MAX_ITEM_BYTES)
    return { reason: "ITEM_TOO_LARGE", detail: `item is ${bytes} bytes; DynamoDB allows ${MAX_ITEM_BYTES}` };
  return undefined;
}
