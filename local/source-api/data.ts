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

/**
 * What the source serves: `clean` is the generated data set; `messy` adds what a hostile
 * source sends (see MESSY_CASES): numbers beyond doubles and beyond DynamoDB, ids that are
 * padded, very long or not valid Unicode, an id served twice with different content,
 * occupations spelled differently.
 */
export const DATA_PROFILES = ["clean", "messy"] as const;
export type DataProfile = (typeof DATA_PROFILES)[number];

export interface DatasetOptions {
  seed: number;
  /** @default "clean" */
  profile?: DataProfile;
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

/** A number served as exactly this text, which no JS number could produce (see serialise). */
export class RawNumber {
  constructor(readonly text: string) {}
}

export type Json = string | number | RawNumber | boolean | null | Json[] | { [key: string]: Json };

/** JSON text of a served value; a RawNumber is written as its text, digit for digit. */
export function serialise(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialise).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${serialise(v)}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

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
      const sells = e === 1 || (e !== 0 && er() < 0.65);
      const occupation = e === 0 ? "manager" : sells ? salespersonSpelling(options, e) : pick(er, OTHER_OCCUPATIONS);
      const suffix = rev(employeeId) ? ` ${"I".repeat(rev(employeeId) + 1)}` : "";
      const employeeName = `${pick(er, FIRST)} ${pick(er, LAST)}${suffix}`;
      const hiredOn = isoDate(Date.UTC(2000, 0, 1) + Math.floor(er() * 20 * 365) * 24 * HOUR);
      const eValid = !isInvalid(options, employeeId);
      const salesperson = eValid && sells;
      dataset.employees.push({
        id: employeeId,
        branchId: id,
        salesperson,
        sells,
        valid: eValid,
        body: eValid
          ? { id: employeeId, branchID: id, name: employeeName, occupation, hiredOn }
          : { id: employeeId, branchID: id, name: employeeName, occupation, hiredOn: 20_070_401 },
      });
      if (!sells) continue;

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
  if (options.profile === "messy") addMessyRecords(dataset, ref);
  return dataset;
}

/** How a salesperson's occupation is spelled: always "salesperson" when clean, varied when messy. */
function salespersonSpelling(options: DatasetOptions, employeeIndex: number): string {
  if (options.profile !== "messy") return "salesperson";
  return ["salesperson", "Salesperson", "salesperson ", "sales person"][employeeIndex % 4];
}

/**
 * The hostile cases of the messy profile, each a sale of the first branch's second
 * employee (who always sells), sold an hour before the reference time. `valid` is the
 * schema's view: a record DynamoDB cannot hold is valid and rejected for what it holds.
 */
export const MESSY_CASES: ReadonlyArray<{ id: string; amount: RawNumber | number; note?: string; case: string }> = [
  { id: "S-exact-2p53", amount: new RawNumber("9007199254740993"), case: "integer beyond doubles, stored exactly" },
  { id: "S-exact-23", amount: new RawNumber("12345678901234567890123"), case: "23 digits, stored exactly" },
  { id: "S-overflow", amount: new RawNumber("1e200"), case: "beyond DynamoDB's range: NUMBER_OUT_OF_RANGE" },
  {
    id: "S-precise",
    amount: new RawNumber("1234567890123456789012345678901234567.89"),
    case: "39 digits: NUMBER_TOO_PRECISE",
  },
  { id: "S-pad", amount: 10, case: "an id" },
  { id: " S-pad", amount: 11, case: "the same id padded: another record" },
  { id: "\ud800", amount: 1, case: "lone high surrogate id: STRING_NOT_UNICODE" },
  { id: "\udc00", amount: 2, case: "lone low surrogate id: STRING_NOT_UNICODE" },
  { id: `S-long-${"x".repeat(3000)}-a`, amount: 1, case: "id over 2,048 bytes: KEY_TOO_LONG" },
  { id: `S-long-${"x".repeat(3000)}-b`, amount: 1, case: "another with the same start: its own reject" },
  { id: "S-note", amount: 1, note: "\udfff", case: "lone surrogate in a note: STRING_NOT_UNICODE" },
];

function addMessyRecords(dataset: Dataset, ref: number): void {
  const seller = dataset.employees.find((e) => e.sells);
  if (!seller) return;
  const soldAt = ref - HOUR;
  const sale = (id: string, amount: Json, note?: string): Record<string, Json> => {
    const body: Record<string, Json> = {
      id,
      salespersonsID: seller.id,
      amount,
      currency: "USD",
      soldAt: new Date(soldAt).toISOString(),
    };
    if (note !== undefined) body.note = note;
    return body;
  };
  for (const c of MESSY_CASES) {
    dataset.sales.push({ id: c.id, employeeId: seller.id, soldAt, valid: true, body: sale(c.id, c.amount, c.note) });
  }
  // The same id twice in one listing with different content: the first is stored, the second rejected.
  dataset.sales.push({ id: "S-twice", employeeId: seller.id, soldAt, valid: true, body: sale("S-twice", 5) });
  dataset.sales.push({ id: "S-twice", employeeId: seller.id, soldAt, valid: true, body: sale("S-twice", 6) });
}
