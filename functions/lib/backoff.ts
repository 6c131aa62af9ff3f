/**
 * Retry timing, pure: full-jitter exponential backoff and Retry-After parsing. Callers
 * pass `random` and `now` so the bounds can be checked exhaustively.
 */

export interface BackoffPolicy {
  /** Delay ceiling of the first retry, in ms. */
  baseMs: number;
  /** Upper bound of any single delay, in ms. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 5_000 };

/**
 * Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): uniform in
 * [0, min(cap, base * 2^attempt)). Spreads retrying clients instead of synchronising them.
 * `attempt` is 0 for the first retry.
 */
export function fullJitterDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt, 52)));
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(r * exp);
}

/**
 * Parses a Retry-After header (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.
 * Returns ms to wait (never negative), or undefined when absent or unparseable.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === "") return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Only IMF-fixdate and the two obsolete forms are HTTP-dates; Date.parse accepts
  // far more, so require a weekday name and GMT the way all three forms carry them.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /.test(value) || !/GMT$|\d{4}$/.test(value)) return undefined;
  // HTTP-dates are always UTC; asctime's form does not say so, and Date.parse would read
  // it in the local time zone.
  const at = Date.parse(/GMT$/.test(value) ? value : `${value} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * The delay before retry `attempt`: the server's Retry-After when it gave one (capped,
 * since a server can ask for hours), otherwise full-jitter backoff.
 */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  retryAfterCapMs: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, retryAfterCapMs);
  return fullJitterDelay(attempt, policy, random);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How a caller retries; tests pass their own clock and dice. */
export interface RetryOptions {
  /** Attempts, the first included. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface Retrier {
  readonly maxAttempts: number;
  /** Waits the full-jitter delay before retry `attempt` (1 for the first retry). */
  wait(attempt: number): Promise<void>;
}

export function retrier(options: RetryOptions, defaultMaxAttempts: number): Retrier {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const pause = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  return {
    maxAttempts: options.maxAttempts ?? defaultMaxAttempts,
    wait: (attempt) => pause(fullJitterDelay(attempt - 1, backoff, random)),
  };
}
