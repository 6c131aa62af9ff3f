/**
 * Every workflow in .github/workflows is validated by actionlint, and the invariants of
 * how this project ships are asserted on the parsed files: tests everywhere, preview on
 * pull requests, `up` only from main, AWS only through OIDC.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { lintWorkflow } from "./actionlint";

const dir = path.join(__dirname, "..", "..", ".github", "workflows");
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const text = (file: string) => readFileSync(path.join(dir, file), "utf8");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown[]> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[]; "paths-ignore"?: string[] } | null>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  jobs: Record<string, Job>;
}
const workflow = (file: string) => parse(text(file)) as Workflow;
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((job) => job.steps);
const pulumiSteps = (wf: Workflow) => steps(wf).filter((s) => s.uses?.startsWith("pulumi/actions@"));

describe("GitHub workflows", () => {
  it("are the three this project ships", () => {
    assert.deepEqual(files, ["ci.yml", "deploy.yml", "preview.yml"]);
  });

  for (const file of files) {
    it(`${file} passes actionlint with no finding`, async () => {
      assert.deepEqual(await lintWorkflow(text(file), file), []);
    });
  }

  describe("the validator rejects broken workflows", () => {
    const valid = `on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo \${{ github.sha }}
`;

    it("accepts the valid baseline", async () => {
      assert.deepEqual(await lintWorkflow(valid, "valid.yml"), []);
    });

    it("a schema error: a misspelt job key", async () => {
      const findings = await lintWorkflow(valid.replace("runs-on:", "runs-onn:"), "schema.yml");
      assert.deepEqual(
        findings.map((f) => [f.kind, f.line, f.message.split(".")[0]]),
        [
          ["syntax-check", 3, '"runs-on" section is missing in job "test"'],
          ["syntax-check", 4, 'unexpected key "runs-onn" for "job" section'],
        ],
      );
    });

    it("an expression error: an undefined context", async () => {
      const findings = await lintWorkflow(valid.replace("github.sha", "secretz.TOKEN"), "context.yml");
      assert.equal(findings.length, 1);
      assert.equal(findings[0].kind, "expression");
      assert.equal(findings[0].line, 7);
      assert.match(findings[0].message, /^undefined variable "secretz"/);
    });

    it("an expression error: a property the context does not have", async () => {
      const findings = await lintWorkflow(valid.replace("github.sha", "github.shaa"), "property.yml");
      assert.equal(findings.length, 1);
      assert.equal(findings[0].kind, "expression");
      assert.match(findings[0].message, /^property "shaa" is not defined in object type/);
    });

    it("an expression error: a syntax error inside ${{ }}", async () => {
      const findings = await lintWorkflow(valid.replace("github.sha", "format("), "syntax.yml");
      assert.equal(findings.length, 1);
      assert.equal(findings[0].kind, "expression");
      assert.match(findings[0].message, /^unexpected end of input/);
    });

    it("an expression error: a matrix key that is not in the matrix", async () => {
      const broken = text("preview.yml").replace("/${{ matrix.stack }}", "/${{ matrix.stak }}");
      assert.notEqual(broken, text("preview.yml"));
      const findings = await lintWorkflow(broken, "preview.yml");
      assert.deepEqual(
        findings.map((f) => [f.kind, f.message]),
        [["expression", 'property "stak" is not defined in object type {stack: string}']],
      );
    });

    it("an action error: an input pulumi/actions does not have", async () => {
      const broken = text("deploy.yml").replace("policyPacks:", "policy-packs:");
      const findings = await lintWorkflow(broken, "deploy.yml");
      assert.equal(findings.length, 1);
      assert.equal(findings[0].kind, "action");
      assert.match(findings[0].message, /^input "policy-packs" is not defined in action "pulumi\/actions@v6"/);
    });
  });

  describe("invariants", () => {
    it("no workflow holds or reads AWS access keys", () => {
      for (const file of files) {
        assert.doesNotMatch(
          text(file),
          /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AKIA[0-9A-Z]{16}/,
          file,
        );
      }
    });

    it("every job that assumes an AWS role may request an OIDC token, and names the role from vars", () => {
      let awsJobs = 0;
      for (const file of files) {
        const wf = workflow(file);
        for (const [name, job] of Object.entries(wf.jobs)) {
          const aws = job.steps.filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
          if (aws.length === 0) continue;
          awsJobs += 1;
          assert.equal({ ...wf.permissions, ...job.permissions }["id-token"], "write", `${file} ${name}`);
          for (const step of aws) {
            assert.deepEqual(Object.keys(step.with ?? {}).sort(), [
              "aws-region",
              "role-session-name",
              "role-to-assume",
            ]);
            assert.match(String(step.with?.["role-to-assume"]), /^\$\{\{ vars\.AWS_(PREVIEW|DEPLOY)_ROLE_ARN \}\}$/);
          }
        }
      }
      assert.equal(awsJobs, 2);
    });

    it("no job other than those assuming a role gets an OIDC token, and workflows default to read-only", () => {
      for (const file of files) {
        const wf = workflow(file);
        assert.deepEqual(wf.permissions, { contents: "read" }, file);
        for (const [name, job] of Object.entries(wf.jobs)) {
          const usesAws = job.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
          if (!usesAws) assert.equal(job.permissions?.["id-token"], undefined, `${file} ${name}`);
        }
      }
    });

    it("every action is pinned to at least a major version", () => {
      for (const file of files) {
        for (const step of steps(workflow(file))) {
          if (step.uses)
            assert.match(step.uses, /^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${file}: ${step.uses}`);
        }
      }
    });

    it("the Pulumi token comes only from secrets, the one that may reach prod only inside the prod environment", () => {
      const tokens: Record<string, string> = {
        "deploy.yml": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        "preview.yml": "${{ secrets.PULUMI_PREVIEW_TOKEN }}",
      };
      for (const file of files) {
        for (const [name, job] of Object.entries(workflow(file).jobs)) {
          for (const step of pulumiSteps({ ...workflow(file), jobs: { [name]: job } })) {
            assert.deepEqual(step.env, { PULUMI_ACCESS_TOKEN: tokens[file] }, file);
            if (tokens[file].includes("PULUMI_ACCESS_TOKEN")) assert.equal(job.environment, "prod", `${file} ${name}`);
          }
        }
      }
    });

    it("ci runs npm ci and npm test on every push and pull request, on Node 20 and 22", () => {
      const wf = workflow("ci.yml");
      assert.deepEqual(Object.keys(wf.on).sort(), ["pull_request", "push"]);
      assert.equal(wf.on.push, null);
      assert.equal(wf.on.pull_request, null);
      assert.deepEqual(wf.jobs.test.strategy?.matrix?.node, [20, 22]);
      assert.deepEqual(
        wf.jobs.test.steps.filter((s) => s.run).map((s) => s.run),
        ["npm ci --no-audit --no-fund", "npm test"],
      );
    });

    it("preview runs `pulumi preview` of dev only on pull requests, comments and applies the policy pack", () => {
      const wf = workflow("preview.yml");
      assert.deepEqual(Object.keys(wf.on), ["pull_request"]);
      const job = wf.jobs.preview;
      // Pull request code runs with the previewed stack's config decrypted: never prod's.
      assert.deepEqual(job.strategy?.matrix?.stack, ["dev"]);
      assert.equal(job.environment, undefined);
      assert.deepEqual(pulumiSteps(wf)[0].env, { PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_PREVIEW_TOKEN }}" });
      assert.deepEqual(job.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
      const [pulumi] = pulumiSteps(wf);
      assert.deepEqual(pulumi.with, {
        command: "preview",
        "stack-name": "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}",
        "comment-on-pr": true,
        "edit-pr-comment": true,
        diff: true,
        policyPacks: "infra/policy",
      });
      assert.equal(pulumiSteps(wf).length, 1);
    });

    it("`pulumi up` runs only in deploy, only on push to main, only for prod, one at a time, after the tests", () => {
      for (const file of files.filter((f) => f !== "deploy.yml")) {
        for (const step of pulumiSteps(workflow(file))) assert.equal(step.with?.command, "preview", file);
      }
      const wf = workflow("deploy.yml");
      assert.deepEqual(wf.on, { push: { branches: ["main"], "paths-ignore": ["docs/**", "**/*.md"] } });
      assert.deepEqual(wf.concurrency, { group: "deploy-prod", "cancel-in-progress": false });
      const up = wf.jobs.up;
      assert.equal(up.needs, "test");
      assert.equal(up.if, "github.ref == 'refs/heads/main'");
      assert.equal(up.environment, "prod");
      const [pulumi] = pulumiSteps(wf);
      assert.equal(pulumi.with?.command, "up");
      assert.equal(pulumi.with?.["stack-name"], "${{ vars.PULUMI_ORG }}/prod");
      assert.equal(pulumi.with?.policyPacks, "infra/policy");
      assert.deepEqual(
        wf.jobs.test.steps.filter((s) => s.run).map((s) => s.run),
        ["npm ci --no-audit --no-fund", "npm test"],
      );
    });

    it("the policy pack the workflows apply exists", () => {
      const pack = readFileSync(path.join(__dirname, "..", "..", "infra", "policy", "PulumiPolicy.yaml"), "utf8");
      assert.match(pack, /^runtime: nodejs$/m);
    });
  });
});
