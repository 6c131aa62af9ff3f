/**
 * IAM and resource policy documents as pure functions of ARNs, so the exact statements
 * are unit-tested without Pulumi and a policy pack can reuse the same rules.
 */
import { sourceQueueOf, stageOf, targetQueueOf, type StageTable } from "../functions/lib/stages";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  /** Absent in trust policies, which name no resource. */
  Resource?: string[];
  Principal?: Record<string, string | string[]> | "*";
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

const document = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: statements,
});

/** The ARNs one collector may touch; absent ones (no source queue for stage 1, ...) grant nothing. */
export interface CollectorGrants {
  tableArn: string;
  rejectsTableArn: string;
  logGroupArn: string;
  /** The queue an SQS event source mapping reads for this collector (every stage but the scheduled one). */
  sourceQueueArn?: string;
  /** The queue the collector fans out to (every stage but a leaf). */
  targetQueueArn?: string;
  /** The on-failure destination of asynchronous invocations (the scheduled stage). */
  failureQueueArn?: string;
  /** The SSM SecureString holding the source token, when one is configured. */
  tokenParameterArn?: string;
}

/**
 * The upsert reads keys in batches and writes only changed items in batches
 * (docs/design.md, "Upsert"); a record's rows under other parents are found with a Query on its id
 * and deleted in the same batches (BatchWriteItem's DeleteRequest). Rejects are only
 * ever written, in batches.
 */
export const TABLE_ACTIONS = ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query"] as const;
export const REJECTS_ACTIONS = ["dynamodb:BatchWriteItem"] as const;
/**
 * What Lambda's SQS poller needs on the source queue, plus what the collector needs to
 * hand a message back for as long as the source's Retry-After asks (functions/lib/hand-back.ts):
 * ChangeMessageVisibility, and GetQueueUrl to find the queue from the record's ARN.
 */
export const ESM_QUEUE_ACTIONS = [
  "sqs:ReceiveMessage",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:ChangeMessageVisibility",
  "sqs:GetQueueUrl",
] as const;
/** SendMessageBatch is authorised by sqs:SendMessage. */
export const SEND_ACTIONS = ["sqs:SendMessage"] as const;
/**
 * The SecureString uses the AWS managed key aws/ssm, whose key policy already lets
 * principals allowed to read the parameter decrypt it through SSM; no kms statement.
 */
export const TOKEN_ACTIONS = ["ssm:GetParameter"] as const;
/**
 * The log group is created by the program, so no logs:CreateLogGroup. Metrics are
 * written as CloudWatch embedded metric format lines to the log, so no
 * cloudwatch:PutMetricData and therefore no "*" resource at all.
 */
export const LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"] as const;

/** The least-privilege inline policy of one collector's role. */
export function collectorPolicy(grants: CollectorGrants): PolicyDocument {
  const statements: PolicyStatement[] = [
    { Sid: "UpsertOwnTable", Effect: "Allow", Action: [...TABLE_ACTIONS], Resource: [grants.tableArn] },
    { Sid: "WriteRejects", Effect: "Allow", Action: [...REJECTS_ACTIONS], Resource: [grants.rejectsTableArn] },
  ];
  if (grants.sourceQueueArn)
    statements.push({
      Sid: "ConsumeSourceQueue",
      Effect: "Allow",
      Action: [...ESM_QUEUE_ACTIONS],
      Resource: [grants.sourceQueueArn],
    });
  if (grants.targetQueueArn)
    statements.push({
      Sid: "FanOutToTargetQueue",
      Effect: "Allow",
      Action: [...SEND_ACTIONS],
      Resource: [grants.targetQueueArn],
    });
  if (grants.failureQueueArn)
    statements.push({
      Sid: "SendFailedInvocations",
      Effect: "Allow",
      Action: [...SEND_ACTIONS],
      Resource: [grants.failureQueueArn],
    });
  if (grants.tokenParameterArn)
    statements.push({
      Sid: "ReadSourceToken",
      Effect: "Allow",
      Action: [...TOKEN_ACTIONS],
      Resource: [grants.tokenParameterArn],
    });
  statements.push({
    Sid: "WriteOwnLogs",
    Effect: "Allow",
    Action: [...LOG_ACTIONS],
    Resource: [`${grants.logGroupArn}:*`],
  });
  return document(...statements);
}

/** Trust policy letting one AWS service assume a role, only on behalf of this account. */
export function assumeRolePolicy(
  service: "lambda.amazonaws.com" | "scheduler.amazonaws.com",
  accountId: string,
): PolicyDocument {
  return document({
    Sid: "AssumedByService",
    Effect: "Allow",
    Principal: { Service: service },
    Action: ["sts:AssumeRole"],
    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
  });
}

/** What EventBridge Scheduler needs to start the branches collector and park what it cannot deliver. */
export function schedulerPolicy(functionArn: string, deadLetterQueueArn: string): PolicyDocument {
  return document(
    { Sid: "InvokeCollector", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [functionArn] },
    { Sid: "SendUndeliveredEvents", Effect: "Allow", Action: [...SEND_ACTIONS], Resource: [deadLetterQueueArn] },
  );
}

/** Queue policy: any access to the queue over plain HTTP is denied, whoever asks. */
export function tlsOnlyQueuePolicy(queueArn: string): PolicyDocument {
  return document({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: ["sqs:*"],
    Resource: [queueArn],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  });
}

export function toJson(policy: PolicyDocument): string {
  return JSON.stringify(policy);
}

/**
 * Which grants each stage gets, from the stage table: the queue that starts it, the queue
 * it fans out to, and the schedule's failure queue for the scheduled stage.
 */
export function stageGrants(
  stages: StageTable,
  stage: string,
  arns: {
    table: string;
    rejectsTable: string;
    logGroup: string;
    /** Every stage queue's ARN, by queue name. */
    queues: Readonly<Record<string, string>>;
    scheduleDlq: string;
    tokenParameter?: string;
  },
): CollectorGrants {
  const queueArn = (queue: string | undefined) => (queue === undefined ? undefined : arns.queues[queue]);
  const grants: CollectorGrants = {
    tableArn: arns.table,
    rejectsTableArn: arns.rejectsTable,
    logGroupArn: arns.logGroup,
    tokenParameterArn: arns.tokenParameter,
  };
  const source = queueArn(sourceQueueOf(stages, stage));
  const target = queueArn(targetQueueOf(stages, stage));
  if (source !== undefined) grants.sourceQueueArn = source;
  if (target !== undefined) grants.targetQueueArn = target;
  if (stageOf(stages, stage).trigger.kind === "schedule") grants.failureQueueArn = arns.scheduleDlq;
  return grants;
}
