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
import { formatSummary, toJsonLine, type RunReport } from "./runtime/report";

type RunCommand = Extract<Command, { command: "run" }>;

function progressLine(progress: Progress): string {
  const stages = STAGES.map((stage) => {
    const s = progress.stages[stage];
    return `${stage} ${s.written} written${s.rejected ? `, ${s.rejected} rejected` : ""}${s.queued ? `, ${s.queued} queued` : ""}`;
  });
  return `[${(progress.elapsedMs / 1000).toFixed(1)}s] ${stages.join(" │ ")}`;
}

/** Live progress on stderr: one rewritten line on a terminal, a line a second otherwise. */
function progressPrinter(): { update(progress: Progress): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  return {
    update(progress) {
      if (tty) process.stderr.write(`\r\x1b[2K${progressLine(progress)}`);
      else if (Date.now() - lastPrinted >= 1000) {
        lastPrinted = Date.now();
        process.stderr.write(`${progressLine(progress)}\n`);
      }
    },
    done() {
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

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

function keepMessage(cascade: LocalCascade): string {
  const { environment, tables, queues, sourceUrl } = cascade.endpoints();
  const exports = Object.entries(environment).map(([key, value]) => `  export ${key}=${value}`);
  return [
    "",
    "The embedded AWS stays up until Ctrl-C. Point the AWS CLI or an SDK at it:",
    ...exports,
    `  aws dynamodb scan --table-name ${Object.values(tables)[0]} --endpoint-url ${environment.AWS_ENDPOINT_URL_DYNAMODB}`,
    `  aws sqs list-queues --endpoint-url ${environment.AWS_ENDPOINT_URL_SQS}`,
    "tables:",
    ...Object.entries(tables).map(([logical, name]) => `  ${logical}: ${name}`),
    "queues:",
    ...Object.entries(queues).map(([logical, url]) => `  ${logical}: ${url}`),
    `sample source: ${sourceUrl}`,
  ].join("\n");
}

async function run(command: RunCommand): Promise<number> {
  const log = (text: string) => process.stderr.write(`${text}\n`);
  log(`cascade: evaluating the ${command.stack} stack's Pulumi program offline and starting the embedded AWS…`);
  const cascade = await LocalCascade.start({
    stack: command.stack,
    scale: command.scale,
    seed: command.seed,
    faults: command.faults,
    onOutput: command.verbose ? (fn, lines) => lines.forEach((line) => log(`${fn} ${line}`)) : undefined,
  });
  let failures = 0;
  try {
    log(
      `cascade: ${cascade.program.resources.length} planned resources; ${cascade.topology.tables.length} tables, ${cascade.topology.queues.length} queues, ${cascade.topology.functions.length} functions realised locally. Running (scale ${command.scale}, seed ${command.seed}, faults ${command.faults})…`,
    );
    const once = async () => {
      const printer = progressPrinter();
      const report = await cascade.runOnce((progress) => printer.update(progress));
      printer.done();
      printReport(report, command.json);
      if (!report.ok) failures += 1;
    };
    await once();
    if (command.watch) {
      const every = rateMillis(cascade.schedule.spec.expression);
      if (every === undefined)
        log(
          `cascade: the schedule ${cascade.schedule.spec.expression} is not a rate(); --watch runs only rate() schedules locally`,
        );
      else {
        log(
          `cascade: watching: the next run in ${every / 1000} s (${cascade.schedule.spec.expression}); Ctrl-C to stop`,
        );
        let stopped = false;
        const signal = waitForSignal().then(() => {
          stopped = true;
          log("cascade: stopping after the run in progress, if any");
        });
        while (!stopped) {
          await Promise.race([untilLater(every), signal]);
          if (!stopped) await once();
        }
      }
    } else if (command.keep) {
      log(keepMessage(cascade));
      await waitForSignal();
    }
  } finally {
    await cascade.close();
  }
  return failures === 0 ? 0 : 1;
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
