/**
 * The lines `cascade run` prints about itself (as opposed to a run's summary): what it
 * planned and what an interrupt stopped. Pure, so each is tested as printed.
 */
import { constants } from "node:os";
import { plural } from "./plural";

/** The planned-resources line, with why it counts more than `cascade plan` when it does. */
export function plannedLine(stack: string, planned: number, localOnly: readonly { type: string }[]): string {
  if (localOnly.length === 0) return `${plural(planned, "planned resource")}`;
  return (
    `${plural(planned, "planned resource")}: the ${stack} plan's ${planned - localOnly.length} ` +
    `(as \`cascade plan --stack ${stack}\` shows) and ${localOnly.length} the local run adds by setting ` +
    `sourceApiToken, so the functions read the sample source's token from SSM (${localOnly
      .map((resource) => resource.type)
      .join(", ")})`
  );
}

/** What was running when a signal arrived. */
export type Phase =
  | { kind: "starting" }
  | { kind: "running"; run: number; elapsedMs: number }
  | { kind: "idle"; why: "--keep" | "--watch" };

/** What the local runtime consists of, to say what was shut down. */
export interface Running {
  functions: number;
  pollers: number;
}

/** One line saying which signal arrived, what it interrupted and what was shut down. */
export function stoppedLine(signal: string, phase: Phase, running?: Running): string {
  const shutDown =
    running === undefined
      ? "stopped the offline plan and the embedded AWS while they were starting"
      : `shut down ${plural(running.functions, "function")}, ` +
        `${plural(running.pollers, "queue poller")}, the embedded DynamoDB, SQS and SSM, and the sample source`;
  switch (phase.kind) {
    case "starting":
      return `cascade: ${signal} before the first run: ${shutDown}`;
    case "running":
      return (
        `cascade: ${signal} during run ${phase.run}, ${(phase.elapsedMs / 1000).toFixed(1)} s in: ` +
        `the run was stopped before it settled, so it has no summary and no conservation check; ${shutDown}`
      );
    case "idle":
      return `cascade: ${signal}: ${shutDown}${phase.why === "--keep" ? "; the kept tables and queues are gone" : ""}`;
  }
}

/** The exit status of a process ended by a signal, as a shell reports it: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}
