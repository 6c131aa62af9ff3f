/**
 * The one place the recorder relies on an internal of @pulumi/pulumi. The public mocks API
 * (`Mocks.newResource`) is given a resource's type, name and inputs but not its parent or
 * dependencies, which the plan's tree, the local topology and the infra tests need; the mock
 * monitor's `registerResource` and `readResource` requests carry them. The package is pinned
 * with `~` in package.json, and checkPulumiInternals fails naming the internal when an upgrade
 * changes it (test/infra/pulumi-internals.test.ts), rather than the plan quietly losing its tree.
 * https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/runtime/mocks.ts
 */
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

export class PulumiInternalsError extends Error {
  override readonly name = "PulumiInternalsError";
  constructor(internal: string, options?: { cause?: unknown }) {
    super(
      `@pulumi/pulumi ${pulumiVersion()} changed an internal the offline plan relies on: ${internal}. ` +
        "See local/plan/pulumi-internals.ts; package.json pins the version it was written against.",
      options,
    );
  }
}

function pulumiVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("@pulumi/pulumi/package.json") as { version: string }).version;
}

/** What a register or read request tells about a resource. */
export interface Registration {
  type: string;
  name: string;
  custom: boolean;
  parentUrn?: string;
  dependencies: string[];
  /** The resource options the engine acts on beyond creating: adopt an existing resource, refuse to delete it. */
  options: { import?: string; protect?: boolean };
}

type Callback = (error: unknown, response: any) => void;
type MonitorMethod = (this: unknown, request: any, callback: Callback) => Promise<void>;
/** The mock monitor methods intercepted, and whether the resource they register is custom. */
const METHODS = { registerResource: undefined, readResource: true } as const;
/**
 * The request getters read. A read request (a StackReference, say) has no custom flag (it is
 * always custom) and may carry no dependencies, so those two are required of registrations only.
 */
const REQUEST_GETTERS = ["getType", "getName", "getParent"] as const;
const REGISTER_GETTERS = ["getCustom", "getDependenciesList"] as const;

/** Throws PulumiInternalsError unless `prototype` has the monitor methods the recorder wraps. */
export function checkPulumiInternals(prototype: object = MockMonitor.prototype): void {
  for (const method of Object.keys(METHODS)) {
    const found = (prototype as Record<string, unknown>)[method];
    if (typeof found !== "function" || found.length !== 2)
      throw new PulumiInternalsError(`MockMonitor.prototype.${method}(request, callback)`);
  }
}

function registrationOf(request: any, custom: boolean | undefined): Registration {
  for (const getter of custom === undefined ? [...REQUEST_GETTERS, ...REGISTER_GETTERS] : REQUEST_GETTERS)
    if (typeof request?.[getter] !== "function")
      throw new PulumiInternalsError(`the mock monitor's request object has no ${getter}()`);
  return {
    type: request.getType(),
    name: request.getName(),
    custom: custom ?? request.getCustom(),
    parentUrn: request.getParent() || undefined,
    dependencies: typeof request.getDependenciesList === "function" ? [...request.getDependenciesList()] : [],
    options: resourceOptionsOf(request),
  };
}

/** `import` and `protect` as sent to the engine; read requests carry neither getter. */
function resourceOptionsOf(request: any): Registration["options"] {
  const options: Registration["options"] = {};
  const importId: unknown = typeof request.getImportid === "function" ? request.getImportid() : "";
  if (typeof importId === "string" && importId !== "") options.import = importId;
  if (typeof request.getProtect === "function" && request.getProtect() === true) options.protect = true;
  return options;
}

/**
 * Calls `observe` for every resource the mock monitor registers or reads, before the mocks
 * see it; `observe` returns what to run the registration in (for AsyncLocalStorage) and a
 * function that receives the URN or the error. Returns a function that undoes it.
 */
export function interceptRegistrations(
  observe: (registration: Registration) => {
    run<T>(body: () => T): T;
    done(error: unknown, urn: string | undefined): void;
  },
): () => void {
  checkPulumiInternals();
  const prototype = MockMonitor.prototype as unknown as Record<keyof typeof METHODS, MonitorMethod>;
  const originals = { registerResource: prototype.registerResource, readResource: prototype.readResource };
  for (const [method, custom] of Object.entries(METHODS) as Array<[keyof typeof METHODS, boolean | undefined]>) {
    const original = originals[method];
    prototype[method] = function (this: unknown, request: any, callback: Callback) {
      const observer = observe(registrationOf(request, custom));
      return observer.run(() =>
        original.call(this, request, (error: unknown, response: any) => {
          if (!error && typeof response?.getUrn !== "function")
            throw new PulumiInternalsError("the mock monitor's response object has no getUrn()");
          observer.done(error, error ? undefined : response.getUrn());
          callback(error, response);
        }),
      );
    };
  }
  return () => Object.assign(prototype, originals);
}
