/**
 * MLLP-specific metrics on top of the shared stage metrics (`telemetry.stage('mllp')`):
 * ACKs by code and source, duplicates by source, ACK latency by source. `source` is the sending
 * facility (MSH-4, else MSH-3) reduced to a bounded label: values come from the network, so
 * only the first {@link MAX_SOURCES} distinct ones get their own series, the rest read `other`.
 */
import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import { LATENCY_BUCKETS_MS, type Telemetry } from '../../runtime/telemetry/index.ts';

export const MLLP_METRIC = {
  acks: 'gapstream_mllp_acks_total',
  duplicates: 'gapstream_mllp_duplicates_total',
  ackLatency: 'gapstream_mllp_ack_latency_ms',
} as const;

const MAX_SOURCES = 200;

export interface MllpMetrics {
  ack(code: string, source: string, latencyMs: number): void;
  duplicate(source: string): void;
  /** The bounded label value for a sending facility/application. */
  source(facility: string | null, app: string | null): string;
}

export function mllpMetrics(telemetry: Telemetry): MllpMetrics {
  const acks: Counter = telemetry.meter.createCounter(MLLP_METRIC.acks, {
    description: 'MLLP acknowledgments sent, by MSA-1 code and sending facility.',
    unit: '{ack}',
  });
  const dups: Counter = telemetry.meter.createCounter(MLLP_METRIC.duplicates, {
    description: 'Resends recognised as duplicates (same control id and payload), by sending facility.',
    unit: '{message}',
  });
  const latency: Histogram = telemetry.meter.createHistogram(MLLP_METRIC.ackLatency, {
    description: 'Time from the end of the frame to the ACK being written to the socket.',
    unit: 'ms',
    advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS_MS] },
  });
  const known = new Set<string>();
  const attrs = new Map<string, Attributes>();
  const attr = (source: string, code?: string): Attributes => {
    const k = `${source}\u0000${code ?? ''}`;
    let a = attrs.get(k);
    if (a === undefined) {
      a = code === undefined ? { source } : { source, code };
      attrs.set(k, a);
    }
    return a;
  };
  return {
    ack: (code, source, ms) => {
      acks.add(1, attr(source, code));
      latency.record(ms, attr(source));
    },
    duplicate: (source) => dups.add(1, attr(source)),
    source: (facility, app) => {
      const raw = (facility ?? app ?? 'unknown').slice(0, 64).replace(/[^\x20-\x7e]/g, '?');
      if (known.has(raw)) return raw;
      if (known.size >= MAX_SOURCES) return 'other';
      known.add(raw);
      return raw;
    },
  };
}
