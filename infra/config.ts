/**
 * Stack configuration: every key is declared once in CONFIG_SPEC (type, default,
 * meaning), read once, and validated as a whole before any resource is registered.
 * `parseConfig` is pure so the rules are tested without Pulumi and can be reused by a
 * policy pack; `loadConfig` feeds it from the Pulumi runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import { STAGES, type StageName } from "../functions/lib/contract";
import { ScheduleEventSchema } from "../functions/lib/schemas";
import { consumerOf, queueNames, STAGE_TABLE, stageOf } from "../functions/lib/stages";

export const PROJECT = "cascading-etl";

export type ConfigType = "string" | "integer" | "boolean" | "array";

/**
 * In split mode, the one stack that reads a key; absent means both do. A key read only
 * by the other stack would be silently ignored, so setting it is an error instead.
 */
export type SplitOwner = "shared" | "pipeline";

export interface ConfigKeySpec {
  type: ConfigType;
  /** Absent only for keys that have no sensible default (secrets). */
  default?: string | number | boolean | string[];
  secret?: boolean;
  description: string;
  split?: SplitOwner;
}

/** Lambda's own limits (memory in MB, timeout in seconds). */
export const LAMBDA_LIMITS = { memoryMb: { min: 128, max: 10240 }, timeoutSeconds: { min: 1, max: 900 } } as const;
/** The retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** SQS limits: retention 60 s..14 d, visibility at most 12 h. */
export const SQS_LIMITS = { retentionSeconds: { min: 60, max: 1209600 }, visibilityTimeoutMaxSeconds: 43200 } as const;
/** The redrive threshold we refuse to go below: fewer receives turn a throttled burst into dead letters. */
export const MIN_MAX_RECEIVE_COUNT = 5;

const memoryKey = (stage: StageName) => `${stage}MemoryMb` as const;
const timeoutKey = (stage: StageName) => `${stage}TimeoutSeconds` as const;

/** The stages whose timeout sizes a queue's visibility: every queue's consumer. */
const QUEUE_CONSUMERS = queueNames(STAGE_TABLE).map((queue) => consumerOf(STAGE_TABLE, queue));

// The consumers' timeouts also size their source queues' visibility, so in split mode
// both stacks read those; the scheduled collector reads no queue.
const collectorSpecs = Object.fromEntries(
  STAGES.flatMap((stage) => [
    [
      memoryKey(stage),
      {
        type: "integer",
        default: stageOf(STAGE_TABLE, stage).defaults.memoryMb,
        description: `Memory of the ${stage} collector in MB (128-10240).`,
        split: "pipeline",
      },
    ],
    [
      timeoutKey(stage),
      {
        type: "integer",
        default: stageOf(STAGE_TABLE, stage).defaults.timeoutSeconds,
        description: `Timeout of the ${stage} collector in seconds (1-900).`,
        ...(QUEUE_CONSUMERS.includes(stage) ? {} : { split: "pipeline" }),
      },
    ],
  ]),
) as Record<`${StageName}MemoryMb` | `${StageName}TimeoutSeconds`, ConfigKeySpec>;

// Pulumi project config has no object type (pulumi/pulumi sdk/go/common/workspace/project.json,
// simpleConfigType: string, integer, boolean, array), so the adopted tables are one string key each.
export const adoptTableKey = (stage: StageName) =>
  `adopt${stage.charAt(0).toUpperCase()}${stage.slice(1)}Table` as `adopt${Capitalize<StageName>}Table`;

const adoptSpecs = Object.fromEntries(
  STAGES.map((stage) => [
    adoptTableKey(stage),
    {
      type: "string",
      default: "",
      description:
        `Name of an existing ${stage} table to take over (e.g. one of the original CloudFormation stack); ` +
        "empty means this stack creates its own. Set all three or none.",
      split: "shared",
    },
  ]),
) as Record<`adopt${Capitalize<StageName>}Table`, ConfigKeySpec>;

/** Every project config key. Pulumi.yaml declares exactly these, with these types and defaults. */
export const CONFIG_SPEC = {
  sourceApiUrl: {
    type: "string",
    default: "https://source.example.com/api",
    description: "Base URL of the source API (https, no trailing slash).",
    split: "pipeline",
  },
  sourceApiToken: {
    type: "string",
    secret: true,
    description:
      "Source API token. Optional; when set it is stored as an SSM SecureString and the functions get only the parameter name.",
    split: "pipeline",
  },
  sourceApiTokenVersion: {
    type: "integer",
    default: 1,
    description:
      "Version of sourceApiToken; raise it with every new token. The token is written to SSM as a write-only " +
      "value that Pulumi never stores, so this number is how an update sees that the token changed.",
    split: "pipeline",
  },
  schedule: {
    type: "string",
    default: "rate(1 hour)",
    description: "EventBridge Scheduler expression that starts a run: rate(N unit) or cron(6 fields).",
    split: "pipeline",
  },
  scheduleBranches: {
    type: "array",
    default: [],
    description: "Branch names a scheduled run is limited to; empty means all branches.",
    split: "pipeline",
  },
  lookbackHours: {
    type: "integer",
    default: 24,
    description: "How far back the sales collector reads sales, in hours (1-168).",
    split: "pipeline",
  },
  ...collectorSpecs,
  batchSize: {
    type: "integer",
    default: 10,
    description:
      "Messages per invocation of the queue-triggered collectors (1-10; up to 10000 with a batching window).",
    split: "pipeline",
  },
  batchingWindowSeconds: {
    type: "integer",
    default: 0,
    description: "How long the event source mapping gathers a batch, in seconds (0-300).",
  },
  maxConcurrency: {
    type: "integer",
    default: 5,
    description:
      "Maximum concurrent invocations per event source mapping (2-1000). Each invocation reads its batch's records in parallel, so source load peaks at maxConcurrency × batchSize requests.",
    split: "pipeline",
  },
  maxReceiveCount: {
    type: "integer",
    default: 10,
    description: "Receives before a message moves to its DLQ (at least 5).",
    split: "shared",
  },
  queueRetentionSeconds: {
    type: "integer",
    default: 345600,
    description: "Retention of the employee and sale queues in seconds (60-1209600).",
    split: "shared",
  },
  dlqRetentionSeconds: {
    type: "integer",
    default: 1209600,
    description: "Retention of every DLQ in seconds; longer than queueRetentionSeconds, at most 1209600.",
    split: "shared",
  },
  logRetentionDays: {
    type: "integer",
    default: 30,
    description: "Retention of the functions' log groups in days (a value CloudWatch Logs accepts).",
    split: "pipeline",
  },
  alarmEmail: {
    type: "string",
    default: "",
    description: "Email address subscribed to the alarm topic; empty means no subscription.",
    split: "pipeline",
  },
  durationAlarmPercent: {
    type: "integer",
    default: 80,
    description: "Duration alarm threshold as a percentage of each function's timeout (1-100).",
    split: "pipeline",
  },
  queueAgeAlarmSeconds: {
    type: "integer",
    default: 3600,
    description:
      "Alarm when the oldest message of a stage queue is this old, in seconds (60 up to, not including, queueRetentionSeconds).",
    split: "pipeline",
  },
  pointInTimeRecovery: {
    type: "boolean",
    default: false,
    description: "Point-in-time recovery on every table.",
    split: "shared",
  },
  deletionProtection: {
    type: "boolean",
    default: false,
    description: "Deletion protection on every table.",
    split: "shared",
  },
  rejectsTtlDays: {
    type: "integer",
    default: 30,
    description: "Days a reject is kept before DynamoDB's TTL removes it (1-365).",
    split: "pipeline",
  },
  scheduleMaxRetryAttempts: {
    type: "integer",
    default: 2,
    description: "Retries of EventBridge Scheduler when invoking the branches collector fails (0-185).",
    split: "pipeline",
  },
  scheduleMaxEventAgeSeconds: {
    type: "integer",
    default: 3600,
    description: "How long EventBridge Scheduler keeps retrying an invocation, in seconds (60-86400).",
    split: "pipeline",
  },
  asyncMaxRetryAttempts: {
    type: "integer",
    default: 2,
    description: "Lambda's retries of a failed asynchronous (scheduled) invocation (0-2).",
    split: "pipeline",
  },
  asyncMaxEventAgeSeconds: {
    type: "integer",
    default: 3600,
    description: "How long Lambda keeps a scheduled event for retries, in seconds (60-21600).",
    split: "pipeline",
  },
  stackRole: {
    type: "string",
    default: "all",
    description:
      "What this stack deploys: all (the whole pipeline), shared (tables, queues and the collectors' roles of one pipeline stack) or pipeline (collectors and monitoring, reading the rest from sharedStack).",
  },
  sharedStack: {
    type: "string",
    default: "",
    description:
      "With stackRole pipeline: the shared stack to read, fully qualified as <org>/<project>/<stack>. Empty otherwise.",
    split: "pipeline",
  },
  pipelineStackName: {
    type: "string",
    default: "",
    description:
      "With stackRole shared: the name of the one pipeline stack this stack serves; the roles are scoped to that stack's log groups and source token parameter. Empty otherwise.",
    split: "shared",
  },
  ...adoptSpecs,
  adoptTablesPhase: {
    type: "string",
    default: "import",
    description:
      "With the adopt*Table keys: import (take the tables over exactly as they are) or secure (then turn on " +
      "encryption with the AWS managed key, point-in-time recovery and deletion protection as configured, in place).",
    split: "shared",
  },
  permissionsBoundaryArn: {
    type: "string",
    default: "",
    description:
      "ARN of the IAM policy set as permissions boundary on every role the program creates (output " +
      "permissionsBoundaryArn of infra/deployments, whose deploy roles require it). Empty means none.",
  },
} as const satisfies Record<string, ConfigKeySpec>;

export type ConfigKey = keyof typeof CONFIG_SPEC;
export const CONFIG_KEYS = Object.keys(CONFIG_SPEC) as ConfigKey[];

export interface CollectorSettings {
  memoryMb: number;
  timeoutSeconds: number;
}

export const STACK_ROLES = ["all", "shared", "pipeline"] as const;

/**
 * What one stack deploys. `all` is the single-stack default. In split mode a `shared`
 * stack owns the tables, queues and collector roles of exactly one pipeline stack
 * (named here, because the roles are scoped to that stack's log groups and token
 * parameter), and the `pipeline` stack reads them from `sharedStack`.
 */
export type StackRole =
  { role: "all" } | { role: "shared"; pipelineStackName: string } | { role: "pipeline"; sharedStack: string };

/**
 * How adopted tables are handled: `import` gives them exactly the settings the original
 * template gave them, so the import changes nothing; `secure` adds ours as in-place updates.
 */
export const ADOPT_PHASES = ["import", "secure"] as const;
export type AdoptPhase = (typeof ADOPT_PHASES)[number];

/** Existing stage tables this stack takes over instead of creating its own. */
export interface AdoptedTables {
  names: Record<StageName, string>;
  phase: AdoptPhase;
}

/**
 * DynamoDB's rule for table names: 3 to 255 characters of a-z, A-Z, 0-9, _, - and .
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html).
 */
export const DYNAMODB_TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** The validated, typed configuration the program is built from. */
export interface PipelineConfig {
  project: string;
  stack: string;
  region: string;
  stackRole: StackRole;
  sourceApiUrl: string;
  /** Plain here; `loadConfig` marks it secret before any resource sees it. */
  sourceApiToken?: string;
  sourceApiTokenVersion: number;
  schedule: string;
  scheduleBranches: string[];
  lookbackHours: number;
  collectors: Record<StageName, CollectorSettings>;
  batchSize: number;
  batchingWindowSeconds: number;
  maxConcurrency: number;
  maxReceiveCount: number;
  queueRetentionSeconds: number;
  dlqRetentionSeconds: number;
  logRetentionDays: number;
  alarmEmail?: string;
  durationAlarmPercent: number;
  queueAgeAlarmSeconds: number;
  pointInTimeRecovery: boolean;
  deletionProtection: boolean;
  rejectsTtlDays: number;
  scheduleMaxRetryAttempts: number;
  scheduleMaxEventAgeSeconds: number;
  asyncMaxRetryAttempts: number;
  asyncMaxEventAgeSeconds: number;
  /** Absent unless all three adopt*Table keys are set. */
  adoptTables?: AdoptedTables;
  /** Set on every role the program creates. */
  permissionsBoundaryArn?: string;
}

/** Thrown once with every invalid key, before any resource is registered. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
  }
}

export type ParseResult = { ok: true; config: PipelineConfig } | { ok: false; errors: string[] };

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
// cron(min hour day-of-month month day-of-week year): six fields, one of day fields is "?".
const CRON = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** A customer or AWS managed policy: IAM path and name characters are [\w+=,.@-] (IAM API reference, Policy). */
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;
/** A Pulumi stack name, and a fully qualified reference to one (<org>/<project>/<stack>). */
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;
const QUALIFIED_STACK = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** Checks an EventBridge Scheduler expression; returns why it is invalid, or undefined. */
export function scheduleProblem(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return "a rate must be at least 1";
    const singular = !rate[2].endsWith("s");
    if (n === 1 && !singular) return `use "rate(1 ${rate[2].slice(0, -1)})" for a value of 1`;
    if (n > 1 && singular) return `use "rate(${n} ${rate[2]}s)" for a value above 1`;
    return undefined;
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const dayOfMonth = cron[3];
    const dayOfWeek = cron[5];
    if ((dayOfMonth === "?") === (dayOfWeek === "?")) return "exactly one of day-of-month and day-of-week must be ?";
    return undefined;
  }
  if (expression.startsWith("at(")) return "one-time at(...) schedules do not repeat";
  return 'must be "rate(N minute|minutes|hour|hours|day|days)" or "cron(min hour day-of-month month day-of-week year)"';
}

type Raw = Record<string, string | undefined>;

/**
 * Validates raw configuration (unprefixed project keys → strings, as the language host
 * passes them; arrays JSON-encoded) into a typed config, or lists every problem, each
 * naming its key and what is allowed.
 */
export function parseConfig(
  raw: Raw,
  context: { project?: string; stack: string; region?: string; unknownKeys?: string[] },
): ParseResult {
  const project = context.project ?? PROJECT;
  const errors: string[] = [];
  const fail = (key: string, allowed: string, got: unknown) =>
    errors.push(`${key.includes(":") ? key : `${project}:${key}`} ${allowed} (got ${JSON.stringify(got)})`);
  for (const key of context.unknownKeys ?? [])
    fail(key, `is not a known key; known keys: ${CONFIG_KEYS.join(", ")}`, raw[key] ?? "");

  const rawOf = (key: ConfigKey): string | undefined => {
    const value = raw[key];
    if (value !== undefined) return value;
    const spec: ConfigKeySpec = CONFIG_SPEC[key];
    if (spec.default === undefined) return undefined;
    return Array.isArray(spec.default) ? JSON.stringify(spec.default) : String(spec.default);
  };
  const int = (key: ConfigKey, min: number, max: number, hint = `must be an integer from ${min} to ${max}`): number => {
    const value = rawOf(key) ?? "";
    if (!/^-?\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
      fail(key, hint, value);
      return NaN;
    }
    return Number(value);
  };
  const bool = (key: ConfigKey): boolean => {
    const value = rawOf(key) ?? "";
    if (value !== "true" && value !== "false") {
      fail(key, "must be true or false", value);
      return false;
    }
    return value === "true";
  };
  const optionalString = (key: ConfigKey): string | undefined => {
    const value = rawOf(key);
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };

  const stackRole = parseStackRole(raw, project, context.stack, rawOf, fail);

  const region = context.region;
  if (region === undefined || !REGION.test(region))
    fail("aws:region", "must be set to an AWS region such as eu-west-1", region ?? "");

  let sourceApiUrl = rawOf("sourceApiUrl") ?? "";
  try {
    const url = new URL(sourceApiUrl);
    if (url.protocol !== "https:" || url.search !== "" || url.hash !== "") throw new Error("not https");
    sourceApiUrl = sourceApiUrl.replace(/\/+$/, "");
  } catch {
    fail("sourceApiUrl", "must be an https URL without query or fragment", sourceApiUrl);
  }

  const sourceApiToken = optionalString("sourceApiToken");
  const sourceApiTokenVersion = int("sourceApiTokenVersion", 1, Number.MAX_SAFE_INTEGER);

  const schedule = (rawOf("schedule") ?? "").trim();
  const scheduleIssue = scheduleProblem(schedule);
  if (scheduleIssue) fail("schedule", scheduleIssue, schedule);

  let scheduleBranches: string[] = [];
  const branchesRaw = rawOf("scheduleBranches") ?? "[]";
  try {
    // The schedule's input is checked by the branches collector's own event schema: a list
    // it would refuse would fail every scheduled run, so it is refused here instead.
    const parsed = ScheduleEventSchema.safeParse({ branches: JSON.parse(branchesRaw) as unknown });
    if (!parsed.success || parsed.data.branches === undefined) throw new Error("not a list");
    scheduleBranches = parsed.data.branches;
  } catch {
    fail("scheduleBranches", "must be a list of at most 1000 branch names, each 1 to 256 characters", branchesRaw);
  }

  const lookbackHours = int("lookbackHours", 1, 168);
  const collectors = Object.fromEntries(
    STAGES.map((stage) => [
      stage,
      {
        memoryMb: int(memoryKey(stage), LAMBDA_LIMITS.memoryMb.min, LAMBDA_LIMITS.memoryMb.max),
        timeoutSeconds: int(timeoutKey(stage), LAMBDA_LIMITS.timeoutSeconds.min, LAMBDA_LIMITS.timeoutSeconds.max),
      },
    ]),
  ) as Record<StageName, CollectorSettings>;

  const batchingWindowSeconds = int("batchingWindowSeconds", 0, 300);
  const batchSize =
    batchingWindowSeconds > 0
      ? int("batchSize", 1, 10000, "must be an integer from 1 to 10000 with a batching window")
      : int(
          "batchSize",
          1,
          10,
          "must be an integer from 1 to 10 without a batching window (set batchingWindowSeconds for larger batches)",
        );
  const maxConcurrency = int("maxConcurrency", 2, 1000);
  const maxReceiveCount = int(
    "maxReceiveCount",
    MIN_MAX_RECEIVE_COUNT,
    1000,
    `must be an integer from ${MIN_MAX_RECEIVE_COUNT} to 1000`,
  );
  const queueRetentionSeconds = int(
    "queueRetentionSeconds",
    SQS_LIMITS.retentionSeconds.min,
    SQS_LIMITS.retentionSeconds.max,
  );
  const dlqRetentionSeconds = int(
    "dlqRetentionSeconds",
    SQS_LIMITS.retentionSeconds.min,
    SQS_LIMITS.retentionSeconds.max,
  );
  if (dlqRetentionSeconds <= queueRetentionSeconds) {
    fail(
      "dlqRetentionSeconds",
      `must be longer than queueRetentionSeconds (${queueRetentionSeconds}), or a message could expire in its DLQ before it would have in its queue`,
      rawOf("dlqRetentionSeconds"),
    );
  }
  const logRetentionRaw = rawOf("logRetentionDays") ?? "";
  const logRetentionDays = Number(logRetentionRaw);
  if (!/^\d+$/.test(logRetentionRaw) || !(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    fail("logRetentionDays", `must be one of ${LOG_RETENTION_DAYS.join(", ")}`, logRetentionRaw);
  }
  const alarmEmail = optionalString("alarmEmail");
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail))
    fail("alarmEmail", "must be an email address or empty", alarmEmail);
  const durationAlarmPercent = int("durationAlarmPercent", 1, 100);
  const queueAgeAlarmSeconds = int(
    "queueAgeAlarmSeconds",
    60,
    Math.max(60, queueRetentionSeconds - 1),
    `must be an integer from 60 to below queueRetentionSeconds (${queueRetentionSeconds})`,
  );
  const pointInTimeRecovery = bool("pointInTimeRecovery");
  const deletionProtection = bool("deletionProtection");
  const rejectsTtlDays = int("rejectsTtlDays", 1, 365);
  const scheduleMaxRetryAttempts = int("scheduleMaxRetryAttempts", 0, 185);
  const scheduleMaxEventAgeSeconds = int("scheduleMaxEventAgeSeconds", 60, 86400);
  const asyncMaxRetryAttempts = int("asyncMaxRetryAttempts", 0, 2);
  const asyncMaxEventAgeSeconds = int("asyncMaxEventAgeSeconds", 60, 21600);
  const permissionsBoundaryArn = optionalString("permissionsBoundaryArn");
  if (permissionsBoundaryArn !== undefined && !POLICY_ARN.test(permissionsBoundaryArn))
    fail("permissionsBoundaryArn", "must be the ARN of an IAM policy or empty", permissionsBoundaryArn);

  const adoptTables = parseAdoptedTables(rawOf, fail);

  // The queue's visibility timeout is derived from its consumer's timeout (queues.ts);
  // a consumer too slow for SQS's 12-hour cap is a timeout problem, so name that key.
  for (const stage of QUEUE_CONSUMERS as StageName[]) {
    const timeout = collectors[stage].timeoutSeconds;
    if (
      Number.isFinite(timeout) &&
      Number.isFinite(batchingWindowSeconds) &&
      visibilityTimeoutSeconds(timeout, batchingWindowSeconds) > SQS_LIMITS.visibilityTimeoutMaxSeconds
    ) {
      fail(
        timeoutKey(stage),
        `is too long: 6 x timeout + batching window must stay within SQS's ${SQS_LIMITS.visibilityTimeoutMaxSeconds} s visibility limit`,
        timeout,
      );
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      project,
      stack: context.stack,
      region: region!,
      stackRole: stackRole!,
      sourceApiUrl,
      sourceApiToken,
      sourceApiTokenVersion,
      schedule,
      scheduleBranches,
      lookbackHours,
      collectors,
      batchSize,
      batchingWindowSeconds,
      maxConcurrency,
      maxReceiveCount,
      queueRetentionSeconds,
      dlqRetentionSeconds,
      logRetentionDays,
      alarmEmail,
      durationAlarmPercent,
      queueAgeAlarmSeconds,
      pointInTimeRecovery,
      deletionProtection,
      rejectsTtlDays,
      scheduleMaxRetryAttempts,
      scheduleMaxEventAgeSeconds,
      asyncMaxRetryAttempts,
      asyncMaxEventAgeSeconds,
      adoptTables,
      permissionsBoundaryArn,
    },
  };
}

/** Reads the adopt*Table keys (all three or none, each a valid and distinct table name) and their phase. */
function parseAdoptedTables(
  rawOf: (key: ConfigKey) => string | undefined,
  fail: (key: string, allowed: string, got: unknown) => void,
): AdoptedTables | undefined {
  const names = Object.fromEntries(
    STAGES.map((stage) => [stage, (rawOf(adoptTableKey(stage)) ?? "").trim()]),
  ) as Record<StageName, string>;
  const phase = (rawOf("adoptTablesPhase") ?? "").trim();
  let valid = true;
  if (!(ADOPT_PHASES as readonly string[]).includes(phase)) {
    fail("adoptTablesPhase", `must be one of ${ADOPT_PHASES.join(", ")}`, phase);
    valid = false;
  }
  const set = STAGES.filter((stage) => names[stage] !== "");
  if (set.length === 0) return undefined;
  for (const stage of STAGES) {
    const name = names[stage];
    if (name === "") {
      fail(
        adoptTableKey(stage),
        `must be set too: adopt all three stage tables or none (set: ${set.map(adoptTableKey).join(", ")})`,
        name,
      );
      valid = false;
    } else if (!DYNAMODB_TABLE_NAME.test(name)) {
      fail(adoptTableKey(stage), "must be a DynamoDB table name: 3 to 255 characters of a-z, A-Z, 0-9, _ - .", name);
      valid = false;
    } else if (STAGES.slice(0, STAGES.indexOf(stage)).some((other) => names[other] === name)) {
      fail(adoptTableKey(stage), "must name a different table than the other adopt*Table keys", name);
      valid = false;
    }
  }
  return valid ? { names, phase: phase as AdoptPhase } : undefined;
}

/**
 * Reads stackRole with sharedStack and pipelineStackName, and refuses in a split stack
 * any key only the other stack reads (a key that differs from its default, or a secret
 * that is set): it would be silently ignored, e.g. deletionProtection on a pipeline
 * stack, whose tables live in the shared stack.
 */
function parseStackRole(
  raw: Raw,
  project: string,
  stack: string,
  rawOf: (key: ConfigKey) => string | undefined,
  fail: (key: string, allowed: string, got: unknown) => void,
): StackRole | undefined {
  const role = (rawOf("stackRole") ?? "").trim();
  if (!(STACK_ROLES as readonly string[]).includes(role)) {
    fail("stackRole", `must be one of ${STACK_ROLES.join(", ")}`, role);
    return undefined;
  }
  const isSet = (key: ConfigKey): boolean => {
    const value = raw[key];
    if (value === undefined) return false;
    const fallback: ConfigKeySpec["default"] = (CONFIG_SPEC[key] as ConfigKeySpec).default;
    if (fallback === undefined) return true;
    return value !== (Array.isArray(fallback) ? JSON.stringify(fallback) : String(fallback));
  };
  let misplaced = false;
  for (const key of CONFIG_KEYS) {
    const owner = (CONFIG_SPEC[key] as ConfigKeySpec).split;
    if (owner === undefined || !isSet(key)) continue;
    if (role === "all" && (key === "sharedStack" || key === "pipelineStackName")) {
      fail(
        key,
        `is only read in split mode (stackRole ${owner}); a stackRole all stack owns every resource itself`,
        raw[key],
      );
    } else if (role !== "all" && role !== owner) {
      fail(
        key,
        `is not read by a ${role} stack (stackRole ${role}): set it on the ${owner} stack`,
        (CONFIG_SPEC[key] as ConfigKeySpec).secret ? "[secret]" : raw[key],
      );
    } else continue;
    misplaced = true;
  }
  if (role === "all") return misplaced ? undefined : { role: "all" };
  if (role === "shared") {
    const name = (rawOf("pipelineStackName") ?? "").trim();
    if (!STACK_NAME.test(name)) {
      fail(
        "pipelineStackName",
        "must name the pipeline stack this shared stack serves (letters, digits, _ . -) when stackRole is shared",
        name,
      );
      return undefined;
    }
    if (name === stack) {
      fail("pipelineStackName", `must name another stack than this shared stack (${stack})`, name);
      return undefined;
    }
    return misplaced ? undefined : { role: "shared", pipelineStackName: name };
  }
  const sharedStack = (rawOf("sharedStack") ?? "").trim();
  if (!QUALIFIED_STACK.test(sharedStack)) {
    fail(
      "sharedStack",
      "must name the shared stack as <org>/<project>/<stack> when stackRole is pipeline",
      sharedStack,
    );
    return undefined;
  }
  if (sharedStack.endsWith(`/${project}/${stack}`)) {
    fail("sharedStack", `must name another stack than this pipeline stack (${stack})`, sharedStack);
    return undefined;
  }
  return misplaced ? undefined : { role: "pipeline", sharedStack };
}

/**
 * SQS visibility timeout for a queue whose consumer has this timeout: AWS's guidance
 * for Lambda event sources is at least six times the function timeout plus the
 * batching window, so a message is not handed to a second invocation while the first
 * (with its retries) may still be working on it.
 */
export function visibilityTimeoutSeconds(consumerTimeoutSeconds: number, batchingWindowSeconds: number): number {
  return 6 * consumerTimeoutSeconds + batchingWindowSeconds;
}

/** The typed config plus the token as a secret Output, as the components need them. */
export interface LoadedConfig extends Omit<PipelineConfig, "sourceApiToken"> {
  sourceApiToken?: pulumi.Output<string>;
}

/** Reads every key once from the Pulumi runtime and validates; throws ConfigError naming every bad key. */
export function loadConfig(): LoadedConfig {
  const project = pulumi.getProject();
  const config = new pulumi.Config(project);
  const raw: Raw = {};
  for (const key of CONFIG_KEYS) raw[key] = config.get(key);
  const prefix = `${project}:`;
  const unknownKeys = Object.keys(pulumi.runtime.allConfig())
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length))
    .filter((key) => !(CONFIG_KEYS as string[]).includes(key));
  const result = parseConfig(raw, {
    project,
    stack: pulumi.getStack(),
    region: new pulumi.Config("aws").get("region"),
    unknownKeys,
  });
  if (!result.ok) throw new ConfigError(result.errors);
  const { sourceApiToken, ...rest } = result.config;
  return { ...rest, sourceApiToken: sourceApiToken === undefined ? undefined : pulumi.secret(sourceApiToken) };
}
