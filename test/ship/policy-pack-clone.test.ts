/**
 * The policy pack as the workflows run it: `npm ci` at the root of a fresh clone, then
 * `pulumi preview --policy-pack infra/policy`. For a Node.js pack the CLI starts
 * `@pulumi/pulumi/cmd/run-policy-pack` resolved from the pack's directory and reads the
 * port the pack's gRPC analyzer prints (pulumi/pulumi sdk/go/common/resource/plugin/
 * analyzer_plugin.go, NewPolicyAnalyzer; the Node.js host's RunPlugin). This test does
 * the same from a `git clone` in the OS temp directory, with the repository's root
 * node_modules standing in for the root `npm ci`, and asks the running pack for its
 * policies over the analyzer protocol, as the engine does first.
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type { AnalyzerInfo } from "@pulumi/pulumi/proto/analyzer_pb";
import { policies } from "../../infra/policy/policies";
import { REPO_ROOT } from "../../local/plan/stack-config";

const PACK = path.join("infra", "policy");

/** Resolves once the child printed a line on stdout (the pack's port); rejects if it exits first. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0].trim());
    });
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`policy pack exited with ${code} before serving:\n${err}`)));
  });
}

describe("policy pack from a fresh clone, started the way the Pulumi CLI starts it", function () {
  this.timeout(240_000);
  let clone: string;
  let child: ChildProcess | undefined;

  before(function () {
    clone = fs.mkdtempSync(path.join(os.tmpdir(), "cascading-etl-clone-"));
    const result = spawnSync("git", ["clone", "--quiet", REPO_ROOT, clone], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    // What `npm ci` at the root produces; nothing is installed inside the pack.
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");
  });

  after(function () {
    if (child?.pid !== undefined && child.exitCode === null) child.kill();
    fs.rmSync(clone, { recursive: true, force: true });
  });

  it("declares no dependencies of its own: the root lock file pins everything it loads", function () {
    const pkg = JSON.parse(fs.readFileSync(path.join(clone, PACK, "package.json"), "utf8"));
    assert.deepEqual([pkg.dependencies, pkg.devDependencies], [undefined, undefined]);
    assert.equal(typeof pkg.version, "string", "PolicyPack reads its version from package.json");
    assert.equal(fs.existsSync(path.join(clone, PACK, "node_modules")), false);
    const root = JSON.parse(fs.readFileSync(path.join(clone, "package.json"), "utf8"));
    for (const dependency of ["@pulumi/policy", "@pulumi/pulumi"]) assert.ok(root.dependencies[dependency], dependency);
  });

  it("loads from the clone's root node_modules and serves exactly the policies of infra/policy", async function () {
    const dir = path.join(clone, PACK);
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
    child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const port = await firstLine(child);
    assert.match(port, /^\d+$/);

    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const info = await new Promise<AnalyzerInfo>((resolve, reject) =>
        client.getAnalyzerInfo(new Empty(), (error: grpc.ServiceError | null, response: AnalyzerInfo) =>
          error ? reject(error) : resolve(response),
        ),
      );
      assert.equal(info.getName(), "cascading-etl-policies");
      assert.deepEqual(
        info.getPoliciesList().map((p) => p.getName()),
        policies.map((p) => p.name),
      );
    } finally {
      client.close();
    }
  });
});
