/**
 * The stack configuration's keys, each declared once with its rule: Pulumi type,
 * default, description, which stack of a split pair reads it, and how a raw value
 * becomes a typed one (range, allowed values, pattern). The typed config is inferred
 * from this table, Pulumi.yaml's `config:` block is checked against it by a test, and
 * docs/infrastructure.md documents each key. Rules between keys live in config.ts.
 */
import { STAGES, type StageName } from "../functions/lib/contract";
import { ScheduleEventSchema } from "../functions/lib/schemas";
import { consumerOf, queueNames, STAGE_TABLE, stageOf } from "../functions/lib/stages";
import { LAMBDA_LIMITS, LOG_RETENTION_DAYS, SQS_EVENT_SOURCE_DEFAULTS, SQS_LIMITS } from "./aws-limits";
import { scheduleProblem } from "./schedule-expression";

export type ConfigType = "string" | "integer" | "boolean" | "array";

/**
 * In split mode, the one stack that reads a key; absent means both do. A key read only
 * by the other stack would be silently ignored, so setting it is an error instead.
 */
export type SplitOwner = "shared" | "pipeline";

/** What a key's rule makes of a raw value: the typed value, or what the key allows. */
export type Parsed<T> = { value: T } | { problem: string };

export interface ConfigKeySpec<T = unknown> {
  type: ConfigType;
  /**
   * Absent only for an optional secret: the Pulumi CLI requires every key Pulumi.yaml
   * declares without a default, and refuses a plain default for a secret key, so such a
   * key is left out of Pulumi.yaml (see the test that checks Pulumi.yaml against this).
   */
  default?: string | number | boolean | string[];
  secret?: boolean;
  description: string;
  split?: SplitOwner;
  /** The raw value as the language host passes it (arrays JSON-encoded), the default applied. */
  parse(raw: string | undefined): Parsed<T>;
}

interface Common {
  description: string;
  split?: SplitOwner;
}

function integer(spec: Common & { default: number; min: number; max: number; hint?: string }): ConfigKeySpec<number> {
  const problem = spec.hint ?? `must be an integer from ${spec.min} to ${spec.max}`;
  return {
    type: "integer",
    ...spec,
    parse: (raw = "") => {
      const n = Number(raw);
      return /^-?\d+$/.test(raw.trim()) && n >= spec.min && n <= spec.max ? { value: n } : { problem };
    },
  };
}

function boolean(spec: Common & { default: boolean }): ConfigKeySpec<boolean> {
  return {
    type: "boolean",
    ...spec,
    parse: (raw) =>
      raw === "true" || raw === "false" ? { value: raw === "true" } : { problem: "must be true or false" },
  };
}

function oneOf<const V extends readonly (string | number)[]>(
  spec: Common & { values: V; default: V[number] },
): ConfigKeySpec<V[number]> {
  const { values, ...rest } = spec;
  return {
    type: typeof spec.default === "number" ? "integer" : "string",
    ...rest,
    parse: (raw = "") => {
      const value = values.find((v) => String(v) === raw.trim());
      return value === undefined ? { problem: `must be one of ${values.join(", ")}` } : { value };
    },
  };
}

/** A string that may be empty (then undefined); when set, trimmed and matched against `pattern`. */
function optionalText(
  spec: Common & { default?: string; secret?: boolean; pattern?: { regex: RegExp; problem: string } },
): ConfigKeySpec<string | undefined> {
  const { pattern, ...rest } = spec;
  return {
    type: "string",
    ...rest,
    parse: (raw) => {
      const value = raw?.trim() || undefined;
      return value !== undefined && pattern && !pattern.regex.test(value) ? { problem: pattern.problem } : { value };
    },
  };
}

function sourceUrl(raw = ""): Parsed<string> {
  try {
    const url = new URL(raw);
    if (url.protocol === "https:" && url.search === "" && url.hash === "") return { value: raw.replace(/\/+$/, "") };
  } catch {
    // not a URL at all: the same answer as for one that is not https
  }
  return { problem: "must be an https URL without query or fragment" };
}

function scheduleExpression(raw = ""): Parsed<string> {
  const value = raw.trim();
  const problem = scheduleProblem(value);
  return problem ? { problem } : { value };
}

/**
 * The schedule's input is checked by the branches collector's own event schema: a list
 * it would refuse would fail every scheduled run, so it is refused here instead.
 */
function branchList(raw = "[]"): Parsed<string[]> {
  const problem = "must be a list of at most 1000 branch names, each 1 to 256 characters";
  try {
    const parsed = ScheduleEventSchema.safeParse({ branches: JSON.parse(raw) as unknown });
    return parsed.success && parsed.data.branches !== undefined ? { value: parsed.data.branches } : { problem };
  } catch {
    return { problem };
  }
}

/** The redrive threshold we refuse to go below: fewer receives turn a throttled burst into dead letters. */
export const MIN_MAX_RECEIVE_COUNT = 5;
export const STACK_ROLES = ["all", "shared", "pipeline"] as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** An IAM policy ARN: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html */
export const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

export const memoryKey = (stage: StageName) => `${stage}MemoryMb` as const;
export const timeoutKey = (stage: StageName) => `${stage}TimeoutSeconds` as const;
export type CollectorKey = ReturnType<typeof memoryKey> | ReturnType<typeof timeoutKey>;

/** The stages whose timeout sizes a queue's visibility: every queue's consumer. */
export const QUEUE_CONSUMERS = queueNames(STAGE_TABLE).map((queue) => consumerOf(STAGE_TABLE, queue));

// The consumers' timeouts also size their source queues' visibility, so in split mode
// both stacks read those; the scheduled collector reads no queue.
const collectorSpecs = Object.fromEntries(
  STAGES.flatMap((stage) => [
    [
      memoryKey(stage),
      integer({
        ...LAMBDA_LIMITS.memoryMb,
        default: stageOf(STAGE_TABLE, stage).defaults.memoryMb,
        description: `Memory of the ${stage} collector in MB (128-10240).`,
        split: "pipeline",
      }),
    ],
    [
      timeoutKey(stage),
      integer({
        ...LAMBDA_LIMITS.timeoutSeconds,
        default: stageOf(STAGE_TABLE, stage).defaults.timeoutSeconds,
        description: `Timeout of the ${stage} collector in seconds (1-900).`,
        ...(QUEUE_CONSUMERS.includes(stage) ? {} : { split: "pipeline" as const }),
      }),
    ],
  ]),
) as Record<CollectorKey, ConfigKeySpec<number>>;

/**
 * DynamoDB's rule for table names: 3 to 255 characters of a-z, A-Z, 0-9, _, - and .
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html).
 */
export const DYNAMODB_TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * How adopted tables are handled: `import` gives them exactly the settings the original
 * template gave them, so the import changes nothing; `secure` adds ours as in-place updates.
 */
export const ADOPT_PHASES = ["import", "secure"] as const;

// Pulumi project config has no object type (pulumi/pulumi sdk/go/common/workspace/project.json,
// simpleConfigType: string, integer, boolean, array), so the adopted tables are one string key each.
export const adoptTableKey = (stage: StageName) =>
  `adopt${stage.charAt(0).toUpperCase()}${stage.slice(1)}Table` as `adopt${Capitalize<StageName>}Table`;
export type AdoptTableKey = ReturnType<typeof adoptTableKey>;

// All three or none, each a distinct table: rules between keys (config.ts).
const adoptSpecs = Object.fromEntries(
  STAGES.map((stage) => [
    adoptTableKey(stage),
    optionalText({
      default: "",
      pattern: {
        regex: DYNAMODB_TABLE_NAME,
        problem: "must be a DynamoDB table name: 3 to 255 characters of a-z, A-Z, 0-9, _ - .",
      },
      description:
        `Name of an existing ${stage} table to take over (e.g. one of the original CloudFormation stack); ` +
        "empty means this stack creates its own. Set all three or none.",
      split: "shared",
    }),
  ]),
) as Record<AdoptTableKey, ConfigKeySpec<string | undefined>>;

/** Every project config key, in the order Pulumi.yaml and the docs list them. */
export const CONFIG_SPEC = {
  sourceApiUrl: {
    type: "string",
    default: "https://source.example.com/api",
    description: "Base URL of the source API (https, no trailing slash).",
    split: "pipeline",
    parse: sourceUrl,
  },
  sourceApiToken: optionalText({
    secret: true,
    description:
      "Source API token. Optional; when set it is stored as an SSM SecureString " +
      "and the functions get only the parameter name.",
    split: "pipeline",
  }),
  sourceApiTokenVersion: integer({
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    default: 1,
    description:
      "Version of sourceApiToken; raise it with every new token. The token is written to SSM as a write-only " +
      "value that Pulumi never stores, so this number is how an update sees that the token changed.",
    split: "pipeline",
  }),
  schedule: {
    type: "string",
    default: "rate(1 hour)",
    description: "EventBridge Scheduler expression that starts a run: rate(N unit) or cron(6 fields).",
    split: "pipeline",
    parse: scheduleExpression,
  },
  scheduleBranches: {
    type: "array",
    default: [],
    description: "Branch names a scheduled run is limited to; empty means all branches.",
    split: "pipeline",
    parse: branchList,
  },
  lookbackHours: integer({
    min: 1,
    max: 168,
    default: 24,
    description: "How far back the sales collector reads sales, in hours (1-168).",
    split: "pipeline",
  }),
  ...collectorSpecs,
  // Up to 10 without a batching window: a rule between keys (config.ts).
  batchSize: integer({
    min: 1,
    max: 10000,
    default: SQS_EVENT_SOURCE_DEFAULTS.batchSize,
    description:
      "Messages per invocation of the queue-triggered collectors (1-10; up to 10000 with a batching window).",
    split: "pipeline",
  }),
  batchingWindowSeconds: integer({
    min: 0,
    max: 300,
    default: SQS_EVENT_SOURCE_DEFAULTS.batchingWindowSeconds,
    description: "How long the event source mapping gathers a batch, in seconds (0-300).",
  }),
  maxConcurrency: integer({
    min: SQS_EVENT_SOURCE_DEFAULTS.minMaximumConcurrency,
    max: 1000,
    default: 5,
    description:
      "Maximum concurrent invocations per event source mapping (2-1000). Each invocation reads its batch's " +
      "records in parallel, so source load peaks at maxConcurrency × batchSize requests.",
    split: "pipeline",
  }),
  maxReceiveCount: integer({
    min: MIN_MAX_RECEIVE_COUNT,
    max: 1000,
    default: 10,
    description: "Receives before a message moves to its DLQ (at least 5).",
    split: "shared",
  }),
  queueRetentionSeconds: integer({
    ...SQS_LIMITS.retentionSeconds,
    default: 345600,
    description: "Retention of the employee and sale queues in seconds (60-1209600).",
    split: "shared",
  }),
  // Longer than queueRetentionSeconds: a rule between keys.
  dlqRetentionSeconds: integer({
    ...SQS_LIMITS.retentionSeconds,
    default: SQS_LIMITS.retentionSeconds.max,
    description: "Retention of every DLQ in seconds; longer than queueRetentionSeconds, at most 1209600.",
    split: "shared",
  }),
  logRetentionDays: oneOf({
    values: LOG_RETENTION_DAYS,
    default: 30,
    description: "Retention of the functions' log groups in days (a value CloudWatch Logs accepts).",
    split: "pipeline",
  }),
  permissionsBoundaryArn: optionalText({
    default: "",
    pattern: { regex: POLICY_ARN, problem: "must be the ARN of an IAM policy or empty" },
    description:
      "ARN of the IAM policy set as permissions boundary on every role the program creates (output " +
      "permissionsBoundaryArn of infra/deployments, whose deploy roles require it). Empty means none.",
  }),
  alarmEmail: optionalText({
    default: "",
    pattern: { regex: EMAIL, problem: "must be an email address or empty" },
    description: "Email address subscribed to the alarm topic; empty means no subscription.",
    split: "pipeline",
  }),
  durationAlarmPercent: integer({
    min: 1,
    max: 100,
    default: 80,
    description: "Duration alarm threshold as a percentage of each function's timeout (1-100).",
    split: "pipeline",
  }),
  // Below queueRetentionSeconds: a rule between keys.
  queueAgeAlarmSeconds: integer({
    min: 60,
    max: SQS_LIMITS.retentionSeconds.max,
    default: 3600,
    description:
      "Alarm when the oldest message of a stage queue is this old, in seconds " +
      "(60 up to, not including, queueRetentionSeconds).",
    split: "pipeline",
  }),
  pointInTimeRecovery: boolean({
    default: false,
    description: "Point-in-time recovery on every table.",
    split: "shared",
  }),
  deletionProtection: boolean({ default: false, description: "Deletion protection on every table.", split: "shared" }),
  rejectsTtlDays: integer({
    min: 1,
    max: 365,
    default: 30,
    description: "Days a reject is kept before DynamoDB's TTL removes it (1-365).",
    split: "pipeline",
  }),
  scheduleMaxRetryAttempts: integer({
    min: 0,
    max: 185,
    default: 2,
    description: "Retries of EventBridge Scheduler when invoking the branches collector fails (0-185).",
    split: "pipeline",
  }),
  scheduleMaxEventAgeSeconds: integer({
    min: 60,
    max: 86400,
    default: 3600,
    description: "How long EventBridge Scheduler keeps retrying an invocation, in seconds (60-86400).",
    split: "pipeline",
  }),
  asyncMaxRetryAttempts: integer({
    min: 0,
    max: 2,
    default: 2,
    description: "Lambda's retries of a failed asynchronous (scheduled) invocation (0-2).",
    split: "pipeline",
  }),
  asyncMaxEventAgeSeconds: integer({
    min: 60,
    max: 21600,
    default: 3600,
    description: "How long Lambda keeps a scheduled event for retries, in seconds (60-21600).",
    split: "pipeline",
  }),
  // The three split keys' patterns depend on the role: config.ts checks them together.
  stackRole: oneOf({
    values: STACK_ROLES,
    default: "all",
    description:
      "What this stack deploys: all (the whole pipeline), shared (tables, queues and the collectors' roles " +
      "of one pipeline stack) or pipeline (collectors and monitoring, reading the rest from sharedStack).",
  }),
  sharedStack: optionalText({
    default: "",
    description:
      "With stackRole pipeline: the shared stack to read, fully qualified as <org>/<project>/<stack>. " +
      "Empty otherwise.",
    split: "pipeline",
  }),
  pipelineStackName: optionalText({
    default: "",
    description:
      "With stackRole shared: the name of the one pipeline stack this stack serves; the roles are scoped " +
      "to that stack's log groups and source token parameter. Empty otherwise.",
    split: "shared",
  }),
  ...adoptSpecs,
  adoptTablesPhase: oneOf({
    values: ADOPT_PHASES,
    default: "import",
    description:
      "With the adopt*Table keys: import (take the tables over exactly as they are) or secure (then turn on " +
      "encryption with the AWS managed key, point-in-time recovery and deletion protection as configured, in place).",
    split: "shared",
  }),
} as const satisfies Record<string, ConfigKeySpec>;

export type ConfigKey = keyof typeof CONFIG_SPEC;
export const CONFIG_KEYS = Object.keys(CONFIG_SPEC) as ConfigKey[];

/** Each key's typed value, inferred from its rule. */
export type ConfigValues = {
  -readonly [K in ConfigKey]: (typeof CONFIG_SPEC)[K] extends ConfigKeySpec<infer T> ? T : never;
};

/** The default as the language host would pass it (arrays JSON-encoded). */
export function encodedDefault(key: ConfigKey): string | undefined {
  const fallback = (CONFIG_SPEC[key] as ConfigKeySpec).default;
  if (fallback === undefined) return undefined;
  return Array.isArray(fallback) ? JSON.stringify(fallback) : String(fallback);
}

/** Each key's default as the program sees it, for components whose arguments mirror a key. */
export const CONFIG_DEFAULTS = Object.fromEntries(
  CONFIG_KEYS.map((key) => {
    const parsed = (CONFIG_SPEC[key] as ConfigKeySpec).parse(encodedDefault(key));
    if ("problem" in parsed) throw new Error(`the default of ${key} breaks its own rule: ${parsed.problem}`);
    return [key, parsed.value];
  }),
) as ConfigValues;
