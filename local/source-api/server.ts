/**
 * The sample source: a real HTTP server on 127.0.0.1 serving the seed's endpoints over
 * a generated data set, with seeded fault injection and a record of what it served
 * (its "truth"), so a run can be checked record by record.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  generateDataset,
  SCALE_PRESETS,
  type Dataset,
  type Json,
  type Scale,
  type ScalePreset,
  type Served,
} from "./data";
import { mulberry32, hash32 } from "./random";
import { closeOnce, listenOnLoopback } from "../loopback";

export type Fault = "ok" | "500" | "503" | "429" | "malformed";
export type Endpoint = "branches" | "employees" | "sales";
export const ENDPOINTS: readonly Endpoint[] = ["branches", "employees", "sales"];

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

export interface SourceApiOptions {
  /** @default 1 */
  seed?: number;
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

export interface EndpointTruth {
  /** Ids of schema-valid records served at least once. */
  valid: string[];
  /** Ids of schema-invalid records served at least once. */
  invalid: string[];
}

export interface SourceTruth {
  seed: number;
  scale: Scale;
  referenceTime: string;
  branches: EndpointTruth;
  employees: EndpointTruth & { salespersons: string[] };
  sales: EndpointTruth;
  /**
   * Parents whose children were served to the last page: branches whose employees, and
   * salespersons whose sales, were listed completely. A parent missing here was never
   * (fully) asked for, which is how a lost message shows.
   */
  listed: { employeesOf: string[]; salesOf: string[] };
  faults: { serverError: number; throttled: number; malformed: number; unauthorized: number };
  requests: { total: number } & Record<Endpoint, number>;
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

const encodeCursor = (offset: number): string => Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
function decodeCursor(cursor: string | null): number | undefined {
  if (cursor === null) return 0;
  try {
    const o = (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { o?: unknown }).o;
    return typeof o === "number" && Number.isInteger(o) && o >= 0 ? o : undefined;
  } catch {
    return undefined;
  }
}

export async function startSourceApi(options: SourceApiOptions = {}): Promise<SourceApi> {
  const seed = options.seed ?? 1;
  const scale = resolveScale(options.scale);
  const referenceTime = new Date(Math.floor((options.referenceTime ?? new Date()).getTime() / 1000) * 1000);
  const pageSize = options.pageSize ?? 5;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new Error(`pageSize must be a positive integer, got ${pageSize}`);
  const revisions = new Map<string, number>();
  let faults: FaultOptions = options.faults ?? {};
  let cached: Dataset | undefined;
  const dataset = (): Dataset =>
    (cached ??= generateDataset({
      seed,
      scale,
      referenceTime,
      invalidRate: options.invalidRate,
      invalidIds: options.invalidIds,
      oversizedIds: options.oversizedIds,
      revisions,
    }));

  const served: Record<Endpoint, { valid: Set<string>; invalid: Set<string> }> = {
    branches: { valid: new Set(), invalid: new Set() },
    employees: { valid: new Set(), invalid: new Set() },
    sales: { valid: new Set(), invalid: new Set() },
  };
  const salespersons = new Set<string>();
  const listed = { employeesOf: new Set<string>(), salesOf: new Set<string>() };
  const unavailable = new Set(options.unavailableParents ?? []);
  const faultCounts = { serverError: 0, throttled: 0, malformed: 0, unauthorized: 0 };
  const requestCounts: { total: number } & Record<Endpoint, number> = { total: 0, branches: 0, employees: 0, sales: 0 };
  let dataRequests = 0;
  // A script replaced by setFaults starts over from the request after the change.
  let scriptStart = 0;

  /** The fault for the n-th data request: scripted first, then drawn from the seed. */
  function faultFor(n: number): Fault {
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

  function listing(endpoint: Endpoint, url: URL): Served[] | Page {
    const data = dataset();
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

  function answer(req: IncomingMessage): Page {
    const url = new URL(req.url ?? "/", "http://source");
    if (req.method !== "GET") return json(405, { error: "method not allowed" });
    if (url.pathname === "/_truth") return json(200, truth());
    const endpoint = url.pathname.slice(1) as Endpoint;
    if (!ENDPOINTS.includes(endpoint)) return json(404, { error: `no such endpoint ${url.pathname}` });
    requestCounts.total += 1;
    requestCounts[endpoint] += 1;
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      faultCounts.unauthorized += 1;
      return json(401, { error: "unauthorized" });
    }
    const parent = url.searchParams.get(endpoint === "employees" ? "branchID" : "salespersonsID");
    const fault =
      endpoint !== "branches" && parent !== null && unavailable.has(parent) ? "503" : faultFor(dataRequests++);
    if (fault === "500" || fault === "503") {
      faultCounts.serverError += 1;
      return json(Number(fault), { error: "injected server fault" });
    }
    if (fault === "429") {
      faultCounts.throttled += 1;
      const ra = faults.retryAfter ?? { form: "seconds", seconds: 0 };
      const value = ra.form === "seconds" ? String(ra.seconds) : new Date(Date.now() + ra.seconds * 1000).toUTCString();
      return json(429, { error: "slow down" }, { "retry-after": value });
    }
    const records = listing(endpoint, url);
    if (!Array.isArray(records)) return records;
    const offset = decodeCursor(url.searchParams.get("cursor"));
    if (offset === undefined) return json(400, { error: "bad cursor" });
    const page = records.slice(offset, offset + pageSize);
    const more = offset + pageSize < records.length;
    const next = options.cursorLoop && more ? encodeCursor(pageSize) : more ? encodeCursor(offset + pageSize) : null;
    const body = JSON.stringify({ result: page.map((r) => r.body as Json), next });
    if (fault === "malformed") {
      faultCounts.malformed += 1;
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: body.slice(0, Math.max(1, Math.floor(body.length / 2))),
      };
    }
    for (const r of page) {
      served[endpoint][r.valid ? "valid" : "invalid"].add(r.id);
      if (endpoint === "employees" && (r as Served & { salesperson?: boolean }).salesperson) salespersons.add(r.id);
    }
    if (!more && parent !== null && endpoint !== "branches")
      listed[endpoint === "employees" ? "employeesOf" : "salesOf"].add(parent);
    return { status: 200, headers: { "content-type": "application/json" }, body };
  }

  function truth(): SourceTruth {
    const sorted = (s: Set<string>): string[] => [...s].sort();
    const endpointTruth = (e: Endpoint): EndpointTruth => ({
      valid: sorted(served[e].valid),
      invalid: sorted(served[e].invalid),
    });
    return {
      seed,
      scale: { ...scale },
      referenceTime: referenceTime.toISOString(),
      branches: endpointTruth("branches"),
      employees: { ...endpointTruth("employees"), salespersons: sorted(salespersons) },
      sales: endpointTruth("sales"),
      listed: { employeesOf: sorted(listed.employeesOf), salesOf: sorted(listed.salesOf) },
      faults: { ...faultCounts },
      requests: { ...requestCounts },
    };
  }

  const server: Server = createServer((req, res: ServerResponse) => {
    const send = (): void => {
      let page: Page;
      try {
        page = answer(req);
      } catch (error) {
        page = json(500, { error: String(error) });
      }
      res.writeHead(page.status, page.headers);
      res.end(page.body);
    };
    const delay = faults.latencyMs ?? 0;
    // Drain the request first so keep-alive connections stay usable.
    req.resume();
    req.on("end", () => (delay > 0 && req.url !== "/_truth" ? setTimeout(send, delay) : send()));
  });
  const port = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    referenceTime,
    dataset,
    truth,
    changeRecord(id: string) {
      if (
        !dataset().branches.some((r) => r.id === id) &&
        !dataset().employees.some((r) => r.id === id) &&
        !dataset().sales.some((r) => r.id === id)
      ) {
        throw new Error(`no record with id ${id}`);
      }
      revisions.set(id, (revisions.get(id) ?? 0) + 1);
      cached = undefined;
    },
    setFaults(next: FaultOptions) {
      faults = next;
      scriptStart = dataRequests;
    },
    setUnavailableParents(parents: readonly string[]) {
      unavailable.clear();
      for (const parent of parents) unavailable.add(parent);
    },
    close: closeOnce(server),
  };
}
