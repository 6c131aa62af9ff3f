/**
 * The deploy roles of infra/deployments refuse to create a `cascading-etl-*` role, or
 * write its inline policy, unless the role carries their permissions boundary: every
 * role the program creates, in every stack role, must carry `permissionsBoundaryArn`.
 */
import { strict as assert } from "node:assert";
import { parseConfig } from "../../infra/config";
import { recordProgram, ProgramRunError, type ProgramRun } from "../../local/plan/record";
import { loadStackConfig } from "../../local/plan/stack-config";
import { sharedOutputs } from "../ship/contract-fixtures";
import { ofType, T } from "./graph";

const BOUNDARY = "arn:aws:iam::123456789012:policy/boundary-of-cascading-etl-roles";
const SHARED_REF = "acme/cascading-etl/shared";

describe("infra: permissions boundary on every role the program creates", function () {
  // Several program recordings in one hook: minutes on a loaded machine.
  this.timeout(240_000);
  const runs = {} as Record<"single" | "shared" | "pipeline" | "none", ProgramRun>;

  before(async function () {
    const overrides = { permissionsBoundaryArn: BOUNDARY };
    runs.single = await recordProgram({ stack: "prod", overrides });
    runs.shared = await recordProgram({ stack: "shared", overrides });
    const pipeline = loadStackConfig("prod", {
      overrides: {
        ...overrides,
        stackRole: "pipeline",
        sharedStack: SHARED_REF,
        pointInTimeRecovery: undefined,
        deletionProtection: undefined,
      },
    });
    runs.pipeline = await recordProgram({
      stack: "prod",
      config: pipeline,
      stackReferences: { [SHARED_REF]: sharedOutputs() as unknown as Record<string, unknown> },
    });
    runs.none = await recordProgram({ stack: "prod" });
  });

  for (const [which, roles] of [
    ["single", 4],
    ["shared", 3],
    ["pipeline", 1],
  ] as const) {
    it(`sets it on every role of a ${which} stack (${roles})`, function () {
      const found = ofType(runs[which], T.role);
      assert.equal(found.length, roles);
      for (const role of found) assert.equal(role.inputs.permissionsBoundary, BOUNDARY, role.name);
    });
  }

  it("sets none when the key is empty (the default)", function () {
    for (const role of ofType(runs.none, T.role)) assert.equal(role.inputs.permissionsBoundary, undefined, role.name);
  });

  it("refuses a value that is not an IAM policy ARN, naming the key", async function () {
    const role = "arn:aws:iam::123456789012:role/boundary";
    const result = parseConfig({ permissionsBoundaryArn: role }, { stack: "prod", region: "eu-central-1" });
    assert.deepEqual(result, {
      ok: false,
      errors: [`cascading-etl:permissionsBoundaryArn must be the ARN of an IAM policy or empty (got "${role}")`],
    });
    await assert.rejects(
      recordProgram({ stack: "prod", overrides: { permissionsBoundaryArn: role } }),
      (error: unknown) => error instanceof ProgramRunError && error.resources.length === 0,
    );
  });
});
