/**
 * The embedded AWS: DynamoDB (dynalite), SQS (local-aws-sqs) and SSM Parameter Store
 * (./embedded-ssm) as real HTTP servers on
 * loopback, on ports the OS assigns. Tests and the local runtime both start it here, so
 * there is one way to stand the emulators up and one way to tear them down.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { createSqsServer } from "local-aws-sqs";
import { closeOnce, listenOnLoopback, portOf } from "./loopback";
import { startEmbeddedSsm } from "./embedded-ssm";
// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite: (options: Record<string, unknown>) => Server = require("dynalite");

export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT_ID = "000000000000";
/** Emulators ignore signatures, but the SDK refuses to sign without credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/** Calls answered by each emulator since it started. */
export interface RequestCounts {
  dynamodb: number;
  sqs: number;
  ssm: number;
}

export interface EmbeddedAws {
  readonly region: string;
  readonly accountId: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly ssmEndpoint: string;
  /** A live view of the calls each emulator has answered. */
  readonly requests: Readonly<RequestCounts>;
  /** SDK clients pointed at the emulators, for the caller's own use. */
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly ssm: SSMClient;
  /** Environment variables that point the AWS CLI or an SDK at the emulators. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** Counts every request a server answers, without touching how it answers. */
function countRequests(server: Server, counts: RequestCounts, key: keyof RequestCounts): void {
  const listeners = server.listeners("request") as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    counts[key] += 1;
    for (const listener of listeners) listener.call(server, req, res);
  });
}

export async function startEmbeddedAws(): Promise<EmbeddedAws> {
  const requests: RequestCounts = { dynamodb: 0, sqs: 0, ssm: 0 };

  // Tables become ACTIVE at once: nothing waits on a CREATING state locally.
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  countRequests(dynamo, requests, "dynamodb");
  const dynamoPort = await listenOnLoopback(dynamo);
  const dynamodbEndpoint = `http://127.0.0.1:${dynamoPort}`;

  // local-aws-sqs listens itself; port 0 makes the OS choose, the address tells which.
  const sqsServer = await createSqsServer({
    port: 0,
    hostname: "127.0.0.1",
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    emulateQueueCreationLifecycle: false,
  });
  countRequests(sqsServer, requests, "sqs");
  const sqsEndpoint = `http://127.0.0.1:${portOf(sqsServer)}`;

  const ssmServer = await startEmbeddedSsm({ region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID });
  countRequests(ssmServer.server, requests, "ssm");
  const ssmEndpoint = ssmServer.endpoint;

  const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: dynamodbEndpoint });
  const sqs = new SQSClient({ ...clientConfig, endpoint: sqsEndpoint });
  const ssm = new SSMClient({ ...clientConfig, endpoint: ssmEndpoint });

  let closed = false;
  return {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    dynamodbEndpoint,
    sqsEndpoint,
    ssmEndpoint,
    requests,
    dynamodb,
    sqs,
    ssm,
    // Both region variables: AWS CLI v1 reads only AWS_DEFAULT_REGION, and Lambda sets both.
    env: () => ({
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_SSM: ssmEndpoint,
    }),
    async close() {
      if (closed) return;
      closed = true;
      dynamodb.destroy();
      sqs.destroy();
      ssm.destroy();
      await Promise.all([closeOnce(dynamo)(), closeOnce(sqsServer)(), ssmServer.close()]);
    },
  };
}
