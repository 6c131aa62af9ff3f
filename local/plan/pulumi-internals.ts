/**
 * The one place the recorder relies on an internal of @pulumi/pulumi. The public mocks API
 * (`Mocks.newResource`) is given a resource's type, name and inputs but not its parent or
 * dependencies, which the plan's tree, the local topology and the infra tests need; the mock
 * monitor's `registerResource` and `readResource` requests carry them. The package is pinned
 * with `~` in package.json, and checkPulumiInternals fails naming the internal when an upgrade
 * changes it (test/infra/pulumi-internals.test.ts), rather than the plan quietly losing its tree.
 * https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/runtime/mocks.ts
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import type { RecordedAlias, RecordedOptions } from "./record";

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
  /** The resource options the engine acts on beyond creating (adopt, protect, retain, aliases, provider). */
  options: RecordedOptions;
  /** Inputs holding a secret somewhere inside, as the engine receives them (the mocks see them unwrapped). */
  secretInputs: string[];
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
    secretInputs: secretKeysOf(
      typeof request.getObject === "function" ? request.getObject()?.toJavaScript() : undefined,
    ),
  };
}

/** The options as sent to the engine, those set only; read requests carry none. */
function resourceOptionsOf(req: any): RecordedOptions {
  const has = (getter: string) => typeof req[getter] === "function";
  const options: RecordedOptions = {};
  const importId: unknown = has("getImportid") ? req.getImportid() : "";
  if (typeof importId === "string" && importId !== "") options.import = importId;
  if (has("getProtect") && req.getProtect() === true) options.protect = true;
  if (has("getRetainondelete") && req.getRetainondelete() === true) options.retainOnDelete = true;
  const aliases: RecordedAlias[] = [];
  for (const alias of has("getAliasesList") ? req.getAliasesList() : []) {
    if (alias.hasSpec()) {
      const spec = alias.getSpec();
      const parts: Record<string, string | boolean> = {
        name: spec.getName(),
        type: spec.getType(),
        stack: spec.getStack(),
        project: spec.getProject(),
        parentUrn: spec.getParenturn(),
        noParent: spec.getNoparent(),
      };
      aliases.push(Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== "" && v !== false)));
    } else aliases.push({ urn: alias.getUrn() });
  }
  for (const urn of has("getAliasurnsList") ? req.getAliasurnsList() : []) aliases.push({ urn });
  if (aliases.length > 0) options.aliases = aliases;
  const provider: unknown = has("getProvider") ? req.getProvider() : "";
  if (typeof provider === "string" && provider !== "") options.provider = provider;
  return options;
}

/** The top-level keys of serialized properties that hold a secret (Pulumi's secret signature) anywhere inside. */
function secretKeysOf(serialized: Record<string, unknown> | undefined): string[] {
  const holdsSecret = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.some(holdsSecret);
    if (value === null || typeof value !== "object") return false;
    if (pulumi.runtime.isRpcSecret(value)) return true;
    return Object.values(value as Record<string, unknown>).some(holdsSecret);
  };
  return Object.entries(serialized ?? {})
    .filter(([, value]) => holdsSecret(value))
    .map(([key]) => key)
    .sort();
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
