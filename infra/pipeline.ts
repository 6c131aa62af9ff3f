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
import { buildBundle, DEFAULT_BUNDLE_ROOT } from "../functions/bundle";
import type { ScheduleEvent } from "../functions/lib/contract";
import {
  byKey,
  cascadeLine,
  checkStageTable,
  consumerOf,
  queueNames,
  sourceQueueOf,
  STAGE_TABLE,
  stageNames,
  targetQueueOf,
  type StageTable,
} from "../functions/lib/stages";
import { visibilityTimeoutSeconds, type CollectorSettings, type LoadedConfig } from "./config";
import {
  readStackOutputValues,
  secretLeaves,
  type PipelineOutputs,
  type SharedOutputs,
  type StageQueueOutputs,
} from "./contract";
import { Collector, type QueueTrigger, type ScheduleTrigger } from "./collector";
import { collectorEnvironment } from "./environment";
import { Iam } from "./iam";
import { Monitoring } from "./monitoring";
import {
  dashboardName,
  logGroupArn,
  logGroupName,
  partitionOf,
  queueNameOfArn,
  ssmParameterArn,
  tokenParameterName,
  type AccountContext,
} from "./naming";
import { stageGrants, type CollectorGrants } from "./iam-documents";
import { Queues } from "./queues";
import { SharedStackMismatchError, sharedStackProblems } from "./split";
import { SourceToken } from "./source-token";
import { tableKeysOf, Tables } from "./tables";

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

/**
 * What the collectors are wired to: this stack's own Tables, Queues and Iam, or a shared
 * stack's. Keyed by the stage table's names: tables and roles by stage, queues by queue.
 */
interface SharedInputs {
  tables: Record<string, { name: pulumi.Input<string>; arn: pulumi.Input<string> }>;
  queues: Record<string, QueueInputs & { dlq: QueueInputs; visibilityTimeoutSeconds: pulumi.Input<number> }>;
  scheduleDlq: QueueInputs;
  roleArns: Record<string, pulumi.Input<string>>;
  logGroups: Record<string, pulumi.Input<string>>;
}

/** A stage's function settings from the config; a stage the config has none for is a programming error. */
function collectorSettings(config: LoadedConfig, stage: string): CollectorSettings {
  const settings = (config.collectors as Readonly<Record<string, CollectorSettings | undefined>>)[stage];
  if (settings === undefined) throw new Error(`the stack's config has no collector settings for stage ${stage}`);
  return settings;
}

/**
 * Builds every resource of one stack from its validated config, for the cascade `stages`
 * describes: each resource per stage or per queue is made for each row of the table, so
 * a table with one more stage yields exactly that stage's resources more.
 */
export function createPipeline(config: LoadedConfig, stages: StageTable = STAGE_TABLE): Pipeline {
  checkStageTable(stages);
  const names = stageNames(stages);
  const queueKinds = queueNames(stages);
  const identity = aws.getCallerIdentityOutput();
  const account: pulumi.Output<AccountContext> = pulumi
    .all([identity.accountId, identity.arn])
    .apply(([accountId, arn]) => ({ accountId, partition: partitionOf(arn), region: config.region }));

  const role = config.stackRole;
  if (role.role === "pipeline")
    return { role: "pipeline", outputs: createFromSharedStack(config, stages, role.sharedStack) };

  // The log groups and token parameter the roles are scoped to belong to the stack that
  // runs the collectors: this one, or the one pipeline stack a shared stack serves.
  const pipelineStack = role.role === "shared" ? role.pipelineStackName : config.stack;
  const logGroups = byKey(names, (stage) => logGroupName(config.project, pipelineStack, stage));

  const tables = new Tables(`${config.project}-tables`, {
    keys: tableKeysOf(stages),
    pointInTimeRecovery: config.pointInTimeRecovery,
    deletionProtection: config.deletionProtection,
    adopt: config.adoptTables,
    // One fact per stack: a stack whose tables AWS must not delete is one whose tables
    // Pulumi must not delete or replace either.
    retain: config.deletionProtection,
  });
  // A queue's consumer's timeout sizes its visibility.
  const visibility = byKey(queueKinds, (kind) =>
    visibilityTimeoutSeconds(
      collectorSettings(config, consumerOf(stages, kind)).timeoutSeconds,
      config.batchingWindowSeconds,
    ),
  );
  const queues = new Queues(`${config.project}-queues`, {
    queues: byKey(queueKinds, (kind) => ({ visibilityTimeoutSeconds: visibility[kind] })),
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
    permissionsBoundary: config.permissionsBoundaryArn,
    collectors: byKey(names, (stage) =>
      pulumi
        .all([
          account,
          tables.tables[stage].arn,
          tables.tables.rejects.arn,
          byKey(queueKinds, (kind) => queues.queues[kind].arn),
          queues.scheduleDlq.arn,
          tokenParameterArn,
        ])
        .apply(([ctx, table, rejectsTable, queueArns, scheduleDlq, tokenParameter]): CollectorGrants =>
          stageGrants(stages, stage, {
            table,
            rejectsTable,
            logGroup: logGroupArn(ctx, logGroups[stage]),
            queues: queueArns,
            scheduleDlq,
            tokenParameter,
          }),
        ),
    ),
  });

  const inputs: SharedInputs = {
    tables: tables.tables,
    queues: byKey(queueKinds, (kind) => ({ ...queues.queues[kind], visibilityTimeoutSeconds: visibility[kind] })),
    scheduleDlq: queues.scheduleDlq,
    roleArns: iam.roleArns,
    logGroups,
  };
  const shared = sharedOutputsOf(stages, inputs);
  if (role.role === "shared") return { role: "shared", outputs: shared };

  const { functions, alarmTopicArn } = createCollectors(
    config,
    stages,
    inputs,
    identity.accountId,
    token?.parameterName,
  );
  return { role: "all", outputs: { ...shared, functions, alarmTopicArn } };
}

function createSourceToken(config: LoadedConfig): SourceToken | undefined {
  if (config.sourceApiToken === undefined) return undefined;
  return new SourceToken(`${config.project}-source-token`, {
    parameterName: tokenParameterName(config.project, config.stack),
    token: config.sourceApiToken,
    version: config.sourceApiTokenVersion,
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
function createFromSharedStack(config: LoadedConfig, stages: StageTable, sharedStack: string): PipelineOutputValues {
  const ref = new pulumi.StackReference(`${config.project}-shared`, { name: sharedStack });
  const built = (async () => {
    const [read, identity] = await Promise.all([
      readStackOutputValues(ref, sharedStack, "shared", stages),
      aws.getCallerIdentity(),
    ]);
    const shared = read.values;
    const problems = sharedStackProblems(
      shared,
      {
        project: config.project,
        stack: config.stack,
        region: config.region,
        accountId: identity.accountId,
        timeoutSeconds: byKey(stageNames(stages), (stage) => collectorSettings(config, stage).timeoutSeconds),
        batchingWindowSeconds: config.batchingWindowSeconds,
      },
      stages,
    );
    if (problems.length > 0) throw new SharedStackMismatchError(sharedStack, problems);
    // What the shared stack exports as a secret was read in the clear to be checked; the
    // resources wired to it and this stack's outputs get it back as secrets.
    const passed = { ...shared };
    const inputs = sharedInputsOf(stages, shared);
    for (const key of read.secretKeys) {
      Object.assign(passed, { [key]: secretLeaves(shared[key]) });
      for (const field of INPUTS_FROM_OUTPUT[key]) Object.assign(inputs, { [field]: secretLeaves(inputs[field]) });
    }
    const token = createSourceToken(config);
    const { functions, alarmTopicArn } = createCollectors(
      config,
      stages,
      inputs,
      identity.accountId,
      token?.parameterName,
    );
    // Passed through, so a reader of this stack gets the whole contract from it.
    return { ...passed, functions, alarmTopicArn };
  })();
  // One Output per key, each secret exactly when a value in it is.
  const output = <K extends keyof PipelineOutputs>(key: K) =>
    pulumi.output(built.then((outputs) => outputs[key])) as unknown as pulumi.Output<PipelineOutputs[K]>;
  return {
    tables: output("tables"),
    queues: output("queues"),
    roles: output("roles"),
    logGroups: output("logGroups"),
    functions: output("functions"),
    alarmTopicArn: output("alarmTopicArn"),
  };
}

/** Which part of the collectors' wiring each shared output becomes. */
const INPUTS_FROM_OUTPUT = {
  tables: ["tables"],
  queues: ["queues", "scheduleDlq"],
  roles: ["roleArns"],
  logGroups: ["logGroups"],
} as const satisfies Record<keyof SharedOutputs, readonly (keyof SharedInputs)[]>;

/** The collectors' wiring from a shared stack's outputs; queue names (for alarms) come from their ARNs. */
function sharedInputsOf(stages: StageTable, shared: SharedOutputs): SharedInputs {
  const queue = (q: { url: string; arn: string }): QueueInputs => ({
    name: queueNameOfArn(q.arn),
    url: q.url,
    arn: q.arn,
  });
  return {
    tables: shared.tables,
    queues: byKey(queueNames(stages), (kind) => {
      const q = (shared.queues as unknown as Record<string, StageQueueOutputs>)[kind];
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

/** The shared outputs, shaped by the stage table; typed as the real table's contract. */
function sharedOutputsOf(stages: StageTable, inputs: SharedInputs): SharedOutputValues {
  const stageQueue = (kind: string) => {
    const q = inputs.queues[kind];
    return {
      url: q.url,
      arn: q.arn,
      dlqUrl: q.dlq.url,
      dlqArn: q.dlq.arn,
      visibilityTimeoutSeconds: q.visibilityTimeoutSeconds,
    };
  };
  const outputs = {
    tables: pulumi.output(
      byKey(Object.keys(tableKeysOf(stages)), (kind) => ({
        name: inputs.tables[kind].name,
        arn: inputs.tables[kind].arn,
      })),
    ),
    queues: pulumi.output({
      ...byKey(queueNames(stages), stageQueue),
      schedule: { url: inputs.scheduleDlq.url, arn: inputs.scheduleDlq.arn },
    }),
    roles: pulumi.output(inputs.roleArns),
    logGroups: pulumi.output(inputs.logGroups),
  };
  return outputs as unknown as SharedOutputValues;
}

/** One collector per stage and the monitoring of the cascade, wired to `shared`. */
function createCollectors(
  config: LoadedConfig,
  stages: StageTable,
  shared: SharedInputs,
  accountId: pulumi.Input<string>,
  tokenParameterName: pulumi.Input<string> | undefined,
): Pick<PipelineOutputValues, "functions" | "alarmTopicArn"> {
  const prefix = config.project;
  const scheduleEvent: ScheduleEvent = config.scheduleBranches.length > 0 ? { branches: config.scheduleBranches } : {};

  const collectors: Record<string, Collector> = {};
  for (const stage of stageNames(stages)) {
    const sourceQueue = sourceQueueOf(stages, stage);
    const targetQueue = targetQueueOf(stages, stage);
    const trigger: ScheduleTrigger | QueueTrigger =
      sourceQueue === undefined
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
            permissionsBoundary: config.permissionsBoundaryArn,
          }
        : {
            kind: "queue",
            queueArn: shared.queues[sourceQueue].arn,
            batchSize: config.batchSize,
            batchingWindowSeconds: config.batchingWindowSeconds,
            maxConcurrency: config.maxConcurrency,
          };
    const settings = collectorSettings(config, stage);
    collectors[stage] = new Collector(`${prefix}-${stage}`, {
      stage,
      code: new pulumi.asset.FileArchive(buildBundle(stage, DEFAULT_BUNDLE_ROOT, stages).dir),
      roleArn: shared.roleArns[stage],
      logGroupName: shared.logGroups[stage],
      logRetentionDays: config.logRetentionDays,
      memoryMb: settings.memoryMb,
      timeoutSeconds: settings.timeoutSeconds,
      environment: collectorEnvironment(
        config.project,
        stage,
        {
          tableName: shared.tables[stage].name,
          rejectsTableName: shared.tables.rejects.name,
          targetQueueUrl: targetQueue === undefined ? undefined : shared.queues[targetQueue].url,
          sourceBaseUrl: config.sourceApiUrl,
          sourceTokenParameter: tokenParameterName,
          deployStage: config.stack,
          lookbackHours: String(config.lookbackHours),
          rejectsTtlDays: String(config.rejectsTtlDays),
        },
        stages,
      ),
      trigger,
    });
  }

  const monitoring = new Monitoring(`${prefix}-monitoring`, {
    region: config.region,
    cascade: cascadeLine(stages),
    dashboardName: dashboardName(config.project, config.stack),
    functions: byKey(stageNames(stages), (stage) => ({
      name: collectors[stage].functionName,
      timeoutSeconds: collectors[stage].timeoutSeconds,
    })),
    queues: byKey(queueNames(stages), (kind) => ({
      name: shared.queues[kind].name,
      dlqName: shared.queues[kind].dlq.name,
    })),
    scheduleDlqName: shared.scheduleDlq.name,
    durationAlarmPercent: config.durationAlarmPercent,
    queueAgeAlarmSeconds: config.queueAgeAlarmSeconds,
    alarmEmail: config.alarmEmail,
  });

  const fn = (stage: string) =>
    pulumi.all([collectors[stage].functionName, collectors[stage].functionArn]).apply(([name, arn]) => ({ name, arn }));
  return {
    functions: pulumi.output(byKey(stageNames(stages), fn)) as unknown as PipelineOutputValues["functions"],
    alarmTopicArn: monitoring.alarmTopicArn,
  };
}
