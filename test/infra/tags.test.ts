/**
 * Every taggable resource carries its project and stack as tags. The AWS provider adds
 * `defaultTags` to every resource it manages that takes tags
 * (https://www.pulumi.com/registry/packages/aws/installation-configuration/, "defaultTags"),
 * so the proof has three parts, each checked here for every stack file of the project:
 * the stack's config gives the default provider exactly {project, stack}; every
 * resource the program registers is managed by that default provider (an explicit
 * provider would not carry the tags); and no resource's own tags override them. Which
 * types take tags is read from the provider package itself: its `<Type>Args` declares
 * `tags` (node_modules/@pulumi/aws/<module>/<type>.d.ts).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { recordProgram, type ProgramRun } from "../../local/plan/record";
import { listStacks, loadStackConfig, REPO_ROOT } from "../../local/plan/stack-config";
import { sharedOutputs } from "../ship/contract-fixtures";
import { T } from "./graph";

/** Whether the AWS provider's args of a type token (aws:<module>/<file>:<Type>) declare `tags`. */
function takesTags(type: string): boolean {
  const match = /^aws:([a-zA-Z0-9]+)\/([a-zA-Z0-9]+):([A-Za-z0-9]+)$/.exec(type);
  assert.ok(match, `not an AWS type token: ${type}`);
  const [, module, file, name] = match;
  const dts = fs.readFileSync(path.join(REPO_ROOT, "node_modules", "@pulumi", "aws", module, `${file}.d.ts`), "utf8");
  const start = dts.indexOf(`export interface ${name}Args {`);
  assert.ok(start >= 0, `${name}Args in ${module}/${file}.d.ts`);
  const body = dts.slice(start, dts.indexOf("\n}", start));
  return /\n {4}tags\?: /.test(body);
}

describe("infra: project and stack tags on every taggable resource", function () {
  // Several program recordings in one hook: minutes on a loaded machine.
  this.timeout(240_000);
  const stacks = listStacks();
  const runs: ProgramRun[] = [];

  before(async function () {
    for (const stack of stacks) {
      // With a token wherever the stack may hold one, so the token's parameter is checked too.
      const holdsToken = loadStackConfig(stack).config["cascading-etl:stackRole"] !== "shared";
      const config = loadStackConfig(stack, { overrides: holdsToken ? { sourceApiToken: "tok-tags" } : {} });
      const pipeline = config.config["cascading-etl:stackRole"] === "pipeline";
      runs.push(
        await recordProgram({
          stack,
          config,
          ...(pipeline
            ? { stackReferences: { [config.config["cascading-etl:sharedStack"]]: { ...sharedOutputs() } } }
            : {}),
        }),
      );
    }
  });

  it("every stack file configures the AWS provider's default tags with its project and stack", function () {
    assert.deepEqual(stacks, ["dev", "localstack", "prod", "shared"]);
    for (const stack of stacks) {
      const tags = JSON.parse(loadStackConfig(stack).config["aws:defaultTags"] ?? "{}");
      assert.deepEqual(tags, { tags: { project: "cascading-etl", stack } }, stack);
    }
  });

  it("reads which types take tags from the provider package", function () {
    assert.equal(takesTags(T.table), true);
    assert.equal(takesTags(T.queuePolicy), false);
  });

  it("every resource is managed by the default provider, and none overrides the project or stack tag", function () {
    const taggable = new Set<string>();
    for (const run of runs) {
      for (const r of run.resources.filter((r) => r.custom && r.type.startsWith("aws:"))) {
        assert.equal(r.options.provider, undefined, `${run.stack} ${r.name} uses an explicit provider`);
        if (!takesTags(r.type)) continue;
        taggable.add(r.type);
        const own = (r.inputs.tags ?? {}) as Record<string, unknown>;
        assert.deepEqual([own.project, own.stack], [undefined, undefined], `${run.stack} ${r.name}`);
      }
    }
    // The taggable types the stacks register, so a new one is noticed here.
    assert.deepEqual(
      [...taggable].sort(),
      [T.alarm, T.esm, T.fn, T.logGroup, T.parameter, T.queue, T.role, T.table, T.topic].sort(),
    );
  });
});
