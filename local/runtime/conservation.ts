/**
 * The conservation check: every record the source served must end in exactly one place
 * (its table, the rejects table with a fitting reason, or a dead-letter queue holding the
 * message that would have carried it on), every parent the source served must have had
 * its children listed, and nothing may be stored that the source did not serve. Pure: it
 * compares the source's truth with what a census of the tables and DLQs found.
 */
import { REJECT_REASONS, STAGES, type RejectReason, type StageName } from "../../functions/lib/contract";
import { byKey } from "../../functions/lib/stages";

export type ServedRecords = {
  /** Ids of valid records served, that belong in each stage's table. */
  readonly [S in StageName]: readonly string[];
} & ServedDetails;

interface ServedDetails {
  /** Ids of schema-invalid records served, by the stage that pulled them. */
  invalid: Readonly<Record<StageName, readonly string[]>>;
  /** Parent of each employee (its branch) and of each sale (its salesperson). */
  branchOfEmployee: ReadonlyMap<string, string>;
  employeeOfSale: ReadonlyMap<string, string>;
  /** Branches whose employees, and salespersons whose sales, the source listed to the last page. */
  listed: { employeesOf: readonly string[]; salesOf: readonly string[] };
  /**
   * Parents whose children must have been listed: every branch served, and every employee
   * served who sells, valid or not (a parent rejected for its own fields still carries its
   * children on when its id and link are usable).
   */
  carriers: { branches: readonly string[]; salespersons: readonly string[] };
}

export interface Census {
  /** The source id of every item in each table; an id twice means a duplicate. */
  tables: Readonly<Record<StageName, readonly string[]>>;
  rejects: ReadonlyArray<{ stage: string; sourceId: string; reason: string }>;
  /** What this run put in the dead-letter queues: whole scheduled runs, branch and salesperson messages. */
  deadLetters: { scheduledRuns: number; branchIds: readonly string[]; employeeIds: readonly string[] };
  /** How the run's scheduled invocation ended. */
  schedule: { ok: boolean; deadLettered: boolean; attempts: number };
}

export interface Verdict {
  /** Everything landed: conserved, nothing dead-lettered, and the scheduled run succeeded. */
  ok: boolean;
  /** Nothing lost, duplicated or stored unasked; dead letters count as accounted for. */
  conserved: boolean;
  /** Records, messages or runs that ended nowhere they should. */
  lost: number;
  duplicates: number;
  /** Items stored that the source never served as valid records. */
  unexpected: number;
  /** Records accounted for only by a dead-letter queue. */
  inDeadLetters: number;
  examples: string[];
}

const MAX_EXAMPLES = 5;
/**
 * A schema-invalid record must be rejected as such; a valid one may only be refused for what
 * it does, not what it is.
 */
const FITTING_REASONS: Record<"valid" | "invalid", readonly RejectReason[]> = {
  valid: REJECT_REASONS.filter((reason) => reason !== "SCHEMA_INVALID"),
  invalid: ["SCHEMA_INVALID"],
};

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

  const stored = byKey(STAGES, (stage) => new Set(census.tables[stage]));
  const rejectReason = new Map(census.rejects.map((reject) => [`${reject.stage}/${reject.sourceId}`, reject.reason]));
  const wholeRunDeadLettered = census.deadLetters.scheduledRuns > 0;
  const deadBranches = new Set(census.deadLetters.branchIds);
  const deadEmployees = new Set(census.deadLetters.employeeIds);

  // Work is covered by a DLQ when the message that would have carried it, or any
  // ancestor's, is there.
  const branchCovered = (branchId: string | undefined) =>
    wholeRunDeadLettered || (branchId !== undefined && deadBranches.has(branchId));
  const employeeCovered = (employeeId: string | undefined) =>
    branchCovered(served.branchOfEmployee.get(employeeId ?? "")) ||
    (employeeId !== undefined && deadEmployees.has(employeeId));
  const coveredByDeadLetter = (stage: StageName, id: string): boolean => {
    if (stage === "branches") return wholeRunDeadLettered;
    if (stage === "salespersons") return branchCovered(served.branchOfEmployee.get(id));
    return employeeCovered(served.employeeOfSale.get(id));
  };

  let lost = 0;
  let inDeadLetters = 0;
  const account = (stage: StageName, id: string, validity: "valid" | "invalid", inTable: boolean) => {
    if (inTable) return;
    const reason = rejectReason.get(`${stage}/${id}`);
    if (reason !== undefined && FITTING_REASONS[validity].includes(reason as RejectReason)) return;
    if (coveredByDeadLetter(stage, id)) {
      inDeadLetters += 1;
      return;
    }
    lost += 1;
    note(
      reason === undefined
        ? `${stage} ${id}: served, but not in its table, rejects or a DLQ`
        : `${stage} ${id}: ${validity === "valid" ? "a valid" : "an invalid"} record, but rejected as ${reason}`,
    );
  };
  for (const stage of STAGES) {
    for (const id of new Set(served[stage])) account(stage, id, "valid", stored[stage].has(id));
    for (const id of new Set(served.invalid[stage])) account(stage, id, "invalid", false);
  }

  // A lost message leaves no served record behind, only a parent whose children were
  // never listed.
  const listedEmployees = new Set(served.listed.employeesOf);
  const listedSales = new Set(served.listed.salesOf);
  for (const branchId of new Set(served.carriers.branches)) {
    if (listedEmployees.has(branchId) || branchCovered(branchId)) continue;
    lost += 1;
    note(`branch ${branchId}: its employees were never listed, so the message for it was lost`);
  }
  for (const employeeId of new Set(served.carriers.salespersons)) {
    if (listedSales.has(employeeId) || employeeCovered(employeeId)) continue;
    lost += 1;
    note(`salesperson ${employeeId}: their sales were never listed, so the message for them was lost`);
  }
  if (!census.schedule.ok && !census.schedule.deadLettered) {
    lost += 1;
    note(
      `the scheduled run failed after ${census.schedule.attempts} attempts ` +
        "and the plan gives it no on-failure destination",
    );
  }

  let duplicates = 0;
  for (const table of STAGES) {
    for (const id of repeats(census.tables[table])) {
      duplicates += 1;
      note(`${table} ${id}: stored more than once`);
    }
  }

  const valid = byKey(STAGES, (stage) => new Set(served[stage]));
  let unexpected = 0;
  for (const table of STAGES) {
    for (const id of stored[table]) {
      if (valid[table].has(id)) continue;
      unexpected += 1;
      note(`${table} ${id}: stored, but the source never served it as a valid record`);
    }
  }

  const conserved = lost === 0 && duplicates === 0 && unexpected === 0;
  const deadLettered =
    census.deadLetters.scheduledRuns + census.deadLetters.branchIds.length + census.deadLetters.employeeIds.length;
  return {
    ok: conserved && inDeadLetters === 0 && deadLettered === 0 && census.schedule.ok,
    conserved,
    lost,
    duplicates,
    unexpected,
    inDeadLetters,
    examples,
  };
}
