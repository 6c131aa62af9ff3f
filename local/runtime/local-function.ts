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
  /** Lines printed by the invocation in flight (or the cold start), as they arrive. */
  output: string[];
  /** Settles the invocation in flight, if any, when the environment dies under it. */
  onDeath?: (error: ErrorDescription) => void;
  /** The reply the invocation in flight is waiting for. */
  onResult?: (message: ResultMessage) => void;
}

type ResultMessage =
  | { type: "result"; id: string; ok: true; result: unknown }
  | { type: "result"; id: string; ok: false; error: ErrorDescription };
type WorkerMessage =
  | { type: "ready" }
  | { type: "init-error"; error: ErrorDescription }
  | { type: "output"; lines: string[] }
  | ResultMessage;

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

  /** Execution environments alive now, busy or idle. */
  get environments(): number {
    return this.all.size;
  }

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
      const description =
        error instanceof Error
          ? { name: error.name, message: error.message }
          : { name: "Error", message: String(error) };
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
    let initialised: (error?: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      initialised = (error) => (error ? reject(error) : resolve());
    });
    // A failed cold start is reported by the invocation that awaits it.
    ready.catch(() => undefined);
    const environment: Environment = { worker, ready, output: [] };

    // One set of listeners for the environment's whole life: an error or exit while it
    // is idle discards it instead of crashing the host; one during an invocation fails
    // that invocation, as Lambda reports a runtime that dies.
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "output") environment.output.push(...message.lines);
      else if (message.type === "ready") {
        this.onOutput(environment.output.splice(0));
        initialised();
      } else if (message.type === "init-error") {
        this.onOutput(environment.output.splice(0));
        this.discard(environment);
        initialised(new FunctionInitError(`${this.spec.name} failed to initialise: ${message.error.message}`));
      } else environment.onResult?.(message);
    });
    const die = (error: ErrorDescription) => {
      this.discard(environment);
      initialised(new FunctionInitError(`${this.spec.name} failed to initialise: ${error.message}`));
      environment.onDeath?.(error);
    };
    worker.on("error", (error: Error) => die({ name: error.name, message: error.message, stack: error.stack }));
    worker.on("exit", (code) =>
      die({ name: "Runtime.ExitError", message: `Runtime exited with error: exit status ${code}` }),
    );

    this.all.add(environment);
    return environment;
  }

  private runIn(environment: Environment, event: unknown, started: number): Promise<InvokeOutcome> {
    const id = randomUUID();
    return new Promise<InvokeOutcome>((resolve) => {
      const finish = (
        outcome: { ok: true; result: unknown } | { ok: false; error: ErrorDescription },
        reuse: boolean,
      ) => {
        clearTimeout(timer);
        environment.onResult = undefined;
        environment.onDeath = undefined;
        const output = environment.output.splice(0);
        this.onOutput(output);
        if (reuse && !this.closed) this.idle.push(environment);
        else this.discard(environment);
        resolve({ ...outcome, durationMs: Date.now() - started, output });
      };
      environment.onResult = (message) => {
        if (message.id === id)
          finish(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error }, true);
      };
      environment.onDeath = (error) => finish({ ok: false, error }, false);
      const timer = setTimeout(() => {
        this.stats.timeouts += 1;
        finish(
          {
            ok: false,
            error: {
              name: "Sandbox.Timedout",
              message: `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
            },
          },
          false,
        );
      }, this.spec.timeoutSeconds * 1000);
      environment.worker.postMessage({ id, requestId: id, event });
    });
  }

  private discard(environment: Environment): void {
    if (!this.all.delete(environment)) return;
    const idleAt = this.idle.indexOf(environment);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    void environment.worker.terminate();
  }
}
