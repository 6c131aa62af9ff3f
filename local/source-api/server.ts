/**
 * The sample source: a real HTTP server on 127.0.0.1 serving the seed's endpoints over
 * a generated data set, with seeded fault injection (faults.ts), cursor pagination
 * (pagination.ts) and a record of what it served, its "truth" (ledger.ts), so a run can
 * be checked record by record. This module routes, checks the token and answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  generateDataset,
  serialise,
  type DataProfile,
  SCALE_PRESETS,
  type Dataset,
  type Json,
  type Scale,
  type ScalePreset,
  type Served,
} from "./data";
import { FaultPlan, retryAfterValue, type Fault, type FaultOptions } from "./faults";
import { Ledger, type SourceTruth } from "./ledger";
import { paginate } from "./pagination";
import { closeOnce, listenOnLoopback } from "../loopback";

export type { Fault, FaultOptions } from "./faults";
export type { EndpointTruth, SourceTruth } from "./ledger";

export type Endpoint = "branches" | "employees" | "sales";
export const ENDPOINTS: readonly Endpoint[] = ["branches", "employees", "sales"];

export interface SourceApiOptions {
  /** @default 1 */
  seed?: number;
  /** What kind of data is served (data.ts DATA_PROFILES). @default "clean" */
  data?: DataProfile;
  /** A preset name or explicit sizes. @default "small" */
  scale?: ScalePreset | Scale;
  /** The instant sales are placed around; fixed for the server's life. @default now, to the second */
  referenceTime?: Date;
  /** Records per page before a `next` cursor. @default 5 */
  pageSize?: number;
  /** When set, data requests need `Authorization: Bearer <token>`. */
  token?: string;
  /** Share of records (per record, from the seed) served schema-invalid. @default 0 */
  invalidRate?: number;
  invalidIds?: readonly string[];
  oversizedIds?: readonly string[];
  faults?: FaultOptions;
  /** Every `next` points back to the second page: a cursor loop, for testing clients. @default false */
  cursorLoop?: boolean;
  /** Parent ids (a branch, a salesperson) whose listing always answers 503: work that can only end in a DLQ. */
  unavailableParents?: readonly string[];
}

export interface SourceApi {
  readonly url: string;
  readonly port: number;
  readonly referenceTime: Date;
  /** The whole generated data set, served or not (it follows changeRecord). */
  dataset(): Dataset;
  /** What was served so far; also at GET /_truth. */
  truth(): SourceTruth;
  /** Changes one record's content (not its id or parent), so the next pull sees a new version. */
  changeRecord(id: string): void;
  /** Replaces the fault knobs; a new script applies from the next request, rates keep following the seed. */
  setFaults(faults: FaultOptions): void;
  /** Replaces the parents whose listing always fails (an outage of part of the source, and its end). */
  setUnavailableParents(parents: readonly string[]): void;
  close(): Promise<void>;
}

interface Page {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

function resolveScale(scale: SourceApiOptions["scale"]): Scale {
  if (scale === undefined) return { ...SCALE_PRESETS.small };
  if (typeof scale === "string") {
    const preset = SCALE_PRESETS[scale];
    if (!preset) throw new Error(`unknown scale preset "${scale}"; known: ${Object.keys(SCALE_PRESETS).join(", ")}`);
    return { ...preset };
  }
  for (const [k, v] of Object.entries(scale))
    if (!Number.isInteger(v) || v < 0) throw new Error(`scale.${k} must be a non-negative integer, got ${v}`);
  return { ...scale };
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Page => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(value),
});

/** The query parameter naming the parent whose children an endpoint lists. */
const PARENT_PARAMETER = { employees: "branchID", sales: "salespersonsID" } as const;

/** Routing: what a request asks for, or the page refusing it. */
type Route = { to: "truth" } | { to: "data"; endpoint: Endpoint; url: URL; parent: string | null } | Page;

function route(req: IncomingMessage): Route {
  const url = new URL(req.url ?? "/", "http://source");
  if (req.method !== "GET") return json(405, { error: "method not allowed" });
  if (url.pathname === "/_truth") return { to: "truth" };
  const endpoint = url.pathname.slice(1) as Endpoint;
  if (!ENDPOINTS.includes(endpoint)) return json(404, { error: `no such endpoint ${url.pathname}` });
  const parent = endpoint === "branches" ? null : url.searchParams.get(PARENT_PARAMETER[endpoint]);
  return { to: "data", endpoint, url, parent };
}

/** Auth: with a token configured, data requests must carry it as a bearer token. */
function authorized(req: IncomingMessage, token: string | undefined): boolean {
  return token === undefined || req.headers.authorization === `Bearer ${token}`;
}

/** The records an endpoint lists for the request's filters, or the 400 page for a bad filter. */
function listing(data: Dataset, endpoint: Endpoint, url: URL): Served[] | Page {
  if (endpoint === "branches") {
    const name = url.searchParams.get("branch");
    return data.branches.filter((b) => name === null || b.name === name);
  }
  if (endpoint === "employees") {
    const branchId = url.searchParams.get("branchID");
    if (!branchId) return json(400, { error: "branchID is required" });
    return data.employees.filter((e) => e.branchId === branchId);
  }
  const employeeId = url.searchParams.get("salespersonsID");
  if (!employeeId) return json(400, { error: "salespersonsID is required" });
  const sinceText = url.searchParams.get("since");
  const since = sinceText === null ? -Infinity : Date.parse(sinceText);
  if (Number.isNaN(since)) return json(400, { error: `since is not a date: ${sinceText}` });
  return data.sales.filter((s) => s.employeeId === employeeId && s.soldAt >= since);
}

/** Faults: the page answering an injected error or throttle, counted; undefined for "ok" and "malformed". */
function faultPage(fault: Fault, faults: FaultOptions, ledger: Ledger): Page | undefined {
  if (fault === "500" || fault === "503") {
    ledger.fault("serverError");
    return json(Number(fault), { error: "injected server fault" });
  }
  if (fault === "429") {
    ledger.fault("throttled");
    return json(429, { error: "slow down" }, { "retry-after": retryAfterValue(faults.retryAfter, Date.now()) });
  }
  return undefined;
}

/** A malformed answer: a 200 whose JSON body is cut in half. */
const truncated = (body: string): Page => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: body.slice(0, Math.max(1, Math.floor(body.length / 2))),
});

/** The generated data set, regenerated after a record changes. */
class DatasetSource {
  private readonly revisions = new Map<string, number>();
  private cached: Dataset | undefined;

  constructor(private readonly generate: (revisions: Map<string, number>) => Dataset) {}

  get(): Dataset {
    return (this.cached ??= this.generate(this.revisions));
  }

  change(id: string): void {
    const data = this.get();
    if (![data.branches, data.employees, data.sales].some((records) => records.some((r) => r.id === id)))
      throw new Error(`no record with id ${id}`);
    this.revisions.set(id, (this.revisions.get(id) ?? 0) + 1);
    this.cached = undefined;
  }
}

interface Source {
  options: SourceApiOptions;
  pageSize: number;
  data: DatasetSource;
  faults: FaultPlan;
  ledger: Ledger;
  truth(): SourceTruth;
}

/** Answers one request: route, count, check the token, inject the fault, list, paginate. */
function answer(source: Source, req: IncomingMessage): Page {
  const routed = route(req);
  if ("status" in routed) return routed;
  if (routed.to === "truth") return json(200, source.truth());
  const { endpoint, url, parent } = routed;
  source.ledger.request(endpoint);
  if (!authorized(req, source.options.token)) {
    source.ledger.fault("unauthorized");
    return json(401, { error: "unauthorized" });
  }
  const fault = source.faults.next(parent);
  const refused = faultPage(fault, source.faults.options, source.ledger);
  if (refused) return refused;
  const records = listing(source.data.get(), endpoint, url);
  if (!Array.isArray(records)) return records;
  const page = paginate(records, url.searchParams.get("cursor"), source.pageSize, source.options.cursorLoop ?? false);
  if (page === undefined) return json(400, { error: "bad cursor" });
  // serialise, not JSON.stringify: the messy profile serves numbers no JS number can hold.
  const body = serialise({ result: page.records.map((r) => r.body as Json), next: page.next });
  if (fault === "malformed") {
    source.ledger.fault("malformed");
    return truncated(body);
  }
  source.ledger.page(endpoint, page.records, parent, page.last);
  return { status: 200, headers: { "content-type": "application/json" }, body };
}

/** The HTTP side: drains the request, waits the injected latency (never for /_truth), writes the page. */
function handler(source: Source) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const send = (): void => {
      let page: Page;
      try {
        page = answer(source, req);
      } catch (error) {
        page = json(500, { error: String(error) });
      }
      res.writeHead(page.status, page.headers);
      res.end(page.body);
    };
    const delay = source.faults.options.latencyMs ?? 0;
    // Drain the request first so keep-alive connections stay usable.
    req.resume();
    req.on("end", () => (delay > 0 && req.url !== "/_truth" ? setTimeout(send, delay) : send()));
  };
}

export async function startSourceApi(options: SourceApiOptions = {}): Promise<SourceApi> {
  const seed = options.seed ?? 1;
  const scale = resolveScale(options.scale);
  const referenceTime = new Date(Math.floor((options.referenceTime ?? new Date()).getTime() / 1000) * 1000);
  const pageSize = options.pageSize ?? 5;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new Error(`pageSize must be a positive integer, got ${pageSize}`);
  const { invalidRate, invalidIds, oversizedIds, data: profile } = options;
  const data = new DatasetSource((revisions) =>
    generateDataset({ seed, scale, referenceTime, profile, invalidRate, invalidIds, oversizedIds, revisions }),
  );
  const ledger = new Ledger();
  const source: Source = {
    options,
    pageSize,
    data,
    faults: new FaultPlan(seed, options.faults ?? {}, options.unavailableParents ?? []),
    ledger,
    truth: () => ledger.truth({ seed, scale, referenceTime: referenceTime.toISOString() }),
  };

  const server: Server = createServer(handler(source));
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    referenceTime,
    dataset: () => data.get(),
    truth: source.truth,
    changeRecord: (id: string) => data.change(id),
    setFaults: (next: FaultOptions) => source.faults.set(next),
    setUnavailableParents: (parents: readonly string[]) => source.faults.setUnavailableParents(parents),
    close: closeOnce(server),
  };
}
