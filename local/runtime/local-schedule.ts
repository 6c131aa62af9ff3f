/**
 * An EventBridge Scheduler schedule targeting a function, locally. The scheduler
 * invokes the function asynchronously, so a function error is Lambda's to handle: it
 * retries up to the function's asynchronous retry limit, then sends an invocation record
 * to the on-failure destination. Without a destination the event is gone, exactly as on
 * AWS, and the conservation check will say so.
 */
import { randomUUID } from "node:crypto";
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
  functionArn: string;
  /** Retries Lambda makes of a failed asynchronous invocation (0-2). */
  maximumRetryAttempts: number;
  /** Local URL of the on-failure destination queue, if the plan gives one. */
  onFailureQueueUrl?: string;
  /**
   * Wait before retry k is k × this. Lambda waits about a minute, then two; locally the
   * same shape is scaled down so a run settles in seconds.
   */
  retryDelayMs: number;
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

/** The record Lambda sends to an on-failure destination after the last retry. */
export function invocationRecord(
  functionArn: string,
  event: unknown,
  attempts: number,
  error: { name: string; message: string },
  now: Date,
): Record<string, unknown> {
  return {
    version: "1.0",
    timestamp: now.toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: `${functionArn}:$LATEST`,
      condition: "RetriesExhausted",
      approximateInvokeCount: attempts,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    responsePayload: { errorType: error.name, errorMessage: error.message },
  };
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
    const attempts = 1 + this.spec.maximumRetryAttempts;
    let lastError = { name: "Error", message: "never invoked" };
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, (attempt - 1) * this.spec.retryDelayMs));
      const outcome = await this.target.invoke(event);
      if (outcome.ok) return { attempts: attempt, ok: true, deadLettered: false };
      lastError = outcome.error;
    }
    if (this.spec.onFailureQueueUrl) {
      const record = invocationRecord(this.spec.functionArn, event, attempts, lastError, new Date());
      await this.sqs.send(
        new SendMessageCommand({ QueueUrl: this.spec.onFailureQueueUrl, MessageBody: JSON.stringify(record) }),
      );
    }
    return {
      attempts,
      ok: false,
      deadLettered: Boolean(this.spec.onFailureQueueUrl),
      lastError: `${lastError.name}: ${lastError.message}`,
    };
  }
}
