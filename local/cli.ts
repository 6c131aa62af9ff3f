/**
 * `cascade`: run the pipeline locally, preview a stack's plan offline, or list rejects.
 * See USAGE in cli-args.ts; `npm start` is `cascade run`.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { STAGES } from "../functions/lib/contract";
import { parseCommand, USAGE, UsageError, type Command } from "./cli-args";
import { runOps, terminalConfirm } from "./ops/run";
import { recordProgram } from "./plan/record";
import { planJson, planTree } from "./plan-view";
import { formatRejects, listRejects } from "./rejects-list";
import { LocalCascade, type Progress } from "./runtime/cascade";
import { rateMillis } from "./runtime/local-schedule";
import { formatSummary, runExitCode, toJsonLine, type RunReport } from "./runtime/report";
import { keepMessage } from "./keep-instructions";
import { plural } from "./plural";
import { plannedLine, signalExitCode, stoppedLine, type Phase, type Running } from "./run-messages";

type RunCommand = Extract<Command, { command: "run" }>;

function progressLine(progress: Progress): string {
  const stages = STAGES.map((stage) => {
    const s = progress.stages[stage];
    const rejected = s.rejected ? `, ${s.rejected} rejected` : "";
    const queued = s.queued ? `, ${s.queued} queued` : "";
    return `${stage} ${s.written} written${rejected}${queued}`;
  });
  return `[${(progress.elapsedMs / 1000).toFixed(1)}s] ${stages.join(" │ ")}`;
}

/** Live progress on stderr: one rewritten line on a terminal, a line a second otherwise. */
function progressPrinter(): { update(progress: Progress): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  let finished = false;
  return {
    update(progress) {
      // An interrupted run goes on reporting progress until its services are closed under it.
      if (finished) return;
      if (tty) process.stderr.write(`\r\x1b[2K${progressLine(progress)}`);
      else if (Date.now() - lastPrinted >= 1000) {
        lastPrinted = Date.now();
        process.stderr.write(`${progressLine(progress)}\n`);
      }
    },
    done() {
      finished = true;
      if (tty) process.stderr.write("\r\x1b[2K");
    },
  };
}

function printReport(report: RunReport, json: boolean): void {
  if (json) process.stdout.write(`${toJsonLine(report)}\n`);
  else process.stdout.write(`\n${formatSummary(report)}\n`);
}

/** Resolves after `ms`, however long: setTimeout alone overflows past about 24.8 days. */
function untilLater(ms: number): Promise<void> {
  const MAX_TIMER_MS = 2 ** 31 - 1;
  return new Promise((resolve) => {
    const step = (left: number) => {
      if (left <= 0) return resolve();
      setTimeout(() => step(left - MAX_TIMER_MS), Math.min(left, MAX_TIMER_MS)).unref();
    };
    step(ms);
  });
}

/** The first SIGINT or SIGTERM from now on; `dispose` stops listening. */
function firstSignal(): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let stop: (signal: NodeJS.Signals) => void = () => undefined;
  const dispose = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  };
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    stop = (received) => {
      dispose();
      resolve(received);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return { signal, dispose };
}

const INTERRUPTED = Symbol("interrupted");

/** `work`, or INTERRUPTED when a signal comes first (`work` is then left to end on its own). */
async function unlessInterrupted<T>(work: Promise<T>, signal: Promise<unknown>): Promise<T | typeof INTERRUPTED> {
  work.catch(() => undefined);
  return Promise.race([work, signal.then((): typeof INTERRUPTED => INTERRUPTED)]);
}

function running(cascade: LocalCascade): Running {
  return { functions: cascade.pipeline.functions.length, pollers: cascade.pipeline.mappings.length };
}

async function run(command: RunCommand): Promise<number> {
  const log = (text: string) => process.stderr.write(`${text}\n`);
  const interrupt = firstSignal();
  /** Says what the signal stopped; the exit status is the signal's unless nothing was left undone. */
  const stopped = async (cascade: LocalCascade | undefined, phase: Phase): Promise<number> => {
    const signal = await interrupt.signal;
    log(stoppedLine(signal, phase, cascade && running(cascade)));
    return phase.kind === "idle" ? 0 : signalExitCode(signal);
  };
  log(`cascade: evaluating the ${command.stack} stack's Pulumi program offline and starting the embedded AWS…`);
  const started = await unlessInterrupted(
    LocalCascade.start({
      stack: command.stack,
      scale: command.scale,
      seed: command.seed,
      faults: command.faults,
      data: command.data,
      onOutput: command.verbose ? (fn, lines) => lines.forEach((line) => log(`${fn} ${line}`)) : undefined,
    }),
    interrupt.signal,
  );
  if (started === INTERRUPTED) {
    interrupt.dispose();
    // Whatever was half started lives in this process and ends with it.
    const code = await stopped(undefined, { kind: "starting" });
    process.exit(code);
  }
  const cascade = started;
  const verdicts: Array<Pick<RunReport, "ok" | "conserved">> = [];
  let runs = 0;
  let phase: Phase = { kind: "starting" };
  /** One run; false when a signal stopped it. */
  const once = async (): Promise<boolean> => {
    runs += 1;
    const startedAt = Date.now();
    const printer = progressPrinter();
    const report = await unlessInterrupted(
      cascade.runOnce((progress) => printer.update(progress)),
      interrupt.signal,
    );
    printer.done();
    if (report === INTERRUPTED) {
      phase = { kind: "running", run: runs, elapsedMs: Date.now() - startedAt };
      return false;
    }
    printReport(report, command.json);
    verdicts.push({ ok: report.ok, conserved: report.conserved });
    return true;
  };
  try {
    const { topology } = cascade;
    log(
      `cascade: ${plannedLine(command.stack, cascade.program.resources.length, cascade.localOnly)}; ` +
        `${plural(topology.tables.length, "table")}, ${plural(topology.queues.length, "queue")}, ` +
        `${plural(topology.functions.length, "function")} ` +
        `realised locally. Running (scale ${command.scale}, seed ${command.seed}, faults ${command.faults})…`,
    );
    if (!(await once())) return await stopped(cascade, phase);
    if (command.watch) {
      const expression = cascade.schedule.spec.expression;
      const every = command.everyMs ?? rateMillis(expression);
      if (every === undefined) {
        log(
          `cascade: the schedule ${expression} is not a rate(); --watch runs only rate() schedules ` +
            `locally unless --every says how often`,
        );
      } else {
        const why = command.everyMs === undefined ? expression : `--every; the schedule says ${expression}`;
        log(`cascade: watching: the next run in ${every / 1000} s (${why}); Ctrl-C to stop`);
        for (;;) {
          if ((await unlessInterrupted(untilLater(every), interrupt.signal)) === INTERRUPTED) break;
          if (!(await once())) return await stopped(cascade, phase);
        }
        await stopped(cascade, { kind: "idle", why: "--watch" });
      }
    } else if (command.keep) {
      log(keepMessage(cascade.endpoints()));
      await stopped(cascade, { kind: "idle", why: "--keep" });
    }
  } finally {
    interrupt.dispose();
    await cascade.close();
  }
  return runExitCode(verdicts);
}

export async function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`cascade: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  switch (command.command) {
    case "help":
      process.stdout.write(USAGE);
      return 0;
    case "plan": {
      const program = await recordProgram({ stack: command.stack });
      process.stdout.write(
        command.json ? `${JSON.stringify(await planJson(program), null, 2)}\n` : `${planTree(program)}\n`,
      );
      return 0;
    }
    case "rejects": {
      const client = new DynamoDBClient({ endpoint: command.endpoint, region: command.region });
      try {
        process.stdout.write(`${formatRejects(await listRejects(client, command.table, command.stage))}\n`);
      } finally {
        client.destroy();
      }
      return 0;
    }
    case "run":
      return run(command);
    case "ops":
      return runOps(command, {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
        confirm: terminalConfirm(process.stdin, process.stderr),
      });
  }
}
