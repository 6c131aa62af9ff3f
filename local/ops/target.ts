/**
 * What the operations commands act on: the pipeline's queues, found by name through the
 * SQS API, and a way to start a scheduled run. The same target shape stands for a
 * deployed stack (names from its outputs, the public endpoints, credentials from the
 * environment), for the embedded AWS of `cascade run --keep` (`--endpoint`), and for a
 * LocalCascade in this process; the commands never ask which.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";
import type { ScheduleEvent, StageName } from "../../functions/lib/contract";
import { parseStackOutputs, type PipelineOutputs } from "../../infra/contract";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../embedded-aws";
import type { LocalCascade } from "../runtime/cascade";
import { MissingCredentialsError, OpsError, UnsupportedError, WrongStackError } from "./errors";
import { invokeAsync } from "./lambda-invoke";
import { queueNameOfArn, regionFor } from "./outputs";

export interface QueueRef {
  name: string;
  url: string;
  arn: string;
}

/**
 * The pipeline's dead-letter queues, one fact each: the output key, the stage whose
 * failures land there, what a message in it is, and the queue it redrives to (none for
 * the schedule's, which holds Lambda's on-failure records, not queue messages).
 */
export const DEAD_LETTER_QUEUES = [
  { key: "schedule", stage: "branches", holds: "invocation record" },
  { key: "employee", stage: "salespersons", holds: "branch message" },
  { key: "sale", stage: "sales", holds: "salesperson message" },
] as const satisfies ReadonlyArray<{ key: keyof PipelineOutputs["queues"]; stage: StageName; holds: string }>;
export type DeadLetterKey = (typeof DEAD_LETTER_QUEUES)[number]["key"];

export interface DeadLetterQueue {
  key: DeadLetterKey;
  stage: StageName;
  holds: (typeof DEAD_LETTER_QUEUES)[number]["holds"];
  dlq: QueueRef;
  /** The stage queue a StartMessageMoveTask sends its messages back to. */
  source?: QueueRef;
}

export interface OpsTarget {
  /** Where the commands act, for messages: "stack prod (eu-west-1)", "the embedded AWS at …". */
  readonly where: string;
  readonly sqs: SQSClient;
  readonly deadLetterQueues: readonly DeadLetterQueue[];
  /** Starts one scheduled run with this event; resolves once it is accepted, with a note of how. */
  invokeScheduledRun(event: ScheduleEvent): Promise<string>;
  close(): void;
}

/** SQS's error names for a queue that is not there (JSON and query protocols). */
const NO_SUCH_QUEUE = new Set(["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"]);
/** What the SDK's credential chain throws when it finds nothing. */
const NO_CREDENTIALS = new Set(["CredentialsProviderError"]);

/** Fails early, naming the fix, when the environment holds no credentials. */
export async function requireCredentials(sqs: SQSClient, where: string): Promise<void> {
  try {
    await sqs.config.credentials();
  } catch (error) {
    if (NO_CREDENTIALS.has((error as Error).name))
      throw new MissingCredentialsError(
        `no AWS credentials for ${where}: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ` +
          "(with AWS_SESSION_TOKEN for temporary ones), or run where a role provides them",
        { cause: error },
      );
    throw error;
  }
}

async function queueRef(sqs: SQSClient, name: string, stack: string, where: string): Promise<QueueRef> {
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: QueueUrl!, AttributeNames: ["QueueArn"] }),
    );
    return { name, url: QueueUrl!, arn: Attributes!.QueueArn! };
  } catch (error) {
    if (NO_SUCH_QUEUE.has((error as Error).name))
      throw new WrongStackError(
        `queue ${name} of stack ${stack} does not exist in ${where}: are these the outputs of the stack ` +
          "deployed there (pulumi stack select), and the right account and region?",
        { cause: error },
      );
    if (NO_CREDENTIALS.has((error as Error).name)) throw new MissingCredentialsError((error as Error).message);
    throw error;
  }
}

/** Looks every DLQ and stage queue of the outputs up by name, so the URLs and ARNs are the ones `where` uses. */
export async function resolveDeadLetterQueues(
  sqs: SQSClient,
  outputs: PipelineOutputs,
  stack: string,
  where: string,
): Promise<DeadLetterQueue[]> {
  return Promise.all(
    DEAD_LETTER_QUEUES.map(async ({ key, stage, holds }): Promise<DeadLetterQueue> => {
      const queue = outputs.queues[key];
      if ("dlqArn" in queue) {
        const [dlq, source] = await Promise.all([
          queueRef(sqs, queueNameOfArn(queue.dlqArn), stack, where),
          queueRef(sqs, queueNameOfArn(queue.arn), stack, where),
        ]);
        return { key, stage, holds, dlq, source };
      }
      return { key, stage, holds, dlq: await queueRef(sqs, queueNameOfArn(queue.arn), stack, where) };
    }),
  );
}

/** A deployed stack: the SDK's default credential chain and endpoints, in the outputs' region. */
export async function deployedTarget(options: {
  outputs: PipelineOutputs;
  stack: string;
  region?: string;
  clientConfig?: SQSClientConfig;
  lambdaEndpoint?: string;
}): Promise<OpsTarget> {
  const region = regionFor(options.outputs, options.stack, options.region);
  const where = `stack ${options.stack} (${region})`;
  const sqs = new SQSClient({ region, ...options.clientConfig });
  try {
    await requireCredentials(sqs, where);
    const deadLetterQueues = await resolveDeadLetterQueues(sqs, options.outputs, options.stack, where);
    const functionName = options.outputs.functions.branches.name;
    return {
      where,
      sqs,
      deadLetterQueues,
      async invokeScheduledRun(event) {
        const requestId = await invokeAsync(functionName, event, {
          region,
          credentials: sqs.config.credentials,
          endpoint: options.lambdaEndpoint,
        });
        return `invoked ${functionName} asynchronously (request ${requestId})`;
      },
      close: () => sqs.destroy(),
    };
  } catch (error) {
    sqs.destroy();
    throw error;
  }
}

/**
 * The embedded AWS of a `cascade run --keep` in another process: its SQS endpoint, and
 * the stack's names from the offline plan (the same program `cascade run` realised).
 * The local schedule lives in that process, so a scheduled run cannot be started from here.
 */
export async function endpointTarget(options: {
  endpoint: string;
  outputs: PipelineOutputs;
  stack: string;
}): Promise<OpsTarget> {
  const where = `the embedded AWS at ${options.endpoint}`;
  const fromEnv = process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY;
  const sqs = new SQSClient({
    endpoint: options.endpoint,
    region: process.env.AWS_REGION ?? LOCAL_REGION,
    ...(fromEnv ? {} : { credentials: LOCAL_CREDENTIALS }),
  });
  try {
    const deadLetterQueues = await resolveDeadLetterQueues(sqs, options.outputs, options.stack, where);
    return {
      where,
      sqs,
      deadLetterQueues,
      async invokeScheduledRun() {
        throw new UnsupportedError(
          `${where} has no Lambda: the local schedule runs inside the \`cascade run\` process, ` +
            "so a scheduled run (a backfill, a schedule DLQ redrive) is started there, or against a deployed stack",
        );
      },
      close: () => sqs.destroy(),
    };
  } catch (error) {
    sqs.destroy();
    if (error instanceof OpsError) throw error;
    throw new WrongStackError(`cannot reach SQS at ${options.endpoint}: is \`cascade run --keep\` still up?`, {
      cause: error,
    });
  }
}

/** A LocalCascade in this process: its embedded AWS, and its local schedule fired with the event. */
export async function cascadeTarget(cascade: LocalCascade): Promise<OpsTarget> {
  const outputs = parseStackOutputs("pipeline", cascade.options.stack, cascade.program.outputs);
  const where = `the embedded AWS at ${cascade.aws.sqsEndpoint}`;
  const deadLetterQueues = await resolveDeadLetterQueues(cascade.aws.sqs, outputs, cascade.options.stack, where);
  return {
    where,
    sqs: cascade.aws.sqs,
    deadLetterQueues,
    async invokeScheduledRun(event) {
      const run = await cascade.schedule.fire(event);
      if (!run.ok)
        return (
          `the local schedule's run failed after ${run.attempts} attempts (${run.lastError}); ` +
          "it went to the schedule DLQ"
        );
      return `the local schedule ran ${cascade.schedule.spec.name} (attempt ${run.attempts})`;
    },
    // The cascade owns its clients.
    close: () => undefined,
  };
}
