/**
 * The function's environment (docs/design.md, "Function environment"), read once at cold start. Missing or
 * malformed variables fail the cold start naming the variable, rather than failing
 * some record later with an undefined table name.
 */
import { ENV, STAGE_ENVIRONMENT, type EnvKey, type StageName } from "./contract";
import { EnvironmentError } from "./errors";

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_LOOKBACK_HOURS = 24;
/** The same as the `rejectsTtlDays` config default, which the program always sets. */
export const DEFAULT_REJECTS_TTL_DAYS = 30;

export interface StageConfig {
  stage: StageName;
  tableName: string;
  rejectsTableName: string;
  /** Set for the stages that fan out (branches, salespersons). */
  targetQueueUrl?: string;
  sourceBaseUrl: string;
  /** SSM parameter name of the source token; undefined means the source needs none. */
  sourceTokenParameter?: string;
  deployStage: string;
  lookbackHours: number;
  rejectsTtlDays: number;
}

/** Returns the variable's value, or throws naming it. */
export function requireEnv(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") throw new EnvironmentError(name, "is not set");
  return value.trim();
}

function optionalEnv(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = optionalEnv(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new EnvironmentError(name, `must be a positive number, got "${raw}"`);
  return value;
}

function baseUrl(env: Env, name: string): string {
  const raw = requireEnv(env, name);
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new EnvironmentError(name, `must be an absolute URL, got "${raw}"`, { cause: error });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new EnvironmentError(name, `must be http(s), got "${raw}"`);
  return raw.replace(/\/+$/, "");
}

/** Reads exactly the variables STAGE_ENVIRONMENT gives `stage`. */
export function loadStageConfig(stage: StageName, env: Env = process.env): StageConfig {
  const wanted = new Set<EnvKey>(STAGE_ENVIRONMENT[stage]);
  return {
    stage,
    tableName: requireEnv(env, ENV.tableName),
    rejectsTableName: requireEnv(env, ENV.rejectsTableName),
    targetQueueUrl: wanted.has("targetQueueUrl") ? requireEnv(env, ENV.targetQueueUrl) : undefined,
    sourceBaseUrl: baseUrl(env, ENV.sourceBaseUrl),
    sourceTokenParameter: optionalEnv(env, ENV.sourceTokenParameter),
    deployStage: requireEnv(env, ENV.deployStage),
    lookbackHours: wanted.has("lookbackHours")
      ? positiveNumber(env, ENV.lookbackHours, DEFAULT_LOOKBACK_HOURS)
      : DEFAULT_LOOKBACK_HOURS,
    rejectsTtlDays: positiveNumber(env, ENV.rejectsTtlDays, DEFAULT_REJECTS_TTL_DAYS),
  };
}
