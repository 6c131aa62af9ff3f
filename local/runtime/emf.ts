/**
 * Reads CloudWatch Embedded Metric Format lines, as CloudWatch Logs does: a JSON log line
 * with an `_aws.CloudWatchMetrics` directive names metrics whose values are top-level
 * keys. The local runtime sums them per function to build its summary from the same
 * metrics the deployed functions publish.
 */
export type MetricTotals = Record<string, number>;

interface EmfDirective {
  Namespace?: string;
  Metrics?: Array<{ Name?: string }>;
}

/** The metrics in one log line, or undefined when the line is not an EMF document. */
export function parseEmfLine(line: string, namespace?: string): MetricTotals | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{") || !trimmed.includes("CloudWatchMetrics")) return undefined;
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const directives = (document._aws as { CloudWatchMetrics?: EmfDirective[] } | undefined)?.CloudWatchMetrics;
  if (!Array.isArray(directives)) return undefined;
  const totals: MetricTotals = {};
  for (const directive of directives) {
    if (namespace !== undefined && directive.Namespace !== namespace) continue;
    for (const metric of directive.Metrics ?? []) {
      if (typeof metric.Name !== "string") continue;
      const value = document[metric.Name];
      // EMF allows an array of values for one metric in one document.
      const values = Array.isArray(value) ? value : [value];
      for (const item of values)
        if (typeof item === "number" && Number.isFinite(item)) totals[metric.Name] = (totals[metric.Name] ?? 0) + item;
    }
  }
  return totals;
}

export function addTotals(into: MetricTotals, more: MetricTotals): MetricTotals {
  for (const [name, value] of Object.entries(more)) into[name] = (into[name] ?? 0) + value;
  return into;
}
