/**
 * The stages of the cascade, declared once. Everything that differs from one stage to
 * the next is in STAGE_TABLE: what starts the stage (the schedule, or the queue its
 * parent stage fans out to), the table it writes and that table's key schema, where it
 * reads the source and the schema of a source record, the variables only it needs, and
 * its function's default size. The Pulumi program, the functions, the local runtime and
 * the policy pack derive the rest from it with the pure functions below: which stage
 * feeds which queue, which queue each stage consumes, the grants of each role, the
 * environment of each function.
 *
 * A stage table is also a parameter: `createPipeline` builds whatever table it is given,
 * so a stage added here adds its function, role, log group, queue, DLQ, mapping and
 * alarms, and nothing else needs to change (a test builds a four-stage variant).
 */
import type { z } from "zod";
import type { EnvKey } from "./contract";
import { BranchRecord, EmployeeRecord, SaleRecord } from "./schemas";

/** A DynamoDB key schema; every key attribute is a string. */
export interface KeySchema {
  readonly hashKey: string;
  readonly rangeKey?: string;
}

/** Started by the schedule: the first stage of a run. */
export interface ScheduleStart {
  readonly kind: "schedule";
}

/** Started by an SQS event source mapping on `queue`, which stage `from` fans out to. */
export interface QueueStart {
  readonly kind: "queue";
  /** The queue's name in the program (its logical name, its key in the stack outputs). */
  readonly queue: string;
  /** The stage whose records each put one message on the queue. */
  readonly from: string;
}

export interface StageSpec {
  readonly name: string;
  readonly trigger: ScheduleStart | QueueStart;
  /** The key schema of the stage's own table. */
  readonly table: KeySchema;
  /** The source listing the stage reads (a path under SOURCE_BASE_URL) and the schema of one of its records. */
  readonly source: { readonly path: string; readonly record: z.ZodType };
  /** Variables this stage needs beyond those every stage gets (STAGE_COMMON_ENVIRONMENT). */
  readonly environment: readonly EnvKey[];
  /** The module exporting the stage's Lambda handler, relative to functions/ (bundled by functions/bundle.ts). */
  readonly handler: string;
  /** The function's size unless the stack's config says otherwise. */
  readonly defaults: { readonly memoryMb: number; readonly timeoutSeconds: number };
}

export type StageTable = readonly StageSpec[];

/** The three collectors, in cascade order. */
export const STAGE_TABLE = [
  {
    name: "branches",
    handler: "branches/handler.ts",
    trigger: { kind: "schedule" },
    table: { hashKey: "branch_id" },
    source: { path: "/branches", record: BranchRecord },
    environment: [],
    defaults: { memoryMb: 256, timeoutSeconds: 60 },
  },
  {
    name: "salespersons",
    handler: "salespersons/handler.ts",
    trigger: { kind: "queue", queue: "employee", from: "branches" },
    table: { hashKey: "employee_id", rangeKey: "branch_id" },
    source: { path: "/employees", record: EmployeeRecord },
    environment: [],
    defaults: { memoryMb: 256, timeoutSeconds: 60 },
  },
  {
    name: "sales",
    handler: "sales/handler.ts",
    trigger: { kind: "queue", queue: "sale", from: "salespersons" },
    table: { hashKey: "sale_id", rangeKey: "employee_id" },
    source: { path: "/sales", record: SaleRecord },
    environment: ["lookbackHours"],
    defaults: { memoryMb: 512, timeoutSeconds: 120 },
  },
] as const satisfies StageTable;

type RealStage = (typeof STAGE_TABLE)[number];
export type StageName = RealStage["name"];
/** The stage queues of the real table, by the name the program gives them. */
export type QueueKind = Extract<RealStage["trigger"], { kind: "queue" }>["queue"];
/** Each real stage's key schema, with its range key typed as present where it is. */
export type StageKeys = { [S in RealStage as S["name"]]: S["table"] };

/** The real table's rows by stage name, each with its exact types (its record schema's, for one). */
export const STAGE = Object.fromEntries(STAGE_TABLE.map((stage) => [stage.name, stage])) as {
  readonly [S in RealStage as S["name"]]: S;
};

/** The variables every stage's function is given (Powertools' own come on top). */
export const STAGE_COMMON_ENVIRONMENT = [
  "tableName",
  "rejectsTableName",
  "sourceBaseUrl",
  "sourceTokenParameter",
  "deployStage",
  "rejectsTtlDays",
] as const satisfies readonly EnvKey[];

/** Thrown when a stage table does not describe one cascade. */
export class StageTableError extends Error {
  override readonly name = "StageTableError";
  constructor(readonly problems: string[]) {
    super(`invalid stage table:\n  - ${problems.join("\n  - ")}`);
  }
}

/** Names that are not free for a stage: the rejects table (REJECTS_TABLE) shares the stages' table names. */
const RESERVED_STAGE_NAMES = ["rejects"];
const NAME = /^[a-z][a-z0-9]*$/;

/**
 * Why a table does not describe one cascade; empty when it does. A cascade has exactly
 * one scheduled stage, first; every other stage consumes one queue, fed by a stage
 * listed before it; a stage fans out to at most one queue (its function has one
 * TARGET_QUEUE_URL); names of stages and queues are unique and usable in resource names.
 */
export function stageTableProblems(table: StageTable): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const queues = new Set<string>();
  const fedBy = new Map<string, string>();
  table.forEach((stage, index) => {
    if (!NAME.test(stage.name) || RESERVED_STAGE_NAMES.includes(stage.name))
      problems.push(`stage ${JSON.stringify(stage.name)}: a name must be lower-case letters and digits, not rejects`);
    if (seen.has(stage.name)) problems.push(`stage ${stage.name}: listed twice`);
    const trigger = stage.trigger;
    if (trigger.kind === "schedule") {
      if (index !== 0) problems.push(`stage ${stage.name}: only the first stage is started by the schedule`);
    } else {
      if (index === 0) problems.push(`stage ${stage.name}: the first stage must be started by the schedule`);
      if (!NAME.test(trigger.queue)) problems.push(`queue ${JSON.stringify(trigger.queue)}: a name must be lower-case`);
      if (queues.has(trigger.queue)) problems.push(`queue ${trigger.queue}: consumed by two stages`);
      if (!seen.has(trigger.from))
        problems.push(`stage ${stage.name}: fed from ${trigger.from}, which is not a stage listed before it`);
      const earlier = fedBy.get(trigger.from);
      if (earlier !== undefined)
        problems.push(`stage ${trigger.from}: fans out to two queues (${earlier}, ${trigger.queue})`);
      queues.add(trigger.queue);
      fedBy.set(trigger.from, trigger.queue);
    }
    seen.add(stage.name);
  });
  if (table.length === 0) problems.push("no stages");
  return problems;
}

/** The table itself once it is known to describe one cascade; throws StageTableError otherwise. */
export function checkStageTable<T extends StageTable>(table: T): T {
  const problems = stageTableProblems(table);
  if (problems.length > 0) throw new StageTableError(problems);
  return table;
}

/** The stage names, in cascade order. */
export function stageNames(table: StageTable): string[] {
  return table.map((stage) => stage.name);
}

/** One stage's row; throws naming the stage when the table has none. */
export function stageOf(table: StageTable, name: string): StageSpec {
  const found = table.find((stage) => stage.name === name);
  if (found === undefined) throw new StageTableError([`no stage named ${JSON.stringify(name)}`]);
  return found;
}

/** The queue that starts `stage`, or undefined for the scheduled stage. */
export function sourceQueueOf(table: StageTable, stage: string): string | undefined {
  const trigger = stageOf(table, stage).trigger;
  return trigger.kind === "queue" ? trigger.queue : undefined;
}

/** The queue `stage` fans out to: the one whose consumer is fed from it; undefined for a leaf. */
export function targetQueueOf(table: StageTable, stage: string): string | undefined {
  for (const other of table)
    if (other.trigger.kind === "queue" && other.trigger.from === stage) return other.trigger.queue;
  return undefined;
}

/** The stage queues, in cascade order. */
export function queueNames(table: StageTable): string[] {
  return table.flatMap((stage) => (stage.trigger.kind === "queue" ? [stage.trigger.queue] : []));
}

/** The stage that consumes `queue`. */
export function consumerOf(table: StageTable, queue: string): string {
  const found = table.find((stage) => stage.trigger.kind === "queue" && stage.trigger.queue === queue);
  if (found === undefined) throw new StageTableError([`no stage consumes queue ${JSON.stringify(queue)}`]);
  return found.name;
}

/** The stage the schedule starts. */
export function scheduledStage(table: StageTable): string {
  const found = table.find((stage) => stage.trigger.kind === "schedule");
  if (found === undefined) throw new StageTableError(["no stage is started by the schedule"]);
  return found.name;
}

/**
 * The variables `stage`'s function is given: those of every stage, TARGET_QUEUE_URL when
 * it fans out, and its own. The program sets exactly these; the function reads exactly these.
 */
export function stageEnvironment(table: StageTable, stage: string): EnvKey[] {
  const own = stageOf(table, stage).environment;
  return [
    ...STAGE_COMMON_ENVIRONMENT,
    ...(targetQueueOf(table, stage) !== undefined ? (["targetQueueUrl"] as const) : []),
    ...own,
  ];
}

/** The cascade as one line, for a dashboard: schedule → branches → employee queue → … */
export function cascadeLine(table: StageTable): string {
  return [
    "schedule",
    ...table.flatMap((stage) =>
      stage.trigger.kind === "queue" ? [`${stage.trigger.queue} queue`, stage.name] : [stage.name],
    ),
  ].join(" → ");
}

/** A record with one entry per key. */
export function byKey<K extends string, V>(keys: readonly K[], value: (key: K) => V): Record<K, V> {
  return Object.fromEntries(keys.map((key) => [key, value(key)])) as Record<K, V>;
}
