/**
 * The metrics every component emits, under one naming scheme (CONVENTIONS.md §9, after Vector's
 * `component_*` metrics): records received and emitted, errors and dead-lettered records by
 * error code, consumer lag and processing latency, all labelled with the `stage` that emitted
 * them. Components never create instruments of their own for these; they get a
 * {@link StageMetrics} from `telemetry.stage(name)`.
 *
 * Label values are identifiers from small, fixed sets (stage names, error codes, topics,
 * partitions, group ids): never record content, which would be PHI and unbounded cardinality.
 */
import type { Attributes, Counter, Gauge, Histogram, Meter } from '@opentelemetry/api';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** Metric names. Counters end in `_total` so the Prometheus exporter keeps them as they are. */
export const METRIC = {
  received: 'gapstream_records_received_total',
  emitted: 'gapstream_records_emitted_total',
  errors: 'gapstream_errors_total',
  deadLettered: 'gapstream_deadlettered_total',
  lag: 'gapstream_consumer_lag',
  latency: 'gapstream_processing_latency_ms',
} as const;

/**
 * Latency buckets in milliseconds, from a single in-memory transform (~1 ms) to a ClickHouse
 * batch insert under back-pressure (seconds). The SDK default tops out at 10 s too but is
 * coarse below 5 ms, where most processors live.
 */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** The metrics of one stage (a producer, processor or sink); every method is cheap and sync. */
export interface StageMetrics {
  /** The `stage` label value. */
  readonly stage: string;
  /** `n` records taken in (read from a topic, a socket or a file). Default 1. */
  received(n?: number): void;
  /** `n` records handed on (written to a topic or a table). Default 1. */
  emitted(n?: number): void;
  /** One failure, retried or not; `code` is a `GapstreamError` code, never a message. */
  error(code: string): void;
  /** One record discarded to the dead-letter topic, by the code of the error that sent it there. */
  deadLettered(code: string): void;
  /** Records between the group's committed position and the end of a partition. */
  lag(topic: string, partition: number, lag: number, group?: string): void;
  /** Time spent on one record or batch, in milliseconds. */
  latency(ms: number): void;
}

/**
 * Creates the shared instruments on `meter` once and returns a function handing out one
 * (cached) {@link StageMetrics} per stage name.
 */
export function stageMetricsFactory(meter: Meter): (stage: string) => StageMetrics {
  const received: Counter = meter.createCounter(METRIC.received, {
    description: 'Records taken in by a stage.',
    unit: '{record}',
  });
  const emitted: Counter = meter.createCounter(METRIC.emitted, {
    description: 'Records handed on by a stage.',
    unit: '{record}',
  });
  const errors: Counter = meter.createCounter(METRIC.errors, {
    description: 'Failures by stage and error code, retried or not.',
    unit: '{error}',
  });
  const deadLettered: Counter = meter.createCounter(METRIC.deadLettered, {
    description: 'Records sent to the dead-letter topic, by stage and error code.',
    unit: '{record}',
  });
  const lag: Gauge = meter.createGauge(METRIC.lag, {
    description: 'Records between the committed position and the end offset, by topic, partition and group.',
    unit: '{record}',
  });
  const latency: Histogram = meter.createHistogram(METRIC.latency, {
    description: 'Processing time per record or batch.',
    unit: 'ms',
    advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS_MS] },
  });

  const cache = new Map<string, StageMetrics>();
  return (stage) => {
    let metrics = cache.get(stage);
    if (metrics === undefined) {
      // One attributes object per stage, reused on every call: the hot path allocates nothing.
      const base: Attributes = { stage };
      metrics = {
        stage,
        received: (n = 1) => received.add(n, base),
        emitted: (n = 1) => emitted.add(n, base),
        error: (code) => errors.add(1, { stage, code }),
        deadLettered: (code) => deadLettered.add(1, { stage, code }),
        lag: (topic, partition, value, group) =>
          lag.record(
            value,
            group === undefined ? { stage, topic, partition } : { stage, topic, partition, group },
          ),
        latency: (ms) => latency.record(ms, base),
      };
      cache.set(stage, metrics);
    }
    return metrics;
  };
}

/** Metric values by {@link metricKey}, e.g. `gapstream_records_received_total{stage="parse"}` → 10. */
export type MetricValues = Record<string, number>;

/**
 * The key of one time series: `name{label="value",…}` with labels sorted, as Prometheus prints
 * it, so test failures read like a scrape.
 */
export function metricKey(
  name: string,
  labels: Readonly<Record<string, string | number | boolean>> = {},
): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(String(labels[k]))}`);
  return pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
}

/** The inverse of {@link metricKey}. */
export function parseMetricKey(key: string): { name: string; labels: Record<string, string> } {
  const brace = key.indexOf('{');
  if (brace < 0) return { name: key, labels: {} };
  const labels: Record<string, string> = {};
  for (const m of key.slice(brace + 1, -1).matchAll(/(\w+)=("(?:[^"\\]|\\.)*")/g)) {
    labels[m[1]!] = JSON.parse(m[2]!) as string;
  }
  return { name: key.slice(0, brace), labels };
}

/**
 * Flattens one collection into {@link MetricValues}. Sums and gauges give their value;
 * histograms give `<name>_count` and `<name>_sum`, which is what tests assert on.
 */
export function flattenMetrics(resourceMetrics: ResourceMetrics): MetricValues {
  const values: MetricValues = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const name = metric.descriptor.name;
      for (const point of metric.dataPoints) {
        const labels = point.attributes as Record<string, string | number | boolean>;
        switch (metric.dataPointType) {
          case DataPointType.SUM:
          case DataPointType.GAUGE:
            values[metricKey(name, labels)] = point.value as number;
            break;
          case DataPointType.HISTOGRAM:
          case DataPointType.EXPONENTIAL_HISTOGRAM: {
            const h = point.value as { count: number; sum?: number };
            values[metricKey(`${name}_count`, labels)] = h.count;
            values[metricKey(`${name}_sum`, labels)] = h.sum ?? 0;
            break;
          }
        }
      }
    }
  }
  return values;
}
