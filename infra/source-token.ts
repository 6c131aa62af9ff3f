import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { rejectProblems } from "./errors";

export interface SourceTokenArgs {
  /** The SSM parameter name (a path such as `/cascading-etl/dev/source-api-token`). */
  readonly parameterName: string;
  /** The token, a secret: stored encrypted in SSM only, never in state nor in a function's environment. */
  readonly token: pulumi.Input<string>;
  /** Raised with every new token: the only change of the token an update can see. */
  readonly version: number;
}

/**
 * Why SourceToken cannot be built from `args`; empty when it can. Pure, so it is tested
 * without Pulumi.
 */
export function sourceTokenArgsProblems(args: SourceTokenArgs): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(args.version) || args.version < 1)
    problems.push(`version must be a positive integer (got ${args.version})`);
  if (!args.parameterName?.startsWith("/"))
    problems.push(`parameterName must be a path starting with "/" (got ${JSON.stringify(args.parameterName)})`);
  return problems;
}

/** The source API token as an SSM SecureString, read by the collectors at cold start. */
export class SourceToken extends pulumi.ComponentResource {
  public readonly parameterName: pulumi.Output<string>;
  public readonly parameterArn: pulumi.Output<string>;

  constructor(name: string, args: SourceTokenArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super() so bad arguments register nothing, not even the component.
    rejectProblems("SourceToken", name, sourceTokenArgsProblems(args));
    super("cascading-etl:index:SourceToken", name, {}, opts);

    const parameter = new aws.ssm.Parameter(
      `${name}-parameter`,
      {
        name: args.parameterName,
        type: "SecureString",
        // Write-only: sent to SSM on create and whenever valueWoVersion changes, never
        // stored in the stack's state, unlike `value` (which state kept, encrypted);
        // @pulumi/aws documents both fields in ssm/parameter.d.ts.
        valueWo: pulumi.secret(args.token),
        valueWoVersion: args.version,
        description: "Token of the source API used by the collectors",
      },
      { parent: this },
    );
    this.parameterName = parameter.name;
    this.parameterArn = parameter.arn;

    this.registerOutputs({ parameterName: this.parameterName, parameterArn: this.parameterArn });
  }
}
