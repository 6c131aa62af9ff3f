/**
 * Composes the components into the whole pipeline. Components are wired with plain
 * names and ARNs (`pulumi.Input<string>`), never with each other's resource objects,
 * so the shared part (Iam, Tables, Queues) can later come from another stack.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildBundle } from "../functions/bundle";
import { STAGE_SOURCE_QUEUE, STAGES, type ScheduleEvent, type StageName } from "../functions/lib/contract";
import { visibilityTimeoutSeconds, type LoadedConfig } from "./config";
import type { PipelineOutputs } from "./contract";
import { Collector, type QueueTrigger, type ScheduleTrigger } from "./collector";
import { collectorEnvironment } from "./environment";
import { Iam } from "./iam";
import { Monitoring } from "./monitoring";
import { logGroupArn, logGroupName, partitionOf, tokenParameterName } from "./naming";
import { stageGrants, type CollectorGrants } from "./policies";
import { Queues } from "./queues";
import { SourceToken } from "./source-token";
import { Tables } from "./tables";

/** The stack outputs, as Outputs of exactly the contract's shape. */
export type PipelineOutputValues = { [K in keyof PipelineOutputs]: pulumi.Output<PipelineOutputs[K]> };

export interface Pipeline {
  outputs: PipelineOutputValues;
}

/** Builds every resource of one stack from its validated config. */
export function createPipeline(config: LoadedConfig): Pipeline {
  const prefix = config.project;
  const identity = aws.getCallerIdentityOutput();
  const account = pulumi.all([identity.accountId, identity.arn]).apply(([accountId, arn]) => ({ accountId, partition: partitionOf(arn), region: config.region }));

  const tables = new Tables(`${prefix}-tables`, { pointInTimeRecovery: config.pointInTimeRecovery, deletionProtection: config.deletionProtection });

  const consumerOf = { employee: "salespersons", sale: "sales" } as const;
  const queues = new Queues(`${prefix}-queues`, {
    queues: {
      employee: { visibilityTimeoutSeconds: visibilityTimeoutSeconds(config.collectors[consumerOf.employee].timeoutSeconds, config.batchingWindowSeconds) },
      sale: { visibilityTimeoutSeconds: visibilityTimeoutSeconds(config.collectors[consumerOf.sale].timeoutSeconds, config.batchingWindowSeconds) },
    },
    maxReceiveCount: config.maxReceiveCount,
    retentionSeconds: config.queueRetentionSeconds,
    dlqRetentionSeconds: config.dlqRetentionSeconds,
  });

  const token = config.sourceApiToken === undefined ? undefined : new SourceToken(`${prefix}-source-token`, { parameterName: tokenParameterName(config.project, config.stack), token: config.sourceApiToken });

  const logGroups = Object.fromEntries(STAGES.map((stage) => [stage, logGroupName(config.project, config.stack, stage)])) as Record<StageName, string>;

  const iam = new Iam(`${prefix}-iam`, {
    accountId: identity.accountId,
    collectors: Object.fromEntries(
      STAGES.map((stage) => [
        stage,
        pulumi
          .all([account, tables.tables[stage].arn, tables.tables.rejects.arn, queues.queues.employee.arn, queues.queues.sale.arn, queues.scheduleDlq.arn, token?.parameterArn])
          .apply(([ctx, table, rejectsTable, employeeQueue, saleQueue, scheduleDlq, tokenParameter]) =>
            stageGrants(stage, { table, rejectsTable, logGroup: logGroupArn(ctx, logGroups[stage]), employeeQueue, saleQueue, scheduleDlq, tokenParameter }),
          ),
      ]),
    ) as Record<StageName, pulumi.Output<CollectorGrants>>,
  });

  const scheduleEvent: ScheduleEvent = config.scheduleBranches.length > 0 ? { branches: config.scheduleBranches } : {};
  const targetQueueUrl: Partial<Record<StageName, pulumi.Output<string>>> = { branches: queues.queues.employee.url, salespersons: queues.queues.sale.url };

  const collectors = {} as Record<StageName, Collector>;
  for (const stage of STAGES) {
    const trigger: ScheduleTrigger | QueueTrigger =
      stage === "branches"
        ? {
            kind: "schedule",
            expression: config.schedule,
            input: JSON.stringify(scheduleEvent),
            maxRetryAttempts: config.scheduleMaxRetryAttempts,
            maxEventAgeSeconds: config.scheduleMaxEventAgeSeconds,
            asyncMaxRetryAttempts: config.asyncMaxRetryAttempts,
            asyncMaxEventAgeSeconds: config.asyncMaxEventAgeSeconds,
            deadLetterQueueArn: queues.scheduleDlq.arn,
            accountId: identity.accountId,
          }
        : {
            kind: "queue",
            queueArn: queues.queues[STAGE_SOURCE_QUEUE[stage]].arn,
            batchSize: config.batchSize,
            batchingWindowSeconds: config.batchingWindowSeconds,
            maxConcurrency: config.maxConcurrency,
          };
    collectors[stage] = new Collector(`${prefix}-${stage}`, {
      stage,
      code: new pulumi.asset.FileArchive(buildBundle(stage).dir),
      roleArn: iam.roleArns[stage],
      logGroupName: logGroups[stage],
      logRetentionDays: config.logRetentionDays,
      memoryMb: config.collectors[stage].memoryMb,
      timeoutSeconds: config.collectors[stage].timeoutSeconds,
      environment: collectorEnvironment(config.project, stage, {
        tableName: tables.tables[stage].name,
        rejectsTableName: tables.tables.rejects.name,
        targetQueueUrl: targetQueueUrl[stage],
        sourceBaseUrl: config.sourceApiUrl,
        sourceTokenParameter: token?.parameterName,
        deployStage: config.stack,
        lookbackHours: String(config.lookbackHours),
        rejectsTtlDays: String(config.rejectsTtlDays),
      }),
      trigger,
    });
  }

  const monitoring = new Monitoring(`${prefix}-monitoring`, {
    region: config.region,
    functions: Object.fromEntries(STAGES.map((stage) => [stage, { name: collectors[stage].functionName, timeoutSeconds: collectors[stage].timeoutSeconds }])) as Record<StageName, { name: pulumi.Output<string>; timeoutSeconds: number }>,
    queues: {
      employee: { name: queues.queues.employee.name, dlqName: queues.queues.employee.dlq.name },
      sale: { name: queues.queues.sale.name, dlqName: queues.queues.sale.dlq.name },
    },
    scheduleDlqName: queues.scheduleDlq.name,
    durationAlarmPercent: config.durationAlarmPercent,
    queueAgeAlarmSeconds: config.queueAgeAlarmSeconds,
    alarmEmail: config.alarmEmail,
  });

  const namedArn = (ref: { name: pulumi.Output<string>; arn: pulumi.Output<string> }) => pulumi.all([ref.name, ref.arn]).apply(([name, arn]) => ({ name, arn }));
  const queueOut = (kind: "employee" | "sale") => {
    const q = queues.queues[kind];
    return pulumi.all([q.url, q.arn, q.dlq.url, q.dlq.arn]).apply(([url, arn, dlqUrl, dlqArn]) => ({ url, arn, dlqUrl, dlqArn }));
  };
  return {
    outputs: {
      tables: pulumi.output({
        branches: namedArn(tables.tables.branches),
        salespersons: namedArn(tables.tables.salespersons),
        sales: namedArn(tables.tables.sales),
        rejects: namedArn(tables.tables.rejects),
      }),
      queues: pulumi.output({ employee: queueOut("employee"), sale: queueOut("sale") }),
      roles: pulumi.output({ branches: iam.roleArns.branches, salespersons: iam.roleArns.salespersons, sales: iam.roleArns.sales }),
      functions: pulumi.output({
        branches: namedArn({ name: collectors.branches.functionName, arn: collectors.branches.functionArn }),
        salespersons: namedArn({ name: collectors.salespersons.functionName, arn: collectors.salespersons.functionArn }),
        sales: namedArn({ name: collectors.sales.functionName, arn: collectors.sales.functionArn }),
      }),
      alarmTopicArn: monitoring.alarmTopicArn,
    },
  };
}
