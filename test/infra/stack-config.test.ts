import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listStacks, loadStackConfig } from "../../local/plan/stack-config";

describe("local/plan: stack config as the language host passes it", function () {
  let root: string;
  before(function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-"));
    fs.writeFileSync(
      path.join(root, "Pulumi.yaml"),
      [
        "name: demo",
        "runtime: nodejs",
        "config:",
        "  count:",
        "    type: integer",
        "    default: 3",
        "  names:",
        "    type: array",
        "    items:",
        "      type: string",
        "    default: [a, b]",
        "  token:",
        "    type: string",
        "    secret: true",
        "  aws:region: us-east-2",
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(root, "Pulumi.test.yaml"),
      [
        "config:",
        "  aws:region: eu-north-1",
        "  demo:count: 5",
        "  demo:token:",
        "    secure: AAABAJ0pl",
        "  demo:flag: true",
      ].join("\n"),
    );
  });
  after(function () {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("merges project defaults and stack values into namespaced strings, leaving encrypted values out", function () {
    assert.deepEqual(loadStackConfig("test", { root }), {
      project: "demo",
      stack: "test",
      config: { "demo:count": "5", "demo:names": '["a","b"]', "aws:region": "eu-north-1", "demo:flag": "true" },
      secretKeys: [],
    });
  });

  it("applies overrides, marking a declared secret as secret", function () {
    const result = loadStackConfig("test", { root, overrides: { token: "plain", count: undefined } });
    assert.equal(result.config["demo:token"], "plain");
    assert.equal(result.config["demo:count"], undefined);
    assert.deepEqual(result.secretKeys, ["demo:token"]);
  });

  it("names the files it looked for when the stack is unknown", function () {
    assert.throws(
      () => loadStackConfig("staging", { root }),
      (e: Error) =>
        e.message.includes(path.join(root, "Pulumi.staging.yaml")) && e.message.includes("stacks here: test"),
    );
  });

  it("lists the repository's stacks", function () {
    assert.deepEqual(
      listStacks().filter((s) => ["dev", "prod"].includes(s)),
      ["dev", "prod"],
    );
  });
});
