import { strict as assert } from "node:assert";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startSourceApi, type SourceApi } from "../../local/source-api";
import { SourceClient } from "../../functions/lib/source-client";

const far = () => ({ deadline: Date.now() + 30_000 });
const get = async (api: SourceApi, path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${api.url}${path}`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
};

describe("sample source API over loopback", () => {
  let api: SourceApi;
  afterEach(() => api.close());

  it("serves the seed's endpoints with data under result and a next cursor", async () => {
    api = await startSourceApi({ seed: 1, scale: "small", pageSize: 3 });
    assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const first = JSON.parse((await get(api, "/branches")).text);
    assert.deepEqual(
      first.result.map((b: { id: string }) => b.id),
      ["B001", "B002", "B003"],
    );
    assert.equal(typeof first.next, "string");
    const second = JSON.parse((await get(api, `/branches?cursor=${first.next}`)).text);
    assert.deepEqual([second.result.map((b: { id: string }) => b.id), second.next], [["B004"], null]);
    const one = JSON.parse((await get(api, "/branches?branch=Nashua")).text);
    assert.deepEqual(
      one.result.map((b: { id: string }) => b.id),
      ["B003"],
    );
    assert.equal((await get(api, "/employees")).status, 400);
    assert.equal((await get(api, "/sales?salespersonsID=E001-002&since=yesterday")).status, 400);
    assert.equal((await get(api, "/nope")).status, 404);
  });

  it("the client follows every page; since limits sales to the window", async () => {
    api = await startSourceApi({ seed: 1, scale: "small", pageSize: 2 });
    const client = new SourceClient({ baseUrl: api.url });
    const employees = await client.list("/employees", { branchID: "B002" }, far());
    assert.deepEqual(
      employees.map((e) => (e as { id: string }).id),
      api
        .dataset()
        .employees.filter((e) => e.branchId === "B002")
        .map((e) => e.id),
    );
    const since = new Date(Date.now() - 24 * 3_600_000).toISOString();
    const sales = await client.list("/sales", { salespersonsID: "E002-002", since }, far());
    const all = api.dataset().sales.filter((s) => s.employeeId === "E002-002");
    assert.deepEqual(
      sales.map((s) => (s as { id: string }).id),
      all.filter((s) => s.soldAt >= Date.parse(since)).map((s) => s.id),
    );
    assert.ok(sales.length < all.length);
  });

  it("reports the truth it served, in process and at /_truth", async () => {
    api = await startSourceApi({
      seed: 3,
      scale: { branches: 2, employeesPerBranch: 3, salesPerSalesperson: 2 },
      invalidIds: ["E001-003"],
      referenceTime: new Date("2024-05-06T12:00:00.4Z"),
    });
    await get(api, "/branches");
    await get(api, "/employees?branchID=B001");
    const truth = JSON.parse((await get(api, "/_truth")).text);
    assert.deepEqual(truth, api.truth());
    assert.deepEqual(truth.branches, { valid: ["B001", "B002"], invalid: [] });
    assert.deepEqual(truth.employees.invalid, ["E001-003"]);
    assert.deepEqual(truth.employees.valid, ["E001-001", "E001-002"]);
    assert.deepEqual(truth.employees.salespersons, ["E001-002"]);
    assert.deepEqual(truth.sales, { valid: [], invalid: [] });
    assert.equal(truth.referenceTime, "2024-05-06T12:00:00.000Z");
    assert.deepEqual(truth.requests, { total: 2, branches: 1, employees: 1, sales: 0 });
    assert.deepEqual(truth.listed, { employeesOf: ["B001"], salesOf: [] });
  });

  it("lists a parent as complete only once its last page was served", async () => {
    api = await startSourceApi({
      seed: 3,
      scale: { branches: 1, employeesPerBranch: 7, salesPerSalesperson: 1 },
      pageSize: 5,
    });
    const first = JSON.parse((await get(api, "/employees?branchID=B001")).text) as { next: string };
    assert.deepEqual(api.truth().listed.employeesOf, []);
    await get(api, `/employees?branchID=B001&cursor=${first.next}`);
    assert.deepEqual(api.truth().listed.employeesOf, ["B001"]);
  });

  it("always answers 503 for an unavailable parent, and only for it", async () => {
    api = await startSourceApi({
      seed: 3,
      scale: { branches: 2, employeesPerBranch: 2, salesPerSalesperson: 1 },
      unavailableParents: ["B002"],
    });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await get(api, "/employees?branchID=B002")).status);
    statuses.push((await get(api, "/employees?branchID=B001")).status);
    assert.deepEqual(statuses, [503, 503, 503, 200]);
    assert.deepEqual(
      { listed: api.truth().listed.employeesOf, serverError: api.truth().faults.serverError },
      { listed: ["B001"], serverError: 3 },
    );
  });

  it("injects faults per request from the seed: the same sequence for the same seed", async () => {
    const statuses = async (seed: number): Promise<number[]> => {
      const s = await startSourceApi({
        seed,
        scale: "small",
        faults: { errorRate: 0.3, throttleRate: 0.2, malformedRate: 0.1 },
      });
      const out: number[] = [];
      for (let i = 0; i < 30; i += 1) {
        const r = await get(s, "/branches");
        out.push(r.status === 200 && !r.text.endsWith("}") ? -1 : r.status);
      }
      await s.close();
      return out;
    };
    api = await startSourceApi();
    const a = await statuses(42);
    assert.deepEqual(await statuses(42), a);
    assert.ok(a.includes(500) || a.includes(503));
    assert.ok(a.includes(429) && a.includes(200) && a.includes(-1));
  });

  it("scripted faults come first; 429 carries Retry-After in the chosen form", async () => {
    api = await startSourceApi({
      faults: { script: ["429", "503", "malformed", "ok"], retryAfter: { form: "seconds", seconds: 3 } },
    });
    const r1 = await get(api, "/branches");
    assert.deepEqual([r1.status, r1.headers.get("retry-after")], [429, "3"]);
    assert.equal((await get(api, "/branches")).status, 503);
    const r3 = await get(api, "/branches");
    assert.equal(r3.status, 200);
    assert.throws(() => JSON.parse(r3.text), SyntaxError);
    assert.equal((await get(api, "/branches")).status, 200);
    api.setFaults({ script: ["429"], retryAfter: { form: "date", seconds: 60 } });
    const dated = await get(api, "/branches");
    assert.match(
      dated.headers.get("retry-after") ?? "",
      /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
    assert.deepEqual(api.truth().faults, { serverError: 1, throttled: 2, malformed: 1, unauthorized: 0 });
  });

  it("requires the bearer token when configured, and the client sends it", async () => {
    api = await startSourceApi({ token: "abc" });
    assert.equal((await get(api, "/branches")).status, 401);
    assert.equal((await get(api, "/branches", { authorization: "Bearer wrong" })).status, 401);
    const client = new SourceClient({ baseUrl: api.url, token: async () => "abc" });
    assert.equal((await client.list("/branches", {}, far())).length, 4);
    assert.equal(api.truth().faults.unauthorized, 2);
  });

  it("the client gives up after its attempts, with the last error", async () => {
    api = await startSourceApi({ faults: { errorRate: 1 } });
    const retries: number[] = [];
    const client = new SourceClient({
      baseUrl: api.url,
      maxAttempts: 3,
      backoff: { baseMs: 1, capMs: 2 },
      onRetry: (i) => retries.push(i.attempt),
    });
    await assert.rejects(client.list("/branches", {}, far()), { name: "SourceHttpError", retryable: true });
    assert.deepEqual(retries, [1, 2]);
    assert.equal(api.truth().faults.serverError, 3);
  });

  it("the client retries a refused connection and then reports it", async () => {
    api = await startSourceApi();
    const url = api.url;
    await api.close();
    const client = new SourceClient({ baseUrl: url, maxAttempts: 2, backoff: { baseMs: 1, capMs: 2 } });
    await assert.rejects(client.list("/branches", {}, far()), { name: "TypeError" });
  });

  it("a cursor pointing at another origin is refused, so the token stays with the source", async () => {
    api = await startSourceApi();
    const rogue = createServer((_req, res) =>
      res.end(JSON.stringify({ result: [{ id: 1 }], next: "http://elsewhere.example/branches" })),
    );
    await new Promise<void>((resolve) => rogue.listen(0, "127.0.0.1", resolve));
    try {
      const client = new SourceClient({
        baseUrl: `http://127.0.0.1:${(rogue.address() as AddressInfo).port}`,
        token: async () => "secret",
      });
      await assert.rejects(client.list("/branches", {}, far()), {
        name: "SourceBodyError",
        message: /another origin: http:\/\/elsewhere\.example/,
      });
    } finally {
      rogue.closeAllConnections();
      await new Promise((resolve) => rogue.close(resolve));
    }
  });
});
