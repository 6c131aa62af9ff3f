/**
 * Logs and metrics of one function, through Powertools. Counts are summed per
 * invocation and published once, as one EMF line with every metric of METRICS (zeros
 * included), so CloudWatch and the local runtime read the same totals.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS, METRICS_NAMESPACE, type MetricKey, type StageName } from "./contract";
import { addCounts, COUNT_KEYS, zeroCounts, type Counts } from "./counts";

export { addCounts, zeroCounts, type Counts };

export class Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
  private counts: Counts = zeroCounts();
  private readonly listeners: Array<(counts: Counts) => void> = [];
  /** Whether this execution environment has started an invocation before. */
  private warm = false;

  constructor(logger: Logger, metrics: Metrics) {
    this.logger = logger;
    this.metrics = metrics;
  }

  /** Sets the invocation's Lambda context on the logger; true for the environment's first invocation. */
  startInvocation(context: Context): boolean {
    this.logger.addContext(context);
    const first = !this.warm;
    this.warm = true;
    return first;
  }

  /**
   * A child logger for one invocation or one record of it, with `keys` on every line.
   * Powertools' createChild adds the parent's context through the child's own cold-start flag,
   * which is fresh, so every child would log cold_start: true (Logger.createChild and
   * Utility.getColdStart in aws-powertools/powertools-lambda-typescript). That first use spends
   * the child's flag, so in a warm environment adding the context again makes it log false.
   */
  childLogger(context: Context, first: boolean, keys: Record<string, string>): Logger {
    const child = this.logger.createChild({ persistentKeys: keys });
    if (!first) child.addContext(context);
    return child;
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
