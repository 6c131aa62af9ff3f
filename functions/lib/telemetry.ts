/**
 * Logs and metrics of one function, through Powertools. Counts are summed per
 * invocation and published once, as one EMF line with every metric of METRICS (zeros
 * included), so CloudWatch and the local runtime read the same totals.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS, METRICS_NAMESPACE, type MetricKey, type StageName } from "./contract";

export type Counts = Record<MetricKey, number>;

export const zeroCounts = (): Counts => ({ fetched: 0, written: 0, unchanged: 0, rejected: 0, sent: 0, retried: 0 });

export function addCounts(into: Counts, from: Partial<Counts>): Counts {
  for (const key of Object.keys(METRICS) as MetricKey[]) into[key] += from[key] ?? 0;
  return into;
}

export class Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
  private counts: Counts = zeroCounts();
  private readonly listeners: Array<(counts: Counts) => void> = [];

  constructor(logger: Logger, metrics: Metrics) {
    this.logger = logger;
    this.metrics = metrics;
  }

  /** Called with each invocation's counts as they are published. */
  onFlush(listener: (counts: Counts) => void): void {
    this.listeners.push(listener);
  }

  count(key: MetricKey, n = 1): void {
    this.counts[key] += n;
  }

  add(counts: Partial<Counts>): void {
    addCounts(this.counts, counts);
  }

  /** What has been counted since the last flush. */
  snapshot(): Counts {
    return { ...this.counts };
  }

  /** Publishes the invocation's counts as one EMF document and starts over. */
  flush(): Counts {
    const counts = this.counts;
    this.counts = zeroCounts();
    for (const key of Object.keys(METRICS) as MetricKey[])
      this.metrics.addMetric(METRICS[key], MetricUnit.Count, counts[key]);
    this.metrics.publishStoredMetrics();
    for (const listener of this.listeners) listener({ ...counts });
    return counts;
  }
}

/** Powertools defaults: service from POWERTOOLS_SERVICE_NAME, namespace from POWERTOOLS_METRICS_NAMESPACE. */
export function createTelemetry(
  stage: StageName,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Telemetry {
  const serviceName = env.POWERTOOLS_SERVICE_NAME || `cascading-etl-${stage}`;
  const logger = new Logger({ serviceName, persistentKeys: { stage } });
  const metrics = new Metrics({ serviceName, namespace: env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE });
  return new Telemetry(logger, metrics);
}
