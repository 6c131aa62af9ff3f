/**
 * The `cascade` command line: parsing and validation, pure, so every bad input has a
 * test and a message that names the flag and the values it takes.
 */
import { parseArgs } from "node:util";
import { OPS_COMMANDS, OPS_USAGE, parseOpsCommand, type OpsCommand } from "./ops/args";
import { DATA_PROFILES, SCALE_PRESETS, type DataProfile, type ScalePreset } from "./source-api";

export const USAGE = `usage: cascade <command> [options]

commands:
  run       run the whole cascade locally on an embedded AWS (the default)
  plan      show what the Pulumi program would create for a stack, offline
  rejects   list the rejects table of a deployed or --keep'd pipeline
  dlq       list, redrive or purge the dead-letter queues (see below)
  status    queue and DLQ depths
  backfill  one run whose sales window starts at --since

run options:
  --stack NAME     stack whose config shapes the local pipeline (default dev)
  --scale SIZE     small | medium | large source data set (default small)
  --seed N         seed of the source data and its faults (default 1)
  --faults RATE    share of source requests that fail, 0 to 1 (default 0)
  --data PROFILE   clean | messy: messy also serves what a hostile source sends (big and
                   out-of-range numbers, padded, long and non-Unicode ids, duplicates,
                   occupation spellings) (default clean)
  --watch          keep running on the stack's schedule
  --every DURATION with --watch: run this often instead, e.g. 30s, 5m, 1h
  --keep           stay up after the run and print how to reach the embedded AWS
  --json           print one JSON summary object as the last line
  --verbose        print every line the functions log

plan options:
  --stack NAME     (default dev)
  --json           print the resource graph as JSON

rejects options:
  --table NAME     the rejects table (required)
  --stage NAME     only this stage's rejects
  --endpoint URL   a DynamoDB endpoint (e.g. the one --keep prints); default: AWS
  --region NAME    (default: from the environment)
${OPS_USAGE}`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type Command =
  | {
      command: "run";
      stack: string;
      scale: ScalePreset;
      seed: number;
      faults: number;
      data: DataProfile;
      watch: boolean;
      /** With --watch: milliseconds between runs instead of the schedule's rate(). */
      everyMs: number | undefined;
      keep: boolean;
      json: boolean;
      verbose: boolean;
    }
  | { command: "plan"; stack: string; json: boolean }
  | { command: "rejects"; table: string; stage?: string; endpoint?: string; region?: string }
  | OpsCommand
  | { command: "help" };

const COMMANDS = ["run", "plan", "rejects", ...OPS_COMMANDS, "help"] as const;
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

const DURATION_UNITS_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A whole number of seconds, minutes, hours or days ("30s", "5m", "1h", "2d"), in milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)([smhd])$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

function scaleOf(text: string, flag: string): ScalePreset {
  if (!(text in SCALE_PRESETS))
    throw new UsageError(`${flag} must be one of ${Object.keys(SCALE_PRESETS).join(", ")}, got "${text}"`);
  return text as ScalePreset;
}

function seedOf(text = "1"): number {
  const seed = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seed))
    throw new UsageError(`--seed must be a whole number, got "${text}"`);
  return seed;
}

function faultsOf(text = "0"): number {
  const faults = Number(text);
  if (text.trim() === "" || !Number.isFinite(faults) || faults < 0 || faults > 1)
    throw new UsageError(`--faults must be a number from 0 to 1, got "${text}"`);
  return faults;
}

function stackName(value: string | undefined): string {
  const stack = value ?? "dev";
  if (!STACK_NAME.test(stack))
    throw new UsageError(`--stack must be a stack name (letters, digits, - _ .), got "${stack}"`);
  return stack;
}

export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  const name = first === undefined || first.startsWith("-") ? "run" : first;
  const args = first === undefined || first.startsWith("-") ? [...argv] : rest;
  if (!(COMMANDS as readonly string[]).includes(name))
    throw new UsageError(`unknown command "${name}"; commands: ${COMMANDS.join(", ")}`);
  if (args.includes("--help") || args.includes("-h") || name === "help") return { command: "help" };
  if ((OPS_COMMANDS as readonly string[]).includes(name))
    return parseOpsCommand(name, args, (message) => new UsageError(message));

  const options = {
    stack: { type: "string" },
    scale: { type: "string" },
    seed: { type: "string" },
    faults: { type: "string" },
    data: { type: "string" },
    watch: { type: "boolean" },
    every: { type: "string" },
    keep: { type: "boolean" },
    json: { type: "boolean" },
    verbose: { type: "boolean" },
    table: { type: "string" },
    stage: { type: "string" },
    endpoint: { type: "string" },
    region: { type: "string" },
  } as const;
  const allowed: Record<string, Array<keyof typeof options>> = {
    run: ["stack", "scale", "seed", "faults", "data", "watch", "every", "keep", "json", "verbose"],
    plan: ["stack", "json"],
    rejects: ["table", "stage", "endpoint", "region"],
  };
  let values: Partial<Record<keyof typeof options, string | boolean>>;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  for (const key of Object.keys(values)) {
    if (!allowed[name].includes(key as keyof typeof options))
      throw new UsageError(
        `--${key} is not an option of "${name}"; it takes ${allowed[name].map((option) => `--${option}`).join(", ")}`,
      );
  }

  if (name === "plan")
    return { command: "plan", stack: stackName(values.stack as string | undefined), json: values.json === true };
  if (name === "rejects") {
    if (typeof values.table !== "string" || values.table === "")
      throw new UsageError("--table is required: the name of the rejects table");
    if (values.endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(values.endpoint as string))
      throw new UsageError(`--endpoint must be an http(s) URL, got "${values.endpoint}"`);
    return {
      command: "rejects",
      table: values.table,
      stage: values.stage as string | undefined,
      endpoint: values.endpoint as string | undefined,
      region: values.region as string | undefined,
    };
  }

  const scale = scaleOf((values.scale as string | undefined) ?? "small", "--scale");
  const seed = seedOf(values.seed as string | undefined);
  const faults = faultsOf(values.faults as string | undefined);
  const data = (values.data as string | undefined) ?? "clean";
  if (!(DATA_PROFILES as readonly string[]).includes(data))
    throw new UsageError(`--data must be one of ${DATA_PROFILES.join(", ")}, got "${data}"`);
  if (values.watch === true && values.keep === true)
    throw new UsageError("--watch and --keep cannot be combined: --watch already keeps running");
  const everyText = values.every as string | undefined;
  const everyMs = everyText === undefined ? undefined : parseDuration(everyText);
  if (everyText !== undefined && everyMs === undefined)
    throw new UsageError(`--every must be a positive duration such as 30s, 5m, 1h or 1d, got "${everyText}"`);
  if (everyText !== undefined && values.watch !== true)
    throw new UsageError("--every sets how often --watch runs: add --watch");
  return {
    command: "run",
    stack: stackName(values.stack as string | undefined),
    scale,
    seed,
    faults,
    data: data as DataProfile,
    watch: values.watch === true,
    everyMs,
    keep: values.keep === true,
    json: values.json === true,
    verbose: values.verbose === true,
  };
}

export const BENCH_USAGE = `usage: npm run bench [-- options]

Times the local cascade on the dev stack at each scale.

options:
  --scales LIST    comma-separated scales among small, medium, large (default small,medium,large)
  --seed N         seed of the source data and its faults (default 1)
  --faults RATE    share of source requests that fail, 0 to 1 (default 0)
`;

export interface BenchCommand {
  scales: ScalePreset[];
  seed: number;
  faults: number;
}

/** `npm run bench`'s arguments, checked as `cascade run` checks its own. */
export function parseBenchArgs(argv: readonly string[]): BenchCommand | { command: "help" } {
  if (argv.includes("--help") || argv.includes("-h")) return { command: "help" };
  let values: { scales?: string; seed?: string; faults?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { scales: { type: "string" }, seed: { type: "string" }, faults: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const scales = (values.scales ?? Object.keys(SCALE_PRESETS).join(","))
    .split(",")
    .map((scale) => scaleOf(scale, "--scales"));
  return { scales, seed: seedOf(values.seed), faults: faultsOf(values.faults) };
}
