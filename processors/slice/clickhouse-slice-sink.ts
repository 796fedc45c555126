import type { SinkSpec } from '../../runtime/runner/sink-runner.ts';
import type { Store } from '../../sinks/clickhouse/store.ts';

/** A `patient.activity.v1` value. */
export interface PatientActivityValue {
  patientKey: string;
  eventId: string;
  eventCount: number;
  firstSeenAt: number;
  lastSeenAt: number;
}

/** A row of the `slice_results` table (sinks/clickhouse/migrations/0001_slice_results.sql). */
export interface SliceRow extends Record<string, unknown> {
  event_id: string;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  key: string;
  payload: string;
  count_for_key: number;
  processed_at: string;
}

/**
 * The thin slice's sink: one `slice_results` row per activity record. The table is a
 * ReplacingMergeTree keyed by event_id, so a batch re-delivered after a crash changes nothing.
 */
export function sliceSink(store: Store): SinkSpec<PatientActivityValue, SliceRow> {
  return {
    name: 'slice-clickhouse',
    input: 'patient.activity.v1',
    toRows: (value, ctx) => [
      {
        event_id: value.eventId,
        source_topic: ctx.source.topic,
        source_partition: ctx.source.partition,
        source_offset: ctx.source.offset,
        key: value.patientKey,
        payload: JSON.stringify({ firstSeenAt: value.firstSeenAt, lastSeenAt: value.lastSeenAt }),
        count_for_key: value.eventCount,
        // Second precision text: accepted by DateTime64(3) and by old servers' DateTime alike.
        processed_at: new Date(ctx.timestamp).toISOString().slice(0, 19).replace('T', ' '),
      },
    ],
    write: (rows) => store.insert('slice_results', rows),
  };
}
