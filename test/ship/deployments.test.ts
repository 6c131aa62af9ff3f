/**
 * The Pulumi Deployments project (infra/deployments) evaluated under mocks: exact
 * deployment settings and path filters per stack, OIDC providers, and trust and
 * permission policies that are scoped to this project and contain no admin access.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { recordProgram, type RecordedResource } from "../../local/plan/record";
import { loadStackConfig, REPO_ROOT } from "../../local/plan/stack-config";
import { wildcardProblems } from "../../infra/policy/iam";
import { DEPLOY_PATHS } from "../../infra/deployments/settings";

const root = path.join(REPO_ROOT, "infra", "deployments");
const record = (overrides: Record<string, unknown> = {}) =>
  recordProgram({
    stack: "admin",
    config: loadStackConfig("admin", { root, overrides }),
    entry: path.join(root, "index.ts"),
  });

const ACCOUNT = "123456789012";
const byName = (run: { resources: RecordedResource[] }, type: string, name: string) => {
  const found = run.resources.find((r) => r.type === type && r.name === name);
  assert.ok(found, `${type} ${name}`);
  return found;
};
const policyOf = (resource: RecordedResource, key: string) => JSON.parse(resource.inputs[key] as string);

describe("Pulumi Deployments project (infra/deployments)", () => {
  let run: Awaited<ReturnType<typeof recordProgram>>;
  before(async () => {
    run = await record();
  });

  it("registers just the permissions boundary, OIDC providers, roles, policies and dev's deployment settings", () => {
    assert.deepEqual(
      run.resources
        .filter((r) => r.custom)
        .map((r) => [r.type, r.name])
        .sort(),
      [
        ["aws:iam/openIdConnectProvider:OpenIdConnectProvider", "pulumi-oidc"],
        ["aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github-oidc"],
        ["aws:iam/role:Role", "pulumi-deployments"],
        ["aws:iam/role:Role", "github-preview"],
        ["aws:iam/role:Role", "github-deploy"],
        ["aws:iam/policy:Policy", "permissions-boundary"],
        ["pulumiservice:index:DeploymentSettings", "dev-deployment-settings"],
        ["aws:iam/rolePolicy:RolePolicy", "pulumi-deployments"],
        ["aws:iam/rolePolicy:RolePolicy", "github-preview"],
        ["aws:iam/rolePolicy:RolePolicy", "github-deploy"],
      ].sort(),
    );
  });

  it("trusts Pulumi Cloud's OIDC issuer with the organization as audience", () => {
    const provider = byName(run, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "pulumi-oidc");
    assert.equal(provider.inputs.url, "https://api.pulumi.com/oidc");
    assert.deepEqual(provider.inputs.clientIdLists, ["acme"]);
    assert.equal(provider.inputs.thumbprintLists, undefined);
  });

  it("pins a thumbprint when one is configured", async () => {
    const pinned = await record({ pulumiOidcThumbprint: "9e99a48a9960b14926bb7f3b02e22da2b0ab7280" });
    assert.deepEqual(
      byName(pinned, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "pulumi-oidc").inputs.thumbprintLists,
      ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
    );
  });

  it("lets only updates of this organization's dev stack of cascading-etl assume the deployments role", () => {
    const provider = byName(run, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "pulumi-oidc");
    assert.deepEqual(policyOf(byName(run, "aws:iam/role:Role", "pulumi-deployments"), "assumeRolePolicy"), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "PulumiDeployments",
          Effect: "Allow",
          Principal: { Federated: provider.state.arn },
          Action: ["sts:AssumeRoleWithWebIdentity"],
          Condition: {
            StringEquals: {
              "api.pulumi.com/oidc:aud": "acme",
              "api.pulumi.com/oidc:sub": [
                "pulumi:deploy:org:acme:project:cascading-etl:stack:dev:operation:update:scope:write",
              ],
            },
          },
        },
      ],
    });
  });

  describe("which OIDC subjects the deployments role's trust accepts (IAM StringEquals: whole-string match)", () => {
    const accepted = () =>
      policyOf(byName(run, "aws:iam/role:Role", "pulumi-deployments"), "assumeRolePolicy").Statement[0].Condition
        .StringEquals["api.pulumi.com/oidc:sub"] as string[];
    const subject = (stack: string, operation: string) =>
      `pulumi:deploy:org:acme:project:cascading-etl:stack:${stack}:operation:${operation}:scope:write`;
    it("an update of dev", () => assert.equal(accepted().includes(subject("dev", "update")), true));
    for (const operation of ["preview", "refresh", "destroy"])
      it(`not a ${operation} of dev`, () => assert.equal(accepted().includes(subject("dev", operation)), false));
    it("not an update of prod", () => assert.equal(accepted().includes(subject("prod", "update")), false));
  });

  it("lets GitHub Actions assume the preview role only from pull requests, the deploy role only from prod", () => {
    const provider = byName(run, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github-oidc");
    assert.equal(provider.inputs.url, "https://token.actions.githubusercontent.com");
    assert.deepEqual(provider.inputs.clientIdLists, ["sts.amazonaws.com"]);
    for (const [role, subject] of [
      ["github-preview", "repo:acme/cascading-etl:pull_request"],
      ["github-deploy", "repo:acme/cascading-etl:environment:prod"],
    ]) {
      assert.deepEqual(policyOf(byName(run, "aws:iam/role:Role", role), "assumeRolePolicy").Statement, [
        {
          Sid: "GitHubActions",
          Effect: "Allow",
          Principal: { Federated: provider.state.arn },
          Action: ["sts:AssumeRoleWithWebIdentity"],
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": subject,
            },
          },
        },
      ]);
    }
  });

  it("reuses an existing GitHub OIDC provider when its ARN is configured", async () => {
    const existing = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    const reused = await record({ githubOidcProviderArn: existing });
    assert.equal(reused.resources.filter((r) => r.name === "github-oidc").length, 0);
    assert.equal(
      policyOf(byName(reused, "aws:iam/role:Role", "github-deploy"), "assumeRolePolicy").Statement[0].Principal
        .Federated,
      existing,
    );
  });

  it("configures dev's deployments from main, on commit only, filtered to deployable paths, with OIDC", () => {
    const role = byName(run, "aws:iam/role:Role", "pulumi-deployments");
    const settings = byName(run, "pulumiservice:index:DeploymentSettings", "dev-deployment-settings");
    assert.deepEqual(settings.inputs, {
      organization: "acme",
      project: "cascading-etl",
      stack: "dev",
      sourceContext: { git: { branch: "refs/heads/main" } },
      vcs: {
        provider: "github",
        repository: "acme/cascading-etl",
        deployCommits: true,
        previewPullRequests: false,
        pullRequestTemplate: false,
        paths: [
          "infra/**",
          "functions/**",
          "Pulumi.yaml",
          "Pulumi.*.yaml",
          "package.json",
          "package-lock.json",
          "tsconfig.json",
        ],
      },
      operationContext: {
        preRunCommands: ["npm ci --no-audit --no-fund"],
        options: { skipInstallDependencies: true, skipIntermediateDeployments: true },
        oidc: { aws: { roleARN: role.state.arn, sessionName: "pulumi-deploy-dev", duration: "1h0m0s" } },
      },
    });
  });

  it("deploys each stack on merge by exactly one path: dev by Pulumi Deployments, prod by deploy.yml", () => {
    const byDeployments = run.resources
      .filter((r) => r.type === "pulumiservice:index:DeploymentSettings" && r.inputs.vcs.deployCommits)
      .map((r) => r.inputs.stack as string);
    const deployYml = readFileSync(path.join(REPO_ROOT, ".github", "workflows", "deploy.yml"), "utf8");
    const byWorkflow = [...deployYml.matchAll(/stack-name: \$\{\{ vars\.PULUMI_ORG \}\}\/(\w+)/g)].map((m) => m[1]);
    assert.deepEqual({ byDeployments, byWorkflow }, { byDeployments: ["dev"], byWorkflow: ["prod"] });
  });

  describe("path filters", () => {
    // Glob semantics of the filters: "**" crosses directories, "*" does not.
    const toRegExp = (glob: string) =>
      new RegExp(
        `^${glob
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*\*/g, "\u0000")
          .replace(/\*/g, "[^/]*")
          .replace(/\u0000/g, ".*")}$`,
      );
    const deploys = (file: string) => DEPLOY_PATHS.some((pattern) => toRegExp(pattern).test(file));
    for (const file of [
      "infra/pipeline.ts",
      "infra/policy/policies.ts",
      "functions/sales/handler.ts",
      "Pulumi.yaml",
      "Pulumi.prod.yaml",
      "package.json",
      "package-lock.json",
    ]) {
      it(`a change to ${file} deploys`, () => assert.equal(deploys(file), true));
    }
    for (const file of [
      "docs/deploy.md",
      "README.md",
      "local/runtime/host.ts",
      "test/ship/policy.test.ts",
      ".github/workflows/ci.yml",
    ]) {
      it(`a change to ${file} alone deploys nothing`, () => assert.equal(deploys(file), false));
    }
  });

  describe("permission policies", () => {
    const deploy = () => policyOf(byName(run, "aws:iam/rolePolicy:RolePolicy", "pulumi-deployments"), "policy");

    it("GitHub's deploy role has exactly the Pulumi Deployments role's permissions", () => {
      assert.deepEqual(policyOf(byName(run, "aws:iam/rolePolicy:RolePolicy", "github-deploy"), "policy"), deploy());
    });

    it("cover each service cascading-etl manages, scoped to its names in the configured regions and account", () => {
      const resources = Object.fromEntries(
        deploy().Statement.map((s: { Sid: string; Resource: string[] }) => [s.Sid, s.Resource]),
      );
      assert.deepEqual(resources.Tables, [
        `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/cascading-etl-*`,
        `arn:aws:dynamodb:eu-central-1:${ACCOUNT}:table/cascading-etl-*`,
      ]);
      assert.deepEqual(resources.Queues, [
        `arn:aws:sqs:eu-west-1:${ACCOUNT}:cascading-etl-*`,
        `arn:aws:sqs:eu-central-1:${ACCOUNT}:cascading-etl-*`,
      ]);
      assert.deepEqual(resources.Functions, [
        `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:cascading-etl-*`,
        `arn:aws:lambda:eu-central-1:${ACCOUNT}:function:cascading-etl-*`,
      ]);
      assert.deepEqual(resources.Roles, [`arn:aws:iam::${ACCOUNT}:role/cascading-etl-*`]);
      assert.deepEqual(resources.LogGroups, [
        `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/cascading-etl/*`,
        `arn:aws:logs:eu-central-1:${ACCOUNT}:log-group:/cascading-etl/*`,
      ]);
      assert.deepEqual(resources.SourceTokenParameter, [
        `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/cascading-etl/*`,
        `arn:aws:ssm:eu-central-1:${ACCOUNT}:parameter/cascading-etl/*`,
      ]);
      assert.deepEqual(Object.keys(resources), [
        "Tables",
        "Queues",
        "Functions",
        "EventSourceMappings",
        "TagEventSourceMappings",
        "Roles",
        "RolesWithinBoundary",
        "DenyRolesOutsideBoundary",
        "DenyRemovingBoundary",
        "DenyChangingBoundaryPolicy",
        "PassRolesToLambdaAndScheduler",
        "LogGroups",
        "FindLogGroups",
        "Schedules",
        "AlarmTopic",
        "Alarms",
        "Dashboard",
        "SourceTokenParameter",
        "DescribeParameters",
      ]);
    });

    it("create roles and write their inline policies only with the permissions boundary, which none can lift", () => {
      const boundary = byName(run, "aws:iam/policy:Policy", "permissions-boundary");
      assert.equal(boundary.inputs.name, "boundary-of-cascading-etl-roles");
      assert.equal(boundary.state.arn, `arn:aws:iam::${ACCOUNT}:policy/boundary-of-cascading-etl-roles`);
      const roles = [`arn:aws:iam::${ACCOUNT}:role/cascading-etl-*`];
      const sids = [
        "RolesWithinBoundary",
        "DenyRolesOutsideBoundary",
        "DenyRemovingBoundary",
        "DenyChangingBoundaryPolicy",
      ];
      assert.deepEqual(
        deploy().Statement.filter((s: { Sid: string }) => sids.includes(s.Sid)),
        [
          {
            Sid: "RolesWithinBoundary",
            Effect: "Allow",
            Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"],
            Resource: roles,
            Condition: { StringEquals: { "iam:PermissionsBoundary": boundary.state.arn } },
          },
          {
            Sid: "DenyRolesOutsideBoundary",
            Effect: "Deny",
            Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
            Resource: roles,
            Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundary.state.arn } },
          },
          {
            Sid: "DenyRemovingBoundary",
            Effect: "Deny",
            Action: ["iam:DeleteRolePermissionsBoundary"],
            Resource: roles,
          },
          {
            Sid: "DenyChangingBoundaryPolicy",
            Effect: "Deny",
            Action: [
              "iam:CreatePolicyVersion",
              "iam:DeletePolicy",
              "iam:DeletePolicyVersion",
              "iam:SetDefaultPolicyVersion",
            ],
            Resource: [boundary.state.arn],
          },
        ],
      );
      // Nothing else in the policy creates a role or writes a role's policy unconditionally.
      const unconditioned = deploy()
        .Statement.filter((s: { Effect: string; Condition?: unknown }) => s.Effect === "Allow" && !s.Condition)
        .flatMap((s: { Action: string[] }) => s.Action);
      for (const action of [
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutRolePermissionsBoundary",
      ])
        assert.equal(unconditioned.includes(action), false, action);
    });

    it("the boundary allows at most the collectors' and the scheduler's actions, on cascading-etl's resources", () => {
      const regions = ["eu-west-1", "eu-central-1"];
      const each = (f: (region: string) => string) => regions.map(f);
      assert.deepEqual(policyOf(byName(run, "aws:iam/policy:Policy", "permissions-boundary"), "policy"), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "Tables",
            Effect: "Allow",
            Action: ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query"],
            Resource: each((r) => `arn:aws:dynamodb:${r}:${ACCOUNT}:table/cascading-etl-*`),
          },
          {
            Sid: "Queues",
            Effect: "Allow",
            Action: [
              "sqs:ReceiveMessage",
              "sqs:DeleteMessage",
              "sqs:GetQueueAttributes",
              "sqs:ChangeMessageVisibility",
              "sqs:GetQueueUrl",
              "sqs:SendMessage",
            ],
            Resource: each((r) => `arn:aws:sqs:${r}:${ACCOUNT}:cascading-etl-*`),
          },
          {
            Sid: "SourceToken",
            Effect: "Allow",
            Action: ["ssm:GetParameter"],
            Resource: each((r) => `arn:aws:ssm:${r}:${ACCOUNT}:parameter/cascading-etl/*`),
          },
          {
            Sid: "Logs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: each((r) => `arn:aws:logs:${r}:${ACCOUNT}:log-group:/cascading-etl/*:*`),
          },
          {
            Sid: "InvokeCollectors",
            Effect: "Allow",
            Action: ["lambda:InvokeFunction"],
            Resource: each((r) => `arn:aws:lambda:${r}:${ACCOUNT}:function:cascading-etl-*`),
          },
        ],
      });
    });

    it("pass roles only to Lambda and EventBridge Scheduler", () => {
      const passRole = deploy().Statement.find((s: { Sid: string }) => s.Sid === "PassRolesToLambdaAndScheduler");
      assert.deepEqual(passRole.Condition, {
        StringEquals: { "iam:PassedToService": ["lambda.amazonaws.com", "scheduler.amazonaws.com"] },
      });
    });

    it("grant no service wildcard and no admin, and '*' only where IAM requires it", () => {
      for (const name of ["pulumi-deployments", "github-preview", "github-deploy"]) {
        const document = policyOf(byName(run, "aws:iam/rolePolicy:RolePolicy", name), "policy");
        const problems = wildcardProblems(document);
        // Event source mappings (narrowed by function ARN) and DescribeParameters are the only "*" resources.
        assert.deepEqual(
          problems,
          problems.filter((p) =>
            /^statement ((Read)?EventSourceMappings|DescribeParameters) applies to every resource/.test(p),
          ),
          name,
        );
        assert.ok(problems.length >= 1 && problems.length <= 2, `${name}: ${problems.join("; ")}`);
        for (const statement of document.Statement) {
          for (const action of statement.Action)
            assert.doesNotMatch(action, /^(\*|[a-z0-9-]+:\*)$/, `${name} ${statement.Sid}`);
        }
      }
    });

    it("the preview role cannot write or read the source token", () => {
      const preview = policyOf(byName(run, "aws:iam/rolePolicy:RolePolicy", "github-preview"), "policy");
      const actions = preview.Statement.flatMap((s: { Action: string[] }) => s.Action);
      assert.deepEqual(
        actions.filter((a: string) => !/^[a-z0-9-]+:(Get|List|Describe)/.test(a)),
        [],
      );
      assert.equal(actions.includes("ssm:GetParameter"), false);
    });

    it("no role it creates is named like the roles it may manage, so a deployment cannot widen its own access", () => {
      for (const name of ["pulumi-deployments", "github-preview", "github-deploy"]) {
        const role = byName(run, "aws:iam/role:Role", name);
        assert.doesNotMatch(String(role.state.name), /^cascading-etl-/);
      }
    });
  });

  it("refuses a repository that is not owner/repo", async () => {
    await assert.rejects(record({ repository: "cascading-etl" }), {
      message: 'cascading-etl-deployments:repository must be owner/repo (got "cascading-etl")',
    });
  });
});
