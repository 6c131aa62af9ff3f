/**
 * An asynchronous Lambda invocation (InvocationType Event), signed with SigV4, for the
 * one call the operations commands make to Lambda: starting a scheduled run again.
 * `@aws-sdk/client-lambda` is not a dependency of this project, and one REST call does
 * not justify adding it; the signer is the one the SQS client already ships with.
 * API: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 * (POST /2015-03-31/functions/{FunctionName}/invocations, X-Amz-Invocation-Type: Event,
 * 202 Accepted once Lambda has queued the event).
 */
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { OpsError } from "./errors";

/** SHA-256 (or its HMAC, given a secret) in the shape the signer asks for. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array | ArrayBuffer | ArrayBufferView) {
    this.hash = secret
      ? createHmac("sha256", typeof secret === "string" ? secret : Buffer.from(secret as Uint8Array))
      : createHash("sha256");
  }
  update(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === "string" ? data : Buffer.from(data as Uint8Array));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export class InvokeError extends OpsError {
  override readonly name = "InvokeError";
}

export interface AsyncInvokeOptions {
  region: string;
  credentials: ConstructorParameters<typeof SignatureV4>[0]["credentials"];
  /** Lambda's endpoint; default AWS_ENDPOINT_URL_LAMBDA, else the region's public one. */
  endpoint?: string;
}

/** Queues `payload` for `functionName` and returns Lambda's request id. */
export async function invokeAsync(
  functionName: string,
  payload: unknown,
  options: AsyncInvokeOptions,
): Promise<string> {
  const base = new URL(
    options.endpoint ?? process.env.AWS_ENDPOINT_URL_LAMBDA ?? `https://lambda.${options.region}.amazonaws.com`,
  );
  const body = JSON.stringify(payload);
  const path = `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
  const signer = new SignatureV4({
    service: "lambda",
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: "POST",
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port ? Number(base.port) : undefined,
    path,
    query: {},
    headers: {
      host: base.host,
      "content-type": "application/json",
      "x-amz-invocation-type": "Event",
    },
    body,
  });
  const response = await fetch(new URL(path, base), {
    method: "POST",
    headers: signed.headers as Record<string, string>,
    body,
  });
  const text = await response.text();
  if (response.status !== 202)
    throw new InvokeError(
      `Lambda refused the invocation of ${functionName}: HTTP ${response.status} ${text.slice(0, 300)}`,
    );
  return response.headers.get("x-amzn-requestid") ?? "";
}
