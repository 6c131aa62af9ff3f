/**
 * The Lambda entry points, built from their dependencies. Each handler is thin: it sets
 * the run id as the logs' correlation id, computes the deadline from the remaining
 * time, calls the stage's collect function, and publishes the invocation's metrics once.
 */
import { randomUUID } from "node:crypto";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { RUN_ID_ATTRIBUTE } from "./contract";
import { collectBranches, collectSales, collectSalespersons, type CollectorDeps, type CollectResult } from "./collect";
import { pickCounts, type Counts } from "./counts";
import { SourceBusyError } from "./errors";
import { MessageHandBack } from "./hand-back";
import { parseBranchMessage, parseSalespersonMessage } from "./messages";
import type { Telemetry } from "./telemetry";

/** Time kept back from the function's remaining time, so we stop cleanly instead of being killed. */
export function deadlineFrom(context: Pick<Context, "getRemainingTimeInMillis">, now: number = Date.now()): number {
  const remaining = context.getRemainingTimeInMillis();
  const reserve = Math.min(5_000, Math.max(500, remaining * 0.1));
  return now + Math.max(0, remaining - reserve);
}

export interface HandlerDeps extends CollectorDeps {
  telemetry: Telemetry;
  newRunId?: () => string;
  /** For handing a message back to its queue when the source asks us to wait longer than we can. */
  sqs?: Pick<SQSClient, "send">;
}

/** What a scheduled run returns and logs: its run id and every count. */
export interface BranchesResult extends Counts {
  runId: string;
}

function summaryFields(result: CollectResult): BranchesResult {
  return { runId: result.runId, ...pickCounts(result) };
}

export function createBranchesHandler(
  deps: HandlerDeps,
): (event: unknown, context: Context) => Promise<BranchesResult> {
  const { telemetry } = deps;
  return async (event, context) => {
    const runId = (deps.newRunId ?? randomUUID)();
    const first = telemetry.startInvocation(context);
    const logger = telemetry.childLogger(context, first, { correlation_id: runId });
    try {
      const summary = await collectBranches(deps, { runId, deadline: deadlineFrom(context), logger }, event);
      telemetry.add(summary);
      logger.info("branches collected", { ...summaryFields(summary) });
      return summaryFields(summary);
    } catch (error) {
      // Thrown on: the scheduler's retry policy and DLQ take it from here.
      logger.error("branches run failed", error as Error);
      throw error;
    } finally {
      telemetry.flush();
    }
  };
}

type RecordWork = (
  deps: CollectorDeps,
  record: SQSRecord,
  ctx: { deadline: number; logger: import("@aws-lambda-powertools/logger").Logger },
) => Promise<CollectResult>;

/** The run id attribute, read before the body is parsed so even a poison message's logs can be followed. */
function runIdOf(record: SQSRecord): string | undefined {
  return record.messageAttributes?.[RUN_ID_ATTRIBUTE]?.stringValue;
}

function createSqsHandler(
  deps: HandlerDeps,
  work: RecordWork,
  what: string,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const { telemetry } = deps;
  const handBack = deps.sqs ? new MessageHandBack(deps.sqs) : undefined;
  return async (event, context) => {
    const first = telemetry.startInvocation(context);
    const deadline = deadlineFrom(context);
    const processor = new BatchProcessor(EventType.SQS);
    const perRecord = async (record: SQSRecord): Promise<void> => {
      const logger = telemetry.childLogger(context, first, {
        correlation_id: runIdOf(record) ?? "unknown",
        messageId: record.messageId,
      });
      try {
        const summary = await work(deps, record, { deadline, logger });
        telemetry.add(summary);
        logger.info(`${what} collected`, { ...summaryFields(summary) });
      } catch (error) {
        if (error instanceof SourceBusyError && handBack) {
          // Back to the queue for as long as the source asked; the failure keeps Lambda from deleting it.
          try {
            const seconds = await handBack.handBack(record, error.retryAfterMs);
            logger.warn(`${what} handed back to the queue`, { seconds, url: error.url });
          } catch (handBackError) {
            logger.error("hand-back failed; the message returns after its visibility timeout", {
              error: handBackError as Error,
            });
          }
          throw error;
        }
        logger.error(`${what} failed`, error as Error);
        throw error;
      }
    };
    try {
      // A batch whose every record failed throws (Powertools' default), so the invocation
      // counts in Lambda's Errors metric and trips the Errors alarm: a source outage or a
      // missing permission fails whole batches. SQS retries the same messages either way.
      return await processPartialResponse(event, perRecord, processor, { context });
    } finally {
      telemetry.flush();
    }
  };
}

export function createSalespersonsHandler(
  deps: HandlerDeps,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return createSqsHandler(
    deps,
    (d, record, ctx) => {
      const message = parseBranchMessage(record.body);
      return collectSalespersons(d, { ...ctx, runId: message.runId }, message);
    },
    "salespersons",
  );
}

export function createSalesHandler(
  deps: HandlerDeps,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return createSqsHandler(
    deps,
    (d, record, ctx) => {
      const message = parseSalespersonMessage(record.body);
      return collectSales(d, { ...ctx, runId: message.runId }, message);
    },
    "sales",
  );
}
