/**
 * dev and prod may share one AWS account and region. Every resource with a physical
 * name lives in a namespace (an account for IAM roles and CloudWatch dashboards, an
 * account and region for the rest), and a second resource of the same name either
 * fails to create or, for dashboards (PutDashboard replaces an existing one), silently
 * takes the first one over. Names the program sets itself (log groups, the token
 * parameter, the dashboard) must therefore carry the stack; names Pulumi generates
 * carry a random suffix (https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming),
 * which the recorder models with a suffix derived from the stack.
 */
import { strict as assert } from "node:assert";
import { recordProgram, type ProgramRun, type RecordedResource } from "../../local/plan/record";
import { T } from "./graph";

const REGION = "eu-west-1";
const TOKEN = "tok-shared-account";

/** The namespace-qualified physical name of a resource, per the service's own scoping. */
const PHYSICAL_NAME: Partial<Record<string, (r: RecordedResource) => string>> = {
  [T.table]: (r) => `dynamodb:${REGION}:${r.state.name}`,
  [T.queue]: (r) => `sqs:${REGION}:${r.state.name}`,
  [T.fn]: (r) => `lambda:${REGION}:${r.state.name}`,
  [T.role]: (r) => `iam:${r.state.name}`,
  // An inline policy's name is scoped to its role.
  [T.rolePolicy]: (r) => `iam:${r.state.role}:${r.state.name}`,
  [T.logGroup]: (r) => `logs:${REGION}:${r.state.name}`,
  [T.alarm]: (r) => `cloudwatch:${REGION}:${r.state.name}`,
  [T.dashboard]: (r) => `cloudwatch-dashboards:${r.state.dashboardName}`,
  [T.topic]: (r) => `sns:${REGION}:${r.state.name}`,
  [T.schedule]: (r) => `scheduler:${REGION}:${r.state.groupName}/${r.state.name}`,
  [T.parameter]: (r) => `ssm:${REGION}:${r.state.name}`,
};
/** Named after the resource they attach to, or identified by a generated id: no name of their own. */
const UNNAMED = new Set<string>([T.queuePolicy, T.esm, T.invokeConfig, T.subscription]);

function physicalNames(run: ProgramRun): [string, string][] {
  return run.resources
    .filter((r) => r.custom)
    .map((r): [string, string] => {
      const name = PHYSICAL_NAME[r.type];
      if (name === undefined) {
        assert.ok(UNNAMED.has(r.type), `no physical naming rule for ${r.type}`);
        return [r.urn, ""];
      }
      return [r.urn, name(r)];
    })
    .filter(([, name]) => name !== "");
}

describe("infra: physical names of dev and prod in one account and region", function () {
  // Several program recordings in one hook: minutes on a loaded machine.
  this.timeout(240_000);
  const runs = {} as Record<"dev" | "prod", ProgramRun>;

  before(async function () {
    for (const stack of ["dev", "prod"] as const)
      runs[stack] = await recordProgram({ stack, overrides: { "aws:region": REGION, sourceApiToken: TOKEN } });
  });

  it("names every resource type each stack registers, so no type escapes the check", function () {
    for (const run of Object.values(runs)) {
      const types = new Set(run.resources.filter((r) => r.custom).map((r) => r.type));
      for (const type of [T.dashboard, T.schedule, T.role, T.logGroup, T.queue, T.table, T.alarm, T.parameter])
        assert.ok(types.has(type), `${run.stack} registers a ${type}`);
    }
  });

  it("no two resources of the two stacks share a physical name", function () {
    const owners = new Map<string, string[]>();
    for (const run of Object.values(runs))
      for (const [urn, name] of physicalNames(run)) owners.set(name, [...(owners.get(name) ?? []), urn]);
    const shared = [...owners].filter(([, urns]) => urns.length > 1);
    assert.deepEqual(shared, []);
  });

  it("gives each stack its own dashboard, named from project and stack", function () {
    assert.deepEqual(
      Object.values(runs).map((run) =>
        run.resources.filter((r) => r.type === T.dashboard).map((r) => r.inputs.dashboardName),
      ),
      [["cascading-etl-dev"], ["cascading-etl-prod"]],
    );
  });
});
