/**
 * The HTTP client of the third-party source: one GET per page, every page of a listing
 * by following `next` cursors, retries with full-jitter backoff on what is worth
 * retrying, and never past the caller's deadline.
 */
import { DEFAULT_BACKOFF, retryDelay, parseRetryAfter, sleep as realSleep, type BackoffPolicy } from "./backoff";
import {
  CursorLoopError,
  DeadlineExceededError,
  SourceBodyError,
  SourceBusyError,
  SourceHttpError,
  SourceTimeoutError,
} from "./errors";
import { parseJson } from "./json";
import { SourcePage } from "./schemas";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;
/** Resolves the bearer token, or undefined for none. Called per listing so a cached parameter can rotate. */
export type TokenProvider = () => Promise<string | undefined>;

export interface SourceClientOptions {
  baseUrl: string;
  token?: TokenProvider;
  fetch?: FetchLike;
  /** @default 5000 */
  attemptTimeoutMs?: number;
  /** Attempts per page, the first included. @default 6 */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /**
   * Longest Retry-After we wait out inside one invocation; a longer one (or one past the
   * deadline) throws SourceBusyError, so the caller can hand its input back for that long.
   * @default 10000
   */
  retryAfterCapMs?: number;
  /** Pages per listing before we call it a loop even without a repeated cursor. @default 1000 */
  maxPages?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Told about each retry (for the SourceRetries metric and logs). */
  onRetry?: (info: { url: string; attempt: number; delayMs: number; reason: string }) => void;
}

export interface ListOptions {
  /** Epoch ms after which no new attempt or wait may start. */
  deadline: number;
}

/** Status codes worth another attempt: timeouts, throttling, and server faults. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

export class SourceClient {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly opts: Required<Omit<SourceClientOptions, "token" | "onRetry">> &
    Pick<SourceClientOptions, "token" | "onRetry">;

  constructor(options: SourceClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.origin = new URL(this.baseUrl).origin;
    this.opts = {
      fetch: (input, init) => fetch(input, init),
      attemptTimeoutMs: 5_000,
      maxAttempts: 6,
      backoff: DEFAULT_BACKOFF,
      retryAfterCapMs: 10_000,
      maxPages: 1_000,
      sleep: realSleep,
      random: Math.random,
      now: Date.now,
      ...options,
      baseUrl: this.baseUrl,
    };
  }

  /** Builds the URL of a listing's first page. */
  url(path: string, query: Record<string, string | undefined> = {}): string {
    const url = new URL(`${this.baseUrl}${path.startsWith("/") ? path : `/${path}`}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    return url.toString();
  }

  /**
   * Every record of a listing, across pages. `next` may be a URL (absolute or relative
   * to the source) or an opaque cursor, sent back as `cursor`.
   */
  async list(path: string, query: Record<string, string | undefined>, options: ListOptions): Promise<unknown[]> {
    const token = this.opts.token ? await this.opts.token() : undefined;
    const first = this.url(path, query);
    const seen = new Set<string>();
    const records: unknown[] = [];
    let url: string | undefined = first;
    let pages = 0;
    while (url !== undefined) {
      if (seen.has(url) || pages >= this.opts.maxPages) throw new CursorLoopError(first, pages);
      seen.add(url);
      const page = await this.page(url, token, options.deadline);
      pages += 1;
      records.push(...page.result);
      url = page.next ? this.nextUrl(first, page.next) : undefined;
    }
    return records;
  }

  private nextUrl(first: string, next: string): string {
    if (/^https?:\/\//i.test(next) || next.startsWith("/")) {
      const resolved = new URL(next, this.baseUrl);
      // The token is for the source; a cursor pointing elsewhere must not receive it.
      if (resolved.origin !== this.origin)
        throw new SourceBodyError(first, `next points to another origin: ${resolved.origin}`);
      return resolved.toString();
    }
    const url = new URL(first);
    url.searchParams.set("cursor", next);
    return url.toString();
  }

  /** One page, with retries. */
  async page(url: string, token: string | undefined, deadline: number): Promise<SourcePage> {
    const { maxAttempts, now } = this.opts;
    for (let attempt = 0; ; attempt += 1) {
      const remaining = deadline - now();
      if (remaining <= 0) throw new DeadlineExceededError(`fetching ${url}`);
      let retryAfterMs: number | undefined;
      let failure: Error;
      try {
        return await this.attempt(url, token, Math.min(this.opts.attemptTimeoutMs, remaining));
      } catch (error) {
        if (!(error instanceof RetryableFailure)) throw error;
        failure = error.cause;
        retryAfterMs = error.retryAfterMs;
      }
      // Waiting less than the source asked would only be refused again; waiting it out here
      // would hold the invocation (and its batch) for nothing.
      if (retryAfterMs !== undefined && (retryAfterMs > this.opts.retryAfterCapMs || now() + retryAfterMs >= deadline))
        throw new SourceBusyError(url, retryAfterMs, { cause: failure });
      if (attempt + 1 >= maxAttempts) throw failure;
      const delayMs = retryDelay(attempt, retryAfterMs, this.opts.retryAfterCapMs, this.opts.backoff, this.opts.random);
      if (now() + delayMs >= deadline) throw new DeadlineExceededError(`waiting to retry ${url}`, { cause: failure });
      this.opts.onRetry?.({ url, attempt: attempt + 1, delayMs, reason: failure.message });
      await this.opts.sleep(delayMs);
    }
  }

  private async attempt(url: string, token: string | undefined, timeoutMs: number): Promise<SourcePage> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.opts.fetch(url, { headers, signal });
      // Read the body under the same timeout: a server can stall mid-body too.
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw new RetryableFailure(new SourceTimeoutError(url, timeoutMs));
      // fetch rejects with TypeError on connection refused/reset and DNS failures.
      throw new RetryableFailure(error instanceof Error ? error : new Error(String(error)));
    }
    if (!response.ok) {
      const retryable = isRetryableStatus(response.status);
      const error = new SourceHttpError(response.status, url, retryable);
      if (!retryable) throw error;
      throw new RetryableFailure(error, parseRetryAfter(response.headers.get("retry-after"), this.opts.now()));
    }
    let json: unknown;
    try {
      // Numbers stay as written (JsonNumber): JSON.parse would round them to doubles.
      json = parseJson(text);
    } catch (error) {
      // A truncated or garbled 2xx body is a transient fault of the source or the path to it.
      throw new RetryableFailure(new SourceBodyError(url, "not JSON", { cause: error }));
    }
    const parsed = SourcePage.safeParse(json);
    if (!parsed.success)
      throw new RetryableFailure(new SourceBodyError(url, "not a {result, next} envelope", { cause: parsed.error }));
    return parsed.data;
  }
}

class RetryableFailure extends Error {
  override readonly name = "RetryableFailure";
  constructor(
    override readonly cause: Error,
    readonly retryAfterMs?: number,
  ) {
    super(cause.message);
  }
}
