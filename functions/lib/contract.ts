/**
 * The contracts that tie the pipeline together (docs/design.md), in one place that the
 * Lambda code, the Pulumi program and the local runtime all import. Nothing here talks
 * to AWS: it is names and shapes only, so a rename is one edit and a type error
 * everywhere it matters.
 */
import { byKey, STAGE_TABLE, stageEnvironment, type QueueKind, type StageKeys, type StageName } from "./stages";

/** The stage names, in cascade order, from the stage table (functions/lib/stages.ts). */
export const STAGES = STAGE_TABLE.map((stage) => stage.name) as readonly StageName[];
export type { StageName, QueueKind };

/** The rejects table, shared by every stage: its name among the tables (no stage may take it) and its keys. */
export const REJECTS_TABLE = "rejects";
export const REJECTS_KEYS = { hashKey: "stage", rangeKey: "source_id" } as const;
/** The tables the stages write, keyed as in docs/design.md, "The cascade", and the rejects table. */
export const TABLE_KEYS = {
  ...(Object.fromEntries(STAGE_TABLE.map((stage) => [stage.name, stage.table])) as StageKeys),
  [REJECTS_TABLE]: REJECTS_KEYS,
};
export type TableKind = keyof typeof TABLE_KEYS;

/** The TTL attribute of the rejects table (epoch seconds). */
export const REJECTS_TTL_ATTRIBUTE = "expires_at";
/** The attribute every upserted item carries: a hash of the source record. */
export const CONTENT_HASH_ATTRIBUTE = "content_hash";

/**
 * Environment variables, one per fact, read once at cold start. Which stage reads which
 * is derived from the stage table (`stageEnvironment`); the Pulumi program sets exactly those.
 */
export const ENV = {
  /** The stage's own DynamoDB table. */
  tableName: "TABLE_NAME",
  /** The rejects table (docs/design.md, "Rejects"). */
  rejectsTableName: "REJECTS_TABLE_NAME",
  /** The queue the stage fans out to (stages 1 and 2 only). */
  targetQueueUrl: "TARGET_QUEUE_URL",
  /** Base URL of the third-party source API, without a trailing slash. */
  sourceBaseUrl: "SOURCE_BASE_URL",
  /** Name of the SSM SecureString holding the source token; unset means no token. */
  sourceTokenParameter: "SOURCE_TOKEN_PARAMETER",
  /** The deployment stage (the Pulumi stack name: dev, prod, ...). */
  deployStage: "DEPLOY_STAGE",
  /** Sales look-back window in hours (stage 3 only). */
  lookbackHours: "LOOKBACK_HOURS",
  /** Days a reject is kept before DynamoDB's TTL removes it. */
  rejectsTtlDays: "REJECTS_TTL_DAYS",
} as const;
export type EnvKey = keyof typeof ENV;

/** The variables each stage's function is given (Powertools' own come on top), from the stage table. */
export const STAGE_ENVIRONMENT: Record<StageName, readonly EnvKey[]> = byKey(STAGES, (stage) =>
  stageEnvironment(STAGE_TABLE, stage),
);

/** Stage 2's input: one per branch. */
export interface BranchMessage {
  runId: string;
  branchId: string;
  /** A backfill's window start (ISO 8601), carried down to the sales stage. */
  since?: string;
}
/** Stage 3's input: one per salesperson. */
export interface SalespersonMessage {
  runId: string;
  branchId: string;
  employeeId: string;
  /** When present, the sales window starts here instead of `lookbackHours` before now. */
  since?: string;
}
/** The run id also travels as this message attribute, so one run can be followed. */
export const RUN_ID_ATTRIBUTE = "runId";

/**
 * The event that starts stage 1; `branches` limits the run to those names, `since`
 * (ISO 8601) starts the run's sales window there: a backfill.
 */
export interface ScheduleEvent {
  branches?: string[];
  since?: string;
}

/**
 * Metrics every collector emits (CloudWatch EMF through Powertools, namespace from
 * POWERTOOLS_METRICS_NAMESPACE). The local runtime reads the same EMF lines from each
 * function's output to build its summary, as CloudWatch would. The one list of counts:
 * functions/lib/counts.ts derives the rest from it, in this order.
 */
export const METRICS = {
  fetched: "RecordsFetched",
  written: "RecordsWritten",
  unchanged: "RecordsUnchanged",
  rejected: "RecordsRejected",
  /** Valid records left out on purpose: employees who do not sell, sales outside the look-back window. */
  skipped: "RecordsSkipped",
  /** Rows removed because their record is now listed under another parent (a transfer). */
  moved: "RecordsMoved",
  retried: "SourceRetries",
  sent: "MessagesSent",
} as const;
export type MetricKey = keyof typeof METRICS;
export const METRICS_NAMESPACE = "CascadingEtl";

/**
 * Why a stage fetches records it neither stores nor rejects (METRICS.skipped), so that
 * fetched = written + unchanged + rejected + skipped. Each skip is logged with its id and
 * one of these reasons; the summary says the reasons in words.
 * - NOT_SALESPERSON: an employee who does not sell; only salespersons are stored.
 * - OUTSIDE_WINDOW: a sale before the look-back window (or the backfill's since).
 * - REPEAT: an id served twice in one pull with the same content: kept once, not an error.
 */
export const SKIP_REASONS = {
  NOT_SALESPERSON: "employees who are not salespersons",
  OUTSIDE_WINDOW: "sales before the look-back window",
  REPEAT: "repeats within one pull",
} as const;
export type SkipReason = keyof typeof SKIP_REASONS;

/** The skip reasons each stage can have, in the order the summary says them. */
export const STAGE_SKIP_REASONS: Record<StageName, readonly SkipReason[]> = {
  branches: ["REPEAT"],
  salespersons: ["NOT_SALESPERSON", "REPEAT"],
  sales: ["OUTSIDE_WINDOW", "REPEAT"],
};

/**
 * Why a source record went to the rejects table instead of its stage's table. A closed
 * set, so the CLI and alarms can match on it.
 * - SCHEMA_INVALID: the record does not match the stage's schema.
 * - PARENT_MISMATCH: the record names a different parent than the one asked for (an
 *   employee of another branch, a sale of another salesperson).
 * - DUPLICATE_ID: the same id came twice in one pull with different content.
 * The rest are what DynamoDB would refuse (functions/lib/storable.ts cites its limits):
 * - ITEM_TOO_LARGE: the stored item would exceed DynamoDB's 400 KB item limit.
 * - NUMBER_OUT_OF_RANGE: a number outside 1E-130..9.99…E+125 in magnitude (or not a number).
 * - NUMBER_TOO_PRECISE: a number of more than 38 significant digits; DynamoDB would round it.
 * - STRING_NOT_UNICODE: a string with a lone UTF-16 surrogate, which has no UTF-8 form.
 * - KEY_EMPTY: a key attribute (id or parent link) is the empty string.
 * - KEY_TOO_LONG: a partition key over 2,048 bytes or a sort key over 1,024 bytes.
 * - NESTING_TOO_DEEP: a value nested deeper than DynamoDB's 32 levels.
 * - STORE_REFUSED: DynamoDB refused the item anyway (ValidationException); its message is the detail.
 */
export const REJECT_REASONS = [
  "SCHEMA_INVALID",
  "PARENT_MISMATCH",
  "DUPLICATE_ID",
  "ITEM_TOO_LARGE",
  "NUMBER_OUT_OF_RANGE",
  "NUMBER_TOO_PRECISE",
  "STRING_NOT_UNICODE",
  "KEY_EMPTY",
  "KEY_TOO_LONG",
  "NESTING_TOO_DEEP",
  "STORE_REFUSED",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Attributes of a rejects item besides its keys and REJECTS_TTL_ATTRIBUTE. */
export const REJECT_ATTRIBUTES = {
  reason: "reason",
  detail: "detail",
  runId: "run_id",
  payload: "payload_excerpt",
  rejectedAt: "rejected_at",
  /**
   * The record's whole id as JSON text, when the key could not be the id itself (too long
   * for a sort key, empty, or not valid Unicode): the key is then a hash of it.
   */
  recordId: "record_id",
} as const;

/** Attributes every upserted item carries besides its source fields and CONTENT_HASH_ATTRIBUTE. */
export const RUN_ATTRIBUTES = { runId: "run_id", updatedAt: "updated_at" } as const;
