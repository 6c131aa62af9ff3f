/**
 * Fake arguments for calling a policy's validateResource / validateStack directly, the
 * documented way to unit-test policies, plus a conversion of the resources recorded
 * from the real program into the shape a stack policy receives.
 */
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

export const urnOf = (type: string, name: string, stack = "dev") =>
  `urn:pulumi:${stack}::cascading-etl::${type}::${name}`;

export interface FakeResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  stack?: string;
  /** property → resources it was computed from, as the engine records them. */
  deps?: Record<string, FakeResource[]>;
}

const notApplicable = (reason?: string): never => {
  throw new Error(`not applicable: ${reason}`);
};

export function toPolicyResource(resource: FakeResource): PolicyResource {
  const deps = Object.fromEntries(
    Object.entries(resource.deps ?? {}).map(([prop, list]) => [prop, list.map(toPolicyResource)]),
  );
  return {
    type: resource.type,
    name: resource.name,
    urn: urnOf(resource.type, resource.name, resource.stack),
    props: resource.props,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    dependencies: Object.values(deps).flat(),
    propertyDependencies: deps,
    isType: () => false,
    asType: () => undefined,
  };
}

/** Every message the policy reports for one resource. */
export async function checkResource(
  policy: ResourceValidationPolicy,
  resource: FakeResource,
  config: object = {},
): Promise<string[]> {
  const messages: string[] = [];
  const args: ResourceValidationArgs = {
    type: resource.type,
    name: resource.name,
    urn: urnOf(resource.type, resource.name, resource.stack),
    props: resource.props,
    opts: toPolicyResource(resource).opts,
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
  const validations = [policy.validateResource ?? []].flat();
  for (const validate of validations) await validate(args, (message) => messages.push(message));
  return messages;
}

/** Every message (with the URN it names, if any) the policy reports for a stack. */
export async function checkStack(policy: StackValidationPolicy, resources: PolicyResource[]): Promise<string[]> {
  const messages: string[] = [];
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable,
  };
  await policy.validateStack(args, (message, urn) =>
    messages.push(urn ? `${message} [${urn.split("::").pop()}]` : message),
  );
  return messages;
}

/** The shape `recordProgram` returns for each resource. */
export interface RecordedLike {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

/**
 * A recorded resource as a stack policy sees it after an update: its outputs (the
 * mock's state over its inputs). Property dependencies are left empty, so the
 * policies link resources by value here, as they do for deployed resources.
 */
export function fromRecorded(resource: RecordedLike): PolicyResource {
  return {
    ...toPolicyResource({ type: resource.type, name: resource.name, props: { ...resource.inputs, ...resource.state } }),
    urn: resource.urn,
  };
}
