/**
 * The shared test helper of CONVENTIONS.md §9: every component test reads its stage's metrics
 * the same way, so every component is held to the same names and labels.
 *
 * @example
 * const telemetry = await createTelemetry({ serviceName: 'test', inMemory: true });
 * // … run the component with telemetry.stage('parse-hl7') …
 * expect(await stageCounts(telemetry, 'parse-hl7')).toMatchObject({ received: 10, emitted: 9, deadLettered: 1 });
 */
import { METRIC, parseMetricKey } from './metrics.ts';
import type { Telemetry } from './telemetry.ts';

/** What one stage counted, summed over the other labels. Missing series count as 0. */
export interface StageCounts {
  received: number;
  emitted: number;
  /** All errors, and by error code. */
  errors: number;
  errorsByCode: Record<string, number>;
  /** All dead-lettered records, and by error code. */
  deadLettered: number;
  deadLetteredByCode: Record<string, number>;
  /** How many latencies were recorded. */
  latencyCount: number;
  /** Latest lag by `topic/partition` (and `@group` when labelled). */
  lag: Record<string, number>;
}

/** Reads the current counters of `stage` from a telemetry created with `inMemory: true`. */
export async function stageCounts(
  telemetry: Pick<Telemetry, 'collect'>,
  stage: string,
): Promise<StageCounts> {
  const counts: StageCounts = {
    received: 0,
    emitted: 0,
    errors: 0,
    errorsByCode: {},
    deadLettered: 0,
    deadLetteredByCode: {},
    latencyCount: 0,
    lag: {},
  };
  for (const [key, value] of Object.entries(await telemetry.collect())) {
    const { name, labels } = parseMetricKey(key);
    if (labels['stage'] !== stage) continue;
    const code = labels['code'] ?? '';
    switch (name) {
      case METRIC.received:
        counts.received += value;
        break;
      case METRIC.emitted:
        counts.emitted += value;
        break;
      case METRIC.errors:
        counts.errors += value;
        counts.errorsByCode[code] = (counts.errorsByCode[code] ?? 0) + value;
        break;
      case METRIC.deadLettered:
        counts.deadLettered += value;
        counts.deadLetteredByCode[code] = (counts.deadLetteredByCode[code] ?? 0) + value;
        break;
      case `${METRIC.latency}_count`:
        counts.latencyCount += value;
        break;
      case METRIC.lag: {
        const group = labels['group'] === undefined ? '' : `@${labels['group']}`;
        counts.lag[`${labels['topic']}/${labels['partition']}${group}`] = value;
        break;
      }
      default:
        break;
    }
  }
  return counts;
}
