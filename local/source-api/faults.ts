/**
 * Fault injection of the sample source: which fault each data request gets, scripted
 * first, then drawn from the seed, so a run with the same seed meets the same faults.
 */
import { hash32, mulberry32 } from "./random";

export type Fault = "ok" | "500" | "503" | "429" | "malformed";

export interface FaultOptions {
  /** Share of data requests answered 500/503. @default 0 */
  errorRate?: number;
  /** Share of data requests answered 429 with Retry-After. @default 0 */
  throttleRate?: number;
  /** Share of data requests answered 200 with a truncated JSON body. @default 0 */
  malformedRate?: number;
  /** The Retry-After a 429 carries, as delta-seconds or as an HTTP-date. @default { form: "seconds", seconds: 0 } */
  retryAfter?: { form: "seconds" | "date"; seconds: number };
  /** Added before every data response, in ms. @default 0 */
  latencyMs?: number;
  /** Faults for the first data requests, in order, before the rates apply. */
  script?: readonly Fault[];
}

/** The fault of the n-th data request under `faults`, whose script started at request `scriptStart`. */
export function faultFor(seed: number, faults: FaultOptions, n: number, scriptStart: number): Fault {
  if (faults.script && n - scriptStart < faults.script.length) return faults.script[n - scriptStart];
  const r = mulberry32(hash32(`${seed}:fault:${n}`))();
  const error = faults.errorRate ?? 0;
  const throttle = faults.throttleRate ?? 0;
  const malformed = faults.malformedRate ?? 0;
  if (r < error) return n % 2 === 0 ? "500" : "503";
  if (r < error + throttle) return "429";
  if (r < error + throttle + malformed) return "malformed";
  return "ok";
}

/** A Retry-After header value: delta-seconds, or the HTTP-date that far from `now`. */
export function retryAfterValue(retryAfter: FaultOptions["retryAfter"], now: number): string {
  const { form, seconds } = retryAfter ?? { form: "seconds", seconds: 0 };
  return form === "seconds" ? String(seconds) : new Date(now + seconds * 1000).toUTCString();
}

/**
 * The faults of one server's life: counts the data requests and hands each its fault.
 * Parents listed as unavailable always get 503 without using up a draw, so the other
 * requests meet the same faults as without them.
 */
export class FaultPlan {
  private requests = 0;
  // A script replaced by `set` starts over from the request after the change.
  private scriptStart = 0;

  private unavailableParents: ReadonlySet<string>;

  constructor(
    private readonly seed: number,
    private current: FaultOptions,
    unavailableParents: Iterable<string>,
  ) {
    this.unavailableParents = new Set(unavailableParents);
  }

  get options(): FaultOptions {
    return this.current;
  }

  /** The fault of the next data request, which lists the children of `parent` (null for branches). */
  next(parent: string | null): Fault {
    if (parent !== null && this.unavailableParents.has(parent)) return "503";
    return faultFor(this.seed, this.current, this.requests++, this.scriptStart);
  }

  /** Replaces the knobs; a new script applies from the next request, rates keep following the seed. */
  set(faults: FaultOptions): void {
    this.current = faults;
    this.scriptStart = this.requests;
  }

  /** Replaces the parents whose listing always fails (an outage of part of the source, and its end). */
  setUnavailableParents(parents: Iterable<string>): void {
    this.unavailableParents = new Set(parents);
  }
}
