import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BUNDLE_HANDLER } from "../functions/bundle";
import { LAMBDA_DEFAULTS, LAMBDA_LIMITS, LOG_RETENTION_DAYS } from "./aws-limits";
import { CONFIG_DEFAULTS } from "./config-spec";
import { rejectProblems } from "./errors";
import { permissionsBoundaryProblems } from "./iam";
import { assumeRolePolicy, schedulerPolicy, toJson } from "./iam-documents";

/** Lambda runtime and architecture of every collector (the bundle targets node22). */
export const COLLECTOR_RUNTIME = "nodejs22.x";
export const COLLECTOR_ARCHITECTURE = "arm64";

/** The scheduled stage: started by EventBridge Scheduler, invoked asynchronously. */
export interface ScheduleTrigger {
  readonly kind: "schedule";
  /** `rate(...)` or `cron(...)`. */
  readonly expression: pulumi.Input<string>;
  /** The event each run receives (JSON). */
  readonly input: pulumi.Input<string>;
  /** Scheduler's retries when the invocation itself fails (0–185). */
  readonly maxRetryAttempts: pulumi.Input<number>;
  /** How long Scheduler keeps trying, in seconds (60–86400). */
  readonly maxEventAgeSeconds: pulumi.Input<number>;
  /** Lambda's retries of a failed asynchronous invocation (0–2). */
  readonly asyncMaxRetryAttempts: pulumi.Input<number>;
  /** How long Lambda keeps an event for retries, in seconds (60–21600). */
  readonly asyncMaxEventAgeSeconds: pulumi.Input<number>;
  /** Queue receiving both undeliverable schedule events and failed invocations. */
  readonly deadLetterQueueArn: pulumi.Input<string>;
  /** Account of the schedule; its role only accepts this account's Scheduler. */
  readonly accountId: pulumi.Input<string>;
  /** Permissions boundary of the scheduler's role, as on the collectors' roles (IamArgs). */
  readonly permissionsBoundary?: pulumi.Input<string>;
}

/** Every other stage: an SQS event source mapping with partial batch responses. */
export interface QueueTrigger {
  readonly kind: "queue";
  readonly queueArn: pulumi.Input<string>;
  /**
   * Messages per invocation.
   * @default the `batchSize` config key's default (CONFIG_DEFAULTS)
   */
  readonly batchSize?: pulumi.Input<number>;
  /**
   * Seconds to gather a batch.
   * @default the `batchingWindowSeconds` config key's default (CONFIG_DEFAULTS)
   */
  readonly batchingWindowSeconds?: pulumi.Input<number>;
  /**
   * Concurrent invocations the mapping may start (2–1000).
   * @default the `maxConcurrency` config key's default (CONFIG_DEFAULTS)
   */
  readonly maxConcurrency?: pulumi.Input<number>;
}

export interface CollectorArgs {
  /** Which stage of the cascade this is (a name from the stage table). */
  readonly stage: string;
  /** The bundled code (see functions/bundle.ts). */
  readonly code: pulumi.Input<pulumi.asset.Archive>;
  /** The execution role, typically from the Iam component. */
  readonly roleArn: pulumi.Input<string>;
  /** The log group the function writes to; the role is scoped to it. */
  readonly logGroupName: pulumi.Input<string>;
  /**
   * Log retention in days.
   * @default the `logRetentionDays` config key's default (CONFIG_DEFAULTS)
   */
  readonly logRetentionDays?: number;
  /**
   * Memory in MB. The pipeline passes each stage's `<stage>MemoryMb`.
   * @default Lambda's own default (LAMBDA_DEFAULTS)
   */
  readonly memoryMb?: number;
  /**
   * Timeout in seconds. The pipeline passes each stage's `<stage>TimeoutSeconds`.
   * @default Lambda's own default (LAMBDA_DEFAULTS)
   */
  readonly timeoutSeconds?: number;
  /** The function's environment (see `collectorEnvironment`). */
  readonly environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readonly trigger: ScheduleTrigger | QueueTrigger;
}

/** What an omitted optional argument becomes. */
export const COLLECTOR_DEFAULTS = {
  memoryMb: LAMBDA_DEFAULTS.memoryMb,
  timeoutSeconds: LAMBDA_DEFAULTS.timeoutSeconds,
  logRetentionDays: CONFIG_DEFAULTS.logRetentionDays,
} as const;
/** What an omitted option of a queue trigger becomes. */
export const QUEUE_TRIGGER_DEFAULTS = {
  batchSize: CONFIG_DEFAULTS.batchSize,
  batchingWindowSeconds: CONFIG_DEFAULTS.batchingWindowSeconds,
  maxConcurrency: CONFIG_DEFAULTS.maxConcurrency,
} as const;

/** The arguments with every default filled in: what the build steps read. */
type SettledCollectorArgs = CollectorArgs & Required<Pick<CollectorArgs, keyof typeof COLLECTOR_DEFAULTS>>;

function settle(args: CollectorArgs): SettledCollectorArgs {
  return {
    ...args,
    memoryMb: args.memoryMb ?? COLLECTOR_DEFAULTS.memoryMb,
    timeoutSeconds: args.timeoutSeconds ?? COLLECTOR_DEFAULTS.timeoutSeconds,
    logRetentionDays: args.logRetentionDays ?? COLLECTOR_DEFAULTS.logRetentionDays,
  };
}

/**
 * Why a Collector cannot be built from `args`, one problem per argument; empty when it
 * can. Pure, so each rule is tested without Pulumi. Only plain values are checked: an
 * Input known only at deployment is left to the provider.
 */
export function collectorArgsProblems(args: CollectorArgs): string[] {
  const { stage, memoryMb, timeoutSeconds, logRetentionDays, trigger } = settle(args);
  const { memoryMb: memory, timeoutSeconds: timeout } = LAMBDA_LIMITS;
  const problems: string[] = [];
  if (typeof stage !== "string" || !/^[a-z][a-z0-9]*$/.test(stage))
    problems.push(`stage must be a stage name of lower-case letters and digits (got ${JSON.stringify(stage)})`);
  if (!Number.isInteger(memoryMb) || memoryMb < memory.min || memoryMb > memory.max)
    problems.push(`memoryMb must be an integer from ${memory.min} to ${memory.max} (got ${memoryMb})`);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < timeout.min || timeoutSeconds > timeout.max)
    problems.push(`timeoutSeconds must be an integer from ${timeout.min} to ${timeout.max} (got ${timeoutSeconds})`);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays))
    problems.push(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")} (got ${logRetentionDays})`);
  if (trigger?.kind !== "schedule" && trigger?.kind !== "queue")
    problems.push(`trigger.kind must be "schedule" or "queue"`);
  if (trigger?.kind === "schedule")
    problems.push(...permissionsBoundaryProblems(trigger.permissionsBoundary).map((p) => `trigger.${p}`));
  return problems;
}

/**
 * One collector: the bundled function, its log group, and what starts it (a schedule
 * for the first stage, an SQS event source mapping for the others). The constructor checks
 * its arguments, then builds in one named step per part.
 */
export class Collector extends pulumi.ComponentResource {
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly timeoutSeconds: number;

  constructor(name: string, args: CollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super() so bad arguments register nothing, not even the component.
    rejectProblems("Collector", name, collectorArgsProblems(args));
    super("cascading-etl:index:Collector", name, {}, opts);
    const settled = settle(args);

    const logGroup = buildLogGroup(this, name, settled);
    const fn = buildFunction(this, name, settled, logGroup);
    if (settled.trigger.kind === "schedule") buildScheduleTrigger(this, name, settled.stage, settled.trigger, fn);
    else buildQueueTrigger(this, name, settled.trigger, fn);

    this.timeoutSeconds = settled.timeoutSeconds;
    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.logGroupName = logGroup.name;
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      logGroupName: this.logGroupName,
    });
  }
}

/** The log group, created here so its retention is set and the role can be scoped to it. */
function buildLogGroup(parent: pulumi.Resource, name: string, args: SettledCollectorArgs): aws.cloudwatch.LogGroup {
  return new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    { name: args.logGroupName, retentionInDays: args.logRetentionDays },
    { parent },
  );
}

/** The function, writing JSON logs to its own log group. */
function buildFunction(
  parent: pulumi.Resource,
  name: string,
  args: SettledCollectorArgs,
  logGroup: aws.cloudwatch.LogGroup,
): aws.lambda.Function {
  return new aws.lambda.Function(
    `${name}-function`,
    {
      description: `cascading-etl ${args.stage} collector`,
      code: args.code,
      handler: BUNDLE_HANDLER,
      runtime: COLLECTOR_RUNTIME,
      architectures: [COLLECTOR_ARCHITECTURE],
      memorySize: args.memoryMb,
      timeout: args.timeoutSeconds,
      role: args.roleArn,
      environment: { variables: args.environment },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
    },
    { parent },
  );
}

/**
 * The scheduled stage's trigger: a role Scheduler assumes, the schedule itself, and where failed
 * asynchronous invocations go (Lambda's retries, then the dead-letter queue).
 */
function buildScheduleTrigger(
  parent: pulumi.Resource,
  name: string,
  stage: string,
  trigger: ScheduleTrigger,
  fn: aws.lambda.Function,
): void {
  const role = new aws.iam.Role(
    `${name}-scheduler`,
    {
      description: `Lets EventBridge Scheduler start the ${stage} collector`,
      permissionsBoundary: trigger.permissionsBoundary,
      assumeRolePolicy: pulumi
        .output(trigger.accountId)
        .apply((accountId) => toJson(assumeRolePolicy("scheduler.amazonaws.com", accountId))),
    },
    { parent },
  );
  const rolePolicy = new aws.iam.RolePolicy(
    `${name}-scheduler`,
    {
      role: role.name,
      policy: pulumi
        .all([fn.arn, trigger.deadLetterQueueArn])
        .apply(([fnArn, dlqArn]) => toJson(schedulerPolicy(fnArn, dlqArn))),
    },
    { parent },
  );
  new aws.lambda.FunctionEventInvokeConfig(
    `${name}-async`,
    {
      functionName: fn.name,
      maximumRetryAttempts: trigger.asyncMaxRetryAttempts,
      maximumEventAgeInSeconds: trigger.asyncMaxEventAgeSeconds,
      destinationConfig: { onFailure: { destination: trigger.deadLetterQueueArn } },
    },
    { parent },
  );
  new aws.scheduler.Schedule(
    `${name}-schedule`,
    {
      description: `Starts a run of the cascade at the ${stage} collector`,
      scheduleExpression: trigger.expression,
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: {
        arn: fn.arn,
        roleArn: role.arn,
        input: trigger.input,
        retryPolicy: {
          maximumRetryAttempts: trigger.maxRetryAttempts,
          maximumEventAgeInSeconds: trigger.maxEventAgeSeconds,
        },
        deadLetterConfig: { arn: trigger.deadLetterQueueArn },
      },
    },
    // The role is checked when the schedule is created, so it must have its policy by then.
    { parent, dependsOn: [rolePolicy] },
  );
}

/** Every other stage's trigger: an event source mapping reporting partial batch failures. */
function buildQueueTrigger(
  parent: pulumi.Resource,
  name: string,
  trigger: QueueTrigger,
  fn: aws.lambda.Function,
): void {
  new aws.lambda.EventSourceMapping(
    `${name}-source`,
    {
      eventSourceArn: trigger.queueArn,
      functionName: fn.arn,
      enabled: true,
      batchSize: trigger.batchSize ?? QUEUE_TRIGGER_DEFAULTS.batchSize,
      maximumBatchingWindowInSeconds: trigger.batchingWindowSeconds ?? QUEUE_TRIGGER_DEFAULTS.batchingWindowSeconds,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: trigger.maxConcurrency ?? QUEUE_TRIGGER_DEFAULTS.maxConcurrency },
    },
    { parent },
  );
}
