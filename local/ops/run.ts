/**
 * Runs one operations command: finds the target (a deployed stack's outputs, or the
 * embedded AWS behind --endpoint), acts, prints. Input and output come in as `io`, so
 * tests drive it with their own streams and environment.
 */
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { parseStackOutputs } from "../../infra/contract";
import { recordProgram } from "../plan/record";
import type { OpsCommand } from "./args";
import { backfill } from "./backfill";
import { describeLetter } from "./decode";
import { listDeadLetters, purgeDeadLetters, redriveDeadLetters } from "./dlq";
import { MissingOutputsError, OpsError, UnsupportedError } from "./errors";
import { readOutputs } from "./outputs";
import { formatStatus, pipelineStatus } from "./status";
import { deployedTarget, endpointTarget, type OpsTarget } from "./target";

export interface OpsIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  /** Asks a yes/no question on the terminal; only called when stdin is one. */
  confirm?: (question: string) => Promise<boolean>;
}

export class ConfirmationError extends OpsError {
  override readonly name = "ConfirmationError";
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** The outputs text: --outputs FILE, --outputs - or a pipe on standard input. */
async function outputsText(command: OpsCommand, io: OpsIo): Promise<{ text: string; from: string }> {
  const file = command.target.outputs;
  if (file !== undefined && file !== "-") {
    try {
      return { text: await readFile(file, "utf8"), from: file };
    } catch (error) {
      throw new MissingOutputsError(
        `cannot read --outputs ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ` +
          `write it with \`pulumi stack output --json --stack ${command.target.stack} > ${file}\``,
        { cause: error },
      );
    }
  }
  if (file === undefined && io.stdin.isTTY === true)
    throw new MissingOutputsError(
      `no stack outputs: pipe them in (\`pulumi stack output --json | cascade ${command.action}\`), ` +
        "pass --outputs FILE, or --endpoint URL for the embedded AWS of `cascade run --keep`",
    );
  return { text: await readStream(io.stdin), from: "standard input" };
}

export async function openTarget(command: OpsCommand, io: OpsIo): Promise<OpsTarget> {
  const { stack, endpoint, region } = command.target;
  if (endpoint !== undefined) {
    // The names `cascade run --stack` realised: the same program, evaluated offline.
    const program = await recordProgram({ stack });
    return endpointTarget({ endpoint, stack, outputs: parseStackOutputs("pipeline", stack, program.outputs) });
  }
  const { text, from } = await outputsText(command, io);
  const outputs = readOutputs(text, stack, from);
  return deployedTarget({
    outputs,
    stack,
    region: region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION,
    clientConfig: io.env.AWS_ENDPOINT_URL_SQS ? { endpoint: io.env.AWS_ENDPOINT_URL_SQS } : undefined,
  });
}

async function confirmPurge(command: OpsCommand, io: OpsIo, target: OpsTarget): Promise<void> {
  if (command.yes || !io.confirm) return;
  const names = target.deadLetterQueues.map((queue) => queue.dlq.name).join(", ");
  if (!(await io.confirm(`Delete every message in ${names} of ${target.where}? [y/N] `)))
    throw new ConfirmationError("dlq purge: not confirmed; nothing was deleted");
}

/** A confirm that reads one answer from the terminal. */
export function terminalConfirm(
  stdin: NodeJS.ReadableStream,
  stderr: NodeJS.WritableStream,
): (question: string) => Promise<boolean> {
  return async (question) => {
    const prompt = createInterface({ input: stdin, output: stderr });
    try {
      return /^y(es)?$/i.test((await prompt.question(question)).trim());
    } finally {
      prompt.close();
    }
  };
}

export async function runOps(command: OpsCommand, io: OpsIo): Promise<number> {
  // What cannot work is said before the stack is looked up.
  if (command.action === "dlq purge" && !command.yes && (io.stdin.isTTY !== true || !io.confirm))
    throw new ConfirmationError(
      "dlq purge deletes every dead letter and asks first, but standard input is not a terminal: pass --yes to purge",
    );
  if (command.action === "backfill" && command.target.endpoint !== undefined)
    throw new UnsupportedError(
      "a backfill starts a scheduled run, and the embedded AWS has no Lambda: the local schedule runs inside " +
        "the `cascade run` process; run the backfill against a deployed stack (--outputs)",
    );
  const target = await openTarget(command, io);
  const print = (value: unknown, text: string) =>
    io.stdout.write(command.json ? `${JSON.stringify(value)}\n` : `${text}\n`);
  try {
    switch (command.action) {
      case "dlq list": {
        const listings = await listDeadLetters(target);
        const text = listings.flatMap((listing) => [
          `${listing.key} DLQ (${listing.stage} stage, ${listing.queue}): ${listing.messages.length} waiting`,
          ...listing.messages.map(
            (message) =>
              `  ${message.messageId}  ${message.sentAt ? new Date(message.sentAt).toISOString() : "?"}  ` +
              describeLetter(message.letter),
          ),
        ]);
        print({ where: target.where, deadLetterQueues: listings }, text.join("\n"));
        return 0;
      }
      case "dlq redrive": {
        const outcomes = await redriveDeadLetters(target, {
          onProgress: (progress) =>
            io.stderr.write(
              `cascade: ${progress.key} DLQ ${progress.status}: ${progress.moved}` +
                `${progress.toMove !== undefined ? ` of ${progress.toMove}` : ""} moved\n`,
            ),
        });
        print(
          { where: target.where, outcomes },
          outcomes
            .map(
              (outcome) =>
                `${outcome.key} DLQ: ${outcome.how}, ${outcome.moved} sent back` +
                `${outcome.left ? `, ${outcome.left} left` : ""}` +
                outcome.notes.map((note) => `\n  ${note}`).join(""),
            )
            .join("\n"),
        );
        return outcomes.some((outcome) => outcome.left > 0) ? 1 : 0;
      }
      case "dlq purge": {
        await confirmPurge(command, io, target);
        const purged = await purgeDeadLetters(target);
        print(
          { where: target.where, purged },
          [
            ...purged.map(
              (queue) =>
                `${queue.key} DLQ: ` +
                (queue.alreadyInProgress ? "a purge is already under way" : `purged ${queue.purged}`),
            ),
            "SQS finishes a purge within 60 seconds; until then the messages may still be counted",
          ].join("\n"),
        );
        return 0;
      }
      case "status": {
        const rows = await pipelineStatus(target);
        print({ where: target.where, queues: rows, watermarks: null }, `${target.where}\n${formatStatus(rows)}`);
        return 0;
      }
      case "backfill": {
        const { event, note } = await backfill(target, command.since!, command.branches);
        print({ where: target.where, event, note }, `backfill ${JSON.stringify(event)}: ${note}`);
        return 0;
      }
    }
  } finally {
    target.close();
  }
}
