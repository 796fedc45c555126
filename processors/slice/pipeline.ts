import type { Runtime } from '../../runtime/open-runtime.ts';
import { startProcessor } from '../../runtime/runner/processor-runner.ts';
import { startSink } from '../../runtime/runner/sink-runner.ts';
import { demoMessage } from './demo-messages.ts';
import { hl7PatientEvent } from './hl7-patient-event.ts';
import { patientActivity } from './patient-activity.ts';
import { sliceSink } from './clickhouse-slice-sink.ts';

/** The raw topic the slice reads. */
export const SLICE_INPUT = 'hl7.raw.v1';

/**
 * The thin vertical slice: hl7.raw.v1 → (stateless) clinical.event.v1 → (stateful)
 * patient.activity.v1 → ClickHouse `slice_results`. Same code in both modes.
 */
export async function startSlicePipeline(rt: Runtime): Promise<{ stop(): Promise<void> }> {
  const deps = {
    bus: rt.bus,
    codec: rt.codec,
    telemetry: rt.telemetry,
    logger: rt.logger,
    partitions: rt.config.kafka.partitions,
    instanceId: rt.config.instanceId,
  };
  const stages = [
    await startSink(sliceSink(rt.store), deps),
    await startProcessor(patientActivity, deps),
    await startProcessor(hl7PatientEvent, deps),
  ];
  return {
    stop: async () => {
      // Upstream first, so downstream stages can drain what was committed.
      for (const stage of [...stages].reverse()) await stage.stop();
    },
  };
}

/**
 * Publishes demo messages until the raw topic holds `count` of them. Counting what is already
 * there makes a re-run after a crash publish only the rest (the topic has no transactions, so its
 * end offsets count records exactly).
 */
export async function publishDemoMessages(rt: Runtime, count: number, patients: number): Promise<number> {
  await rt.bus.ensureTopics([{ topic: SLICE_INPUT, partitions: rt.config.kafka.partitions }]);
  const present = (await rt.bus.endOffsets(SLICE_INPUT)).reduce((n, o) => n + o.offset, 0);
  const producer = await rt.bus.producer();
  try {
    for (let start = present; start < count; start += 200) {
      const batch = [];
      for (let i = start; i < Math.min(count, start + 200); i++) {
        const m = demoMessage(i, patients);
        batch.push({ topic: SLICE_INPUT, key: m.key, value: await rt.codec.encode(SLICE_INPUT, m.value) });
      }
      await producer.send(batch);
    }
  } finally {
    await producer.close();
  }
  return Math.max(0, count - present);
}

/** Rows of the slice's ClickHouse table, counted the idempotent way. */
export async function sliceSummary(
  rt: Runtime,
): Promise<{ results: number; patients: number; maxCount: number }> {
  const [row] = await rt.store.query<{
    results: string | number;
    patients: string | number;
    maxCount: string | number;
  }>(
    'SELECT count() AS results, uniqExact(key) AS patients, max(count_for_key) AS maxCount FROM slice_results FINAL',
  );
  return {
    results: Number(row?.results ?? 0),
    patients: Number(row?.patients ?? 0),
    maxCount: Number(row?.maxCount ?? 0),
  };
}
