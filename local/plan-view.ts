/**
 * Shows a recorded plan the way `pulumi preview` would: a tree of resources under their
 * components with the settings that matter, or the whole graph as JSON. Works with no
 * credentials and no Pulumi CLI, since the plan comes from the program under mocks.
 */
import { countByType, type ProgramRun, type RecordedResource } from "./plan/record";
import * as pulumi from "@pulumi/pulumi";

type Describer = (r: RecordedResource) => Array<string | undefined>;

const get = (r: RecordedResource, key: string): any => r.state?.[key] ?? r.inputs?.[key];
const on = (flag: unknown, label: string) => (flag ? label : undefined);

/** The settings shown beside each resource type; other types show none. */
const DESCRIBERS: Record<string, Describer> = {
  "aws:dynamodb/table:Table": (r) => [
    `key ${get(r, "hashKey")}${get(r, "rangeKey") ? `+${get(r, "rangeKey")}` : ""}`,
    get(r, "billingMode"),
    on(get(r, "streamEnabled"), `stream ${get(r, "streamViewType")}`),
    on(get(r, "pointInTimeRecovery")?.enabled, "PITR"),
    on(get(r, "deletionProtectionEnabled"), "deletion-protected"),
    on(get(r, "ttl")?.enabled, `ttl ${get(r, "ttl")?.attributeName}`),
  ],
  "aws:sqs/queue:Queue": (r) => {
    const redrive =
      typeof get(r, "redrivePolicy") === "string"
        ? (JSON.parse(get(r, "redrivePolicy")) as { maxReceiveCount: number })
        : undefined;
    return [
      on(get(r, "visibilityTimeoutSeconds") !== undefined, `visibility ${get(r, "visibilityTimeoutSeconds")}s`),
      `retention ${get(r, "messageRetentionSeconds")}s`,
      on(get(r, "sqsManagedSseEnabled") || get(r, "kmsMasterKeyId"), "SSE"),
      on(redrive, `DLQ after ${redrive?.maxReceiveCount} receives`),
    ];
  },
  "aws:lambda/function:Function": (r) => [
    get(r, "runtime"),
    (get(r, "architectures") ?? []).join(","),
    `${get(r, "memorySize")} MB`,
    `timeout ${get(r, "timeout")}s`,
  ],
  "aws:lambda/eventSourceMapping:EventSourceMapping": (r) => [
    `batch ${get(r, "batchSize")}`,
    `window ${get(r, "maximumBatchingWindowInSeconds") ?? 0}s`,
    on(get(r, "scalingConfig")?.maximumConcurrency, `max concurrency ${get(r, "scalingConfig")?.maximumConcurrency}`),
    ...(get(r, "functionResponseTypes") ?? []),
  ],
  "aws:scheduler/schedule:Schedule": (r) => [
    get(r, "scheduleExpression"),
    `retries ${get(r, "target")?.retryPolicy?.maximumRetryAttempts}`,
    on(get(r, "target")?.deadLetterConfig?.arn, "DLQ"),
  ],
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": (r) => [
    `retries ${get(r, "maximumRetryAttempts")}`,
    on(get(r, "destinationConfig")?.onFailure?.destination, "on-failure destination"),
  ],
  "aws:cloudwatch/metricAlarm:MetricAlarm": (r) => [
    `${get(r, "namespace") ?? "metric math"} ${get(r, "metricName") ?? ""}`.trim(),
    `${get(r, "statistic") ?? get(r, "extendedStatistic") ?? ""} ` +
      `${get(r, "comparisonOperator")} ${get(r, "threshold")}`,
    on(get(r, "period"), `${get(r, "period")}s`),
  ],
  "aws:cloudwatch/logGroup:LogGroup": (r) => [`retention ${get(r, "retentionInDays")} days`],
  "aws:ssm/parameter:Parameter": (r) => [get(r, "type"), get(r, "name")],
  "aws:sns/topicSubscription:TopicSubscription": (r) => [get(r, "protocol")],
};

export function describeResource(resource: RecordedResource): string {
  const describer = DESCRIBERS[resource.type];
  return describer
    ? describer(resource)
        .filter((part): part is string => typeof part === "string" && part.length > 0)
        .join(", ")
    : "";
}

/** The plan as an indented tree, components first-level, children below their parent. */
export function planTree(run: ProgramRun): string {
  const children = new Map<string | undefined, RecordedResource[]>();
  const urns = new Set(run.resources.map((resource) => resource.urn));
  for (const resource of run.resources) {
    const parent = resource.parentUrn && urns.has(resource.parentUrn) ? resource.parentUrn : undefined;
    children.set(parent, [...(children.get(parent) ?? []), resource]);
  }
  const lines = [`${run.project} (stack ${run.stack}): ${run.resources.length} resources`];
  const walk = (parent: string | undefined, depth: number) => {
    for (const resource of children.get(parent) ?? []) {
      const { import: importId, protect } = resource.options;
      const details = [importId && `import ${importId}`, protect && "protected", describeResource(resource)]
        .filter(Boolean)
        .join(", ");
      // As in `pulumi preview`: "+" create, "=" import.
      const symbol = importId ? "=" : resource.custom ? "+" : "□";
      lines.push(`${"  ".repeat(depth)}${symbol} ${resource.type}  ${resource.name}${details ? `  (${details})` : ""}`);
      walk(resource.urn, depth + 1);
    }
  };
  walk(undefined, 1);
  lines.push("", "by type:");
  for (const [type, count] of Object.entries(countByType(run.resources)).sort(([a], [b]) => a.localeCompare(b)))
    lines.push(`  ${String(count).padStart(3)}  ${type}`);
  return lines.join("\n");
}

/** Replaces secrets with a marker and archives with their path, so the graph prints as JSON. */
async function printable(value: unknown): Promise<unknown> {
  if (value === null || typeof value !== "object") return value;
  if (pulumi.runtime.isRpcSecret(value)) return "[secret]";
  const archive = value as { path?: unknown; assets?: unknown };
  if (archive.path instanceof Promise) return { archive: await archive.path };
  if (Array.isArray(value)) return Promise.all(value.map(printable));
  const entries = await Promise.all(
    Object.entries(value).map(async ([key, item]) => [key, await printable(item)] as const),
  );
  return Object.fromEntries(entries);
}

export async function planJson(run: ProgramRun): Promise<Record<string, unknown>> {
  return {
    project: run.project,
    stack: run.stack,
    resources: await Promise.all(
      run.resources.map(async (resource) => ({
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        custom: resource.custom,
        parent: resource.parentUrn ?? null,
        options: resource.options,
        inputs: await printable(resource.inputs),
      })),
    ),
    outputs: await printable(run.outputs),
  };
}
