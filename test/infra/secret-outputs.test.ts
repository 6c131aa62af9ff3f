/**
 * A pipeline stack reads its shared stack's outputs in the clear to check them; what
 * the shared stack exports as a secret must come out of the pipeline stack as a secret
 * again, in its own outputs and in every resource input built from it, or the value
 * lands in plain text in the pipeline stack's state and previews.
 * (`StackReference.getOutputDetails` returns a secret output as `secretValue`:
 * https://www.pulumi.com/docs/reference/pkg/nodejs/pulumi/pulumi/classes/StackReference.html)
 */
import { strict as assert } from "node:assert";
import { recordProgram, type ProgramRun } from "../../local/plan/record";
import { loadStackConfig } from "../../local/plan/stack-config";
import { FIXTURE_PIPELINE_STACK, sharedOutputs } from "../ship/contract-fixtures";
import { ofType, T } from "./graph";

const SHARED_REF = "acme/cascading-etl/shared";

function recordPipeline(secretOutputs: string[]): Promise<ProgramRun> {
  const config = loadStackConfig("prod", {
    overrides: {
      stackRole: "pipeline",
      sharedStack: SHARED_REF,
      pointInTimeRecovery: undefined,
      deletionProtection: undefined,
    },
  });
  return recordProgram({
    stack: FIXTURE_PIPELINE_STACK,
    config: { ...config, stack: FIXTURE_PIPELINE_STACK },
    stackReferences: { [SHARED_REF]: sharedOutputs() as unknown as Record<string, unknown> },
    secretStackReferenceOutputs: { [SHARED_REF]: secretOutputs },
  });
}

describe("infra: secrets read through the shared stack's reference stay secret", function () {
  // Several program recordings in one hook: minutes on a loaded machine.
  this.timeout(240_000);
  let plain: ProgramRun;
  let secret: ProgramRun;

  before(async function () {
    plain = await recordPipeline([]);
    secret = await recordPipeline(["tables", "roles"]);
  });

  it("re-exports exactly the outputs the shared stack marks secret as secrets", function () {
    assert.deepEqual(secret.secretOutputs, ["tables", "roles"]);
    assert.deepEqual(secret.outputs.tables, sharedOutputs().tables);
    assert.deepEqual(secret.outputs.roles, sharedOutputs().roles);
  });

  it("makes secret every function input built from them (the table names, the role), and nothing else", function () {
    const functions = ofType(secret, T.fn);
    assert.equal(functions.length, 3);
    for (const fn of functions) assert.deepEqual(fn.secretInputs, ["environment", "role"], fn.name);
    for (const mapping of ofType(secret, T.esm)) assert.deepEqual(mapping.secretInputs, [], mapping.name);
  });

  it("marks nothing secret when the shared stack exports no secret", function () {
    assert.deepEqual(plain.secretOutputs, []);
    for (const r of plain.resources.filter((r) => r.custom)) assert.deepEqual(r.secretInputs, [], r.name);
  });
});
