import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface SourceTokenArgs {
  /** The SSM parameter name (a path such as `/cascading-etl/dev/source-api-token`). */
  readonly parameterName: string;
  /** The token, a secret: it is stored encrypted in state and in SSM, never in a function's environment. */
  readonly token: pulumi.Input<string>;
}

/** The source API token as an SSM SecureString, read by the collectors at cold start. */
export class SourceToken extends pulumi.ComponentResource {
  public readonly parameterName: pulumi.Output<string>;
  public readonly parameterArn: pulumi.Output<string>;

  constructor(name: string, args: SourceTokenArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before super() so a bad argument registers nothing.
    if (!args.parameterName?.startsWith("/"))
      throw new Error(
        `SourceToken ${name}: parameterName must be a path starting with "/" (got ${JSON.stringify(args.parameterName)})`,
      );
    super("cascading-etl:index:SourceToken", name, {}, opts);

    const parameter = new aws.ssm.Parameter(
      `${name}-parameter`,
      {
        name: args.parameterName,
        type: "SecureString",
        value: pulumi.secret(args.token),
        description: "Token of the source API used by the collectors",
      },
      { parent: this },
    );
    this.parameterName = parameter.name;
    this.parameterArn = parameter.arn;

    this.registerOutputs({ parameterName: this.parameterName, parameterArn: this.parameterArn });
  }
}
