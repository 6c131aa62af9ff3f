/**
 * A small SSM Parameter Store on loopback, speaking the JSON 1.1 protocol the AWS SDK
 * uses (X-Amz-Target: AmazonSSM.<Operation>). Enough of it for the collectors: put and
 * get parameters, SecureStrings decrypted only when asked, errors in SSM's real shape.
 * There is no SSM emulator among the packages we use, hence this one.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeOnce, listenOnLoopback } from "./loopback";

export type ParameterType = "String" | "StringList" | "SecureString";

interface StoredParameter {
  name: string;
  type: ParameterType;
  value: string;
  version: number;
  lastModified: number;
}

export interface EmbeddedSsmOptions {
  region?: string;
  accountId?: string;
}

export interface EmbeddedSsm {
  readonly endpoint: string;
  readonly server: Server;
  /** Operations answered, by name (GetParameter, PutParameter, ...). */
  readonly calls: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

class SsmError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * What SSM returns for a SecureString read without decryption: ciphertext. Ours is an
 * opaque digest, never the plaintext, so a caller that forgets WithDecryption notices.
 */
function ciphertext(p: StoredParameter): string {
  return Buffer.from(
    `AQICAH${createHash("sha256").update(`${p.name}:${p.version}:${p.value}`).digest("hex")}`,
  ).toString("base64");
}

const NAME = /^\/?[a-zA-Z0-9_.\-/]{1,2048}$/;

export function createSsmHandler(options: EmbeddedSsmOptions = {}): {
  handle(target: string, input: Record<string, unknown>): unknown;
  calls: Record<string, number>;
} {
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "000000000000";
  const parameters = new Map<string, StoredParameter>();
  const calls: Record<string, number> = {};

  const arn = (name: string): string =>
    `arn:aws:ssm:${region}:${accountId}:parameter${name.startsWith("/") ? name : `/${name}`}`;
  const view = (p: StoredParameter, decrypt: boolean): Record<string, unknown> => ({
    Name: p.name,
    Type: p.type,
    Value: p.type === "SecureString" && !decrypt ? ciphertext(p) : p.value,
    Version: p.version,
    LastModifiedDate: p.lastModified,
    ARN: arn(p.name),
    DataType: "text",
  });
  const nameOf = (input: Record<string, unknown>, key = "Name"): string => {
    const name = input[key];
    if (typeof name !== "string" || !NAME.test(name))
      throw new SsmError(
        "ValidationException",
        `1 validation error detected: Value at '${key.toLowerCase()}' failed to satisfy constraint`,
      );
    return name;
  };

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    PutParameter(input) {
      const name = nameOf(input);
      const value = input.Value;
      const type = (input.Type ?? "String") as ParameterType;
      if (typeof value !== "string" || value.length === 0)
        throw new SsmError(
          "ValidationException",
          "1 validation error detected: Value at 'value' failed to satisfy constraint: " +
            "Member must have length greater than or equal to 1",
        );
      if (!["String", "StringList", "SecureString"].includes(type))
        throw new SsmError(
          "ValidationException",
          `1 validation error detected: Value '${String(type)}' at 'type' failed to satisfy constraint`,
        );
      const existing = parameters.get(name);
      if (existing && input.Overwrite !== true)
        throw new SsmError(
          "ParameterAlreadyExists",
          "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
        );
      const version = (existing?.version ?? 0) + 1;
      parameters.set(name, {
        name,
        type: existing && input.Type === undefined ? existing.type : type,
        value,
        version,
        lastModified: Date.now() / 1000,
      });
      return { Version: version, Tier: "Standard" };
    },
    GetParameter(input) {
      const name = nameOf(input);
      const p = parameters.get(name);
      if (!p) throw new SsmError("ParameterNotFound", "");
      return { Parameter: view(p, input.WithDecryption === true) };
    },
    GetParameters(input) {
      const names = input.Names;
      if (!Array.isArray(names) || names.length === 0 || names.length > 10)
        throw new SsmError(
          "ValidationException",
          "1 validation error detected: Value at 'names' failed to satisfy constraint: " +
            "Member must have length less than or equal to 10",
        );
      const found: unknown[] = [];
      const invalid: string[] = [];
      for (const n of names as unknown[]) {
        const p = typeof n === "string" ? parameters.get(n) : undefined;
        if (p) found.push(view(p, input.WithDecryption === true));
        else invalid.push(String(n));
      }
      return { Parameters: found, InvalidParameters: invalid };
    },
    DeleteParameter(input) {
      const name = nameOf(input);
      if (!parameters.delete(name)) throw new SsmError("ParameterNotFound", "");
      return {};
    },
  };

  return {
    calls,
    handle(target, input) {
      const prefix = "AmazonSSM.";
      const operation = target.startsWith(prefix) ? target.slice(prefix.length) : "";
      const run = operations[operation];
      if (!run) throw new SsmError("UnknownOperationException", `Unknown operation ${target}`);
      calls[operation] = (calls[operation] ?? 0) + 1;
      return run(input);
    },
  };
}

function respond(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const headers: Record<string, string> = {
    "content-type": "application/x-amz-json-1.1",
    "x-amzn-requestid": crypto.randomUUID(),
  };
  if (errorType) headers["x-amzn-errortype"] = errorType;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

export async function startEmbeddedSsm(options: EmbeddedSsmOptions = {}): Promise<EmbeddedSsm> {
  const ssm = createSsmHandler(options);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      let input: Record<string, unknown>;
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        input = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        respond(res, 400, { __type: "SerializationException", message: "body is not JSON" }, "SerializationException");
        return;
      }
      try {
        respond(res, 200, ssm.handle(target, input));
      } catch (error) {
        if (error instanceof SsmError)
          respond(res, error.status, { __type: error.type, message: error.message }, error.type);
        else respond(res, 500, { __type: "InternalServerError", message: String(error) }, "InternalServerError");
      }
    });
  });
  const port = await listenOnLoopback(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    server,
    calls: ssm.calls,
    close: closeOnce(server),
  };
}
