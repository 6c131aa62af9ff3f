import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { buildAllBundles, type Bundle } from "../../functions/bundle";
import { ENV, METRICS, METRICS_NAMESPACE, type StageName } from "../../functions/lib/contract";
import { countsFromMetrics } from "../../functions/lib/counts";
import { ids, receiveAll, startFixture, type Fixture } from "./fixture";

interface Invocation {
  result?: unknown;
  error?: { name: string; message: string };
  stdout: string[];
}

/**
 * Loads a bundle in a worker thread with only the given environment, as the local runtime
 * does, and invokes it once.
 */
function invoke(bundle: Bundle, env: Record<string, string>, event: unknown): Promise<Invocation> {
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    const context = {
      functionName: workerData.stage,
      awsRequestId: "req-" + Date.now(),
      getRemainingTimeInMillis: () => 30000,
      invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:" + workerData.stage,
      memoryLimitInMB: "256",
      functionVersion: "$LATEST",
    };
    const fail = (e) => parentPort.postMessage({ error: { name: e.name, message: e.message } });
    Promise.resolve()
      .then(() => require(workerData.file).handler(workerData.event, context))
      .then((result) => parentPort.postMessage({ result }), fail);
  `;
  return new Promise((resolve, reject) => {
    // The worker gets only this environment; the SDK's Node.js notice is kept out of its output as everywhere else.
    const quiet = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env };
    const worker = new Worker(code, {
      eval: true,
      env: quiet,
      stdout: true,
      workerData: { file: bundle.file, stage: bundle.stage, event },
    });
    let out = "";
    let reply: Omit<Invocation, "stdout"> | undefined;
    worker.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    worker.on("message", (m: Omit<Invocation, "stdout">) => {
      reply = m;
      void worker.terminate();
    });
    worker.on("error", reject);
    worker.on("exit", () => {
      // Output written before terminate() is flushed to the parent before "exit".
      if (reply) resolve({ ...reply, stdout: out.split("\n").filter(Boolean) });
      else reject(new Error("worker exited without replying"));
    });
  });
}

type Emf = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
};

function emfLines(stdout: string[]): Emf[] {
  return stdout.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Partial<Emf>;
      return parsed._aws ? [parsed as Emf] : [];
    } catch {
      return [];
    }
  });
}

describe("bundles in a worker thread, as the local runtime and Lambda run them", function () {
  this.timeout(60_000);
  let root: string;
  let bundles: Record<StageName, Bundle>;
  let fx: Fixture;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "bundles-"));
    bundles = buildAllBundles(root);
    fx = await startFixture({
      seed: 4,
      scale: { branches: 2, employeesPerBranch: 4, salesPerSalesperson: 3 },
      token: "bundle-token",
    });
    await fx.aws.ssm.send(
      new PutParameterCommand({ Name: "/etl/test/source-token", Value: "bundle-token", Type: "SecureString" }),
    );
  });
  after(async () => {
    await fx?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const envFor = (stage: StageName): Record<string, string> => ({
    ...fx.env(stage),
    [ENV.sourceTokenParameter]: "/etl/test/source-token",
    POWERTOOLS_SERVICE_NAME: `collector-${stage}`,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: "WARN",
  });
  const toEvent = async (queueUrl: string): Promise<SQSEvent> => ({ Records: await receiveAll(fx.aws.sqs, queueUrl) });

  it("each bundle is one minified file with a source map", () => {
    for (const stage of ["branches", "salespersons", "sales"] as const) {
      const b = bundles[stage];
      assert.equal(b.file, path.join(root, stage, "index.js"));
      assert.deepEqual(fs.readdirSync(b.dir).sort(), ["index.js", "index.js.map"]);
      assert.equal(fs.statSync(b.file).size, b.bytes);
      assert.match(fs.readFileSync(b.file, "utf8"), /\/\/# sourceMappingURL=index\.js\.map\s*$/);
    }
  });

  it("run the cascade with clients from the environment, the token from SSM, one EMF line per invocation", async () => {
    const branches = await invoke(bundles.branches, envFor("branches"), {});
    assert.equal(branches.error, undefined, JSON.stringify(branches.error));
    assert.deepEqual(
      { ...(branches.result as object), runId: undefined },
      {
        runId: undefined,
        fetched: 2,
        written: 2,
        unchanged: 0,
        rejected: 0,
        skipped: 0,
        moved: 0,
        retried: 0,
        sent: 2,
      },
    );

    const salespersons = await invoke(bundles.salespersons, envFor("salespersons"), await toEvent(fx.queues.employee));
    assert.deepEqual(salespersons.result as SQSBatchResponse, { batchItemFailures: [] });
    const salesEvent = await toEvent(fx.queues.sale);
    assert.ok(salesEvent.Records.length > 0);
    const sales = await invoke(bundles.sales, envFor("sales"), salesEvent);
    assert.deepEqual(sales.result as SQSBatchResponse, { batchItemFailures: [] });

    const truth = fx.source.truth();
    assert.deepEqual(ids(await fx.scan("salespersons"), "employee_id"), truth.employees.salespersons);
    assert.deepEqual(ids(await fx.scan("sales"), "sale_id"), truth.sales.valid);
    assert.equal(truth.faults.unauthorized, 0);

    for (const [stage, run, expectedCounts] of [
      ["branches", branches, { fetched: 2, written: 2, sent: 2, skipped: 0 }],
      [
        "salespersons",
        salespersons,
        {
          fetched: 8,
          written: truth.employees.salespersons.length,
          // The employees who are not salespersons.
          skipped: 8 - truth.employees.salespersons.length,
          sent: truth.employees.salespersons.length,
        },
      ],
      ["sales", sales, { fetched: truth.sales.valid.length, written: truth.sales.valid.length, sent: 0, skipped: 0 }],
    ] as const) {
      const emf = emfLines(run.stdout);
      assert.equal(emf.length, 1, `${stage}: one EMF document per invocation`);
      const [doc] = emf;
      const [directive] = doc._aws.CloudWatchMetrics;
      assert.equal(directive.Namespace, METRICS_NAMESPACE);
      assert.deepEqual(directive.Dimensions, [["service"]]);
      assert.equal(doc.service, `collector-${stage}`);
      assert.deepEqual(directive.Metrics.map((m) => m.Name).sort(), Object.values(METRICS).sort());
      assert.deepEqual(
        countsFromMetrics(doc as unknown as Record<string, number>),
        { ...expectedCounts, rejected: 0, unchanged: 0, moved: 0, retried: 0 },
        stage,
      );
    }
  });

  it("a missing variable fails the cold start naming it", async () => {
    const env = envFor("sales");
    delete env[ENV.tableName];
    const run = await invoke(bundles.sales, env, { Records: [] });
    assert.deepEqual(run.error, {
      name: "EnvironmentError",
      message: `environment variable ${ENV.tableName} is not set`,
    });
  });
});
