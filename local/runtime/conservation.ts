/**
 * The conservation check: every record the source served must end in exactly one place
 * (its table, the rejects table with a reason, or a dead-letter queue holding the
 * message that would have carried it on), and nothing may be stored that the source did
 * not serve. Pure: it compares the source's truth with what a census of the tables and
 * DLQs found.
 */
import type { StageName } from "../../functions/lib/contract";

export interface ServedRecords {
  /** Ids of valid records served, that belong in each table. */
  branches: readonly string[];
  salespersons: readonly string[];
  sales: readonly string[];
  /** Ids of schema-invalid records served, by the stage that pulled them. */
  invalid: Readonly<Record<StageName, readonly string[]>>;
  /** Parent of each employee (its branch) and of each sale (its salesperson). */
  branchOfEmployee: ReadonlyMap<string, string>;
  employeeOfSale: ReadonlyMap<string, string>;
}

export interface Census {
  /** The source id of every item in each table; an id twice means a duplicate. */
  tables: Record<"branches" | "salespersons" | "sales", readonly string[]>;
  rejects: ReadonlyArray<{ stage: string; sourceId: string }>;
  /** What the dead-letter queues hold: whole scheduled runs, branch and salesperson messages. */
  deadLetters: { scheduledRuns: number; branchIds: readonly string[]; employeeIds: readonly string[] };
}

export interface Verdict {
  ok: boolean;
  lost: number;
  duplicates: number;
  /** Items stored that the source never served as valid records. */
  unexpected: number;
  /** Records accounted for only by a dead-letter queue. */
  inDeadLetters: number;
  examples: string[];
}

const MAX_EXAMPLES = 5;

function repeats(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) twice.push(id);
    seen.add(id);
  }
  return twice;
}

export function checkConservation(served: ServedRecords, census: Census): Verdict {
  const examples: string[] = [];
  const note = (text: string) => {
    if (examples.length < MAX_EXAMPLES) examples.push(text);
  };

  const stored = {
    branches: new Set(census.tables.branches),
    salespersons: new Set(census.tables.salespersons),
    sales: new Set(census.tables.sales),
  };
  const rejected = new Set(census.rejects.map((reject) => `${reject.stage}/${reject.sourceId}`));
  const wholeRunDeadLettered = census.deadLetters.scheduledRuns > 0;
  const deadBranches = new Set(census.deadLetters.branchIds);
  const deadEmployees = new Set(census.deadLetters.employeeIds);

  // A record is covered by a DLQ when the message that would have carried its pull, or
  // any ancestor's, is there.
  const coveredByDeadLetter = (stage: StageName, id: string): boolean => {
    if (wholeRunDeadLettered) return true;
    if (stage === "branches") return false;
    const branchId = stage === "salespersons" ? served.branchOfEmployee.get(id) : served.branchOfEmployee.get(served.employeeOfSale.get(id) ?? "");
    if (branchId !== undefined && deadBranches.has(branchId)) return true;
    return stage === "sales" && deadEmployees.has(served.employeeOfSale.get(id) ?? "");
  };

  let lost = 0;
  let inDeadLetters = 0;
  const account = (stage: StageName, id: string, inTable: boolean) => {
    if (inTable || rejected.has(`${stage}/${id}`)) return;
    if (coveredByDeadLetter(stage, id)) {
      inDeadLetters += 1;
      return;
    }
    lost += 1;
    note(`${stage} ${id}: served, but not in its table, rejects or a DLQ`);
  };
  for (const id of new Set(served.branches)) account("branches", id, stored.branches.has(id));
  for (const id of new Set(served.salespersons)) account("salespersons", id, stored.salespersons.has(id));
  for (const id of new Set(served.sales)) account("sales", id, stored.sales.has(id));
  for (const stage of ["branches", "salespersons", "sales"] as const) {
    for (const id of new Set(served.invalid[stage])) account(stage, id, false);
  }

  let duplicates = 0;
  for (const table of ["branches", "salespersons", "sales"] as const) {
    for (const id of repeats(census.tables[table])) {
      duplicates += 1;
      note(`${table} ${id}: stored more than once`);
    }
  }

  const valid = { branches: new Set(served.branches), salespersons: new Set(served.salespersons), sales: new Set(served.sales) };
  let unexpected = 0;
  for (const table of ["branches", "salespersons", "sales"] as const) {
    for (const id of stored[table]) {
      if (valid[table].has(id)) continue;
      unexpected += 1;
      note(`${table} ${id}: stored, but the source never served it as a valid record`);
    }
  }

  return { ok: lost === 0 && duplicates === 0 && unexpected === 0, lost, duplicates, unexpected, inDeadLetters, examples };
}
