import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SQS_LIMITS } from "./aws-limits";
import { CONFIG_DEFAULTS, MIN_MAX_RECEIVE_COUNT } from "./config-spec";
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

/**
 * The stage queues, each with its DLQ, and the dead-letter queue of the scheduled stage.
 * Every queue is encrypted and refuses non-TLS access.
 */
export class Queues extends pulumi.ComponentResource {
  public readonly queues: Record<string, StageQueueRef>;
  /** Where the branches collector's failed schedule deliveries and async invocations go. */
  public readonly scheduleDlq: QueueRef;

  constructor(name: string, args: QueuesArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before super() so a bad argument registers nothing.
    const maxReceiveCount = args.maxReceiveCount ?? CONFIG_DEFAULTS.maxReceiveCount;
    const retentionSeconds = args.retentionSeconds ?? CONFIG_DEFAULTS.queueRetentionSeconds;
    const dlqRetentionSeconds = args.dlqRetentionSeconds ?? CONFIG_DEFAULTS.dlqRetentionSeconds;
    const problems: string[] = [];
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < MIN_MAX_RECEIVE_COUNT)
      problems.push(`maxReceiveCount must be an integer of at least ${MIN_MAX_RECEIVE_COUNT} (got ${maxReceiveCount})`);
    if (dlqRetentionSeconds > SQS_LIMITS.retentionSeconds.max)
      problems.push(
        `dlqRetentionSeconds must be at most ${SQS_LIMITS.retentionSeconds.max} (got ${dlqRetentionSeconds})`,
      );
    if (dlqRetentionSeconds <= retentionSeconds)
      problems.push(
        `dlqRetentionSeconds (${dlqRetentionSeconds}) must be longer than retentionSeconds (${retentionSeconds})`,
      );
    for (const [kind, settings] of Object.entries(args.queues ?? {})) {
      const visibility = settings?.visibilityTimeoutSeconds;
      if (!Number.isInteger(visibility) || visibility < 0 || visibility > SQS_LIMITS.visibilityTimeoutMaxSeconds) {
        problems.push(
          `queues.${kind}.visibilityTimeoutSeconds must be an integer from 0 to ${SQS_LIMITS.visibilityTimeoutMaxSeconds} (got ${visibility})`,
        );
      }
    }
    if (problems.length > 0) throw new Error(`Queues ${name}: ${problems.join("; ")}`);
    super("cascading-etl:index:Queues", name, args, opts);

    const queues: Record<string, StageQueueRef> = {};
    for (const kind of Object.keys(args.queues)) {
      const dlq = this.queue(`${name}-${kind}-dlq`, { messageRetentionSeconds: dlqRetentionSeconds });
      const queue = this.queue(`${name}-${kind}`, {
        messageRetentionSeconds: retentionSeconds,
        visibilityTimeoutSeconds: args.queues[kind].visibilityTimeoutSeconds,
        redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
      });
      queues[kind] = { ...queue, dlq };
    }
    this.queues = queues;
    this.scheduleDlq = this.queue(`${name}-schedule-dlq`, { messageRetentionSeconds: dlqRetentionSeconds });

    this.registerOutputs({ queues: this.queues, scheduleDlq: this.scheduleDlq });
  }

  private queue(name: string, args: aws.sqs.QueueArgs): QueueRef {
    const queue = new aws.sqs.Queue(name, { ...args, sqsManagedSseEnabled: true }, { parent: this });
    new aws.sqs.QueuePolicy(
      name,
      { queueUrl: queue.url, policy: queue.arn.apply((arn) => toJson(tlsOnlyQueuePolicy(arn))) },
      { parent: this },
    );
    return { name: queue.name, url: queue.url, arn: queue.arn };
  }
}
