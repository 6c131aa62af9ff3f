/** Helpers for asserting on a recorded program run. */
import type { ProgramRun, RecordedResource } from "../../local/plan/record";

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
