import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_DEFAULTS } from "./config-spec";
import { durationThresholdMs } from "./naming";

/** Evaluation period of the count alarms: errors or throttles within five minutes. */
export const COUNT_ALARM_PERIOD_SECONDS = 300;
/** Duration is judged per minute: one slow invocation is already a warning sign. */
export const DURATION_ALARM_PERIOD_SECONDS = 60;

export interface MonitoredFunction {
  readonly name: pulumi.Input<string>;
  /** The function's timeout; the Duration alarm is a share of it. */
  readonly timeoutSeconds: number;
}

export interface MonitoredQueue {
  readonly name: pulumi.Input<string>;
  readonly dlqName: pulumi.Input<string>;
}

export interface MonitoringArgs {
  readonly region: pulumi.Input<string>;
  /** Every collector, by stage name, in cascade order. */
  readonly functions: Readonly<Record<string, MonitoredFunction>>;
  /** Every stage queue, by queue name, in cascade order. */
  readonly queues: Readonly<Record<string, MonitoredQueue>>;
  /** The dashboard's heading: the cascade from schedule to last stage (`cascadeLine`). */
  readonly cascade: string;
  /** The dashboard's name, unique in the account (awsx would otherwise use the resource name, the same in every stack). */
  readonly dashboardName: pulumi.Input<string>;
  /** The branches collector's dead-letter queue (schedule and async failures). */
  readonly scheduleDlqName: pulumi.Input<string>;
  /**
   * Duration alarm threshold as a percentage of each function's timeout.
   * @default the `durationAlarmPercent` config key's default (CONFIG_DEFAULTS)
   */
  readonly durationAlarmPercent?: number;
  /**
   * Age in seconds of the oldest message in a stage queue that raises an alarm.
   * @default the `queueAgeAlarmSeconds` config key's default (CONFIG_DEFAULTS)
   */
  readonly queueAgeAlarmSeconds?: pulumi.Input<number>;
  /**
   * Email address subscribed to the alarm topic.
   * @default no subscription
   */
  readonly alarmEmail?: pulumi.Input<string>;
}

/**
 * The alarm topic, the alarms of every collector and queue, and a dashboard that reads
 * the cascade top to bottom.
 */
export class Monitoring extends pulumi.ComponentResource {
  public readonly alarmTopicArn: pulumi.Output<string>;
  public readonly dashboardName: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before super() so a bad argument registers nothing.
    const percent = args.durationAlarmPercent ?? CONFIG_DEFAULTS.durationAlarmPercent;
    const problems: string[] = [];
    if (!Number.isInteger(percent) || percent < 1 || percent > 100)
      problems.push(`durationAlarmPercent must be an integer from 1 to 100 (got ${percent})`);
    for (const [stage, fn] of Object.entries(args.functions ?? {})) {
      const timeout = fn?.timeoutSeconds;
      if (!Number.isInteger(timeout) || timeout <= 0)
        problems.push(`functions.${stage}.timeoutSeconds must be a positive integer (got ${timeout})`);
    }
    if (problems.length > 0) throw new Error(`Monitoring ${name}: ${problems.join("; ")}`);
    super("cascading-etl:index:Monitoring", name, {}, opts);

    // CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key,
    // and alarm notifications carry no data, so the topic is left unencrypted.
    const topic = new aws.sns.Topic(`${name}-alarms`, {}, { parent: this });
    if (args.alarmEmail !== undefined) {
      new aws.sns.TopicSubscription(
        `${name}-alarm-email`,
        { topic: topic.arn, protocol: "email", endpoint: args.alarmEmail },
        { parent: this },
      );
    }
    this.alarmTopicArn = topic.arn;
    const actions = { alarmActions: [topic.arn], okActions: [topic.arn] };

    const lambda = awsx.classic.lambda.metrics;
    const sqs = awsx.classic.sqs.metrics;
    const widgets: awsx.classic.cloudwatch.Widget[] = [];

    for (const [stage, fn] of Object.entries(args.functions)) {
      const dimensions = { FunctionName: fn.name };
      const errors = lambda.errors({ dimensions, statistic: "Sum", period: COUNT_ALARM_PERIOD_SECONDS });
      const duration = lambda.duration({ dimensions, statistic: "Maximum", period: DURATION_ALARM_PERIOD_SECONDS });
      const throttles = lambda.throttles({ dimensions, statistic: "Sum", period: COUNT_ALARM_PERIOD_SECONDS });
      // The three alarms of every collector differ only in metric, threshold and wording.
      const alarms = [
        {
          kind: "errors",
          metric: errors,
          threshold: 1,
          description: `The ${stage} collector failed at least once in 5 minutes.`,
        },
        {
          kind: "duration",
          metric: duration,
          threshold: durationThresholdMs(fn.timeoutSeconds, percent),
          description: `An invocation of the ${stage} collector took ${percent}% of its ${fn.timeoutSeconds} s timeout.`,
        },
        {
          kind: "throttles",
          metric: throttles,
          threshold: 1,
          description: `The ${stage} collector was throttled in the last 5 minutes.`,
        },
      ];
      for (const alarm of alarms) {
        alarm.metric.createAlarm(
          `${name}-${stage}-${alarm.kind}`,
          {
            ...actions,
            threshold: alarm.threshold,
            evaluationPeriods: 1,
            treatMissingData: "notBreaching",
            alarmDescription: alarm.description,
          },
          { parent: this },
        );
      }
      widgets.push(
        new awsx.classic.cloudwatch.LineGraphMetricWidget({
          title: `${stage}: errors and throttles`,
          metrics: [errors, throttles],
          width: 8,
        }),
        new awsx.classic.cloudwatch.LineGraphMetricWidget({
          title: `${stage}: duration (max, ms)`,
          metrics: [duration],
          width: 8,
        }),
        new awsx.classic.cloudwatch.LineGraphMetricWidget({
          title: `${stage}: invocations`,
          metrics: [lambda.invocations({ dimensions, statistic: "Sum", period: COUNT_ALARM_PERIOD_SECONDS })],
          width: 8,
        }),
      );
    }

    const dlqs: { label: string; name: pulumi.Input<string> }[] = [
      { label: "schedule", name: args.scheduleDlqName },
      ...Object.keys(args.queues).map((kind) => ({ label: kind, name: args.queues[kind].dlqName })),
    ];
    for (const dlq of dlqs) {
      const depth = sqs.approximateNumberOfMessagesVisible({
        dimensions: { QueueName: dlq.name },
        statistic: "Maximum",
        period: COUNT_ALARM_PERIOD_SECONDS,
      });
      depth.createAlarm(
        `${name}-${dlq.label}-dlq-depth`,
        {
          ...actions,
          threshold: 1,
          evaluationPeriods: 1,
          treatMissingData: "notBreaching",
          alarmDescription: `Messages are waiting in the ${dlq.label} dead-letter queue.`,
        },
        { parent: this },
      );
    }
    const queueAge = pulumi.output(args.queueAgeAlarmSeconds ?? CONFIG_DEFAULTS.queueAgeAlarmSeconds);
    const queueWidgets: awsx.classic.cloudwatch.Widget[] = [];
    for (const kind of Object.keys(args.queues)) {
      const dimensions = { QueueName: args.queues[kind].name };
      const age = sqs.approximateAgeOfOldestMessage({
        dimensions,
        statistic: "Maximum",
        period: COUNT_ALARM_PERIOD_SECONDS,
      });
      age.createAlarm(
        `${name}-${kind}-queue-age`,
        {
          ...actions,
          threshold: queueAge,
          evaluationPeriods: 1,
          treatMissingData: "notBreaching",
          alarmDescription: `The ${kind} queue is falling behind: its oldest message is older than the threshold.`,
        },
        { parent: this },
      );
      queueWidgets.push(
        new awsx.classic.cloudwatch.LineGraphMetricWidget({
          title: `${kind} queue: visible and in flight`,
          metrics: [
            sqs.approximateNumberOfMessagesVisible({ dimensions, statistic: "Maximum" }),
            sqs.approximateNumberOfMessagesNotVisible({ dimensions, statistic: "Maximum" }),
          ],
          width: 12,
        }),
        new awsx.classic.cloudwatch.LineGraphMetricWidget({
          title: `${kind} queue: oldest message (s)`,
          metrics: [age],
          width: 12,
        }),
      );
    }
    const dlqWidget = new awsx.classic.cloudwatch.LineGraphMetricWidget({
      title: "dead-letter queues: visible messages",
      metrics: dlqs.map((dlq) =>
        sqs.approximateNumberOfMessagesVisible({
          dimensions: { QueueName: dlq.name },
          statistic: "Maximum",
          label: dlq.label,
        }),
      ),
      width: 24,
    });

    const dashboard = new awsx.classic.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        name: args.dashboardName,
        region: args.region as pulumi.Input<aws.Region>,
        widgets: [
          new awsx.classic.cloudwatch.RowWidget(
            new awsx.classic.cloudwatch.TextWidget({
              markdown: `# Cascade: ${args.cascade}`,
              width: 24,
              height: 1,
            }),
          ),
          ...chunk(widgets, 3).map((row) => new awsx.classic.cloudwatch.RowWidget(...row)),
          ...chunk(queueWidgets, 2).map((row) => new awsx.classic.cloudwatch.RowWidget(...row)),
          new awsx.classic.cloudwatch.RowWidget(dlqWidget),
        ],
      },
      { parent: this },
    );
    this.dashboardName = dashboard.dashboardName;

    this.registerOutputs({ alarmTopicArn: this.alarmTopicArn, dashboardName: this.dashboardName });
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}
