/**
 * What the sample source served (its "truth"), so a run can be checked record by
 * record: which records went out, which parents were listed to the end, which faults
 * were injected and how many requests came in.
 */
import type { Scale, Served } from "./data";
import type { Endpoint } from "./server";

export interface EndpointTruth {
  /** Ids of schema-valid records served at least once. */
  valid: string[];
  /** Ids of schema-invalid records served at least once. */
  invalid: string[];
}

export interface SourceTruth {
  seed: number;
  scale: Scale;
  referenceTime: string;
  branches: EndpointTruth;
  employees: EndpointTruth & { salespersons: string[] };
  sales: EndpointTruth;
  /**
   * Parents whose children were served to the last page: branches whose employees, and
   * salespersons whose sales, were listed completely. A parent missing here was never
   * (fully) asked for, which is how a lost message shows.
   */
  listed: { employeesOf: string[]; salesOf: string[] };
  faults: { serverError: number; throttled: number; malformed: number; unauthorized: number };
  requests: { total: number } & Record<Endpoint, number>;
}

export type FaultCount = keyof SourceTruth["faults"];

const sorted = (s: Set<string>): string[] => [...s].sort();

export class Ledger {
  private readonly served: Record<Endpoint, { valid: Set<string>; invalid: Set<string> }> = {
    branches: { valid: new Set(), invalid: new Set() },
    employees: { valid: new Set(), invalid: new Set() },
    sales: { valid: new Set(), invalid: new Set() },
  };
  private readonly salespersons = new Set<string>();
  private readonly listed = { employeesOf: new Set<string>(), salesOf: new Set<string>() };
  private readonly faults: SourceTruth["faults"] = { serverError: 0, throttled: 0, malformed: 0, unauthorized: 0 };
  private readonly requests: SourceTruth["requests"] = { total: 0, branches: 0, employees: 0, sales: 0 };

  request(endpoint: Endpoint): void {
    this.requests.total += 1;
    this.requests[endpoint] += 1;
  }

  fault(kind: FaultCount): void {
    this.faults[kind] += 1;
  }

  /** A page went out whole; on the last page of a parent's children, the parent counts as listed. */
  page(endpoint: Endpoint, records: readonly Served[], parent: string | null, last: boolean): void {
    for (const r of records) {
      this.served[endpoint][r.valid ? "valid" : "invalid"].add(r.id);
      if (endpoint === "employees" && (r as Served & { salesperson?: boolean }).salesperson)
        this.salespersons.add(r.id);
    }
    if (last && parent !== null && endpoint !== "branches")
      this.listed[endpoint === "employees" ? "employeesOf" : "salesOf"].add(parent);
  }

  truth(about: Pick<SourceTruth, "seed" | "scale" | "referenceTime">): SourceTruth {
    const endpointTruth = (e: Endpoint): EndpointTruth => ({
      valid: sorted(this.served[e].valid),
      invalid: sorted(this.served[e].invalid),
    });
    return {
      seed: about.seed,
      scale: { ...about.scale },
      referenceTime: about.referenceTime,
      branches: endpointTruth("branches"),
      employees: { ...endpointTruth("employees"), salespersons: sorted(this.salespersons) },
      sales: endpointTruth("sales"),
      listed: { employeesOf: sorted(this.listed.employeesOf), salesOf: sorted(this.listed.salesOf) },
      faults: { ...this.faults },
      requests: { ...this.requests },
    };
  }
}
