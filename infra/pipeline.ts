/**
 * Composes the components into one stack, in one of three roles (`stackRole`):
 * - `all`: the whole pipeline (the single-stack default);
 * - `shared`: Tables, Queues and Iam of one pipeline stack, exporting `SharedOutputs`;
 * - `pipeline`: the collectors and monitoring, wired to what a shared stack exports,
 *   read through a StackReference and validated (infra/contract.ts, infra/split.ts).
 * Components are wired with plain names and ARNs (`pulumi.Input<string>`), never with
 * each other's resource objects, so the same wiring serves every role.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildBundle } from "../functions/bundle";
import {
  STAGE_SOURCE_QUEUE,
  STAGES,
  type QueueKind,
  type ScheduleEvent,
  type StageName,
  type TableKind,
} from "../functions/lib/contract";
import { visibilityTimeoutSeconds, type LoadedConfig } from "./config";
import { readStackOutputValues, type PipelineOutputs, type SharedOutputs } from "./contract";
import { Collector, type QueueTrigger, type ScheduleTrigger } from "./collector";
import { collectorEnvironment } from "./environment";
import { Iam } from "./iam";
import { Monitoring } from "./monitoring";
import {
  logGroupArn,
  logGroupName,
  partitionOf,
  queueNameOfArn,
  ssmParameterArn,
  tokenParameterName,
  type AccountContext,
} from "./naming";
import { stageGrants, type CollectorGrants } from "./policies";
import { QUEUE_KINDS, Queues } from "./queues";
import { SharedStackMismatchError, sharedStackProblems } from "./split";
import { SourceToken } from "./source-token";
import { TABLE_KINDS, Tables } from "./tables";

/** Stack outputs, as Outputs of exactly the contract's shape. */
export type SharedOutputValues = { [K in keyof SharedOutputs]: pulumi.Output<SharedOutputs[K]> };
export type PipelineOutputValues = { [K in keyof PipelineOutputs]: pulumi.Output<PipelineOutputs[K]> };

export type Pipeline =
  { role: "shared"; outputs: SharedOutputValues } | { role: "all" | "pipeline"; outputs: PipelineOutputValues };

interface QueueInputs {
  name: pulumi.Input<string>;
  url: pulumi.Input<string>;
  arn: pulumi.Input<string>;
}

/** What the collectors are wired to: this stack's own Tables, Queues and Iam, or a shared stack's. */
interface SharedInputs {
  tables: Record<TableKind, { name: pulumi.Input<string>; arn: pulumi.Input<string> }>;
  queues: Record<QueueKind, QueueInputs & { dlq: QueueInputs; visibilityTimeoutSeconds: pulumi.Input<number> }>;
  scheduleDlq: QueueInputs;
  roleArns: Record<StageName, pulumi.Input<string>>;
  logGroups: Record<StageName, pulumi.Input<string>>;
}

/** Which collector consumes each stage queue; its timeout sizes the queue's visibility. */
const CONSUMER_OF = { employee: "salespersons", sale: "sales" } as const satisfies Record<QueueKind, StageName>;

/** A record with one entry per key. */
function byKey<K extends string, V>(keys: readonly K[], value: (key: K) => V): Record<K, V> {
  return Object.fromEntries(keys.map((key) => [key, value(key)])) as Record<K, V>;
}

/** Builds every resource of one stack from its validated config. */
export function createPipeline(config: LoadedConfig): Pipeline {
  const identity = aws.getCallerIdentityOutput();
  const account: pulumi.Output<AccountContext> = pulumi
    .all([identity.accountId, identity.arn])
    .apply(([accountId, arn]) => ({ accountId, partition: partitionOf(arn), region: config.region }));

  const role = config.stackRole;
  if (role.role === "pipeline") return { role: "pipeline", outputs: createFromSharedStack(config, role.sharedStack) };

  // The log groups and token parameter the roles are scoped to belong to the stack that
  // runs the collectors: this one, or the one pipeline stack a shared stack serves.
  const pipelineStack = role.role === "shared" ? role.pipelineStackName : config.stack;
  const logGroups = byKey(STAGES, (stage) => logGroupName(config.project, pipelineStack, stage));

  const tables = new Tables(`${config.project}-tables`, {
    pointInTimeRecovery: config.pointInTimeRecovery,
    deletionProtection: config.deletionProtection,
    adopt: config.adoptTables,
  });
  const visibility = byKey(QUEUE_KINDS, (kind) =>
    visibilityTimeoutSeconds(config.collectors[CONSUMER_OF[kind]].timeoutSeconds, config.batchingWindowSeconds),
  );
  const queues = new Queues(`${config.project}-queues`, {
    queues: {
      employee: { visibilityTimeoutSeconds: visibility.employee },
      sale: { visibilityTimeoutSeconds: visibility.sale },
    },
    maxReceiveCount: config.maxReceiveCount,
    retentionSeconds: config.queueRetentionSeconds,
    dlqRetentionSeconds: config.dlqRetentionSeconds,
  });

  const token = role.role === "all" ? createSourceToken(config) : undefined;
  // A shared stack cannot know whether its pipeline stack sets a token, and the token
  // belongs with the stack that deploys the code (rotating it must not touch the stack
  // holding the data), so its roles may read exactly the parameter that stack would
  // create, whether or not it exists yet.
  const tokenParameterArn: pulumi.Input<string> | undefined =
    role.role === "shared"
      ? account.apply((ctx) => ssmParameterArn(ctx, tokenParameterName(config.project, pipelineStack)))
      : token?.parameterArn;

  const iam = new Iam(`${config.project}-iam`, {
    accountId: identity.accountId,
    collectors: byKey(STAGES, (stage) =>
      pulumi
        .all([
          account,
          tables.tables[stage].arn,
          tables.tables.rejects.arn,
          queues.queues.employee.arn,
          queues.queues.sale.arn,
          queues.scheduleDlq.arn,
          tokenParameterArn,
        ])
        .apply(([ctx, table, rejectsTable, employeeQueue, saleQueue, scheduleDlq, tokenParameter]): CollectorGrants =>
          stageGrants(stage, {
            table,
            rejectsTable,
            logGroup: logGroupArn(ctx, logGroups[stage]),
            employeeQueue,
            saleQueue,
            scheduleDlq,
            tokenParameter,
          }),
        ),
    ),
  });

  const inputs: SharedInputs = {
    tables: tables.tables,
    queues: byKey(QUEUE_KINDS, (kind) => ({ ...queues.queues[kind], visibilityTimeoutSeconds: visibility[kind] })),
    scheduleDlq: queues.scheduleDlq,
    roleArns: iam.roleArns,
    logGroups,
  };
  const shared = sharedOutputsOf(inputs);
  if (role.role === "shared") return { role: "shared", outputs: shared };

  const { functions, alarmTopicArn } = createCollectors(config, inputs, identity.accountId, token?.parameterName);
  return { role: "all", outputs: { ...shared, functions, alarmTopicArn } };
}

function createSourceToken(config: LoadedConfig): SourceToken | undefined {
  if (config.sourceApiToken === undefined) return undefined;
  return new SourceToken(`${config.project}-source-token`, {
    parameterName: tokenParameterName(config.project, config.stack),
    token: config.sourceApiToken,
  });
}

/**
 * A pipeline stack: reads the shared stack's outputs as plain values, validates them
 * against the contract and checks they fit this stack (infra/split.ts), and only then
 * registers the collectors and monitoring. So a shared stack that is missing, malformed
 * or set up for another stack fails the program with the output named, before any
 * resource but the StackReference exists, and every resource gets plain names and ARNs.
 * Resources are registered after an await, not inside an apply, so they show in
 * previews: a StackReference's outputs are known at preview time.
 */
function createFromSharedStack(config: LoadedConfig, sharedStack: string): PipelineOutputValues {
  const ref = new pulumi.StackReference(`${config.project}-shared`, { name: sharedStack });
  const built = (async () => {
    const [shared, identity] = await Promise.all([
      readStackOutputValues(ref, sharedStack, "shared"),
      aws.getCallerIdentity(),
    ]);
    const problems = sharedStackProblems(shared, {
      project: config.project,
      stack: config.stack,
      region: config.region,
      accountId: identity.accountId,
      timeoutSeconds: {
        salespersons: config.collectors.salespersons.timeoutSeconds,
        sales: config.collectors.sales.timeoutSeconds,
      },
      batchingWindowSeconds: config.batchingWindowSeconds,
    });
    if (problems.length > 0) throw new SharedStackMismatchError(sharedStack, problems);
    const token = createSourceToken(config);
    const { functions, alarmTopicArn } = createCollectors(
      config,
      sharedInputsOf(shared),
      identity.accountId,
      token?.parameterName,
    );
    // Passed through, so a reader of this stack gets the whole contract from it.
    return { ...shared, functions, alarmTopicArn };
  })();
  const outputs = pulumi.output(built);
  return {
    tables: outputs.tables,
    queues: outputs.queues,
    roles: outputs.roles,
    logGroups: outputs.logGroups,
    functions: outputs.functions,
    alarmTopicArn: outputs.alarmTopicArn,
  };
}

/** The collectors' wiring from a shared stack's outputs; queue names (for alarms) come from their ARNs. */
function sharedInputsOf(shared: SharedOutputs): SharedInputs {
  const queue = (q: { url: string; arn: string }): QueueInputs => ({
    name: queueNameOfArn(q.arn),
    url: q.url,
    arn: q.arn,
  });
  return {
    tables: shared.tables,
    queues: byKey(QUEUE_KINDS, (kind) => {
      const q = shared.queues[kind];
      return {
        ...queue(q),
        dlq: queue({ url: q.dlqUrl, arn: q.dlqArn }),
        visibilityTimeoutSeconds: q.visibilityTimeoutSeconds,
      };
    }),
    scheduleDlq: queue(shared.queues.schedule),
    roleArns: shared.roles,
    logGroups: shared.logGroups,
  };
}

function sharedOutputsOf(inputs: SharedInputs): SharedOutputValues {
  const stageQueue = (kind: QueueKind) => {
    const q = inputs.queues[kind];
    return {
      url: q.url,
      arn: q.arn,
      dlqUrl: q.dlq.url,
      dlqArn: q.dlq.arn,
      visibilityTimeoutSeconds: q.visibilityTimeoutSeconds,
    };
  };
  return {
    tables: pulumi.output(
      byKey(TABLE_KINDS, (kind) => ({ name: inputs.tables[kind].name, arn: inputs.tables[kind].arn })),
    ),
    queues: pulumi.output({
      employee: stageQueue("employee"),
      sale: stageQueue("sale"),
      schedule: { url: inputs.scheduleDlq.url, arn: inputs.scheduleDlq.arn },
    }),
    roles: pulumi.output(inputs.roleArns),
    logGroups: pulumi.output(inputs.logGroups),
  };
}

/** The three collectors and the monitoring of the cascade, wired to `shared`. */
function createCollectors(
  config: LoadedConfig,
  shared: SharedInputs,
  accountId: pulumi.Input<string>,
  tokenParameterName: pulumi.Input<string> | undefined,
): Pick<PipelineOutputValues, "functions" | "alarmTopicArn"> {
  const prefix = config.project;
  const scheduleEvent: ScheduleEvent = config.scheduleBranches.length > 0 ? { branches: config.scheduleBranches } : {};
  const targetQueueUrl: Partial<Record<StageName, pulumi.Input<string>>> = {
    branches: shared.queues.employee.url,
    salespersons: shared.queues.sale.url,
  };

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
            deadLetterQueueArn: shared.scheduleDlq.arn,
            accountId,
          }
        : {
            kind: "queue",
            queueArn: shared.queues[STAGE_SOURCE_QUEUE[stage]].arn,
            batchSize: config.batchSize,
            batchingWindowSeconds: config.batchingWindowSeconds,
            maxConcurrency: config.maxConcurrency,
          };
    collectors[stage] = new Collector(`${prefix}-${stage}`, {
      stage,
      code: new pulumi.asset.FileArchive(buildBundle(stage).dir),
      roleArn: shared.roleArns[stage],
      logGroupName: shared.logGroups[stage],
      logRetentionDays: config.logRetentionDays,
      memoryMb: config.collectors[stage].memoryMb,
      timeoutSeconds: config.collectors[stage].timeoutSeconds,
      environment: collectorEnvironment(config.project, stage, {
        tableName: shared.tables[stage].name,
        rejectsTableName: shared.tables.rejects.name,
        targetQueueUrl: targetQueueUrl[stage],
        sourceBaseUrl: config.sourceApiUrl,
        sourceTokenParameter: tokenParameterName,
        deployStage: config.stack,
        lookbackHours: String(config.lookbackHours),
        rejectsTtlDays: String(config.rejectsTtlDays),
      }),
      trigger,
    });
  }

  const monitoring = new Monitoring(`${prefix}-monitoring`, {
    region: config.region,
    functions: byKey(STAGES, (stage) => ({
      name: collectors[stage].functionName,
      timeoutSeconds: collectors[stage].timeoutSeconds,
    })),
    queues: {
      employee: { name: shared.queues.employee.name, dlqName: shared.queues.employee.dlq.name },
      sale: { name: shared.queues.sale.name, dlqName: shared.queues.sale.dlq.name },
    },
    scheduleDlqName: shared.scheduleDlq.name,
    durationAlarmPercent: config.durationAlarmPercent,
    queueAgeAlarmSeconds: config.queueAgeAlarmSeconds,
    alarmEmail: config.alarmEmail,
  });

  const fn = (stage: StageName) =>
    pulumi.all([collectors[stage].functionName, collectors[stage].functionArn]).apply(([name, arn]) => ({ name, arn }));
  return {
    functions: pulumi.output({ branches: fn("branches"), salespersons: fn("salespersons"), sales: fn("sales") }),
    alarmTopicArn: monitoring.alarmTopicArn,
  };
}
