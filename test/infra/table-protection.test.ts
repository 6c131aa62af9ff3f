/**
 * What keeps the tables' data through changes to the program: the resource options the
 * engine receives for each table (protect, retainOnDelete, aliases), and URNs that stay
 * the same across a project rename and a move to split mode. Under mocks, so it shows
 * what the program asks of the engine; that the engine honours it is Pulumi's
 * documented behaviour (https://www.pulumi.com/docs/iac/concepts/options/protect/,
 * .../retainondelete/, .../aliases/).
 */
import { strict as assert } from "node:assert";
import { TABLE_KEYS, type TableKind } from "../../functions/lib/contract";
import { recordProgram, type ProgramRun, type RecordedResource } from "../../local/plan/record";
import { loadStackConfig, type StackConfig } from "../../local/plan/stack-config";
import { ofType, T } from "./graph";

const KINDS = Object.keys(TABLE_KEYS) as TableKind[];

/** The stack's config under another project name, as after `pulumi stack rename <org>/<project>/<stack>`. */
function renamedProject(stack: string, project: string): StackConfig {
  const original = loadStackConfig(stack);
  const requalify = (key: string) => key.replace(/^cascading-etl:/, `${project}:`);
  return {
    project,
    stack,
    config: Object.fromEntries(Object.entries(original.config).map(([key, value]) => [requalify(key), value])),
    secretKeys: original.secretKeys.map(requalify),
  };
}

/** The URN an alias spec stands for: the parent's type chain with the table's type appended, then its name. */
function aliasUrn(table: RecordedResource): string {
  assert.equal(table.options.aliases?.length, 1, `${table.name} has one alias`);
  const alias = table.options.aliases![0];
  assert.ok(!("urn" in alias), "the alias is a spec");
  const [stackPart, project, parentTypes] = (alias.parentUrn ?? "").split("::");
  return `${stackPart}::${project}::${parentTypes}$${alias.type}::${alias.name}`;
}

const tablesOf = (run: ProgramRun) =>
  Object.fromEntries(
    KINDS.map((kind) => [kind, ofType(run, T.table).find((r) => r.name.endsWith(`-tables-${kind}`))!]),
  );

describe("infra: what protects the tables' data", function () {
  // Several program recordings in one hook: minutes on a loaded machine.
  this.timeout(240_000);
  const runs = {} as Record<"dev" | "prod" | "shared" | "renamed", ProgramRun>;

  before(async function () {
    runs.dev = await recordProgram({ stack: "dev" });
    runs.prod = await recordProgram({ stack: "prod" });
    runs.shared = await recordProgram({ stack: "shared" });
    runs.renamed = await recordProgram({ stack: "prod", config: renamedProject("prod", "sales-etl") });
  });

  it("protects prod's and the shared stack's tables and retains them on delete, with no self-alias", function () {
    for (const stack of ["prod", "shared"] as const) {
      const tables = ofType(runs[stack], T.table);
      assert.equal(tables.length, KINDS.length);
      for (const table of tables)
        assert.deepEqual(table.options, { protect: true, retainOnDelete: true }, `${stack} ${table.name}`);
    }
  });

  it("dev's tables stay disposable: neither protected nor retained", function () {
    for (const table of ofType(runs.dev, T.table)) assert.deepEqual(table.options, {}, table.name);
  });

  it("after a project rename every table aliases its URN under the first project, so none is replaced", function () {
    const before = tablesOf(runs.prod);
    const after = tablesOf(runs.renamed);
    for (const kind of KINDS) {
      assert.equal(after[kind].name, `sales-etl-tables-${kind}`);
      assert.notEqual(after[kind].urn.replace("::sales-etl::", "::cascading-etl::"), before[kind].urn);
      assert.deepEqual(after[kind].options.aliases, [
        {
          name: `cascading-etl-tables-${kind}`,
          type: T.table,
          parentUrn: "urn:pulumi:prod::sales-etl::cascading-etl:index:Tables::cascading-etl-tables",
        },
      ]);
      // `pulumi stack rename` rewrites the project in every URN of the state: that is what the alias must name.
      assert.equal(aliasUrn(after[kind]), before[kind].urn.replace("::cascading-etl::", "::sales-etl::"));
      assert.equal(after[kind].options.protect, true);
      assert.deepEqual(after[kind].inputs, before[kind].inputs);
    }
  });

  it("in split mode each table keeps its inputs and URN but the stack: `pulumi state move` replaces none", function () {
    const single = tablesOf(runs.prod);
    const shared = tablesOf(runs.shared);
    for (const kind of KINDS) {
      assert.equal(shared[kind].urn, single[kind].urn.replace("urn:pulumi:prod::", "urn:pulumi:shared::"));
      assert.deepEqual(shared[kind].inputs, single[kind].inputs);
    }
  });
});
