import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { POLICY_ARN } from "./config-spec";
import { rejectProblems } from "./errors";
import { assumeRolePolicy, collectorPolicy, toJson, type CollectorGrants } from "./iam-documents";

/** `CollectorGrants` whose ARNs may be plain, or resolved from resources or a stack reference. */
export type CollectorGrantsInput = pulumi.Input<{
  readonly [K in keyof CollectorGrants]: pulumi.Input<CollectorGrants[K]>;
}>;

export interface IamArgs {
  /** The account the roles live in; trust policies only accept calls on its behalf. */
  readonly accountId: pulumi.Input<string>;
  /** Exactly what each collector may touch, by stage name: one role per entry. */
  readonly collectors: Readonly<Record<string, CollectorGrantsInput>>;
  /**
   * ARN of the policy capping what the roles may ever do, whatever their inline policy
   * says; the deploy roles of infra/deployments refuse to create a role without it.
   * @default none
   */
  readonly permissionsBoundary?: pulumi.Input<string>;
}

/**
 * Why `permissionsBoundary` cannot be a role's permissions boundary; empty when it can.
 * Only a plain string is checked: an Output's value is not known before super().
 * Shared with the scheduler role of Collector.
 */
export function permissionsBoundaryProblems(permissionsBoundary: pulumi.Input<string> | undefined): string[] {
  return typeof permissionsBoundary === "string" && !POLICY_ARN.test(permissionsBoundary)
    ? [`permissionsBoundary must be the ARN of an IAM policy (got ${JSON.stringify(permissionsBoundary)})`]
    : [];
}

/**
 * Why Iam cannot be built from `args`; empty when it can. Pure, so it is tested without
 * Pulumi.
 */
export function iamArgsProblems(args: IamArgs): string[] {
  const stages = Object.keys(args.collectors ?? {});
  const missing = stages.filter((stage) => args.collectors[stage] === undefined);
  const boundary = permissionsBoundaryProblems(args.permissionsBoundary);
  if (stages.length === 0) return ["collectors names no stage", ...boundary];
  return [...(missing.length > 0 ? [`collectors has no grants for ${missing.join(", ")}`] : []), ...boundary];
}

/**
 * One execution role per collector, with one inline policy listing exactly the actions
 * it performs on exactly the resources it owns or hands work to. No managed policies:
 * AWSLambdaBasicExecutionRole alone would allow writing to every log group.
 */
export class Iam extends pulumi.ComponentResource {
  public readonly roleArns: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: IamArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super() so bad arguments register nothing, not even the component.
    rejectProblems("Iam", name, iamArgsProblems(args));
    super("cascading-etl:index:Iam", name, args, opts);

    const roleArns: Record<string, pulumi.Output<string>> = {};
    for (const stage of Object.keys(args.collectors))
      roleArns[stage] = buildCollectorRole(this, `${name}-${stage}`, stage, args, args.collectors[stage]);
    this.roleArns = roleArns;

    this.registerOutputs({ roleArns: this.roleArns });
  }
}

/**
 * A collector's role and its inline policy. Returns the role's ARN carrying the policy
 * as a dependency: AWS checks the role's permissions when an event source mapping or
 * an async invoke config is created, so whatever uses the role must wait for its
 * policy, not only for the role.
 */
function buildCollectorRole(
  parent: pulumi.Resource,
  name: string,
  stage: string,
  { accountId, permissionsBoundary }: Pick<IamArgs, "accountId" | "permissionsBoundary">,
  grants: CollectorGrantsInput,
): pulumi.Output<string> {
  const role = new aws.iam.Role(
    name,
    {
      description: `Execution role of the ${stage} collector`,
      permissionsBoundary,
      assumeRolePolicy: pulumi
        .output(accountId)
        .apply((account) => toJson(assumeRolePolicy("lambda.amazonaws.com", account))),
    },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    name,
    { role: role.name, policy: pulumi.output(grants).apply((resolved) => toJson(collectorPolicy(resolved))) },
    { parent },
  );
  return pulumi.all([role.arn, policy.id]).apply(([arn]) => arn);
}
