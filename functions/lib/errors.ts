/**
 * Typed errors of the collectors. Each sets `name` so logs and the batch processor's
 * failure records say what went wrong without parsing messages. They share one base,
 * `CollectorError`, so a handler tells its own failures from anything else with one
 * `instanceof`, and each passes `{ cause }` through to `Error`, keeping the SDK or
 * fetch error underneath. The shape is Powertools' (`ParameterNotFoundError extends
 * GetParameterError`, aws-powertools/powertools-lambda-typescript
 * packages/parameters/src/errors.ts).
 */

/** Base of every error the collectors throw on purpose. */
export class CollectorError extends Error {
  override readonly name: string = "CollectorError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A required environment variable is missing or malformed; thrown at cold start. */
export class EnvironmentError extends CollectorError {
  override readonly name = "EnvironmentError";
  constructor(
    readonly variable: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`environment variable ${variable} ${problem}`, options);
  }
}

/** The source answered with a status we do not retry, or kept failing until attempts ran out. */
export class SourceHttpError extends CollectorError {
  override readonly name = "SourceHttpError";
  constructor(
    readonly status: number,
    readonly url: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(`source answered ${status} for ${url}`, options);
  }
}

/** The source answered 2xx with a body that is not the `{result, next}` envelope. */
export class SourceBodyError extends CollectorError {
  override readonly name = "SourceBodyError";
  constructor(
    readonly url: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`source body for ${url} is malformed: ${detail}`, options);
  }
}

/** One attempt took longer than the per-attempt timeout. */
export class SourceTimeoutError extends CollectorError {
  override readonly name = "SourceTimeoutError";
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`source did not answer ${url} within ${timeoutMs} ms`, options);
  }
}

/** Continuing would run past the overall deadline (kept below the function's remaining time). */
export class DeadlineExceededError extends CollectorError {
  override readonly name = "DeadlineExceededError";
  constructor(what: string, options?: ErrorOptions) {
    super(`deadline reached while ${what}`, options);
  }
}

/**
 * The source asked us to come back later than this invocation can wait (Retry-After
 * beyond the cap or the deadline): the input goes back to its queue for that long
 * instead of being retried inside the window the source asked us to stay away.
 */
export class SourceBusyError extends CollectorError {
  override readonly name = "SourceBusyError";
  constructor(
    readonly url: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(`source asked to retry ${url} after ${retryAfterMs} ms, longer than this invocation can wait`, options);
  }
}

/** The source handed back a cursor it had already given, or more pages than we accept. */
export class CursorLoopError extends CollectorError {
  override readonly name = "CursorLoopError";
  constructor(
    readonly url: string,
    readonly pages: number,
    options?: ErrorOptions,
  ) {
    super(`cursor loop on ${url} after ${pages} pages`, options);
  }
}

/** DynamoDB left keys or items unprocessed after every retry. */
export class StoreError extends CollectorError {
  override readonly name = "StoreError";
  constructor(
    readonly table: string,
    readonly operation: string,
    readonly remaining: number,
    options?: ErrorOptions,
  ) {
    super(`${operation} on ${table} left ${remaining} unprocessed after retries`, options);
  }
}

/** Some messages could not be sent after retries; the input that produced them must fail. */
export class FanOutError extends CollectorError {
  override readonly name = "FanOutError";
  constructor(
    readonly queueUrl: string,
    readonly failures: ReadonlyArray<{ id: string; code: string; senderFault: boolean }>,
    options?: ErrorOptions,
  ) {
    super(
      `${failures.length} message(s) to ${queueUrl} failed: ${failures
        .slice(0, 3)
        .map((f) => `${f.id}:${f.code}`)
        .join(", ")}`,
      options,
    );
  }
}

/** An input message (SQS body or schedule event) does not match its contract. */
export class InvalidMessageError extends CollectorError {
  override readonly name = "InvalidMessageError";
  constructor(detail: string, options?: ErrorOptions) {
    super(`invalid input message: ${detail}`, options);
  }
}
