/**
 * The offline plan reads parents and dependencies from an internal of @pulumi/pulumi (see
 * local/plan/pulumi-internals.ts). When an upgrade changes it, these fail naming it.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { checkPulumiInternals, PulumiInternalsError } from "../../local/plan/pulumi-internals";
import { recordProgram } from "../../local/plan/record";
import { loadStackConfig } from "../../local/plan/stack-config";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const manifest = require("../../package.json") as { dependencies: Record<string, string> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const installed = (require("@pulumi/pulumi/package.json") as { version: string }).version;

describe("the @pulumi/pulumi internals the offline plan relies on", () => {
  it("are pinned to one minor version, the one installed", () => {
    const range = manifest.dependencies["@pulumi/pulumi"];
    assert.match(range, /^~\d+\.\d+\.\d+$/);
    assert.equal(installed.split(".").slice(0, 2).join("."), range.slice(1).split(".").slice(0, 2).join("."));
  });

  it("are there in the installed version", () => assert.doesNotThrow(() => checkPulumiInternals()));

  it("fail loudly, naming the internal, when a version lacks one", () =>
    assert.throws(
      () => checkPulumiInternals({ readResource: (request: unknown, callback: unknown) => [request, callback] }),
      (error: unknown) =>
        error instanceof PulumiInternalsError &&
        error.message ===
          `@pulumi/pulumi ${installed} changed an internal the offline plan relies on: ` +
            "MockMonitor.prototype.registerResource(request, callback). See local/plan/pulumi-internals.ts; " +
            "package.json pins the version it was written against.",
    ));

  it("give each recorded resource its parent, dependencies, and secrets in Pulumi's envelope", async () => {
    const base = loadStackConfig("dev");
    const run = await recordProgram({
      stack: "dev",
      entry: path.join(__dirname, "fixtures", "tree.ts"),
      config: { ...base, config: { "aws:region": "eu-west-1" }, secretKeys: [] },
    });
    const byName = Object.fromEntries(run.resources.map((resource) => [resource.name, resource]));
    assert.deepEqual(
      run.resources.map((resource) => [resource.type, resource.name, resource.custom]),
      [
        ["fixture:index:Box", "box", false],
        ["aws:sqs/queue:Queue", "inner", true],
        ["aws:sqs/queuePolicy:QueuePolicy", "policy", true],
      ],
    );
    assert.equal(byName.inner.parentUrn, byName.box.urn);
    assert.ok(byName.policy.dependencies.includes(byName.inner.urn), JSON.stringify(byName.policy.dependencies));
    // The local runtime opens secrets with Pulumi's public helpers, not a copied signature.
    const policy: unknown = byName.policy.inputs.policy;
    assert.deepEqual([pulumi.runtime.isRpcSecret(policy), pulumi.runtime.unwrapRpcSecret(policy)], [true, "{}"]);
  });
});
