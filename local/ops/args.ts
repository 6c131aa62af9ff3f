/**
 * The operations commands' command line (`dlq list|redrive|purge`, `status`, `backfill`),
 * parsed and validated purely, as cli-args.ts does for the rest.
 */
import { parseArgs } from "node:util";

export const OPS_COMMANDS = ["dlq", "status", "backfill"] as const;
export const DLQ_ACTIONS = ["list", "redrive", "purge"] as const;
export type OpsAction = `dlq ${(typeof DLQ_ACTIONS)[number]}` | "status" | "backfill";

export const OPS_USAGE = `
operations commands (a deployed stack, or the embedded AWS of \`cascade run --keep\`):
  dlq list       what waits in each dead-letter queue, decoded, left in place
  dlq redrive    send dead letters back: stage DLQs with an SQS message move task,
                 the schedule DLQ by starting each failed run again
  dlq purge      delete every dead letter (asks first; --yes to skip)
  status         queue depths, DLQ depths and the oldest dead letter's age
  backfill       one run whose sales window starts at --since

operations options:
  --outputs FILE   the stack's \`pulumi stack output --json\` (- or a pipe: standard input)
  --endpoint URL   the embedded SQS that \`cascade run --keep\` prints (AWS_ENDPOINT_URL_SQS)
  --stack NAME     the stack the outputs are of; with --endpoint, the plan that names the
                   queues (default dev)
  --region NAME    (default: AWS_REGION, AWS_DEFAULT_REGION, else the outputs' region)
  --yes            purge without asking
  --since DATE     backfill: 2026-11-30 (midnight UTC) or an ISO 8601 time with offset
  --branches A,B   backfill: only these branch names
  --json           print JSON instead of a table
`;

export interface OpsTargetArgs {
  outputs?: string;
  endpoint?: string;
  stack: string;
  region?: string;
}

export interface OpsCommand {
  command: "ops";
  action: OpsAction;
  target: OpsTargetArgs;
  yes: boolean;
  json: boolean;
  since?: string;
  branches?: string[];
}

const TARGET_OPTIONS = ["outputs", "endpoint", "stack", "region", "json"] as const;
const ALLOWED: Record<OpsAction, readonly string[]> = {
  "dlq list": TARGET_OPTIONS,
  "dlq redrive": TARGET_OPTIONS,
  "dlq purge": [...TARGET_OPTIONS, "yes"],
  status: TARGET_OPTIONS,
  backfill: [...TARGET_OPTIONS, "since", "branches"],
};
const STACK_NAME = /^[A-Za-z0-9_./-]+$/;

/** `fail` builds the caller's usage error, so the CLI reports these as it reports its own. */
export function parseOpsCommand(name: string, args: readonly string[], fail: (message: string) => Error): OpsCommand {
  let rest = [...args];
  let action: OpsAction;
  if (name === "dlq") {
    const [verb, ...after] = rest;
    if (!(DLQ_ACTIONS as readonly string[]).includes(verb ?? ""))
      throw fail(`dlq takes one of ${DLQ_ACTIONS.join(", ")}, got "${verb ?? ""}"`);
    action = `dlq ${verb as (typeof DLQ_ACTIONS)[number]}`;
    rest = after;
  } else action = name as OpsAction;

  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        outputs: { type: "string" },
        endpoint: { type: "string" },
        stack: { type: "string" },
        region: { type: "string" },
        json: { type: "boolean" },
        yes: { type: "boolean" },
        since: { type: "string" },
        branches: { type: "string" },
      },
    }));
  } catch (error) {
    throw fail((error as Error).message);
  }
  for (const key of Object.keys(values))
    if (!ALLOWED[action].includes(key))
      throw fail(
        `--${key} is not an option of "${action}"; it takes ${ALLOWED[action].map((o) => `--${o}`).join(", ")}`,
      );

  const outputs = values.outputs as string | undefined;
  const endpoint = values.endpoint as string | undefined;
  if (outputs !== undefined && endpoint !== undefined)
    throw fail("--outputs and --endpoint cannot be combined: one names a deployed stack, the other the embedded AWS");
  if (outputs === "") throw fail("--outputs needs a file name, or - for standard input");
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint))
    throw fail(`--endpoint must be an http(s) URL, got "${endpoint}"`);
  const stack = (values.stack as string | undefined) ?? "dev";
  if (!STACK_NAME.test(stack)) throw fail(`--stack must be a stack name (letters, digits, - _ . /), got "${stack}"`);

  let since: string | undefined;
  let branches: string[] | undefined;
  if (action === "backfill") {
    since = values.since as string | undefined;
    if (!since) throw fail("backfill needs --since DATE: where the run's sales window starts");
    if (values.branches !== undefined) {
      branches = (values.branches as string).split(",").map((branch) => branch.trim());
      if (branches.some((branch) => branch === ""))
        throw fail(`--branches must be comma-separated branch names, got "${values.branches}"`);
    }
  }
  return {
    command: "ops",
    action,
    target: { outputs, endpoint, stack, region: values.region as string | undefined },
    yes: values.yes === true,
    json: values.json === true,
    since,
    branches,
  };
}
