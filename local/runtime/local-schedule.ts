/**
 * An EventBridge Scheduler schedule targeting a function, locally: it fires the target
 * with the schedule's input, retries a failed delivery up to the planned retry limit,
 * and sends an event it gave up on to the planned dead-letter queue, so nothing a
 * schedule started is silently dropped.
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { InvokeOutcome } from "./local-function";

export interface ScheduleRun {
  attempts: number;
  ok: boolean;
  deadLettered: boolean;
  lastError?: string;
}

export interface LocalScheduleSpec {
  name: string;
  expression: string;
  input?: string;
  maximumRetryAttempts: number;
  /** Local URL of the schedule's dead-letter queue, if the plan gives it one. */
  deadLetterQueueUrl?: string;
}

/** Parses `rate(N unit)` into milliseconds; cron expressions are not run on a timer locally. */
export function rateMillis(expression: string): number | undefined {
  const match = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2].replace(/s$/, "");
  const unitMillis = unit === "minute" ? 60_000 : unit === "hour" ? 3_600_000 : 86_400_000;
  return amount * unitMillis;
}

export class LocalSchedule {
  constructor(
    readonly spec: LocalScheduleSpec,
    private readonly sqs: SQSClient,
    private readonly target: { invoke(event: unknown): Promise<InvokeOutcome> },
  ) {}

  /** The event the target receives: the schedule's input, or an empty object. */
  event(): unknown {
    return this.spec.input ? (JSON.parse(this.spec.input) as unknown) : {};
  }

  async fire(event: unknown = this.event()): Promise<ScheduleRun> {
    let lastError: string | undefined;
    const attempts = 1 + this.spec.maximumRetryAttempts;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const outcome = await this.target.invoke(event);
      if (outcome.ok) return { attempts: attempt, ok: true, deadLettered: false };
      lastError = `${outcome.error.name}: ${outcome.error.message}`;
    }
    if (this.spec.deadLetterQueueUrl) {
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.spec.deadLetterQueueUrl,
          MessageBody: JSON.stringify(event),
          MessageAttributes: { schedule: { DataType: "String", StringValue: this.spec.name }, error: { DataType: "String", StringValue: (lastError ?? "").slice(0, 1000) } },
        }),
      );
    }
    return { attempts, ok: false, deadLettered: Boolean(this.spec.deadLetterQueueUrl), lastError };
  }
}
