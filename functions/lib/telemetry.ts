/**
 * Logs and metrics of one function, through Powertools. Counts are summed per
 * invocation and published once, as one EMF line with every metric of METRICS (zeros
 * included), so CloudWatch and the local runtime read the same totals.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS, METRICS_NAMESPACE, type MetricKey, type StageName } from "./contract";
import { addCounts, COUNT_KEYS, zeroCounts, type Counts } from "./counts";

export { addCounts, zeroCounts, type Counts };

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
    for (const key of COUNT_KEYS) this.metrics.addMetric(METRICS[key], MetricUnit.Count, counts[key]);
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
