/**
 * Cold-start wiring: the configuration from the environment and clients with the SDK's
 * default configuration (region, credentials, and AWS_ENDPOINT_URL_<SERVICE>, which is
 * how the local runtime points a bundle at the embedded AWS).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { getParameter } from "@aws-lambda-powertools/parameters/ssm";
import { TABLE_KEYS, type StageName } from "./contract";
import { loadStageConfig, type Env } from "./env";
import { FanOut, type FanOutOptions } from "./fanout";
import type { HandlerDeps } from "./handlers";
import { SourceClient, type SourceClientOptions, type TokenProvider } from "./source-client";
import { TableWriter, type TableWriterOptions } from "./store";
import { createTelemetry, type Telemetry } from "./telemetry";

/** How long a fetched token is reused before SSM is asked again, in seconds. */
export const TOKEN_MAX_AGE_SECONDS = 300;

/** The source token from an SSM SecureString, cached by Powertools; none when no parameter is configured. */
export function ssmTokenProvider(
  parameterName: string | undefined,
  get: (name: string) => Promise<string | undefined> = (name) =>
    getParameter(name, { decrypt: true, maxAge: TOKEN_MAX_AGE_SECONDS }),
): TokenProvider | undefined {
  if (parameterName === undefined) return undefined;
  // The records of a batch list their sources concurrently; without sharing the fetch in
  // flight each would miss the cache at once, and SSM's GetParameter allows only 40
  // requests a second per account by default.
  let inFlight: Promise<string | undefined> | undefined;
  return () =>
    (inFlight ??= get(parameterName).finally(() => {
      inFlight = undefined;
    }));
}

/** What a caller may substitute; anything left out gets the production default. */
export interface DepsOverrides {
  dynamodb?: Pick<DynamoDBClient, "send">;
  sqs?: Pick<SQSClient, "send">;
  getParameter?: (name: string) => Promise<string | undefined>;
  telemetry?: Telemetry;
  /** Timing of the source client (timeouts, backoff, sleep). */
  source?: Omit<SourceClientOptions, "baseUrl" | "token" | "onRetry">;
  fanOut?: Omit<FanOutOptions, "client" | "queueUrl">;
  store?: Omit<TableWriterOptions, "client" | "tableName" | "keys">;
}

/** Everything a handler needs, from the environment and the given (or default) clients. */
export function createHandlerDeps(
  stage: StageName,
  env: Env = process.env,
  overrides: DepsOverrides = {},
): HandlerDeps {
  const config = loadStageConfig(stage, env);
  const clients = overrides;
  const dynamodb = clients.dynamodb ?? new DynamoDBClient({});
  const sqs = clients.sqs ?? new SQSClient({});
  const tel = overrides.telemetry ?? createTelemetry(stage, env);
  return {
    config,
    telemetry: tel,
    sqs,
    source: new SourceClient({
      ...overrides.source,
      baseUrl: config.sourceBaseUrl,
      token: ssmTokenProvider(config.sourceTokenParameter, clients.getParameter),
      onRetry: (info) => {
        tel.count("retried");
        tel.logger.warn("source retry", info);
      },
    }),
    table: new TableWriter({
      client: dynamodb,
      tableName: config.tableName,
      keys: TABLE_KEYS[stage],
      // A stage table's range key is the parent link (TABLE_KEYS): the hash key alone is the record.
      hashKeyIsIdentity: true,
      ...overrides.store,
    }),
    rejects: new TableWriter({
      client: dynamodb,
      tableName: config.rejectsTableName,
      keys: TABLE_KEYS.rejects,
      ...overrides.store,
    }),
    fanOut: config.targetQueueUrl
      ? new FanOut({ ...overrides.fanOut, client: sqs, queueUrl: config.targetQueueUrl })
      : undefined,
  };
}
