/**
 * The mandatory policies of this project, one exported constant each, so tests can call
 * `validateResource` / `validateStack` directly; index.ts only assembles the pack.
 * Resources are matched by type token rather than by @pulumi/aws class so the pack
 * does not load the AWS SDK at all.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { LAMBDA_DEFAULTS, SQS_DEFAULTS, SQS_EVENT_SOURCE_DEFAULTS } from "../aws-limits";
import { visibilityTimeoutSeconds } from "../config";
import { deniesInsecureTransport, isFullAccessManagedPolicy, wildcardProblems } from "./iam";
import { known, ofType, pathOf, refersTo, stackOfUrn, TYPES } from "./resources";

type Props = Record<string, unknown>;

/** Runs `check` only for resources of `type`; others are not this policy's business. */
function forType(type: string, check: (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void) {
  return (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== type) return;
    check(args.props, args, report);
  };
}

export const noFullAccessManagedPolicies: ResourceValidationPolicy = {
  name: "iam-no-full-access-managed-policy",
  description:
    "No AWS managed *FullAccess, AdministratorAccess or PowerUserAccess policy is attached to anything: " +
    "roles get least-privilege inline policies.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const arns: unknown[] = [];
    if (
      [
        TYPES.rolePolicyAttachment,
        TYPES.policyAttachment,
        TYPES.userPolicyAttachment,
        TYPES.groupPolicyAttachment,
      ].includes(args.type as never)
    )
      arns.push(known(() => args.props.policyArn));
    if (args.type === TYPES.role)
      arns.push(...((known(() => args.props.managedPolicyArns) as unknown[] | undefined) ?? []));
    for (const arn of arns) {
      if (typeof arn === "string" && isFullAccessManagedPolicy(arn))
        report(
          `managed policy ${arn} grants a whole service or more; ` +
            "grant the exact actions on the exact resources instead",
        );
    }
  },
};

export const noWildcardIam: ResourceValidationPolicy = {
  name: "iam-no-wildcards",
  description:
    'IAM policies allow no wildcard action ("*" or "service:*"), no NotAction/NotResource and no "*" resource, ' +
    'except actions AWS only authorises on "*" ' +
    "(cloudwatch:PutMetricData with a namespace condition, X-Ray uploads).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const documents: unknown[] = [];
    if (args.type === TYPES.rolePolicy || args.type === TYPES.policy) documents.push(args.props.policy);
    if (args.type === TYPES.role) {
      for (const inline of (args.props.inlinePolicies as Props[] | undefined) ?? []) documents.push(inline.policy);
    }
    for (const document of documents) for (const problem of wildcardProblems(document)) report(problem);
  },
};

export const queuesEncrypted: ResourceValidationPolicy = {
  name: "sqs-queue-encrypted",
  description: "Every SQS queue is encrypted at rest: SQS-managed SSE or a KMS key.",
  enforcementLevel: "mandatory",
  validateResource: forType(TYPES.queue, (props, _args, report) => {
    if (props.sqsManagedSseEnabled === true) return;
    if (typeof props.kmsMasterKeyId === "string" && props.kmsMasterKeyId !== "") return;
    report("queue is not encrypted at rest: set sqsManagedSseEnabled: true or a kmsMasterKeyId");
  }),
};

export const queuesTlsOnly: StackValidationPolicy = {
  name: "sqs-queue-tls-only",
  description:
    "Every SQS queue has a queue policy denying all access without TLS " +
    '(Deny sqs:* to "*" when aws:SecureTransport is false).',
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const policies = ofType(args.resources, TYPES.queuePolicy);
    for (const queue of ofType(args.resources, TYPES.queue)) {
      const attached = policies.filter((policy) => refersTo(policy, "queueUrl", queue, ["url", "id"]));
      const documents = [...attached.map((policy) => policy.props.policy), queue.props.policy].filter(
        (d) => d !== undefined,
      );
      if (!documents.some(deniesInsecureTransport))
        report(`queue ${queue.name} has no policy denying access without TLS (aws:SecureTransport false)`, queue.urn);
    }
  },
};

export interface TableProtectionConfig {
  /** Stacks whose tables must survive a mistaken delete. */
  protectedStacks: string[];
}

export const prodTablesProtected: ResourceValidationPolicy = {
  name: "dynamodb-prod-table-protection",
  description:
    "On protected stacks (prod by default) every DynamoDB table has point-in-time recovery and deletion protection.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: { protectedStacks: { type: "array", items: { type: "string" }, default: ["prod"] } },
  },
  validateResource: forType(TYPES.table, (props, args, report) => {
    // A policy pack runs outside the program, so the stack is read from the URN.
    const stack = stackOfUrn(args.urn);
    const { protectedStacks } = args.getConfig<TableProtectionConfig>();
    if (!(protectedStacks ?? ["prod"]).includes(stack)) return;
    if (pathOf(props, ["pointInTimeRecovery", "enabled"]) !== true)
      report(`table on stack ${stack} has no point-in-time recovery: set pointInTimeRecovery.enabled`);
    if (props.deletionProtectionEnabled !== true)
      report(`table on stack ${stack} has no deletion protection: set deletionProtectionEnabled`);
  }),
};

function functionOf(mapping: PolicyResource, functions: PolicyResource[]): PolicyResource | undefined {
  return functions.find((fn) => refersTo(mapping, "functionName", fn, ["name", "arn", "id"]));
}
function queueOf(mapping: PolicyResource, queues: PolicyResource[]): PolicyResource | undefined {
  return queues.find((queue) => refersTo(mapping, "eventSourceArn", queue, ["arn"]));
}

export const visibilityCoversRetries: StackValidationPolicy = {
  name: "sqs-visibility-six-times-consumer-timeout",
  description:
    "A queue feeding a Lambda function has a visibility timeout of at least 6 x the function's timeout " +
    "plus the batching window, as AWS advises for SQS event sources.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const functions = ofType(args.resources, TYPES.function);
    const queues = ofType(args.resources, TYPES.queue);
    for (const mapping of ofType(args.resources, TYPES.eventSourceMapping)) {
      const fn = functionOf(mapping, functions);
      const queue = queueOf(mapping, queues);
      if (!fn || !queue) continue;
      const timeout = (fn.props.timeout as number | undefined) ?? LAMBDA_DEFAULTS.timeoutSeconds;
      const window =
        (mapping.props.maximumBatchingWindowInSeconds as number | undefined) ??
        SQS_EVENT_SOURCE_DEFAULTS.batchingWindowSeconds;
      const visibility =
        (queue.props.visibilityTimeoutSeconds as number | undefined) ?? SQS_DEFAULTS.visibilityTimeoutSeconds;
      const required = visibilityTimeoutSeconds(timeout, window);
      if (visibility < required) {
        report(
          `queue ${queue.name} has a visibility timeout of ${visibility} s, ` +
            `below 6 x ${fn.name}'s timeout (${timeout} s) + batching window (${window} s) = ${required} s`,
          queue.urn,
        );
      }
    }
  },
};

export const reportBatchItemFailures: ResourceValidationPolicy = {
  name: "lambda-esm-report-batch-item-failures",
  description:
    "Every SQS event source mapping reports partial batch failures " +
    "(functionResponseTypes includes ReportBatchItemFailures), " +
    "so one bad message does not send its whole batch back.",
  enforcementLevel: "mandatory",
  validateResource: forType(TYPES.eventSourceMapping, (props, _args, report) => {
    // Unknown in a preview of a new queue; every mapping of this project reads SQS.
    const source = known(() => props.eventSourceArn);
    if (typeof source === "string" && !/^arn:[^:]+:sqs:/.test(source)) return;
    const types = (props.functionResponseTypes as string[] | undefined) ?? [];
    if (!types.includes("ReportBatchItemFailures"))
      report('SQS event source mapping does not set functionResponseTypes: ["ReportBatchItemFailures"]');
  }),
};

/** The alarms every collector has, by CloudWatch metric name. */
export const REQUIRED_ALARM_METRICS = ["Errors", "Duration", "Throttles"] as const;

function alarmMetrics(alarm: PolicyResource, fn: PolicyResource): string[] {
  const single =
    alarm.props.namespace === "AWS/Lambda" && refersTo(alarm, "dimensions", fn, ["name"], ["FunctionName"])
      ? [alarm.props.metricName as string]
      : [];
  const queries = ((alarm.props.metricQueries as Props[] | undefined) ?? [])
    .map((query) => query.metric as Props | undefined)
    .filter(
      (metric): metric is Props =>
        metric?.namespace === "AWS/Lambda" && pathOf(metric, ["dimensions", "FunctionName"]) === fn.props.name,
    )
    .map((metric) => metric.metricName as string);
  return [...single, ...queries];
}

/**
 * A mapping whose source is a known SQS ARN that is no queue of this stack: in split
 * mode the queues belong to the shared stack, whose redrive policy this stack's
 * policies cannot see. The pipeline stack only reads a shared stack whose validated
 * output contract names each stage queue's DLQ (queues.<kind>.dlqArn).
 */
function readsQueueOfAnotherStack(mapping: PolicyResource, queues: PolicyResource[]): boolean {
  const source = known(() => mapping.props.eventSourceArn);
  return typeof source === "string" && /^arn:[^:]+:sqs:/.test(source) && queueOf(mapping, queues) === undefined;
}

/**
 * Where failed work of a collector is kept: the DLQ of every queue it reads; for a
 * scheduled collector, the DLQ of every schedule that starts it (what the scheduler
 * cannot deliver); for any other function, its asynchronous-invocation DLQ.
 */
function hasDeadLetterDestination(fn: PolicyResource, resources: PolicyResource[]): boolean {
  const mappings = ofType(resources, TYPES.eventSourceMapping).filter((m) => functionOf(m, [fn]) === fn);
  if (mappings.length > 0) {
    const queues = ofType(resources, TYPES.queue);
    return mappings.every((mapping) => {
      if (readsQueueOfAnotherStack(mapping, queues)) return true;
      const redrive = queueOf(mapping, queues)?.props.redrivePolicy;
      return redrive !== undefined && redrive !== "";
    });
  }
  const schedules = ofType(resources, TYPES.schedule).filter((s) => refersTo(s, "target", fn, ["arn"], ["arn"]));
  if (schedules.length > 0)
    return schedules.every((s) => pathOf(s.props, ["target", "deadLetterConfig"]) !== undefined);
  if (pathOf(fn.props, ["deadLetterConfig", "targetArn"]) !== undefined) return true;
  return ofType(resources, TYPES.invokeConfig).some(
    (config) =>
      refersTo(config, "functionName", fn, ["name", "arn", "id"]) &&
      pathOf(config.props, ["destinationConfig", "onFailure"]) !== undefined,
  );
}

export const collectorsObservable: StackValidationPolicy = {
  name: "collector-dlq-and-alarms",
  description:
    "Every Lambda function (collector) keeps its failed work in a dead-letter queue " +
    "and has Errors, Duration and Throttles alarms.",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, report) => {
    const alarms = ofType(args.resources, TYPES.metricAlarm);
    for (const fn of ofType(args.resources, TYPES.function)) {
      if (!hasDeadLetterDestination(fn, args.resources)) {
        report(
          `function ${fn.name} has no dead-letter destination: ` +
            "a redrive policy on its source queue, or a DLQ for its schedule and asynchronous invocations",
          fn.urn,
        );
      }
      const covered = new Set(alarms.flatMap((alarm) => alarmMetrics(alarm, fn)));
      const missing = REQUIRED_ALARM_METRICS.filter((metric) => !covered.has(metric));
      if (missing.length > 0) report(`function ${fn.name} has no ${missing.join(", ")} alarm`, fn.urn);
    }
  },
};

export const policies = [
  noFullAccessManagedPolicies,
  noWildcardIam,
  queuesEncrypted,
  queuesTlsOnly,
  prodTablesProtected,
  visibilityCoversRetries,
  reportBatchItemFailures,
  collectorsObservable,
];
