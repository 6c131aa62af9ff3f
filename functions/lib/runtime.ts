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
import { FanOut } from "./fanout";
import type { HandlerDeps } from "./handlers";
import { SourceClient, type TokenProvider } from "./source-client";
import { TableWriter } from "./store";
import { createTelemetry, type Telemetry } from "./telemetry";

/** How long a fetched token is reused before SSM is asked again, in seconds. */
export const TOKEN_MAX_AGE_SECONDS = 300;

/** The source token from an SSM SecureString, cached by Powertools; none when no parameter is configured. */
export function ssmTokenProvider(parameterName: string | undefined, get: (name: string) => Promise<string | undefined> = (name) => getParameter(name, { decrypt: true, maxAge: TOKEN_MAX_AGE_SECONDS })): TokenProvider | undefined {
  if (parameterName === undefined) return undefined;
  return () => get(parameterName);
}

export interface Clients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  getParameter?: (name: string) => Promise<string | undefined>;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** Everything a handler needs, from the environment and the given (or default) clients. */
export function createHandlerDeps(stage: StageName, env: Env = process.env, clients?: Partial<Clients>, telemetry?: Telemetry): HandlerDeps {
  const config = loadStageConfig(stage, env);
  const dynamodb = clients?.dynamodb ?? new DynamoDBClient({});
  const sqs = clients?.sqs ?? new SQSClient({});
  const tel = telemetry ?? createTelemetry(stage, env);
  return {
    config,
    telemetry: tel,
    source: new SourceClient({
      baseUrl: config.sourceBaseUrl,
      token: ssmTokenProvider(config.sourceTokenParameter, clients?.getParameter),
      fetch: clients?.fetch,
      onRetry: (info) => {
        tel.count("retried");
        tel.logger.warn("source retry", info);
      },
    }),
    table: new TableWriter({ client: dynamodb, tableName: config.tableName, keys: TABLE_KEYS[stage] }),
    rejects: new TableWriter({ client: dynamodb, tableName: config.rejectsTableName, keys: TABLE_KEYS.rejects }),
    fanOut: config.targetQueueUrl ? new FanOut({ client: sqs, queueUrl: config.targetQueueUrl }) : undefined,
  };
}
