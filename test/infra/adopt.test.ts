/**
 * Adopting the original CloudFormation pipeline's tables: under mocks, an adopting stack
 * imports exactly those three tables, protected, with the original template's settings
 * (test/infra/fixtures/original-tables.yaml) and nothing that would make the import
 * differ; the secure phase then changes only settings the provider updates in place.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { ENV, STAGES, type StageName } from "../../functions/lib/contract";
import { adoptTableKey, parseConfig } from "../../infra/config";
import { countByType, recordProgram, type ProgramRun, type RecordedResource } from "../../local/plan/record";
import { prodTablesProtected } from "../../infra/policy/policies";
import { planTree } from "../../local/plan-view";
import { checkResource } from "../ship/policy-harness";
import { ofType, one, policyOf, T } from "./graph";

const FIXTURE = path.join(__dirname, "fixtures", "original-tables.yaml");

/** Which of our stages each of the original template's tables holds. */
const STAGE_OF_ORIGINAL: Record<string, StageName> = {
  BranchTable: "branches",
  SalespersonTable: "salespersons",
  SaleTable: "sales",
};

/**
 * Inputs the AWS provider would diff as a replacement (ForceNew in terraform-provider-aws
 * internal/service/dynamodb/table.go): an adopted table must never change these.
 */
const FORCE_NEW = ["name", "hashKey", "rangeKey", "localSecondaryIndexes", "restoreDateTime", "restoreToLatestTime"];
/** What the secure phase may change: not ForceNew there, applied with UpdateTable / UpdateContinuousBackups. */
const IN_PLACE = ["deletionProtectionEnabled", "pointInTimeRecovery", "serverSideEncryption"];

interface CfnTable {
  Type: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties: Record<string, any>;
}

function originalTemplate(): { Resources: Record<string, CfnTable> } {
  return YAML.parse(fs.readFileSync(FIXTURE, "utf8"), {
    customTags: [{ tag: "!Sub", resolve: (value: string) => ({ "Fn::Sub": value }) }],
  });
}

/**
 * The Pulumi inputs that describe a CloudFormation table definition exactly. A property
 * with no mapping fails: the adopted inputs could not match a table that has it.
 */
function pulumiInputsOf(properties: Record<string, any>, environment: string): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    switch (key) {
      case "TableName":
        inputs.name = String(value["Fn::Sub"] ?? value).replace("${Environment}", environment);
        break;
      case "BillingMode":
        inputs.billingMode = value;
        break;
      case "AttributeDefinitions":
        inputs.attributes = sortByName(
          value.map((a: { AttributeName: string; AttributeType: string }) => ({
            name: a.AttributeName,
            type: a.AttributeType,
          })),
        );
        break;
      case "KeySchema":
        for (const element of value as Array<{ AttributeName: string; KeyType: string }>)
          inputs[element.KeyType === "HASH" ? "hashKey" : "rangeKey"] = element.AttributeName;
        break;
      case "StreamSpecification":
        // CloudFormation enables the stream whenever a view type is given.
        inputs.streamEnabled = true;
        inputs.streamViewType = value.StreamViewType;
        break;
      default:
        throw new Error(`the original table sets ${key}, which the adopted table's inputs do not describe`);
    }
  }
  return inputs;
}

function sortByName<T extends { name: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.name.localeCompare(b.name));
}

/** Inputs as compared: attribute order does not matter to the provider (a set there). */
function comparable(inputs: Record<string, any>): Record<string, unknown> {
  return { ...inputs, attributes: sortByName(inputs.attributes) };
}

const ORIGINAL_PREFIX: Record<StageName, string> = { branches: "branch", salespersons: "salesperson", sales: "sale" };

/** The original tables of one environment, as adopt*Table config. */
const adoptConfig = (environment: string, phase?: string): Record<string, string> => ({
  ...Object.fromEntries(STAGES.map((stage) => [adoptTableKey(stage), `${ORIGINAL_PREFIX[stage]}-${environment}`])),
  ...(phase ? { adoptTablesPhase: phase } : {}),
});

const stageTable = (run: ProgramRun, stage: StageName | "rejects"): RecordedResource =>
  one(run, T.table, `cascading-etl-tables-${stage}`);

describe("infra: the original template's tables (fixture)", function () {
  it("are the three stage tables, deleted with their stack unless the migration retains them", function () {
    const template = originalTemplate();
    assert.deepEqual(Object.keys(template.Resources).sort(), Object.keys(STAGE_OF_ORIGINAL).sort());
    for (const table of Object.values(template.Resources)) {
      assert.equal(table.Type, "AWS::DynamoDB::Table");
      assert.equal(table.DeletionPolicy, "Delete");
      assert.equal(table.UpdateReplacePolicy, undefined);
    }
  });

  it("maps to Pulumi inputs, and a setting the adoption does not describe fails the mapping", function () {
    assert.deepEqual(pulumiInputsOf(originalTemplate().Resources.BranchTable.Properties, "dev"), {
      name: "branch-dev",
      billingMode: "PAY_PER_REQUEST",
      attributes: [{ name: "branch_id", type: "S" }],
      hashKey: "branch_id",
      streamEnabled: true,
      streamViewType: "NEW_IMAGE",
    });
    assert.throws(
      () => pulumiInputsOf({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }, "dev"),
      /sets PointInTimeRecoverySpecification/,
    );
  });
});

describe("infra: a stack adopting the original tables", function () {
  const runs = {} as Record<"dev" | "adopting" | "prodImport" | "prodSecure" | "prod", ProgramRun>;

  before(async function () {
    // Five program evaluations, one at a time.
    this.timeout(300_000);
    runs.dev = await recordProgram({ stack: "dev" });
    runs.adopting = await recordProgram({ stack: "dev", overrides: adoptConfig("dev") });
    runs.prod = await recordProgram({ stack: "prod" });
    runs.prodImport = await recordProgram({ stack: "prod", overrides: adoptConfig("prod", "import") });
    runs.prodSecure = await recordProgram({ stack: "prod", overrides: adoptConfig("prod", "secure") });
  });

  for (const environment of ["dev", "prod"] as const) {
    it(`imports each original ${environment} table, protected, with exactly the template's settings`, function () {
      const run = environment === "dev" ? runs.adopting : runs.prodImport;
      for (const [logical, table] of Object.entries(originalTemplate().Resources)) {
        const expected = pulumiInputsOf(table.Properties, environment);
        const adopted = stageTable(run, STAGE_OF_ORIGINAL[logical]);
        // prod's deletion protection also keeps its tables in AWS should they leave the stack.
        const retained = environment === "prod" ? { retainOnDelete: true } : {};
        assert.deepEqual(adopted.options, { import: expected.name, protect: true, ...retained }, logical);
        assert.deepEqual(comparable(adopted.inputs), expected, logical);
        assert.equal(adopted.state.name, expected.name);
      }
    });
  }

  it("imports nothing else, creates only the rejects table, and keeps every other resource", function () {
    const imported = runs.adopting.resources.filter((r) => r.options.import !== undefined);
    assert.deepEqual(imported.map((r) => `${r.type} ${r.options.import}`).sort(), [
      `${T.table} branch-dev`,
      `${T.table} sale-dev`,
      `${T.table} salesperson-dev`,
    ]);
    assert.deepEqual(countByType(runs.adopting.resources), countByType(runs.dev.resources));
    const rejects = stageTable(runs.adopting, "rejects");
    assert.deepEqual(rejects.options, {});
    assert.equal(rejects.inputs.name, undefined, "the rejects table is ours, named by Pulumi");
    assert.deepEqual(rejects.inputs.ttl, { attributeName: "expires_at", enabled: true });
    assert.deepEqual(comparable(rejects.inputs), comparable(stageTable(runs.dev, "rejects").inputs));
  });

  it("wires each collector and its role to the adopted table", function () {
    for (const stage of STAGES) {
      const name = adoptConfig("dev")[adoptTableKey(stage)];
      const fn = one(runs.adopting, T.fn, `cascading-etl-${stage}-function`);
      assert.equal(fn.inputs.environment.variables[ENV.tableName], name, stage);
      const statements = policyOf(one(runs.adopting, T.rolePolicy, `cascading-etl-iam-${stage}`)).Statement;
      const upsert = statements.find((s: { Sid: string }) => s.Sid === "UpsertOwnTable");
      assert.deepEqual(upsert.Resource, [`arn:aws:dynamodb:eu-west-1:123456789012:table/${name}`], stage);
    }
  });

  it("changes only in-place settings in the secure phase, ending with our tables' settings", function () {
    for (const stage of STAGES) {
      const before = stageTable(runs.prodImport, stage);
      const after = stageTable(runs.prodSecure, stage);
      const keys = [...new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)])];
      const changed = keys.filter((k) => JSON.stringify(before.inputs[k]) !== JSON.stringify(after.inputs[k])).sort();
      assert.deepEqual(changed, IN_PLACE, stage);
      assert.deepEqual(
        changed.filter((k) => FORCE_NEW.includes(k)),
        [],
      );
      assert.deepEqual(after.options, before.options, stage);
      // prod's config: PITR and deletion protection on; SSE with the AWS managed key.
      const { name, ...settings } = after.inputs;
      assert.equal(name, before.inputs.name);
      assert.deepEqual(settings, stageTable(runs.prod, stage).inputs, stage);
      assert.deepEqual(
        [after.inputs.serverSideEncryption, after.inputs.pointInTimeRecovery, after.inputs.deletionProtectionEnabled],
        [{ enabled: true }, { enabled: true }, true],
      );
    }
  });

  it("leaves every other resource as it is when switching to the secure phase", function () {
    const others = (run: ProgramRun) =>
      run.resources
        .filter((r) => !(r.type === T.table && r.options.import !== undefined))
        .map((r) => ({ type: r.type, name: r.name, inputs: r.custom ? JSON.stringify(r.inputs) : undefined }));
    assert.deepEqual(others(runs.prodSecure), others(runs.prodImport));
  });

  it("meets the prod table policy in the secure phase; the import phase needs prod left out of it", async function () {
    const violations = async (run: ProgramRun, protectedStacks: string[]) =>
      (
        await Promise.all(
          ofType(run, T.table).map(async (t) =>
            (
              await checkResource(
                prodTablesProtected,
                { type: t.type, name: t.name, stack: "prod", props: t.inputs },
                { protectedStacks },
              )
            ).map((message) => `${t.inputs.name ?? "rejects"}: ${message}`),
          ),
        )
      ).flat();
    assert.deepEqual(await violations(runs.prodSecure, ["prod"]), []);
    assert.deepEqual(
      await violations(runs.prodImport, ["prod"]),
      ["branch-prod", "salesperson-prod", "sale-prod"].flatMap((name) => [
        `${name}: table on stack prod has no point-in-time recovery: set pointInTimeRecovery.enabled`,
        `${name}: table on stack prod has no deletion protection: set deletionProtectionEnabled`,
      ]),
    );
    // docs/migrate-from-cloudformation.md runs the import step with this pack config.
    assert.deepEqual(await violations(runs.prodImport, []), []);
  });

  it("shows the imports in the offline plan as a preview does, with = and the table's name", function () {
    const tableLines = (run: ProgramRun) =>
      planTree(run)
        .split("\n")
        .filter((line) => line.includes(`${T.table}  cascading-etl-tables-`))
        .map((line) => line.trim().replace(/\s+/g, " "));
    const [rejects] = tableLines(runs.dev).filter((line) => line.includes("tables-rejects"));
    assert.ok(rejects.startsWith("+ "), rejects);
    assert.deepEqual(tableLines(runs.adopting), [
      `= ${T.table} cascading-etl-tables-branches (import branch-dev, protected, key branch_id, PAY_PER_REQUEST, ` +
        "stream NEW_IMAGE)",
      `= ${T.table} cascading-etl-tables-salespersons (import salesperson-dev, protected, key employee_id+branch_id, ` +
        "PAY_PER_REQUEST, stream NEW_IMAGE)",
      `= ${T.table} cascading-etl-tables-sales (import sale-dev, protected, key sale_id+employee_id, ` +
        "PAY_PER_REQUEST, stream NEW_IMAGE)",
      rejects,
    ]);
  });

  it("a stack that adopts nothing imports nothing", function () {
    for (const run of [runs.dev, runs.prod]) {
      assert.deepEqual(
        run.resources.filter((r) => r.options.import !== undefined),
        [],
      );
      assert.deepEqual(
        ofType(run, T.table).map((r) => r.inputs.name),
        [undefined, undefined, undefined, undefined],
      );
    }
  });
});

describe("infra: adopt* config (pure)", function () {
  const ctx = { stack: "prod", region: "eu-central-1" };

  it("reads all three names and the phase, import by default", function () {
    const result = parseConfig(adoptConfig("prod"), ctx);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.deepEqual(result.config.adoptTables, {
      names: { branches: "branch-prod", salespersons: "salesperson-prod", sales: "sale-prod" },
      phase: "import",
    });
    const none = parseConfig({}, ctx);
    assert.ok(none.ok);
    assert.equal(none.config.adoptTables, undefined);
  });

  it("accepts names at DynamoDB's limits: 3 and 255 characters of a-z A-Z 0-9 _ - .", function () {
    const raw = {
      adoptBranchesTable: "a.b",
      adoptSalespersonsTable: "x".repeat(255),
      adoptSalesTable: "Sale_Table-2.v1",
      adoptTablesPhase: "secure",
    };
    const result = parseConfig(raw, ctx);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.equal(result.config.adoptTables?.phase, "secure");
  });

  it("refuses the adopt keys on a pipeline stack, whose tables live in the shared stack", function () {
    const result = parseConfig(
      { ...adoptConfig("prod"), stackRole: "pipeline", sharedStack: "acme/cascading-etl/shared" },
      ctx,
    );
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((e) => e.split(" ")[0]),
      STAGES.map((stage) => `cascading-etl:${adoptTableKey(stage)}`),
    );
    assert.ok(
      result.errors.every((e) => e.includes("set it on the shared stack")),
      result.errors.join("\n"),
    );
  });
});
