import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
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
 * One execution role per collector, with one inline policy listing exactly the actions
 * it performs on exactly the resources it owns or hands work to. No managed policies:
 * AWSLambdaBasicExecutionRole alone would allow writing to every log group.
 */
export class Iam extends pulumi.ComponentResource {
  public readonly roleArns: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: IamArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before super() so a bad argument registers nothing.
    const stages = Object.keys(args.collectors ?? {});
    const missing = stages.filter((stage) => args.collectors[stage] === undefined);
    if (stages.length === 0) throw new Error(`Iam ${name}: collectors names no stage`);
    if (missing.length > 0) throw new Error(`Iam ${name}: collectors has no grants for ${missing.join(", ")}`);
    super("cascading-etl:index:Iam", name, args, opts);

    const roleArns: Record<string, pulumi.Output<string>> = {};
    for (const stage of stages) {
      const role = new aws.iam.Role(
        `${name}-${stage}`,
        {
          description: `Execution role of the ${stage} collector`,
          permissionsBoundary: args.permissionsBoundary,
          assumeRolePolicy: pulumi
            .output(args.accountId)
            .apply((accountId) => toJson(assumeRolePolicy("lambda.amazonaws.com", accountId))),
        },
        { parent: this },
      );
      const policy = new aws.iam.RolePolicy(
        `${name}-${stage}`,
        {
          role: role.name,
          policy: pulumi.output(args.collectors[stage]).apply((grants) => toJson(collectorPolicy(grants))),
        },
        { parent: this },
      );
      // AWS checks the role's permissions when an event source mapping or an async invoke
      // config is created, so whatever uses the role must wait for its policy, not only for
      // the role: the ARN handed out carries the policy as a dependency.
      roleArns[stage] = pulumi.all([role.arn, policy.id]).apply(([arn]) => arn);
    }
    this.roleArns = roleArns;

    this.registerOutputs({ roleArns: this.roleArns });
  }
}
