/**
 * Deploys cascading-etl without stored AWS keys. Creates, in one AWS account:
 * - the permissions boundary every cascading-etl role must carry,
 * - the IAM OIDC provider for Pulumi Cloud and the role Pulumi Deployments assumes to
 *   update dev (prod is deployed by the GitHub workflow, behind its approval),
 * - the IAM OIDC provider for GitHub Actions (unless one exists) and two roles: a
 *   read-only one for previews on pull requests and a deploy one for the prod environment,
 * and, in Pulumi Cloud, the deployment settings of the dev stack.
 * The roles' names do not match the `cascading-etl-*` roles they may manage, so no
 * deployment can widen its own permissions.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import {
  BOUNDARY_POLICY_NAME,
  boundaryPolicy,
  deployPolicy,
  githubTrustPolicy,
  previewPolicy,
  pulumiTrustPolicy,
  type Scope,
} from "./iam";
import { DEFAULT_STACKS, deploymentSettings } from "./settings";

const config = new pulumi.Config();
const organization = config.require("organization");
const repository = config.require("repository");
if (!/^[\w.-]+\/[\w.-]+$/.test(repository))
  throw new Error(`cascading-etl-deployments:repository must be owner/repo (got ${JSON.stringify(repository)})`);
const regions = config.requireObject<string[]>("regions");
const thumbprint = config.get("pulumiOidcThumbprint") ?? "";
const existingGithubProvider = config.get("githubOidcProviderArn") ?? "";

const identity = aws.getCallerIdentityOutput();
const partition = aws.getPartitionOutput();
const scope: pulumi.Output<Scope> = pulumi
  .all([identity.accountId, partition.partition])
  .apply(([accountId, p]) => ({ partition: p, accountId, regions }));
const json = (document: pulumi.Output<object>) => document.apply((d) => JSON.stringify(d));

const pulumiOidc = new aws.iam.OpenIdConnectProvider("pulumi-oidc", {
  url: "https://api.pulumi.com/oidc",
  clientIdLists: [organization],
  thumbprintLists: thumbprint === "" ? undefined : [thumbprint],
});

// Every role cascading-etl creates must carry this boundary (the deploy policy refuses
// any other); set its ARN as `permissionsBoundaryArn` on every cascading-etl stack.
const boundary = new aws.iam.Policy("permissions-boundary", {
  name: BOUNDARY_POLICY_NAME,
  description: "The most any role of cascading-etl may do; required on every role its deployments create.",
  policy: json(scope.apply(boundaryPolicy)),
});

const stacks = DEFAULT_STACKS.map((d) => d.stack);
const pulumiRole = new aws.iam.Role("pulumi-deployments", {
  description: `Assumed by Pulumi Deployments to update the ${stacks.join(", ")} stack of cascading-etl.`,
  assumeRolePolicy: json(pulumiOidc.arn.apply((arn) => pulumiTrustPolicy(arn, organization, stacks))),
  maxSessionDuration: 3600,
});
new aws.iam.RolePolicy("pulumi-deployments", { role: pulumiRole.id, policy: json(scope.apply(deployPolicy)) });

const githubProviderArn: pulumi.Output<string> =
  existingGithubProvider !== ""
    ? pulumi.output(existingGithubProvider)
    : new aws.iam.OpenIdConnectProvider("github-oidc", {
        url: "https://token.actions.githubusercontent.com",
        clientIdLists: ["sts.amazonaws.com"],
      }).arn;

const githubPreview = new aws.iam.Role("github-preview", {
  description: "Assumed by GitHub Actions to preview cascading-etl on pull requests; reads only.",
  assumeRolePolicy: json(githubProviderArn.apply((arn) => githubTrustPolicy(arn, repository, "pull_request"))),
  maxSessionDuration: 3600,
});
new aws.iam.RolePolicy("github-preview", { role: githubPreview.id, policy: json(scope.apply(previewPolicy)) });

const githubDeploy = new aws.iam.Role("github-deploy", {
  description: "Assumed by GitHub Actions in the prod environment to run pulumi up of cascading-etl.",
  assumeRolePolicy: json(githubProviderArn.apply((arn) => githubTrustPolicy(arn, repository, "environment:prod"))),
  maxSessionDuration: 3600,
});
new aws.iam.RolePolicy("github-deploy", { role: githubDeploy.id, policy: json(scope.apply(deployPolicy)) });

for (const deployment of DEFAULT_STACKS) {
  new service.DeploymentSettings(
    `${deployment.stack}-deployment-settings`,
    deploymentSettings({ organization, repository, deployment, roleArn: pulumiRole.arn }),
  );
}

export const permissionsBoundaryArn = boundary.arn;
export const pulumiDeployRoleArn = pulumiRole.arn;
export const githubPreviewRoleArn = githubPreview.arn;
export const githubDeployRoleArn = githubDeploy.arn;
