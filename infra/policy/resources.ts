/**
 * Finding resources and the links between them in a stack, as a stack policy sees it.
 * A link is read from the engine's property dependencies first, because in a preview
 * of new resources the linked value (a queue URL, a function ARN) is not known yet;
 * comparing values is the fallback for resources that are already deployed.
 */
import type { PolicyResource } from "@pulumi/policy";

export const TYPES = {
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  table: "aws:dynamodb/table:Table",
  eventSourceMapping: "aws:lambda/eventSourceMapping:EventSourceMapping",
  function: "aws:lambda/function:Function",
  invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  schedule: "aws:scheduler/schedule:Schedule",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
  userPolicyAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  groupPolicyAttachment: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
} as const;

export const ofType = (resources: PolicyResource[], type: string) => resources.filter((r) => r.type === type);

/**
 * Reads a property that may be unknown in a preview. The policy SDK throws its
 * UnknownValueError on access; an unknown value links to nothing.
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if ((error as Error)?.constructor?.name === "UnknownValueError") return undefined;
    throw error;
  }
}

/** Reads a dotted path of plain objects. */
export function pathOf(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Whether `from.props[property]` (at `path` inside it) names `to`: by the engine's
 * dependency record, or by equal value to one of `to`'s `identities` (name, arn, url).
 */
export function refersTo(
  from: PolicyResource,
  property: string,
  to: PolicyResource,
  identities: string[],
  path: string[] = [],
): boolean {
  if ((from.propertyDependencies?.[property] ?? []).some((dep) => dep.urn === to.urn)) return true;
  const value = known(() => pathOf(from.props[property], path));
  if (typeof value !== "string" || value === "") return false;
  return identities.some((identity) => known(() => to.props[identity]) === value);
}

/** The stack name in a URN: urn:pulumi:<stack>::<project>::<type>::<name>. */
export function stackOfUrn(urn: string): string {
  return urn.split(":")[2] ?? "";
}
