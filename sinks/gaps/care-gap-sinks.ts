/**
 * The care-gap sinks: `gap.change.v1` into `gap_changes` (every change: the history) and
 * `gap_status` (one version per change; the latest per contract, measure, period and person is the
 * current status), and `attribution.change.v1` into `attribution_changes` and `attribution_status`
 * the same way. One sink (consumer group) per topic, each writing its two tables. Exactly-once
 * results as for every sink (docs/runtime.md, "Sinks"): the runner writes, then commits; all four
 * tables are ReplacingMergeTree keyed by deterministic values (change id, time, source offset), so a
 * replayed topic or a re-delivered batch reads the same.
 */
import type { SinkDeps, SinkSpec } from '../../runtime/runner/sink-runner.ts';
import { startSink } from '../../runtime/runner/sink-runner.ts';
import type { Store } from '../clickhouse/store.ts';
import {
  attributionChangeRows,
  gapChangeRows,
  type AttributionChangeRows,
  type AttributionChangeValue,
  type GapChangeRows,
  type GapChangeValue,
} from './rows.ts';
import { ATTRIBUTION_CHANGE_TOPIC, CARE_GAP_TABLES, GAP_CHANGE_TOPIC } from './tables.ts';

/** The two sink definitions, by topic. */
export interface CareGapSinks {
  gaps: SinkSpec<GapChangeValue, GapChangeRows>;
  attribution: SinkSpec<AttributionChangeValue, AttributionChangeRows>;
}

/**
 * Writes a batch's history rows, then its status rows. A crash in between re-delivers the batch,
 * which both (ReplacingMergeTree) tables absorb.
 */
async function writeBoth(
  store: Store,
  tables: { changes: string; status: string },
  rows: readonly { change: Record<string, unknown>; status: Record<string, unknown> }[],
): Promise<void> {
  // Independent tables, both idempotent under replay: written concurrently (one round trip less
  // on the path from event to visible status); the batch commits only when both are in.
  await Promise.all([
    store.insert(
      tables.changes,
      rows.map((r) => r.change),
    ),
    store.insert(
      tables.status,
      rows.map((r) => r.status),
    ),
  ]);
}

/** The care-gap sinks writing through `store`. */
export function careGapSinks(store: Store): CareGapSinks {
  return {
    gaps: {
      name: 'gap-changes-clickhouse',
      input: GAP_CHANGE_TOPIC,
      toRows: (value, ctx) => [gapChangeRows(value, ctx)],
      write: (rows) =>
        writeBoth(store, { changes: CARE_GAP_TABLES.gapChanges, status: CARE_GAP_TABLES.gapStatus }, rows),
    },
    attribution: {
      name: 'attribution-changes-clickhouse',
      input: ATTRIBUTION_CHANGE_TOPIC,
      toRows: (value, ctx) => [attributionChangeRows(value, ctx)],
      write: (rows) =>
        writeBoth(
          store,
          { changes: CARE_GAP_TABLES.attributionChanges, status: CARE_GAP_TABLES.attributionStatus },
          rows,
        ),
    },
  };
}

/** Starts both sinks (stops the first again if the second fails to start). */
export async function startCareGapSinks(
  store: Store,
  deps: SinkDeps,
): Promise<{ name: string; stop(): Promise<void> }[]> {
  const specs = careGapSinks(store);
  const started: { name: string; stop(): Promise<void> }[] = [];
  try {
    started.push(await startSink(specs.gaps, deps));
    started.push(await startSink(specs.attribution, deps));
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
  return started;
}
