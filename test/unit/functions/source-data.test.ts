import { strict as assert } from "node:assert";
import fc from "fast-check";
import { branchName, generateDataset, SCALE_PRESETS } from "../../../local/source-api";
import { BranchRecord, EmployeeRecord, SaleRecord } from "../../../functions/lib/schemas";

const REF = new Date("2024-05-06T12:00:00.000Z");
const HOUR = 3_600_000;

describe("sample source data set", () => {
  it("is a function of (seed, scale, reference time)", () => {
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        (seed, branches, employeesPerBranch, salesPerSalesperson) => {
          const scale = { branches, employeesPerBranch, salesPerSalesperson };
          return (
            JSON.stringify(generateDataset({ seed, scale, referenceTime: REF })) ===
            JSON.stringify(generateDataset({ seed, scale, referenceTime: REF }))
          );
        },
      ),
      { numRuns: 30 },
    );
    const a = generateDataset({ seed: 1, scale: SCALE_PRESETS.small, referenceTime: REF });
    const b = generateDataset({ seed: 2, scale: SCALE_PRESETS.small, referenceTime: REF });
    assert.notDeepEqual(
      a.employees.map((e) => e.body),
      b.employees.map((e) => e.body),
    );
  });

  it("has the preset's shape, valid records the collectors' schemas accept, and sales on both sides of 24 h", () => {
    const d = generateDataset({ seed: 9, scale: SCALE_PRESETS.small, referenceTime: REF });
    assert.deepEqual(SCALE_PRESETS.small, { branches: 4, employeesPerBranch: 12, salesPerSalesperson: 10 });
    assert.equal(d.branches.length, 4);
    assert.equal(d.employees.length, 48);
    assert.equal(d.sales.length, d.employees.filter((e) => e.salesperson).length * 10);
    assert.deepEqual(
      d.branches.map((b) => b.name),
      ["Scranton", "Stamford", "Nashua", "Utica"],
    );
    for (const b of d.branches) assert.ok(BranchRecord.safeParse(b.body).success);
    for (const e of d.employees) assert.ok(EmployeeRecord.safeParse(e.body).success);
    for (const s of d.sales) assert.ok(SaleRecord.safeParse(s.body).success);
    // Every sale is clear of the 24 h boundary by an hour, on one side or the other.
    assert.ok(d.sales.every((s) => REF.getTime() - s.soldAt <= 23 * HOUR || REF.getTime() - s.soldAt >= 25 * HOUR));
    const inside = d.sales.filter((s) => REF.getTime() - s.soldAt <= 23 * HOUR).length;
    assert.ok(inside > 0 && inside < d.sales.length);
    // Every branch has a salesperson, so every branch produces downstream work.
    for (const b of d.branches) assert.ok(d.employees.some((e) => e.branchId === b.id && e.salesperson));
  });

  it("serves the chosen records schema-invalid, the same ones every time", () => {
    const opts = { seed: 5, scale: SCALE_PRESETS.small, referenceTime: REF, invalidRate: 0.2, invalidIds: ["B001"] };
    const d = generateDataset(opts);
    const invalid = [...d.branches, ...d.employees, ...d.sales].filter((r) => !r.valid).map((r) => r.id);
    assert.ok(invalid.includes("B001"));
    assert.ok(invalid.length > 10);
    assert.deepEqual(
      [...generateDataset(opts).branches, ...generateDataset(opts).employees, ...generateDataset(opts).sales]
        .filter((r) => !r.valid)
        .map((r) => r.id),
      invalid,
    );
    assert.equal(BranchRecord.safeParse(d.branches[0].body).success, false);
    for (const e of d.employees.filter((x) => !x.valid)) assert.equal(EmployeeRecord.safeParse(e.body).success, false);
    for (const s of d.sales.filter((x) => !x.valid)) assert.equal(SaleRecord.safeParse(s.body).success, false);
  });

  it("names branches past the list with a round number", () => {
    assert.deepEqual(
      [branchName(0), branchName(11), branchName(12), branchName(25)],
      ["Scranton", "Binghamton", "Scranton 2", "Stamford 3"],
    );
  });
});
