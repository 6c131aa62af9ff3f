/** Helpers for asserting on a recorded program run. */
import { MOCK_ACCOUNT_ID, type ProgramRun, type RecordedResource } from "../../local/plan/record";

export const T = {
  table: "aws:dynamodb/table:Table",
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  fn: "aws:lambda/function:Function",
  esm: "aws:lambda/eventSourceMapping:EventSourceMapping",
  invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  schedule: "aws:scheduler/schedule:Schedule",
  parameter: "aws:ssm/parameter:Parameter",
} as const;

export function ofType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

/** The one resource of a type and logical name; fails loudly when absent or ambiguous. */
export function one(run: ProgramRun, type: string, name: string): RecordedResource {
  const found = run.resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

export function byUrn(run: ProgramRun, urn: string | undefined): RecordedResource | undefined {
  return run.resources.find((r) => r.urn === urn);
}

export function policyOf(resource: RecordedResource): { Version: string; Statement: any[] } {
  return JSON.parse(resource.inputs.policy ?? resource.inputs.assumeRolePolicy);
}

/**
 * The statements each collector role must hold, written out independently of the
 * program: its table, the rejects table, its queues, stage 1's failure queue, the source
 * token (when the role may read one) and its own log group.
 */
export function expectedRoleStatements(
  run: ProgramRun,
  where: { region: string; logStack: string; tokenParameterArn?: string },
): Record<"branches" | "salespersons" | "sales", object[]> {
  const arn = (type: string, name: string) => one(run, type, name).state.arn as string;
  const table = (stage: string) => ({
    Sid: "UpsertOwnTable",
    Effect: "Allow",
    Action: ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query"],
    Resource: [arn(T.table, `cascading-etl-tables-${stage}`)],
  });
  const rejects = {
    Sid: "WriteRejects",
    Effect: "Allow",
    Action: ["dynamodb:BatchWriteItem"],
    Resource: [arn(T.table, "cascading-etl-tables-rejects")],
  };
  const consume = (kind: string) => ({
    Sid: "ConsumeSourceQueue",
    Effect: "Allow",
    Action: [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueUrl",
    ],
    Resource: [arn(T.queue, `cascading-etl-queues-${kind}`)],
  });
  const send = (kind: string) => ({
    Sid: "FanOutToTargetQueue",
    Effect: "Allow",
    Action: ["sqs:SendMessage"],
    Resource: [arn(T.queue, `cascading-etl-queues-${kind}`)],
  });
  const failures = {
    Sid: "SendFailedInvocations",
    Effect: "Allow",
    Action: ["sqs:SendMessage"],
    Resource: [arn(T.queue, "cascading-etl-queues-schedule-dlq")],
  };
  const token = where.tokenParameterArn
    ? [{ Sid: "ReadSourceToken", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [where.tokenParameterArn] }]
    : [];
  const logs = (stage: string) => ({
    Sid: "WriteOwnLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [`arn:aws:logs:${where.region}:${MOCK_ACCOUNT_ID}:log-group:/cascading-etl/${where.logStack}/${stage}:*`],
  });
  return {
    branches: [table("branches"), rejects, send("employee"), failures, ...token, logs("branches")],
    salespersons: [table("salespersons"), rejects, consume("employee"), send("sale"), ...token, logs("salespersons")],
    sales: [table("sales"), rejects, consume("sale"), ...token, logs("sales")],
  };
}
