/**
 * A JSON parser that keeps numbers exactly as written. JSON.parse turns every number into
 * a double, so 9007199254740993 comes back as 9007199254740992 and 12345678901234567890123
 * as 1.2345678901234568e22; Node 20 has no way to see the source text of a number from a
 * reviver. Here a number becomes a JsonNumber holding its text, which DynamoDB takes as
 * an N string unchanged. Pure; strings decode exactly as JSON.parse decodes them (lone
 * surrogate escapes included, so the validation step can refuse them).
 */

/** A JSON number as written in the document: the lexeme, never rounded. */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** The nearest double, for comparisons where rounding cannot matter (dates, signs). */
  toNumber(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
}

export type JsonValue = string | JsonNumber | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {
  override readonly name = "JsonSyntaxError";
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

/**
 * Deeper documents are refused rather than risking the call stack; far above the 32
 * levels DynamoDB stores, so a deep record still parses and is rejected on its own.
 */
export const MAX_PARSE_DEPTH = 512;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

export function parseJson(text: string): JsonValue {
  let at = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(what, at);
  };
  const space = (): void => {
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) at += 1;
      else break;
    }
  };
  const string = (): string => {
    at += 1; // opening quote
    let out = "";
    let start = at;
    for (;;) {
      if (at >= text.length) fail("unterminated string");
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        out += text.slice(start, at);
        at += 1;
        return out;
      }
      if (c < 0x20) fail("control character in string");
      if (c !== 0x5c) {
        at += 1;
        continue;
      }
      out += text.slice(start, at);
      const e = text[at + 1];
      if (e === "u") {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad \\u escape");
        out += String.fromCharCode(parseInt(hex, 16));
        at += 6;
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        at += 2;
      } else fail("bad escape");
      start = at;
    }
  };
  const value = (depth: number): JsonValue => {
    if (depth > MAX_PARSE_DEPTH) fail(`nesting deeper than ${MAX_PARSE_DEPTH}`);
    space();
    const c = text[at];
    if (c === "{") {
      at += 1;
      // Own properties only: a "__proto__" key must stay a field, not become the prototype.
      const entries: Array<[string, JsonValue]> = [];
      space();
      if (text[at] === "}") {
        at += 1;
        return {};
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail("expected a key");
        const key = string();
        space();
        if (text[at] !== ":") fail("expected ':'");
        at += 1;
        entries.push([key, value(depth + 1)]);
        space();
        if (text[at] === ",") at += 1;
        else if (text[at] === "}") {
          at += 1;
          return Object.fromEntries(entries);
        } else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      at += 1;
      const items: JsonValue[] = [];
      space();
      if (text[at] === "]") {
        at += 1;
        return items;
      }
      for (;;) {
        items.push(value(depth + 1));
        space();
        if (text[at] === ",") at += 1;
        else if (text[at] === "]") {
          at += 1;
          return items;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (!m) return fail("unexpected character");
    at += m[0].length;
    return new JsonNumber(m[0]);
  };
  const result = value(0);
  space();
  if (at < text.length) fail("trailing characters");
  return result;
}

/**
 * JSON text of a parsed value, numbers as they were written. With `sortKeys`, object keys
 * are sorted at every level, so two records that differ only in key order serialise alike.
 * Plain JS numbers are accepted too and written as JSON.stringify writes them.
 */
export function stringifyJson(value: unknown, sortKeys = false): string {
  if (value instanceof JsonNumber) return value.text;
  if (value === null || typeof value !== "object") {
    // undefined and functions have no JSON form; treat them as null like JSON arrays do.
    const json = JSON.stringify(value);
    return json === undefined ? "null" : json;
  }
  if (Array.isArray(value)) return `[${value.map((v) => stringifyJson(v, sortKeys)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v, sortKeys)}`).join(",")}}`;
}
