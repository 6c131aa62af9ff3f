/**
 * A source that serves exactly the JSON text a test writes, one listing per path and
 * parent: what a hostile third party could send byte for byte (big numbers, lone
 * surrogate escapes, padded ids), which no JSON.stringify of JS values can produce.
 * A real HTTP server on 127.0.0.1; every listing is one page.
 */
import { createServer, type Server } from "node:http";
import { closeOnce, listenOnLoopback } from "../../local/loopback";

export interface ScriptedSource {
  readonly url: string;
  /** Sets the records (JSON texts) a listing serves from now on; the key is e.g. "/employees?branchID=B1". */
  serve(listing: string, records: readonly string[]): void;
  /** Listings asked for so far, in order. */
  readonly asked: string[];
  close(): Promise<void>;
}

/** The parent parameter of each endpoint, so a listing's key ignores the other query parameters. */
const PARENT: Record<string, string | undefined> = { "/employees": "branchID", "/sales": "salespersonsID" };

export async function startScriptedSource(): Promise<ScriptedSource> {
  const listings = new Map<string, readonly string[]>();
  const asked: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://source");
    const parent = PARENT[url.pathname];
    const key = parent ? `${url.pathname}?${parent}=${url.searchParams.get(parent)}` : url.pathname;
    asked.push(key);
    const records = listings.get(key) ?? [];
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(`{"result":[${records.join(",")}],"next":null}`);
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    serve: (listing, records) => listings.set(listing, records),
    asked,
    close: closeOnce(server),
  };
}
