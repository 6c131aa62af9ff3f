import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_DEFAULTS } from "./config-spec";
import { rejectProblems } from "./errors";
import { DASHBOARD_NAME, durationThresholdMs } from "./naming";

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
  /**
   * The dashboard's name, unique in the account (awsx would otherwise use the resource name,
   * the same in every stack).
   */
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

/** What an omitted optional argument becomes. */
export const MONITORING_DEFAULTS = {
  durationAlarmPercent: CONFIG_DEFAULTS.durationAlarmPercent,
  queueAgeAlarmSeconds: CONFIG_DEFAULTS.queueAgeAlarmSeconds,
} as const;

/**
 * Why Monitoring cannot be built from `args`, one problem per argument; empty when it
 * can. Pure, so each rule is tested without Pulumi.
 */
export function monitoringArgsProblems(args: MonitoringArgs): string[] {
  const percent = args.durationAlarmPercent ?? MONITORING_DEFAULTS.durationAlarmPercent;
  const problems: string[] = [];
  if (!Number.isInteger(percent) || percent < 1 || percent > 100)
    problems.push(`durationAlarmPercent must be an integer from 1 to 100 (got ${percent})`);
  // Only a plain name is checked: an Output's value is not known before super().
  if (typeof args.dashboardName === "string" && !DASHBOARD_NAME.test(args.dashboardName))
    problems.push(
      `dashboardName must be 1 to 255 characters of A-Z, a-z, 0-9, - and _ (got ${JSON.stringify(args.dashboardName)})`,
    );
  for (const [stage, fn] of Object.entries(args.functions ?? {})) {
    const timeout = fn?.timeoutSeconds;
    if (!Number.isInteger(timeout) || timeout <= 0)
      problems.push(`functions.${stage}.timeoutSeconds must be a positive integer (got ${timeout})`);
  }
  return problems;
}

/** Where every alarm sends its state changes. */
type AlarmActions = { alarmActions: pulumi.Input<string>[]; okActions: pulumi.Input<string>[] };
type Widget = awsx.classic.cloudwatch.Widget;

const lambdaMetrics = awsx.classic.lambda.metrics;
const sqsMetrics = awsx.classic.sqs.metrics;

/**
 * The alarm topic, the alarms of every collector and queue, and a dashboard that reads
 * the cascade top to bottom. The constructor checks its arguments, then builds in one
 * named step per part.
 */
export class Monitoring extends pulumi.ComponentResource {
  public readonly alarmTopicArn: pulumi.Output<string>;
  public readonly dashboardName: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super() so bad arguments register nothing, not even the component.
    rejectProblems("Monitoring", name, monitoringArgsProblems(args));
    super("cascading-etl:index:Monitoring", name, {}, opts);
    const percent = args.durationAlarmPercent ?? MONITORING_DEFAULTS.durationAlarmPercent;

    const topic = buildAlarmTopic(this, name, args.alarmEmail);
    const actions = { alarmActions: [topic.arn], okActions: [topic.arn] };
    const functionWidgets = buildFunctionAlarms(this, name, args.functions, percent, actions);
    const queueWidgets = buildQueueAlarms(this, name, args, actions);
    const dashboard = buildDashboard(this, name, args, functionWidgets, queueWidgets);

    this.alarmTopicArn = topic.arn;
    this.dashboardName = dashboard.dashboardName;
    this.registerOutputs({ alarmTopicArn: this.alarmTopicArn, dashboardName: this.dashboardName });
  }
}

/**
 * The topic every alarm notifies, with an email subscription when an address is given.
 * CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key,
 * and alarm notifications carry no data, so the topic is left unencrypted.
 */
function buildAlarmTopic(
  parent: pulumi.Resource,
  name: string,
  alarmEmail: pulumi.Input<string> | undefined,
): aws.sns.Topic {
  const topic = new aws.sns.Topic(`${name}-alarms`, {}, { parent });
  if (alarmEmail !== undefined) {
    new aws.sns.TopicSubscription(
      `${name}-alarm-email`,
      { topic: topic.arn, protocol: "email", endpoint: alarmEmail },
      { parent },
    );
  }
  return topic;
}

/** An alarm on `metric` crossing `threshold` within one period; no data is no alarm. */
function buildAlarm(
  parent: pulumi.Resource,
  name: string,
  metric: awsx.classic.cloudwatch.Metric,
  threshold: pulumi.Input<number>,
  description: string,
  actions: AlarmActions,
): void {
  metric.createAlarm(
    name,
    { ...actions, threshold, evaluationPeriods: 1, treatMissingData: "notBreaching", alarmDescription: description },
    { parent },
  );
}

/**
 * Errors, duration and throttles alarms of every collector; returns its dashboard
 * widgets, three per collector (one row each).
 */
function buildFunctionAlarms(
  parent: pulumi.Resource,
  name: string,
  functions: MonitoringArgs["functions"],
  percent: number,
  actions: AlarmActions,
): Widget[] {
  const widgets: Widget[] = [];
  for (const [stage, fn] of Object.entries(functions)) {
    const dimensions = { FunctionName: fn.name };
    const count = { dimensions, statistic: "Sum", period: COUNT_ALARM_PERIOD_SECONDS } as const;
    const errors = lambdaMetrics.errors(count);
    const duration = lambdaMetrics.duration({
      dimensions,
      statistic: "Maximum",
      period: DURATION_ALARM_PERIOD_SECONDS,
    });
    const throttles = lambdaMetrics.throttles(count);
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
    for (const alarm of alarms)
      buildAlarm(parent, `${name}-${stage}-${alarm.kind}`, alarm.metric, alarm.threshold, alarm.description, actions);
    widgets.push(
      lineGraph(`${stage}: errors and throttles`, [errors, throttles], 8),
      lineGraph(`${stage}: duration (max, ms)`, [duration], 8),
      lineGraph(`${stage}: invocations`, [lambdaMetrics.invocations(count)], 8),
    );
  }
  return widgets;
}

/** The queues' dashboard widgets: two per stage queue, one for every dead-letter queue. */
interface QueueWidgets {
  stageQueues: Widget[];
  deadLetters: Widget;
}

/**
 * A depth alarm on every dead-letter queue (the schedule's first) and an age alarm on
 * every stage queue; returns the queues' dashboard widgets.
 */
function buildQueueAlarms(
  parent: pulumi.Resource,
  name: string,
  args: MonitoringArgs,
  actions: AlarmActions,
): QueueWidgets {
  const kinds = Object.keys(args.queues);
  const dlqs: { label: string; name: pulumi.Input<string> }[] = [
    { label: "schedule", name: args.scheduleDlqName },
    ...kinds.map((kind) => ({ label: kind, name: args.queues[kind].dlqName })),
  ];
  for (const dlq of dlqs) {
    const depth = sqsMetrics.approximateNumberOfMessagesVisible({
      dimensions: { QueueName: dlq.name },
      statistic: "Maximum",
      period: COUNT_ALARM_PERIOD_SECONDS,
    });
    const description = `Messages are waiting in the ${dlq.label} dead-letter queue.`;
    buildAlarm(parent, `${name}-${dlq.label}-dlq-depth`, depth, 1, description, actions);
  }

  const queueAge = pulumi.output(args.queueAgeAlarmSeconds ?? MONITORING_DEFAULTS.queueAgeAlarmSeconds);
  const stageQueues: Widget[] = [];
  for (const kind of kinds) {
    const dimensions = { QueueName: args.queues[kind].name };
    const age = sqsMetrics.approximateAgeOfOldestMessage({
      dimensions,
      statistic: "Maximum",
      period: COUNT_ALARM_PERIOD_SECONDS,
    });
    const description = `The ${kind} queue is falling behind: its oldest message is older than the threshold.`;
    buildAlarm(parent, `${name}-${kind}-queue-age`, age, queueAge, description, actions);
    stageQueues.push(
      lineGraph(
        `${kind} queue: visible and in flight`,
        [
          sqsMetrics.approximateNumberOfMessagesVisible({ dimensions, statistic: "Maximum" }),
          sqsMetrics.approximateNumberOfMessagesNotVisible({ dimensions, statistic: "Maximum" }),
        ],
        12,
      ),
      lineGraph(`${kind} queue: oldest message (s)`, [age], 12),
    );
  }
  const dlqDepths = dlqs.map((dlq) =>
    sqsMetrics.approximateNumberOfMessagesVisible({
      dimensions: { QueueName: dlq.name },
      statistic: "Maximum",
      label: dlq.label,
    }),
  );
  return { stageQueues, deadLetters: lineGraph("dead-letter queues: visible messages", dlqDepths, 24) };
}

/**
 * The dashboard, read top to bottom as the cascade runs: a title row, one row per
 * collector, one row per stage queue, and the dead-letter queues last.
 */
function buildDashboard(
  parent: pulumi.Resource,
  name: string,
  args: MonitoringArgs,
  functionWidgets: Widget[],
  queueWidgets: QueueWidgets,
): awsx.classic.cloudwatch.Dashboard {
  return new awsx.classic.cloudwatch.Dashboard(
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
        ...chunk(functionWidgets, 3).map((row) => new awsx.classic.cloudwatch.RowWidget(...row)),
        ...chunk(queueWidgets.stageQueues, 2).map((row) => new awsx.classic.cloudwatch.RowWidget(...row)),
        new awsx.classic.cloudwatch.RowWidget(queueWidgets.deadLetters),
      ],
    },
    { parent },
  );
}

function lineGraph(title: string, metrics: awsx.classic.cloudwatch.Metric[], width: number): Widget {
  return new awsx.classic.cloudwatch.LineGraphMetricWidget({ title, metrics, width });
}

function chunk<T>(items: T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}
