/**
 * The counts every invocation reports, one per metric of METRICS and in its order: the
 * functions publish them, the handlers return them, the local runtime sums and prints
 * them. A count added to METRICS reaches each of those without another edit.
 */
import { METRICS, type MetricKey } from "./contract";

export type Counts = Record<MetricKey, number>;

/** The count names, in the order METRICS lists them (also the summary's column order). */
export const COUNT_KEYS = Object.keys(METRICS) as MetricKey[];

export const zeroCounts = (): Counts => Object.fromEntries(COUNT_KEYS.map((key) => [key, 0])) as Counts;

export function addCounts(into: Counts, from: Partial<Counts>): Counts {
  for (const key of COUNT_KEYS) into[key] += from[key] ?? 0;
  return into;
}

/** Counts out of metric totals keyed by metric name (RecordsFetched, ...), as EMF lines carry them. */
export function countsFromMetrics(totals: Readonly<Record<string, number>>): Counts {
  return Object.fromEntries(COUNT_KEYS.map((key) => [key, totals[METRICS[key]] ?? 0])) as Counts;
}

/** Only the counts of a larger object (a collect result, a summary row). */
export function pickCounts(from: Counts): Counts {
  return Object.fromEntries(COUNT_KEYS.map((key) => [key, from[key]])) as Counts;
}
