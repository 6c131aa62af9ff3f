/**
 * A deployed function, locally: a pool of execution environments (worker threads), each
 * loading the exact bundle the plan deploys with the environment the plan gives it. An
 * environment serves one invocation at a time; the pool grows on demand (each new
 * environment is a cold start) and an environment that overruns the function's timeout
 * is destroyed, as Lambda does.
 */
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";

const WORKER_FILE = path.join(__dirname, "lambda-worker.js");

export interface LocalFunctionSpec {
  /** The function's physical name. */
  name: string;
  arn: string;
  /** The bundled file to load (the deployed archive's handler file). */
  file: string;
  /** The export to call (the part of the handler string after the dot). */
  exportName: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
}

export interface ErrorDescription {
  name: string;
  message: string;
  stack?: string;
}

export type InvokeOutcome =
  | { ok: true; result: unknown; durationMs: number; output: string[] }
  | { ok: false; error: ErrorDescription; durationMs: number; output: string[] };

export interface FunctionStats {
  invocations: number;
  errors: number;
  timeouts: number;
  coldStarts: number;
  /** Most invocations that ran at the same time. */
  peakConcurrency: number;
}

export class FunctionInitError extends Error {
  override readonly name = "FunctionInitError";
}

interface Environment {
  worker: Worker;
  ready: Promise<void>;
}

type WorkerMessage =
  | { type: "ready"; output: string[] }
  | { type: "init-error"; error: ErrorDescription; output: string[] }
  | { type: "result"; id: string; ok: true; result: unknown; output: string[] }
  | { type: "result"; id: string; ok: false; error: ErrorDescription; output: string[] };

export class LocalFunction {
  readonly stats: FunctionStats = { invocations: 0, errors: 0, timeouts: 0, coldStarts: 0, peakConcurrency: 0 };
  private readonly idle: Environment[] = [];
  private readonly all = new Set<Environment>();
  private running = 0;
  private closed = false;

  /** `onOutput` sees every line the function writes, one invocation at a time. */
  constructor(
    readonly spec: LocalFunctionSpec,
    private readonly onOutput: (lines: string[]) => void = () => undefined,
  ) {}

  async invoke(event: unknown): Promise<InvokeOutcome> {
    if (this.closed) throw new Error(`function ${this.spec.name} is closed`);
    this.stats.invocations += 1;
    this.running += 1;
    this.stats.peakConcurrency = Math.max(this.stats.peakConcurrency, this.running);
    const started = Date.now();
    try {
      const environment = this.idle.pop() ?? this.coldStart();
      await environment.ready;
      const outcome = await this.runIn(environment, event, started);
      if (!outcome.ok) this.stats.errors += 1;
      return outcome;
    } catch (error) {
      this.stats.errors += 1;
      const description = error instanceof Error ? { name: error.name, message: error.message } : { name: "Error", message: String(error) };
      return { ok: false, error: description, durationMs: Date.now() - started, output: [] };
    } finally {
      this.running -= 1;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const environments = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(environments.map((environment) => environment.worker.terminate()));
  }

  private coldStart(): Environment {
    this.stats.coldStarts += 1;
    const worker = new Worker(WORKER_FILE, {
      env: this.spec.environment,
      stdout: true,
      stderr: true,
      workerData: {
        file: this.spec.file,
        exportName: this.spec.exportName,
        functionName: this.spec.name,
        functionArn: this.spec.arn,
        memoryMb: this.spec.memoryMb,
        timeoutMs: this.spec.timeoutSeconds * 1000,
        environmentId: randomUUID(),
      },
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type === "ready") {
          worker.off("message", onMessage);
          worker.off("error", reject);
          this.onOutput(message.output);
          resolve();
        } else if (message.type === "init-error") {
          worker.off("message", onMessage);
          this.onOutput(message.output);
          this.discard(environment);
          reject(new FunctionInitError(`${this.spec.name} failed to initialise: ${message.error.message}`));
        }
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
    // A failed cold start is reported by the invocation that awaits it.
    ready.catch(() => undefined);
    const environment: Environment = { worker, ready };
    this.all.add(environment);
    return environment;
  }

  private runIn(environment: Environment, event: unknown, started: number): Promise<InvokeOutcome> {
    const id = randomUUID();
    const { worker } = environment;
    return new Promise<InvokeOutcome>((resolve) => {
      const finish = (outcome: InvokeOutcome, reuse: boolean) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        this.onOutput(outcome.output);
        if (reuse && !this.closed) this.idle.push(environment);
        else this.discard(environment);
        resolve(outcome);
      };
      const onMessage = (message: WorkerMessage) => {
        if (message.type !== "result" || message.id !== id) return;
        const durationMs = Date.now() - started;
        finish(message.ok ? { ok: true, result: message.result, durationMs, output: message.output } : { ok: false, error: message.error, durationMs, output: message.output }, true);
      };
      const onError = (error: Error) => {
        finish({ ok: false, error: { name: error.name, message: error.message, stack: error.stack }, durationMs: Date.now() - started, output: [] }, false);
      };
      const timer = setTimeout(() => {
        this.stats.timeouts += 1;
        const seconds = this.spec.timeoutSeconds;
        finish({ ok: false, error: { name: "Sandbox.Timedout", message: `Task timed out after ${seconds.toFixed(2)} seconds` }, durationMs: Date.now() - started, output: [] }, false);
      }, this.spec.timeoutSeconds * 1000);
      worker.on("message", onMessage);
      worker.once("error", onError);
      worker.postMessage({ id, requestId: id, event });
    });
  }

  private discard(environment: Environment): void {
    this.all.delete(environment);
    void environment.worker.terminate();
  }
}
