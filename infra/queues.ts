import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SQS_LIMITS } from "./aws-limits";
import { CONFIG_DEFAULTS, MIN_MAX_RECEIVE_COUNT } from "./config-spec";
import { rejectProblems } from "./errors";
import { tlsOnlyQueuePolicy, toJson } from "./iam-documents";

export interface QueueSettings {
  /** Visibility timeout in seconds: at least 6 × the consumer's timeout (see `visibilityTimeoutSeconds`). */
  readonly visibilityTimeoutSeconds: number;
}

export interface QueuesArgs {
  /** Per stage queue, by its name in the stage table (`queueNames`): what its consumer needs. */
  readonly queues: Readonly<Record<string, QueueSettings>>;
  /**
   * Receives before a message moves to its DLQ.
   * @default the `maxReceiveCount` config key's default (CONFIG_DEFAULTS)
   */
  readonly maxReceiveCount?: number;
  /**
   * Retention of the stage queues in seconds.
   * @default the `queueRetentionSeconds` config key's default (CONFIG_DEFAULTS)
   */
  readonly retentionSeconds?: number;
  /**
   * Retention of every DLQ in seconds; must exceed `retentionSeconds`.
   * @default the `dlqRetentionSeconds` config key's default (CONFIG_DEFAULTS)
   */
  readonly dlqRetentionSeconds?: number;
}

export interface QueueRef {
  name: pulumi.Output<string>;
  url: pulumi.Output<string>;
  arn: pulumi.Output<string>;
}

export interface StageQueueRef extends QueueRef {
  dlq: QueueRef;
}

/** What an omitted optional argument becomes. */
export const QUEUES_DEFAULTS = {
  maxReceiveCount: CONFIG_DEFAULTS.maxReceiveCount,
  retentionSeconds: CONFIG_DEFAULTS.queueRetentionSeconds,
  dlqRetentionSeconds: CONFIG_DEFAULTS.dlqRetentionSeconds,
} as const;

/** The arguments with every default filled in: what the build steps read. */
type SettledQueuesArgs = Required<QueuesArgs>;

function settle(args: QueuesArgs): SettledQueuesArgs {
  return {
    queues: args.queues,
    maxReceiveCount: args.maxReceiveCount ?? QUEUES_DEFAULTS.maxReceiveCount,
    retentionSeconds: args.retentionSeconds ?? QUEUES_DEFAULTS.retentionSeconds,
    dlqRetentionSeconds: args.dlqRetentionSeconds ?? QUEUES_DEFAULTS.dlqRetentionSeconds,
  };
}

/**
 * Why Queues cannot be built from `args`, one problem per argument; empty when it can.
 * Pure, so each rule is tested without Pulumi.
 */
export function queuesArgsProblems(args: QueuesArgs): string[] {
  const { maxReceiveCount, retentionSeconds, dlqRetentionSeconds } = settle(args);
  const maxRetention = SQS_LIMITS.retentionSeconds.max;
  const maxVisibility = SQS_LIMITS.visibilityTimeoutMaxSeconds;
  const problems: string[] = [];
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < MIN_MAX_RECEIVE_COUNT)
    problems.push(`maxReceiveCount must be an integer of at least ${MIN_MAX_RECEIVE_COUNT} (got ${maxReceiveCount})`);
  if (dlqRetentionSeconds > maxRetention)
    problems.push(`dlqRetentionSeconds must be at most ${maxRetention} (got ${dlqRetentionSeconds})`);
  if (dlqRetentionSeconds <= retentionSeconds)
    problems.push(
      `dlqRetentionSeconds (${dlqRetentionSeconds}) must be longer than retentionSeconds (${retentionSeconds})`,
    );
  for (const [kind, settings] of Object.entries(args.queues ?? {})) {
    const visibility = settings?.visibilityTimeoutSeconds;
    if (!Number.isInteger(visibility) || visibility < 0 || visibility > maxVisibility)
      problems.push(
        `queues.${kind}.visibilityTimeoutSeconds must be an integer from 0 to ${maxVisibility} (got ${visibility})`,
      );
  }
  return problems;
}

/**
 * The stage queues, each with its DLQ, and the dead-letter queue of the scheduled stage.
 * Every queue is encrypted and refuses non-TLS access. The constructor
 * checks its arguments, then builds the stage queues and the schedule's DLQ.
 */
export class Queues extends pulumi.ComponentResource {
  public readonly queues: Record<string, StageQueueRef>;
  /** Where the branches collector's failed schedule deliveries and async invocations go. */
  public readonly scheduleDlq: QueueRef;

  constructor(name: string, args: QueuesArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super() so bad arguments register nothing, not even the component.
    rejectProblems("Queues", name, queuesArgsProblems(args));
    super("cascading-etl:index:Queues", name, args, opts);
    const settled = settle(args);

    const queues: Record<string, StageQueueRef> = {};
    for (const kind of Object.keys(args.queues)) queues[kind] = buildStageQueue(this, `${name}-${kind}`, kind, settled);
    this.queues = queues;
    this.scheduleDlq = buildQueue(this, `${name}-schedule-dlq`, {
      messageRetentionSeconds: settled.dlqRetentionSeconds,
    });

    this.registerOutputs({ queues: this.queues, scheduleDlq: this.scheduleDlq });
  }
}

/** A stage queue and its DLQ, which takes a message after `maxReceiveCount` receives. */
function buildStageQueue(parent: pulumi.Resource, name: string, kind: string, args: SettledQueuesArgs): StageQueueRef {
  const dlq = buildQueue(parent, `${name}-dlq`, { messageRetentionSeconds: args.dlqRetentionSeconds });
  const queue = buildQueue(parent, name, {
    messageRetentionSeconds: args.retentionSeconds,
    visibilityTimeoutSeconds: args.queues[kind].visibilityTimeoutSeconds,
    redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: args.maxReceiveCount }),
  });
  return { ...queue, dlq };
}

/** One queue, encrypted with SQS-managed keys, whose policy refuses non-TLS access. */
function buildQueue(parent: pulumi.Resource, name: string, args: aws.sqs.QueueArgs): QueueRef {
  const queue = new aws.sqs.Queue(name, { ...args, sqsManagedSseEnabled: true }, { parent });
  new aws.sqs.QueuePolicy(
    name,
    { queueUrl: queue.url, policy: queue.arn.apply((arn) => toJson(tlsOnlyQueuePolicy(arn))) },
    { parent },
  );
  return { name: queue.name, url: queue.url, arn: queue.arn };
}
