/**
 * The local runtime with a stack adopting the original tables: they are created on the
 * embedded DynamoDB under the planned (original) names, and the cascade writes into them.
 */
import { strict as assert } from "node:assert";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { LocalCascade } from "../../local/runtime/cascade";
import type { RunReport } from "../../local/runtime/report";

const ADOPTED = {
  adoptBranchesTable: "branch-dev",
  adoptSalespersonsTable: "salesperson-dev",
  adoptSalesTable: "sale-dev",
};

describe("cascade run on a stack adopting the original tables", function () {
  this.timeout(180_000);
  let cascade: LocalCascade;
  let report: RunReport;

  before(async () => {
    cascade = await LocalCascade.start({ stack: "dev", scale: "small", seed: 11, faults: 0, config: ADOPTED });
    report = await cascade.runOnce();
  });
  after(async () => cascade?.close());

  it("creates the tables under the original names and fills them", async () => {
    const { TableNames } = await cascade.aws.dynamodb.send(new ListTablesCommand({}));
    const rejects = cascade.topology.tables.find((table) => !Object.values(ADOPTED).includes(table.name));
    assert.ok(rejects, "the plan has a rejects table of its own");
    assert.deepEqual([...(TableNames ?? [])].sort(), [...Object.values(ADOPTED), rejects.name].sort());
    assert.deepEqual(
      { ok: report.ok, lost: report.lost, duplicates: report.duplicates, dlq: report.dlq },
      { ok: true, lost: 0, duplicates: 0, dlq: 0 },
    );
    assert.deepEqual(report.tables, {
      branches: report.source.branches,
      salespersons: report.source.salespersons,
      sales: report.source.sales,
      rejects: report.source.invalid,
    });
    assert.ok(report.source.sales > 0);
  });
});
