/**
 * The sample source's data set: branches × employees × sales, generated from a seed and
 * a scale, with sale times anchored to a reference time the server holds, so every run
 * against one server sees the same records.
 */
import { pick, rngFor } from "./random";

export interface Scale {
  branches: number;
  employeesPerBranch: number;
  salesPerSalesperson: number;
}

export const SCALE_PRESETS = {
  small: { branches: 4, employeesPerBranch: 12, salesPerSalesperson: 10 },
  medium: { branches: 12, employeesPerBranch: 25, salesPerSalesperson: 20 },
  large: { branches: 50, employeesPerBranch: 40, salesPerSalesperson: 40 },
} as const satisfies Record<string, Scale>;
export type ScalePreset = keyof typeof SCALE_PRESETS;

export interface DatasetOptions {
  seed: number;
  scale: Scale;
  /** Sales are placed relative to this instant. */
  referenceTime: Date;
  /** Share of records, chosen per record from the seed, served in a schema-invalid form. @default 0 */
  invalidRate?: number;
  /** Records served schema-invalid regardless of invalidRate. */
  invalidIds?: readonly string[];
  /** Sales whose `note` is big enough to push the stored item over DynamoDB's 400 KB. */
  oversizedIds?: readonly string[];
  /** Per record id, how many times it has been changed (see SourceApi.changeRecord). */
  revisions?: ReadonlyMap<string, number>;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** One record as served, with what the generator knows about it. */
export interface Served<T extends Json = Json> {
  id: string;
  valid: boolean;
  body: T;
}

export interface EmployeeEntry extends Served {
  branchId: string;
  /** A valid record of a salesperson: what the salespersons table holds. */
  salesperson: boolean;
  /** Sells, valid or not: whose sales are collected (an invalid employee's link still carries them). */
  sells: boolean;
}

export interface SaleEntry extends Served {
  employeeId: string;
  soldAt: number;
}

export interface Dataset {
  branches: Array<Served & { name: string }>;
  employees: EmployeeEntry[];
  sales: SaleEntry[];
}

const BRANCH_NAMES = [
  "Scranton",
  "Stamford",
  "Nashua",
  "Utica",
  "Albany",
  "Buffalo",
  "Akron",
  "Camden",
  "Yonkers",
  "Rochester",
  "Syracuse",
  "Binghamton",
];
const REGIONS = ["Northeast", "Mid-Atlantic", "New England", "Great Lakes"];
const FIRST = [
  "Jim",
  "Pam",
  "Dwight",
  "Stanley",
  "Phyllis",
  "Andy",
  "Karen",
  "Oscar",
  "Angela",
  "Kevin",
  "Meredith",
  "Creed",
  "Ryan",
  "Kelly",
  "Toby",
  "Darryl",
];
const LAST = [
  "Halpert",
  "Beesly",
  "Schrute",
  "Hudson",
  "Vance",
  "Bernard",
  "Filippelli",
  "Martinez",
  "Martin",
  "Malone",
  "Palmer",
  "Bratton",
  "Howard",
  "Kapoor",
  "Flenderson",
  "Philbin",
];
const OTHER_OCCUPATIONS = [
  "accountant",
  "receptionist",
  "warehouse",
  "customer service",
  "human resources",
  "quality assurance",
];

const HOUR = 3_600_000;
const pad = (n: number, width = 3): string => String(n).padStart(width, "0");
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function branchName(index: number): string {
  const base = BRANCH_NAMES[index % BRANCH_NAMES.length];
  const round = Math.floor(index / BRANCH_NAMES.length);
  return round === 0 ? base : `${base} ${round + 1}`;
}

/** Whether a record is served schema-invalid: fixed per record, not per request. */
function isInvalid(options: DatasetOptions, id: string): boolean {
  if (options.invalidIds?.includes(id)) return true;
  const rate = options.invalidRate ?? 0;
  return rate > 0 && rngFor(options.seed, `invalid:${id}`)() < rate;
}

export function generateDataset(options: DatasetOptions): Dataset {
  const { seed, scale, referenceTime } = options;
  const ref = referenceTime.getTime();
  const rev = (id: string): number => options.revisions?.get(id) ?? 0;
  const dataset: Dataset = { branches: [], employees: [], sales: [] };

  for (let b = 0; b < scale.branches; b += 1) {
    const id = `B${pad(b + 1)}`;
    const r = rngFor(seed, id);
    const name = branchName(b);
    const valid = !isInvalid(options, id);
    const region = `${pick(r, REGIONS)}${rev(id) ? ` r${rev(id)}` : ""}`;
    const openedOn = isoDate(Date.UTC(1990, 0, 1) + Math.floor(r() * 30 * 365) * 24 * HOUR);
    dataset.branches.push({
      id,
      name,
      valid,
      body: valid ? { id, name, region, openedOn } : { id, name, region, openedOn: "sometime in the nineties" },
    });

    for (let e = 0; e < scale.employeesPerBranch; e += 1) {
      const employeeId = `E${pad(b + 1)}-${pad(e + 1)}`;
      const er = rngFor(seed, employeeId);
      // The first employee manages; the second always sells, so every branch has work downstream.
      const occupation = e === 0 ? "manager" : e === 1 || er() < 0.65 ? "salesperson" : pick(er, OTHER_OCCUPATIONS);
      const employeeName = `${pick(er, FIRST)} ${pick(er, LAST)}${rev(employeeId) ? ` ${"I".repeat(rev(employeeId) + 1)}` : ""}`;
      const hiredOn = isoDate(Date.UTC(2000, 0, 1) + Math.floor(er() * 20 * 365) * 24 * HOUR);
      const eValid = !isInvalid(options, employeeId);
      const salesperson = eValid && occupation === "salesperson";
      dataset.employees.push({
        id: employeeId,
        branchId: id,
        salesperson,
        sells: occupation === "salesperson",
        valid: eValid,
        body: eValid
          ? { id: employeeId, branchID: id, name: employeeName, occupation, hiredOn }
          : { id: employeeId, branchID: id, name: employeeName, occupation, hiredOn: 20_070_401 },
      });
      if (occupation !== "salesperson") continue;

      for (let s = 0; s < scale.salesPerSalesperson; s += 1) {
        const saleId = `S${pad(b + 1)}-${pad(e + 1)}-${pad(s + 1)}`;
        const sr = rngFor(seed, saleId);
        // Inside the window means 1 min to 23 h old, outside means 25 h to 72 h old: a
        // clear gap around 24 h, so a collector's clock drift cannot move a sale across.
        const inside = s === 0 || (s !== 1 && sr() < 0.7);
        const age = inside ? 60_000 + sr() * 22 * HOUR : 25 * HOUR + sr() * 47 * HOUR;
        const soldAt = ref - Math.floor(age / 1000) * 1000;
        const amount = Math.round((50 + sr() * 4_950) * 100) / 100 + rev(saleId);
        const sValid = !isInvalid(options, saleId);
        const body: Record<string, Json> = {
          id: saleId,
          salespersonsID: employeeId,
          amount: sValid ? amount : `${amount} USD`,
          currency: "USD",
          soldAt: new Date(soldAt).toISOString(),
        };
        if (options.oversizedIds?.includes(saleId)) body.note = "x".repeat(420 * 1024);
        dataset.sales.push({ id: saleId, employeeId, soldAt, valid: sValid, body });
      }
    }
  }
  return dataset;
}
