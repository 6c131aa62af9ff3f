/**
 * Typed errors of the collectors. Each sets `name` so logs and the batch processor's
 * failure records say what went wrong without parsing messages.
 */

/** A required environment variable is missing or malformed; thrown at cold start. */
export class EnvironmentError extends Error {
  override readonly name = "EnvironmentError";
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`environment variable ${variable} ${problem}`);
  }
}

/** The source answered with a status we do not retry, or kept failing until attempts ran out. */
export class SourceHttpError extends Error {
  override readonly name = "SourceHttpError";
  constructor(
    readonly status: number,
    readonly url: string,
    readonly retryable: boolean,
  ) {
    super(`source answered ${status} for ${url}`);
  }
}

/** The source answered 2xx with a body that is not the `{result, next}` envelope. */
export class SourceBodyError extends Error {
  override readonly name = "SourceBodyError";
  constructor(
    readonly url: string,
    detail: string,
  ) {
    super(`source body for ${url} is malformed: ${detail}`);
  }
}

/** One attempt took longer than the per-attempt timeout. */
export class SourceTimeoutError extends Error {
  override readonly name = "SourceTimeoutError";
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`source did not answer ${url} within ${timeoutMs} ms`);
  }
}

/** Continuing would run past the overall deadline (kept below the function's remaining time). */
export class DeadlineExceededError extends Error {
  override readonly name = "DeadlineExceededError";
  constructor(what: string, options?: { cause?: unknown }) {
    super(`deadline reached while ${what}`, options);
  }
}

/** The source handed back a cursor it had already given, or more pages than we accept. */
export class CursorLoopError extends Error {
  override readonly name = "CursorLoopError";
  constructor(
    readonly url: string,
    readonly pages: number,
  ) {
    super(`cursor loop on ${url} after ${pages} pages`);
  }
}

/** DynamoDB left keys or items unprocessed after every retry. */
export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    readonly table: string,
    readonly operation: string,
    readonly remaining: number,
  ) {
    super(`${operation} on ${table} left ${remaining} unprocessed after retries`);
  }
}

/** Some messages could not be sent after retries; the input that produced them must fail. */
export class FanOutError extends Error {
  override readonly name = "FanOutError";
  constructor(
    readonly queueUrl: string,
    readonly failures: ReadonlyArray<{ id: string; code: string; senderFault: boolean }>,
  ) {
    super(
      `${failures.length} message(s) to ${queueUrl} failed: ${failures
        .slice(0, 3)
        .map((f) => `${f.id}:${f.code}`)
        .join(", ")}`,
    );
  }
}

/** An input message (SQS body or schedule event) does not match its contract. */
export class InvalidMessageError extends Error {
  override readonly name = "InvalidMessageError";
  constructor(detail: string) {
    super(`invalid input message: ${detail}`);
  }
}
