/**
 * What Pulumi Deployments does for each stack of cascading-etl, as pure data so the
 * exact settings are tested without Pulumi.
 */

/** The project whose stacks are deployed (Pulumi.yaml at the repository root). */
export const PROJECT = "cascading-etl";

/**
 * A commit or pull request touching none of these deploys and previews nothing: docs,
 * the README and the local runtime change no cloud resource.
 */
export const DEPLOY_PATHS = [
  "infra/**",
  "functions/**",
  "Pulumi.yaml",
  "Pulumi.*.yaml",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
] as const;

export interface StackDeployment {
  stack: string;
  /** The branch whose commits `pulumi up` this stack. */
  branch: string;
}

/**
 * The stacks Pulumi Deployments updates on every commit to their branch: dev only.
 * Prod has exactly one deploy path, `.github/workflows/deploy.yml`, which runs after the
 * tests, waits for the GitHub environment `prod` (its reviewers) and applies the policy
 * pack; a second path here would run `pulumi up` of prod on the same merge, contend for
 * its lock and skip both gates. One trunk: dev and prod run the same code from main.
 */
export const DEFAULT_STACKS: readonly StackDeployment[] = [{ stack: "dev", branch: "main" }];

export interface SettingsInput<Arn> {
  organization: string;
  /** GitHub owner/repo. */
  repository: string;
  deployment: StackDeployment;
  /** The role Pulumi Deployments assumes (a string in tests, an Output in the program). */
  roleArn: Arn;
}

/** The DeploymentSettings arguments of one stack. */
export function deploymentSettings<Arn>(input: SettingsInput<Arn>) {
  const { organization, repository, deployment, roleArn } = input;
  return {
    organization,
    project: PROJECT,
    stack: deployment.stack,
    sourceContext: { git: { branch: `refs/heads/${deployment.branch}` } },
    vcs: {
      provider: "github",
      repository,
      deployCommits: true,
      // A preview runs the pull request's code with the stack's OIDC role and decrypted
      // config. Deployments take one role for every operation and that role only
      // trusts updates, so pull requests are previewed by .github/workflows/preview.yml
      // with the read-only preview role instead.
      previewPullRequests: false,
      pullRequestTemplate: false,
      paths: [...DEPLOY_PATHS],
    },
    operationContext: {
      // `npm ci` at the root installs the program and the policy pack's dependencies.
      preRunCommands: ["npm ci --no-audit --no-fund"],
      options: { skipInstallDependencies: true, skipIntermediateDeployments: true },
      oidc: { aws: { roleARN: roleArn, sessionName: `pulumi-deploy-${deployment.stack}`, duration: "1h0m0s" } },
    },
  };
}
