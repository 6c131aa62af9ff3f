/**
 * The run's report: the per-stage summary table, the conservation verdict, timings and
 * the one-line JSON object scripts read. Pure formatting.
 */
import { SKIP_REASONS, STAGE_SKIP_REASONS, STAGES, type StageName } from "../../functions/lib/contract";
import { COUNT_KEYS, type Counts } from "../../functions/lib/counts";
import { plural } from "../plural";

/** One stage's row of the summary: its invocations, the counts its functions published, its DLQ. */
export interface StageSummary extends Counts {
  invocations: number;
  errors: number;
  inDlq: number;
}

export interface RunReport {
  /** Everything landed: conserved, nothing dead-lettered, the scheduled run succeeded. */
  ok: boolean;
  /** Nothing lost or duplicated (records in a DLQ count as accounted for). */
  conserved: boolean;
  stack: string;
  scale: string;
  seed: number;
  faults: number;
  /** Records the source served, per table they belong in (valid ones). */
  source: { branches: number; salespersons: number; sales: number; invalid: number };
  tables: { branches: number; salespersons: number; sales: number; rejects: number };
  /** Messages this run put in the dead-letter queues. */
  dlq: number;
  lost: number;
  duplicates: number;
  unexpected: number;
  /** A few of the records that were lost or duplicated, to start looking from. */
  examples: string[];
  /** How the scheduled invocation that started the run ended. */
  schedule: { ok: boolean; attempts: number; deadLettered: boolean };
  durationMs: number;
  requests: { dynamodb: number; sqs: number; ssm: number; source: number };
  stages: Record<StageName, StageSummary>;
}

const COLUMNS: Array<[keyof StageSummary, string]> = [
  ["invocations", "invocations"],
  ["errors", "errors"],
  ...COUNT_KEYS.map((key): [keyof StageSummary, string] => [key, key]),
  ["inDlq", "in DLQ"],
];

export function recordsPerSecond(report: RunReport): number {
  const records = report.source.branches + report.source.salespersons + report.source.sales + report.source.invalid;
  return report.durationMs > 0 ? Math.round((records * 1000) / report.durationMs) : 0;
}

/** The reasons a stage can skip a record, in words. */
function stageSkipReasons(stage: StageName): string {
  return STAGE_SKIP_REASONS[stage].map((reason) => SKIP_REASONS[reason]).join(", ");
}

/** Why the `skipped` column is not zero: one line per stage that skipped anything. */
function skippedLines(report: RunReport): string[] {
  return STAGES.filter((stage) => report.stages[stage].skipped > 0).map(
    (stage) =>
      `skipped        ${stage}: ${plural(report.stages[stage].skipped, "record")} (${stageSkipReasons(stage)})`,
  );
}

function scheduleLine(schedule: RunReport["schedule"]): string {
  if (schedule.ok)
    return schedule.attempts > 1
      ? `the scheduled invocation succeeded after ${plural(schedule.attempts, "attempt")}`
      : "the scheduled invocation succeeded";
  return (
    `the scheduled invocation failed ${plural(schedule.attempts, "time")}` +
    (schedule.deadLettered ? " and went to its on-failure destination" : " and had nowhere to go")
  );
}

export function formatSummary(report: RunReport): string {
  const header = ["stage", ...COLUMNS.map(([, title]) => title)];
  const rows = STAGES.map((stage) => [stage, ...COLUMNS.map(([key]) => String(report.stages[stage][key]))]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join("  ");
  const verdict = report.ok
    ? `conservation holds: every record served is in its table or in rejects (0 lost, 0 duplicated)`
    : report.conserved
      ? `conservation holds, but not everything landed: ${plural(report.dlq, "message")} in DLQs` +
        (report.schedule.ok ? "" : ", the scheduled run failed")
      : `conservation FAILED: ${report.lost} lost, ${report.duplicates} duplicated, ` +
        `${report.unexpected} not served by the source` +
        (report.examples.length ? `\n  e.g. ${report.examples.join("\n       ")}` : "");
  const { source, tables, schedule, requests } = report;
  return [
    line(header),
    ...rows.map(line),
    "",
    ...skippedLines(report),
    `source served  ${plural(source.branches, "branch", "branches")}, ${plural(source.salespersons, "salesperson")}, ` +
      `${plural(source.sales, "sale")}, ${plural(source.invalid, "invalid record")}`,
    `tables hold    ${plural(tables.branches, "branch", "branches")}, ${plural(tables.salespersons, "salesperson")}, ` +
      `${plural(tables.sales, "sale")}, ${plural(tables.rejects, "reject")}; ` +
      `this run dead-lettered ${plural(report.dlq, "message")}`,
    `schedule       ${scheduleLine(schedule)}`,
    `requests       ${requests.dynamodb} DynamoDB, ${requests.sqs} SQS, ${requests.ssm} SSM, ${requests.source} source`,
    `took           ${(report.durationMs / 1000).toFixed(2)} s (${recordsPerSecond(report)} records/s)`,
    verdict,
  ].join("\n");
}

/** The last line of `--json` output. Its field names are a contract with scripts. */
export function toJsonLine(report: RunReport): string {
  return JSON.stringify({
    ok: report.ok,
    conserved: report.conserved,
    stack: report.stack,
    scale: report.scale,
    seed: report.seed,
    faults: report.faults,
    source: {
      branches: report.source.branches,
      salespersons: report.source.salespersons,
      sales: report.source.sales,
      invalid: report.source.invalid,
    },
    tables: report.tables,
    dlq: report.dlq,
    schedule: report.schedule,
    lost: report.lost,
    duplicates: report.duplicates,
    unexpected: report.unexpected,
    durationMs: report.durationMs,
    recordsPerSecond: recordsPerSecond(report),
    requests: report.requests,
    stages: report.stages,
  });
}

/**
 * The exit code of `cascade run` over its runs (README, "Exit codes"): 0 when every run's
 * records all landed; 1 when some run lost, duplicated or stored unasked; 3 when nothing
 * was lost but some run left messages in a DLQ or its scheduled invocation failed.
 */
export function runExitCode(reports: ReadonlyArray<Pick<RunReport, "ok" | "conserved">>): 0 | 1 | 3 {
  if (reports.some((report) => !report.conserved)) return 1;
  return reports.every((report) => report.ok) ? 0 : 3;
}
