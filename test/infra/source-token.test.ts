/**
 * The source token reaches SSM as the provider's write-only `valueWo`, which is never
 * stored in state (node_modules/@pulumi/aws/ssm/parameter.d.ts: "write-only values are
 * never stored to state. If set, requires `valueWoVersion`"). With no value in state to
 * compare, `sourceApiTokenVersion` is what makes an update send a new token.
 */
import { strict as assert } from "node:assert";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { parseConfig } from "../../infra/config";
import { recordProgram } from "../../local/plan/record";
import { ofType, T } from "./graph";

const TOKEN = "tok-write-only-5d2";

describe("infra: the source token is write-only", function () {
  it("sends the token as a secret valueWo with its version, and no value the state would keep", async function () {
    const run = await recordProgram({ stack: "dev", overrides: { sourceApiToken: TOKEN, sourceApiTokenVersion: 3 } });
    const [parameter] = ofType(run, T.parameter);
    assert.deepEqual(
      {
        value: parameter.inputs.value,
        valueWo: parameter.inputs.valueWo,
        valueWoVersion: parameter.inputs.valueWoVersion,
        secretInputs: parameter.secretInputs,
      },
      {
        value: undefined,
        valueWo: { [rpc.specialSigKey]: rpc.specialSecretSig, value: TOKEN },
        valueWoVersion: 3,
        secretInputs: ["valueWo"],
      },
    );
  });

  it("refuses a version below 1, naming the key", function () {
    assert.deepEqual(parseConfig({ sourceApiTokenVersion: "0" }, { stack: "dev", region: "eu-west-1" }), {
      ok: false,
      errors: [`cascading-etl:sourceApiTokenVersion must be an integer from 1 to ${Number.MAX_SAFE_INTEGER} (got "0")`],
    });
  });
});
