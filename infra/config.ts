/**
 * Stack configuration: every key is declared once in CONFIG_SPEC (config-spec.ts) with
 * its rule, read once, and validated as a whole before any resource is registered:
 * each key by its own rule, then the rules between keys below. `parseConfig` is pure so
 * the rules are tested without Pulumi and can be reused by a policy pack; `loadConfig`
 * feeds it from the Pulumi runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import { STAGES, type StageName } from "../functions/lib/contract";
import { SQS_EVENT_SOURCE_DEFAULTS, SQS_LIMITS } from "./aws-limits";
import {
  adoptTableKey,
  ADOPT_PHASES,
  CONFIG_KEYS,
  CONFIG_SPEC,
  encodedDefault,
  memoryKey,
  QUEUE_CONSUMERS,
  timeoutKey,
  type AdoptTableKey,
  type CollectorKey,
  type ConfigKey,
  type ConfigKeySpec,
  type ConfigValues,
} from "./config-spec";
import { ProblemsError } from "./errors";

export { LAMBDA_LIMITS, LOG_RETENTION_DAYS, SQS_LIMITS } from "./aws-limits";
export {
  ADOPT_PHASES,
  adoptTableKey,
  CONFIG_DEFAULTS,
  CONFIG_KEYS,
  CONFIG_SPEC,
  DYNAMODB_TABLE_NAME,
  MIN_MAX_RECEIVE_COUNT,
  STACK_ROLES,
} from "./config-spec";
export type { ConfigKey, ConfigKeySpec, ConfigType, SplitOwner } from "./config-spec";
export { scheduleProblem } from "./schedule-expression";

export const PROJECT = "cascading-etl";

export interface CollectorSettings {
  memoryMb: number;
  timeoutSeconds: number;
}

/**
 * What one stack deploys. `all` is the single-stack default. In split mode a `shared`
 * stack owns the tables, queues and collector roles of exactly one pipeline stack
 * (named here, because the roles are scoped to that stack's log groups and token
 * parameter), and the `pipeline` stack reads them from `sharedStack`.
 */
export type StackRole =
  { role: "all" } | { role: "shared"; pipelineStackName: string } | { role: "pipeline"; sharedStack: string };

type RoleKey = "stackRole" | "sharedStack" | "pipelineStackName";

export type AdoptPhase = (typeof ADOPT_PHASES)[number];

/** Existing stage tables this stack takes over instead of creating its own. */
export interface AdoptedTables {
  names: Record<StageName, string>;
  phase: AdoptPhase;
}
type AdoptKey = AdoptTableKey | "adoptTablesPhase";

/**
 * The validated, typed configuration the program is built from: every key's value as
 * its rule types it, with the per-collector keys gathered into `collectors`, the split
 * keys into `stackRole` and the adopt keys into `adoptTables`. `sourceApiToken` is plain
 * here; `loadConfig` marks it secret before any resource sees it.
 */
export type PipelineConfig = Omit<ConfigValues, CollectorKey | RoleKey | AdoptKey> & {
  project: string;
  stack: string;
  region: string;
  stackRole: StackRole;
  collectors: Record<StageName, CollectorSettings>;
  /** Absent unless all three adopt*Table keys are set. */
  adoptTables?: AdoptedTables;
};

/** Thrown once with every invalid key, before any resource is registered. */
export class ConfigError extends ProblemsError {
  override readonly name = "ConfigError";
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super("invalid stack configuration", problems, options);
  }
}

export type ParseResult = { ok: true; config: PipelineConfig } | { ok: false; errors: string[] };

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
/** A Pulumi stack name, and a fully qualified reference to one (<org>/<project>/<stack>). */
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;
const QUALIFIED_STACK = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** A rule between keys: checked only when each key it reads passed its own rule. */
interface CrossKeyRule {
  /** The key the problem is reported on. */
  key: ConfigKey;
  reads: ConfigKey[];
  problem(values: ConfigValues): string | undefined;
}

const BATCH_WITHOUT_WINDOW_MAX = 10;

/** The rules between keys, each stated once. */
const CROSS_KEY_RULES: CrossKeyRule[] = [
  {
    // Lambda takes batches above 10 from SQS only with a batching window.
    key: "batchSize",
    reads: ["batchSize", "batchingWindowSeconds"],
    problem: (v) =>
      v.batchingWindowSeconds === SQS_EVENT_SOURCE_DEFAULTS.batchingWindowSeconds &&
      v.batchSize > BATCH_WITHOUT_WINDOW_MAX
        ? `must be an integer from 1 to ${BATCH_WITHOUT_WINDOW_MAX} without a batching window ` +
          "(set batchingWindowSeconds for larger batches)"
        : undefined,
  },
  {
    key: "dlqRetentionSeconds",
    reads: ["dlqRetentionSeconds", "queueRetentionSeconds"],
    problem: (v) =>
      v.dlqRetentionSeconds <= v.queueRetentionSeconds
        ? `must be longer than queueRetentionSeconds (${v.queueRetentionSeconds}), ` +
          "or a message could expire in its DLQ before it would have in its queue"
        : undefined,
  },
  {
    key: "queueAgeAlarmSeconds",
    reads: ["queueAgeAlarmSeconds", "queueRetentionSeconds"],
    problem: (v) =>
      v.queueAgeAlarmSeconds >= v.queueRetentionSeconds
        ? `must be an integer from 60 to below queueRetentionSeconds (${v.queueRetentionSeconds})`
        : undefined,
  },
  // Adopted tables: all three stage tables or none, each a different table.
  ...STAGES.map((stage): CrossKeyRule => ({
    key: adoptTableKey(stage),
    reads: [adoptTableKey(stage)],
    problem: (v) => {
      const set = STAGES.filter((other) => v[adoptTableKey(other)] !== undefined);
      const name = v[adoptTableKey(stage)];
      if (set.length > 0 && name === undefined)
        return `must be set too: adopt all three stage tables or none (set: ${set.map(adoptTableKey).join(", ")})`;
      if (name !== undefined && STAGES.slice(0, STAGES.indexOf(stage)).some((o) => v[adoptTableKey(o)] === name))
        return "must name a different table than the other adopt*Table keys";
      return undefined;
    },
  })),
  // The queue's visibility timeout is derived from its consumer's timeout (queues.ts);
  // a consumer too slow for SQS's 12-hour cap is a timeout problem, so name that key.
  ...(QUEUE_CONSUMERS as StageName[]).map((stage): CrossKeyRule => ({
    key: timeoutKey(stage),
    reads: [timeoutKey(stage), "batchingWindowSeconds"],
    problem: (v) =>
      visibilityTimeoutSeconds(v[timeoutKey(stage)], v.batchingWindowSeconds) > SQS_LIMITS.visibilityTimeoutMaxSeconds
        ? "is too long: 6 x timeout + batching window must stay within SQS's " +
          `${SQS_LIMITS.visibilityTimeoutMaxSeconds} s visibility limit`
        : undefined,
  })),
];

type Raw = Record<string, string | undefined>;
type Fail = (key: string, allowed: string, got: unknown) => void;

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
  const fail: Fail = (key, allowed, got) =>
    errors.push(`${key.includes(":") ? key : `${project}:${key}`} ${allowed} (got ${JSON.stringify(got)})`);
  for (const key of context.unknownKeys ?? [])
    fail(key, `is not a known key; known keys: ${CONFIG_KEYS.join(", ")}`, raw[key] ?? "");

  // Each key by its own rule.
  const values: Partial<Record<ConfigKey, unknown>> = {};
  for (const key of CONFIG_KEYS) {
    const spec: ConfigKeySpec = CONFIG_SPEC[key];
    const text = raw[key] ?? encodedDefault(key);
    const parsed = spec.parse(text);
    if ("problem" in parsed) fail(key, parsed.problem, spec.secret ? "[secret]" : (text ?? ""));
    else values[key] = parsed.value;
  }
  const valid = values as ConfigValues;

  // Then the rules between keys whose own values are valid.
  for (const rule of CROSS_KEY_RULES) {
    if (!rule.reads.every((key) => key in values)) continue;
    const problem = rule.problem(valid);
    if (problem) fail(rule.key, problem, raw[rule.key] ?? encodedDefault(rule.key));
  }
  const stackRole = "stackRole" in values ? parseStackRole(raw, valid, project, context.stack, fail) : undefined;

  const region = context.region;
  if (region === undefined || !REGION.test(region))
    fail("aws:region", "must be set to an AWS region such as eu-west-1", region ?? "");

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: typedConfig(valid, { project, stack: context.stack, region: region!, stackRole: stackRole! }),
  };
}

/** The derived view: per-collector keys gathered by stage, split keys into the stack role. */
function typedConfig(
  values: ConfigValues,
  context: { project: string; stack: string; region: string; stackRole: StackRole },
): PipelineConfig {
  const flat: Record<string, unknown> = { ...values };
  for (const key of ["stackRole", "sharedStack", "pipelineStackName", "adoptTablesPhase"]) delete flat[key];
  const adopted = STAGES.map((stage) => {
    delete flat[adoptTableKey(stage)];
    return [stage, values[adoptTableKey(stage)]] as const;
  });
  const adoptTables: AdoptedTables | undefined = adopted.every(([, name]) => name !== undefined)
    ? { names: Object.fromEntries(adopted) as Record<StageName, string>, phase: values.adoptTablesPhase }
    : undefined;
  const collectors = Object.fromEntries(
    STAGES.map((stage) => {
      delete flat[memoryKey(stage)];
      delete flat[timeoutKey(stage)];
      return [stage, { memoryMb: values[memoryKey(stage)], timeoutSeconds: values[timeoutKey(stage)] }];
    }),
  ) as Record<StageName, CollectorSettings>;
  return { ...(flat as Omit<ConfigValues, CollectorKey | RoleKey | AdoptKey>), ...context, collectors, adoptTables };
}

/**
 * Reads stackRole with sharedStack and pipelineStackName, and refuses in a split stack
 * any key only the other stack reads (a key that differs from its default, or a secret
 * that is set): it would be silently ignored, e.g. deletionProtection on a pipeline
 * stack, whose tables live in the shared stack.
 */
function parseStackRole(
  raw: Raw,
  values: ConfigValues,
  project: string,
  stack: string,
  fail: Fail,
): StackRole | undefined {
  const role = values.stackRole;
  const isSet = (key: ConfigKey): boolean => raw[key] !== undefined && raw[key] !== encodedDefault(key);
  let misplaced = false;
  for (const key of CONFIG_KEYS) {
    const spec: ConfigKeySpec = CONFIG_SPEC[key];
    const owner = spec.split;
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
        spec.secret ? "[secret]" : raw[key],
      );
    } else continue;
    misplaced = true;
  }
  if (role === "all") return misplaced ? undefined : { role: "all" };
  if (role === "shared") {
    const name = values.pipelineStackName ?? "";
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
  const sharedStack = values.sharedStack ?? "";
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
