/**
 * The whole cascade on one machine: the Pulumi program evaluated offline gives the
 * topology; the embedded AWS and the sample source stand in for the cloud and the
 * third-party API; a run fires the schedule, waits until every queue is drained, takes a
 * census and checks that nothing was lost or duplicated.
 */
import { STAGES, TABLE_KEYS, METRICS, METRICS_NAMESPACE, type StageName } from "../../functions/lib/contract";
import { startEmbeddedAws, type EmbeddedAws } from "../embedded-aws";
import { recordProgram, type ProgramRun, type RecordedResource } from "../plan/record";
import { loadStackConfig } from "../plan/stack-config";
import { startSourceApi, type DataProfile, type FaultOptions, type ScalePreset, type SourceApi } from "../source-api";
import { listRejects } from "../rejects-list";
import { checkConservation, type Census, type ServedRecords } from "./conservation";
import { parseBody, peekAll, queueDepth, scanAttribute } from "./census";
import { addTotals, parseEmfLine, type MetricTotals } from "./emf";
import type { LocalFunction } from "./local-function";
import type { LocalSchedule, ScheduleRun } from "./local-schedule";
import { realise, type LocalQueue, type RealisedPipeline } from "./realise";
import { countsFromMetrics } from "../../functions/lib/counts";
import { byKey } from "../../functions/lib/stages";
import type { RunReport, StageSummary } from "./report";
import type { KeptEndpoints } from "../keep-instructions";
import { cascadeOf, topologyOf, type CascadeStep, type Topology } from "./topology";

/** The token the local source demands, stored by the plan's own SSM parameter. */
export const LOCAL_SOURCE_TOKEN = "local-source-token";
/** Share of source records served schema-invalid by default, so rejects are exercised. */
export const DEFAULT_INVALID_RATE = 0.03;

export interface CascadeOptions {
  stack: string;
  scale: ScalePreset;
  seed: number;
  /** Share of source requests that fail (5xx, 429 with Retry-After, malformed body). */
  faults: number;
  /** What kind of data the sample source serves. @default "clean" */
  data?: DataProfile;
  invalidRate?: number;
  /** Seconds a failed message waits before it is retried locally. @default 1 */
  retryDelaySeconds?: number;
  /** Longest a run may take to settle before it is reported as stuck. @default 600000 */
  settleTimeoutMs?: number;
  /** Every line a function prints, for --verbose. */
  onOutput?: (functionName: string, lines: string[]) => void;
  /** Stack config to set on top of the stack file's, e.g. `{ maxReceiveCount: 5 }`. */
  config?: Record<string, unknown>;
  /** Parents whose listing the sample source always fails, so their work can only end in a DLQ. */
  unavailableParents?: readonly string[];
}

export interface Progress {
  elapsedMs: number;
  stages: Record<StageName, { invocations: number; written: number; rejected: number; sent: number; queued: number }>;
}

interface Stage {
  name: StageName;
  step: CascadeStep;
  fn: LocalFunction;
  sourceQueue?: LocalQueue;
  deadLetterQueue?: LocalQueue;
}

/**
 * The resources the SourceToken component brings: the local run sets sourceApiToken so the
 * functions read the sample source's token from SSM as deployed ones do, which adds them to
 * a stack that sets no token (so `cascade run` plans more than `cascade plan`).
 */
export function localOnlyResources(resources: readonly RecordedResource[]): RecordedResource[] {
  const components = new Set(
    resources.filter((resource) => resource.type === SOURCE_TOKEN_TYPE).map((resource) => resource.urn),
  );
  return resources.filter(
    (resource) =>
      components.has(resource.urn) || (resource.parentUrn !== undefined && components.has(resource.parentUrn)),
  );
}
const SOURCE_TOKEN_TYPE = "cascading-etl:index:SourceToken";

/** How the source misbehaves at a given overall fault rate. */
export function faultMix(rate: number): FaultOptions {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate must be between 0 and 1, got ${rate}`);
  return {
    errorRate: rate * 0.5,
    throttleRate: rate * 0.3,
    malformedRate: rate * 0.2,
    retryAfter: { form: "seconds", seconds: 1 },
  };
}

export class LocalCascade {
  private metrics = new Map<StageName, MetricTotals>();
  private readonly stageOfFunction = new Map<string, StageName>();

  private constructor(
    readonly options: CascadeOptions,
    readonly program: ProgramRun,
    readonly topology: Topology,
    readonly aws: EmbeddedAws,
    readonly source: SourceApi,
    readonly pipeline: RealisedPipeline,
    readonly stages: Stage[],
    readonly schedule: LocalSchedule,
    /** The bearer token the sample source demands, from the plan's SecureString. */
    readonly sourceToken: string | undefined,
    /** Resources in the plan only because the local run sets sourceApiToken (see localOnlyResources). */
    readonly localOnly: readonly RecordedResource[],
  ) {
    for (const stage of stages) this.stageOfFunction.set(stage.fn.spec.name, stage.name);
  }

  static async start(options: CascadeOptions): Promise<LocalCascade> {
    const stackConfig = loadStackConfig(options.stack, { overrides: options.config });
    const role = stackConfig.config["cascading-etl:stackRole"] ?? "all";
    if (role !== "all") {
      throw new Error(
        `stack ${options.stack} is the ${role} half of a split pair (stackRole ${role}); ` +
          "the local runtime runs a whole pipeline, so use a stack with stackRole all, such as dev or prod",
      );
    }
    const program = await recordProgram({
      stack: options.stack,
      overrides: { ...options.config, sourceApiToken: LOCAL_SOURCE_TOKEN },
    });
    const topology = topologyOf(program.resources);
    const steps = cascadeOf(topology, STAGES.length);
    const token = topology.parameters.find((parameter) => parameter.type === "SecureString")?.value;
    const started: Array<{ close(): Promise<void> }> = [];
    try {
      const source = await startSourceApi({
        seed: options.seed,
        scale: options.scale,
        data: options.data,
        token,
        invalidRate: options.invalidRate ?? DEFAULT_INVALID_RATE,
        faults: faultMix(options.faults),
        unavailableParents: options.unavailableParents,
      });
      started.push(source);
      const aws = await startEmbeddedAws();
      started.push(aws);
      // Functions may print during their cold start, before the cascade object exists.
      const observer: { cascade?: LocalCascade } = {};
      const pipeline = await realise(aws, topology, {
        sourceBaseUrl: source.url,
        retryDelaySeconds: options.retryDelaySeconds ?? 1,
        onOutput: (functionName, lines) => {
          observer.cascade?.observe(functionName, lines);
          options.onOutput?.(functionName, lines);
        },
      });
      started.push(pipeline);
      const stages = steps.map((step, index): Stage => ({
        name: STAGES[index],
        step,
        fn: pipeline.functionFor(step.fn.arn),
        sourceQueue: step.sourceQueue && pipeline.queueFor(step.sourceQueue),
        deadLetterQueue: step.deadLetterQueue && pipeline.queueFor(step.deadLetterQueue),
      }));
      observer.cascade = new LocalCascade(
        options,
        program,
        topology,
        aws,
        source,
        pipeline,
        stages,
        pipeline.schedules[0].schedule,
        token,
        stackConfig.config["cascading-etl:sourceApiToken"] === undefined ? localOnlyResources(program.resources) : [],
      );
      return observer.cascade;
    } catch (error) {
      for (const service of started.reverse()) await service.close().catch(() => undefined);
      throw error;
    }
  }

  /** Runs the cascade once, from the schedule to quiescence, and reports. */
  async runOnce(onProgress?: (progress: Progress) => void): Promise<RunReport> {
    const started = Date.now();
    const requestsBefore = { ...this.aws.requests, source: this.source.truth().requests.total };
    const statsBefore = new Map(this.stages.map((stage) => [stage.name, { ...stage.fn.stats }]));
    this.metrics = new Map(STAGES.map((stage) => [stage, {}]));

    // Dead letters from earlier runs are not this run's: they may cover nothing of it.
    const earlierDeadLetters = await this.deadLetterIds();
    const scheduleRun = await this.schedule.fire();
    await this.untilQuiet(started, onProgress);
    const durationMs = Date.now() - started;
    const requests = {
      dynamodb: this.aws.requests.dynamodb - requestsBefore.dynamodb,
      sqs: this.aws.requests.sqs - requestsBefore.sqs,
      ssm: this.aws.requests.ssm - requestsBefore.ssm,
      source: this.source.truth().requests.total - requestsBefore.source,
    };

    const census = await this.census(earlierDeadLetters, scheduleRun);
    const served = this.served();
    const verdict = checkConservation(served, census);

    const stages = Object.fromEntries(
      this.stages.map((stage) => {
        const totals = this.metrics.get(stage.name) ?? {};
        const before = statsBefore.get(stage.name)!;
        const summary: StageSummary = {
          invocations: stage.fn.stats.invocations - before.invocations,
          errors: stage.fn.stats.errors - before.errors,
          ...countsFromMetrics(totals),
          inDlq: census.deadLetterCounts[stage.name],
        };
        return [stage.name, summary];
      }),
    ) as Record<StageName, StageSummary>;

    return {
      ok: verdict.ok,
      conserved: verdict.conserved,
      stack: this.options.stack,
      scale: this.options.scale,
      seed: this.options.seed,
      faults: this.options.faults,
      source: {
        branches: served.branches.length,
        salespersons: served.salespersons.length,
        sales: served.sales.length,
        invalid: STAGES.reduce((sum, stage) => sum + served.invalid[stage].length, 0),
      },
      tables: {
        branches: census.tables.branches.length,
        salespersons: census.tables.salespersons.length,
        sales: census.tables.sales.length,
        rejects: census.rejects.length,
      },
      dlq: STAGES.reduce((sum, stage) => sum + census.deadLetterCounts[stage], 0),
      lost: verdict.lost,
      duplicates: verdict.duplicates,
      unexpected: verdict.unexpected,
      examples: verdict.examples,
      schedule: { ok: scheduleRun.ok, attempts: scheduleRun.attempts, deadLettered: scheduleRun.deadLettered },
      durationMs,
      requests,
      stages,
    };
  }

  /** Table names, queue URLs, environment and source token for pointing the AWS CLI, an SDK or curl here. */
  endpoints(): KeptEndpoints {
    return {
      environment: this.aws.env(),
      dynamodbEndpoint: this.aws.dynamodbEndpoint,
      sqsEndpoint: this.aws.sqsEndpoint,
      tables: Object.fromEntries(this.topology.tables.map((table) => [table.logicalName, table.name])),
      queues: Object.fromEntries(this.pipeline.queues.map((queue) => [queue.spec.logicalName, queue.url])),
      sourceUrl: this.source.url,
      sourceToken: this.sourceToken,
      examples: {
        table: this.tableName(STAGES[STAGES.length - 1]),
        rejectsTable: this.tableName("rejects"),
        queueUrl: this.stages.find((stage) => stage.sourceQueue)!.sourceQueue!.url,
      },
    };
  }

  /** Closes everything it started, even when one part fails to close. */
  async close(): Promise<void> {
    const results = [
      await Promise.allSettled([this.pipeline.close()]),
      await Promise.allSettled([this.source.close(), this.aws.close()]),
    ].flat();
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) throw failed.reason;
  }

  /** The planned table of a kind, found by its key schema. */
  private tableName(kind: keyof typeof TABLE_KEYS): string {
    const hashKey = TABLE_KEYS[kind].hashKey;
    const rangeKey = "rangeKey" in TABLE_KEYS[kind] ? TABLE_KEYS[kind].rangeKey : undefined;
    const table = this.topology.tables.find(
      (candidate) => candidate.hashKey === hashKey && candidate.rangeKey === rangeKey,
    );
    if (!table) throw new Error(`the plan has no ${kind} table`);
    return table.name;
  }

  private observe(functionName: string, lines: string[]): void {
    const stage = this.stageOfFunction.get(functionName);
    if (!stage) return;
    const totals = this.metrics.get(stage) ?? {};
    for (const line of lines) {
      const metrics = parseEmfLine(line, METRICS_NAMESPACE);
      if (metrics) addTotals(totals, metrics);
    }
    this.metrics.set(stage, totals);
  }

  /** Waits until no mapping is busy and every source queue is empty, twice in a row. */
  private async untilQuiet(started: number, onProgress?: (progress: Progress) => void): Promise<void> {
    const limit = started + (this.options.settleTimeoutMs ?? 600_000);
    let quietChecks = 0;
    while (quietChecks < 2) {
      const depths = await Promise.all(
        this.stages.map((stage) =>
          stage.sourceQueue ? queueDepth(this.aws.sqs, stage.sourceQueue.url) : Promise.resolve(0),
        ),
      );
      const stopped = this.pipeline.mappings.find(({ mapping }) => mapping.failure)?.mapping.failure;
      if (stopped) throw stopped;
      const busy = this.pipeline.mappings.some(({ mapping }) => mapping.active) || depths.some((depth) => depth > 0);
      quietChecks = busy ? 0 : quietChecks + 1;
      onProgress?.(this.progress(started, depths));
      if (Date.now() > limit)
        throw new Error(`the cascade did not settle within ${Math.round((limit - started) / 1000)} s`);
      if (quietChecks < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private progress(started: number, depths: number[]): Progress {
    const stages = Object.fromEntries(
      this.stages.map((stage, index) => {
        const totals = this.metrics.get(stage.name) ?? {};
        return [
          stage.name,
          {
            invocations: stage.fn.stats.invocations,
            written: totals[METRICS.written] ?? 0,
            rejected: totals[METRICS.rejected] ?? 0,
            sent: totals[METRICS.sent] ?? 0,
            queued: depths[index],
          },
        ];
      }),
    ) as Progress["stages"];
    return { elapsedMs: Date.now() - started, stages };
  }

  private served(): ServedRecords {
    const truth = this.source.truth();
    const dataset = this.source.dataset();
    const servedEmployees = new Set([...truth.employees.valid, ...truth.employees.invalid]);
    return {
      branches: truth.branches.valid,
      salespersons: truth.employees.salespersons,
      sales: truth.sales.valid,
      invalid: { branches: truth.branches.invalid, salespersons: truth.employees.invalid, sales: truth.sales.invalid },
      branchOfEmployee: new Map(dataset.employees.map((employee) => [employee.id, employee.branchId])),
      employeeOfSale: new Map(dataset.sales.map((sale) => [sale.id, sale.employeeId])),
      listed: truth.listed,
      carriers: {
        branches: [...truth.branches.valid, ...truth.branches.invalid],
        salespersons: dataset.employees
          .filter((employee) => employee.sells && servedEmployees.has(employee.id))
          .map((employee) => employee.id),
      },
    };
  }

  private async deadLetterIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const stage of this.stages) {
      if (!stage.deadLetterQueue) continue;
      for (const message of await peekAll(this.aws.sqs, stage.deadLetterQueue.url)) ids.add(message.MessageId ?? "");
    }
    return ids;
  }

  private async census(
    earlierDeadLetters: ReadonlySet<string>,
    schedule: ScheduleRun,
  ): Promise<Census & { deadLetterCounts: Record<StageName, number> }> {
    const tableName = (kind: keyof typeof TABLE_KEYS) => this.tableName(kind);
    const ids = async (kind: StageName) =>
      (await scanAttribute(this.aws.dynamodb, tableName(kind), [TABLE_KEYS[kind].hashKey])).map(
        (item) => item[TABLE_KEYS[kind].hashKey],
      );
    const tables = byKey(STAGES, (): string[] => []);
    for (const stage of STAGES) tables[stage] = await ids(stage);
    const rejects = await listRejects(this.aws.dynamodb, tableName("rejects"));

    const deadLetterCounts = byKey(STAGES, () => 0);
    const deadLetters = { scheduledRuns: 0, branchIds: [] as string[], employeeIds: [] as string[] };
    for (const stage of this.stages) {
      if (!stage.deadLetterQueue) continue;
      const messages = (await peekAll(this.aws.sqs, stage.deadLetterQueue.url)).filter(
        (message) => !earlierDeadLetters.has(message.MessageId ?? ""),
      );
      deadLetterCounts[stage.name] = messages.length;
      for (const body of messages.map(parseBody)) {
        if (stage.name === "branches") deadLetters.scheduledRuns += 1;
        else if (stage.name === "salespersons" && typeof body?.branchId === "string")
          deadLetters.branchIds.push(body.branchId);
        else if (stage.name === "sales" && typeof body?.employeeId === "string")
          deadLetters.employeeIds.push(body.employeeId);
      }
    }
    return {
      tables,
      rejects,
      deadLetters,
      deadLetterCounts,
      schedule,
    };
  }
}
