/**
 * Evaluates the Pulumi program offline under Pulumi's own mocks and records what it
 * would register: every resource (type, name, parent, inputs, realistic computed
 * state) in registration order, and the stack outputs as plain values. The infra
 * tests assert on this graph, and the local runtime derives its topology from it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { interceptRegistrations } from "./pulumi-internals";
import { loadStackConfig, REPO_ROOT, type StackConfig } from "./stack-config";

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parentUrn?: string;
  /** As the engine would receive them. Lambda `code` stays the real archive object (its fields are promises). */
  inputs: Record<string, any>;
  /** Inputs plus the computed attributes a real deployment would report. */
  state: Record<string, any>;
  id?: string;
  /** URNs the engine would create first: explicit dependsOn and those of every input. */
  dependencies: string[];
  /** The resource options the engine acts on beyond creating; absent ones are off or empty. */
  options: RecordedOptions;
  /** Inputs holding a secret somewhere inside, as the engine receives them (the mocks see them unwrapped). */
  secretInputs: string[];
}

/** One alias as the engine receives it: an old URN, or the parts of one that differ from the resource's own. */
export type RecordedAlias =
  | { urn: string }
  | { name?: string; type?: string; stack?: string; project?: string; parentUrn?: string; noParent?: boolean };

export interface RecordedOptions {
  /** The id of an existing resource to adopt (the `import` option). */
  import?: string;
  protect?: boolean;
  retainOnDelete?: boolean;
  aliases?: RecordedAlias[];
  /** An explicit provider reference; absent when the package's default provider (set from the stack) manages it. */
  provider?: string;
}

export interface ProgramRun {
  stack: string;
  project: string;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  /** Stack outputs the engine would store as secrets. */
  secretOutputs: string[];
}

export interface RecordOptions {
  stack: string;
  /** Defaults to `loadStackConfig(stack, { overrides })`. */
  config?: StackConfig;
  /** Config values to set or (with `undefined`) unset over the stack's, by key with or without the project prefix. */
  overrides?: Record<string, unknown>;
  /** Program entry point; defaults to infra/index.ts. */
  entry?: string;
  /** Outputs served to `pulumi.StackReference`s, by referenced stack name. */
  stackReferences?: Record<string, Record<string, unknown>>;
  /** The names of the outputs each referenced stack exports as secrets. */
  secretStackReferenceOutputs?: Record<string, string[]>;
}

/** The fake account every recorded ARN belongs to. */
export const MOCK_ACCOUNT_ID = "123456789012";
const DEFAULT_REGION = "us-east-1";

/** The program failed; carries what was registered before it did (nothing, for a config error). */
export class ProgramRunError extends Error {
  override readonly name = "ProgramRunError";
  constructor(
    readonly cause: unknown,
    readonly resources: RecordedResource[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

type Computed = { id: string; state: Record<string, any> };

/** Pulumi-style physical name: the logical name plus a deterministic 7-hex suffix. */
export function physicalName(stack: string, type: string, name: string): string {
  return `${name}-${createHash("sha256").update(`${stack}\0${type}\0${name}`).digest("hex").slice(0, 7)}`;
}

function fakeUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Computed attributes per resource type, shaped like the real service's. */
function computeState(
  type: string,
  name: string,
  inputs: Record<string, any>,
  ctx: {
    stack: string;
    region: string;
    account: string;
    stackReferences: Record<string, Record<string, unknown>>;
    secretStackReferenceOutputs: Record<string, string[]>;
  },
): Computed {
  const { region, account } = ctx;
  const physical = (key = "name"): string =>
    typeof inputs[key] === "string" && inputs[key] !== "" ? inputs[key] : physicalName(ctx.stack, type, name);
  switch (type) {
    case "pulumi:pulumi:StackReference": {
      const refName = String(inputs.name ?? name);
      const outputs = ctx.stackReferences[refName];
      if (outputs === undefined)
        throw new Error(`no mocked outputs for stack reference ${refName}; pass stackReferences`);
      const secretOutputNames = ctx.secretStackReferenceOutputs[refName] ?? [];
      return { id: refName, state: { name: refName, outputs, secretOutputNames } };
    }
    case "aws:dynamodb/table:Table": {
      const n = physical();
      const arn = `arn:aws:dynamodb:${region}:${account}:table/${n}`;
      return {
        id: n,
        state: {
          ...inputs,
          name: n,
          arn,
          streamArn: inputs.streamEnabled ? `${arn}/stream/2024-01-01T00:00:00.000` : undefined,
          streamLabel: "2024-01-01T00:00:00.000",
        },
      };
    }
    case "aws:sqs/queue:Queue": {
      const n = physical();
      const url = `https://sqs.${region}.amazonaws.com/${account}/${n}`;
      return { id: url, state: { ...inputs, name: n, arn: `arn:aws:sqs:${region}:${account}:${n}`, url } };
    }
    case "aws:sqs/queuePolicy:QueuePolicy":
      return { id: String(inputs.queueUrl), state: { ...inputs } };
    case "aws:lambda/function:Function": {
      const n = physical();
      const arn = `arn:aws:lambda:${region}:${account}:function:${n}`;
      return {
        id: n,
        state: {
          ...inputs,
          name: n,
          arn,
          qualifiedArn: `${arn}:$LATEST`,
          version: "$LATEST",
          invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        },
      };
    }
    case "aws:lambda/eventSourceMapping:EventSourceMapping": {
      const uuid = fakeUuid(`${ctx.stack}/${name}`);
      return {
        id: uuid,
        state: {
          ...inputs,
          uuid,
          arn: `arn:aws:lambda:${region}:${account}:event-source-mapping:${uuid}`,
          functionArn: inputs.functionName,
          state: inputs.enabled === false ? "Disabled" : "Enabled",
        },
      };
    }
    case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig":
      return { id: String(inputs.functionName), state: { ...inputs } };
    case "aws:iam/role:Role": {
      const n = physical();
      return {
        id: n,
        state: {
          ...inputs,
          name: n,
          arn: `arn:aws:iam::${account}:role/${n}`,
          uniqueId: `AROA${createHash("sha256").update(n).digest("hex").slice(0, 17).toUpperCase()}`,
        },
      };
    }
    case "aws:iam/policy:Policy": {
      const n = physical();
      const arn = `arn:aws:iam::${account}:policy/${n}`;
      return {
        id: arn,
        state: { ...inputs, name: n, arn, policyId: `ANPA${fakeUuid(arn).slice(0, 17).toUpperCase()}` },
      };
    }
    case "aws:iam/rolePolicy:RolePolicy": {
      const n = physical();
      return { id: `${inputs.role}:${n}`, state: { ...inputs, name: n } };
    }
    case "aws:sns/topic:Topic": {
      const n = physical();
      const arn = `arn:aws:sns:${region}:${account}:${n}`;
      return { id: arn, state: { ...inputs, name: n, arn } };
    }
    case "aws:sns/topicSubscription:TopicSubscription": {
      const arn = `${inputs.topic}:${fakeUuid(`${ctx.stack}/${name}`)}`;
      return { id: arn, state: { ...inputs, arn } };
    }
    case "aws:ssm/parameter:Parameter": {
      const n = physical();
      return {
        id: n,
        state: {
          ...inputs,
          name: n,
          arn: `arn:aws:ssm:${region}:${account}:parameter/${n.replace(/^\//, "")}`,
          version: 1,
        },
      };
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const n = physical();
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:logs:${region}:${account}:log-group:${n}` } };
    }
    case "aws:scheduler/schedule:Schedule": {
      const n = physical();
      const group = inputs.groupName ?? "default";
      return {
        id: `${group}/${n}`,
        state: {
          ...inputs,
          name: n,
          groupName: group,
          arn: `arn:aws:scheduler:${region}:${account}:schedule/${group}/${n}`,
        },
      };
    }
    case "aws:cloudwatch/metricAlarm:MetricAlarm": {
      const n = physical();
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:cloudwatch:${region}:${account}:alarm:${n}` } };
    }
    case "aws:cloudwatch/dashboard:Dashboard": {
      const n = physical("dashboardName");
      return {
        id: n,
        state: { ...inputs, dashboardName: n, dashboardArn: `arn:aws:cloudwatch::${account}:dashboard/${n}` },
      };
    }
    default: {
      const n = physical();
      const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:${service}:${region}:${account}:${n}` } };
    }
  }
}

function callResult(
  token: string,
  inputs: Record<string, any>,
  ctx: { region: string; account: string },
): Record<string, any> {
  const fn = token.split(":").pop();
  switch (fn) {
    case "getCallerIdentity":
      return {
        id: ctx.account,
        accountId: ctx.account,
        arn: `arn:aws:iam::${ctx.account}:user/offline-plan`,
        userId: "AIDAOFFLINEPLAN",
      };
    case "getRegion":
      return {
        id: ctx.region,
        name: ctx.region,
        region: ctx.region,
        endpoint: `ec2.${ctx.region}.amazonaws.com`,
        description: ctx.region,
      };
    case "getPartition":
      return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
    case "getPolicyDocument":
      return { id: "policy", json: JSON.stringify({ Version: "2012-10-17", Statement: inputs.statements ?? [] }) };
    default:
      throw new Error(`offline plan has no mock for invoke ${token}`);
  }
}

/** Resolves Outputs, promises, arrays and plain objects to plain values. */
async function resolveDeep(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) return resolveDeep(await (value as any).promise());
  if (value instanceof Promise) return resolveDeep(await value);
  if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveDeep(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/** Whether a value holds a secret Output anywhere inside, as the engine would see it when it serializes the value. */
async function isSecretDeep(value: unknown): Promise<boolean> {
  if (pulumi.Output.isInstance(value)) {
    if (await (value as any).isSecret) return true;
    return isSecretDeep(await (value as any).promise());
  }
  if (value instanceof Promise) return isSecretDeep(await value);
  if (Array.isArray(value)) return (await Promise.all(value.map(isSecretDeep))).some(Boolean);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype)
    return (await Promise.all(Object.values(value).map(isSecretDeep))).some(Boolean);
  return false;
}

// One program evaluation at a time: the Pulumi runtime's settings are process-wide.
let queue: Promise<unknown> = Promise.resolve();

/** Evaluates the program for one stack under mocks; rejects with the program's error (e.g. invalid config). */
export function recordProgram(opts: RecordOptions): Promise<ProgramRun> {
  const run = queue.then(() => evaluate(opts));
  queue = run.catch(() => undefined);
  return run;
}

async function evaluate(opts: RecordOptions): Promise<ProgramRun> {
  const stackConfig = opts.config ?? loadStackConfig(opts.stack, { overrides: opts.overrides });
  const { project, stack } = stackConfig;
  const region = stackConfig.config["aws:region"] ?? DEFAULT_REGION;
  const ctx = {
    stack,
    region,
    account: MOCK_ACCOUNT_ID,
    stackReferences: opts.stackReferences ?? {},
    secretStackReferenceOutputs: opts.secretStackReferenceOutputs ?? {},
  };
  const entry = path.resolve(opts.entry ?? path.join(REPO_ROOT, "infra", "index.ts"));

  const resources: RecordedResource[] = [];
  const failures: unknown[] = [];
  const current = new AsyncLocalStorage<RecordedResource>();

  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      const record = current.getStore();
      const inputs = (args.inputs ?? {}) as Record<string, any>;
      if (!args.custom && args.type !== "pulumi:pulumi:StackReference") {
        if (record) record.inputs = inputs;
        return { id: undefined, state: {} };
      }
      const computed = computeState(args.type, args.name, inputs, ctx);
      if (record) {
        record.inputs = inputs;
        record.state = computed.state;
        record.id = computed.id;
      }
      return computed;
    },
    call(args) {
      return callResult(args.token, args.inputs ?? {}, ctx);
    },
  };

  const restore = interceptRegistrations((registration) => {
    const record: RecordedResource = { urn: "", ...registration, inputs: {}, state: {} };
    resources.push(record);
    return {
      run: (body) => current.run(record, body),
      done(error, urn) {
        if (error) failures.push(error);
        else record.urn = urn!;
      },
    };
  });

  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(path.join(REPO_ROOT, "infra") + path.sep) || file === entry) delete require.cache[file];
  }

  try {
    await pulumi.runtime.setMocks(mocks, project, stack, false);
    pulumi.runtime.setAllConfig(stackConfig.config, stackConfig.secretKeys);
    let programError: unknown;
    let exports: Record<string, unknown> = {};
    try {
      // The program is loaded afresh for every stack (its cache entries were cleared), which only require() can do.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exports = require(entry) as Record<string, unknown>;
    } catch (error) {
      programError = error;
    }
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    let outputError: unknown;
    if (programError === undefined) {
      try {
        for (const [key, value] of Object.entries(exports)) {
          if (await isSecretDeep(value)) secretOutputs.push(key);
          outputs[key] = await resolveDeep(value);
        }
      } catch (error) {
        outputError = error;
      }
    }
    // Public API: waits until every registration has been answered, then lets go of the mock monitor.
    await pulumi.runtime.disconnect();
    if (programError !== undefined) throw new ProgramRunError(programError, resources);
    if (failures.length > 0) throw new ProgramRunError(failures[0], resources);
    // As before: an output that fails to resolve rejects with its own error.
    if (outputError !== undefined) throw outputError;
    return { stack, project, resources, outputs, secretOutputs };
  } finally {
    restore();
  }
}

/** Counts of custom resources by type, sorted by type. */
export function countByType(resources: RecordedResource[], opts: { custom?: boolean } = {}): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) {
    if (opts.custom !== undefined && r.custom !== opts.custom) continue;
    counts[r.type] = (counts[r.type] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
