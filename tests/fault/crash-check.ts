import { expect } from 'vitest';
import type { Runtime } from '../../runtime/open-runtime.ts';

/**
 * After a pipeline survived kill -9, checks "no loss, no duplicates" from every angle:
 * the sink table holds exactly N results, the processors' output topics hold exactly N
 * committed records each, and every patient's running count reads 1, 2, …, k with no gap
 * (a lost event) and no repeat (an event counted twice in state).
 */
export async function expectExactlyOnce(rt: Runtime, n: number, patients: number): Promise<void> {
  const [totals] = await rt.store.query<{ rows: string; events: string; keys: string }>(
    'SELECT count() AS rows, uniqExact(event_id) AS events, uniqExact(key) AS keys FROM slice_results FINAL',
  );
  expect(Number(totals!.rows)).toBe(n);
  expect(Number(totals!.events)).toBe(n);
  expect(Number(totals!.keys)).toBe(patients);

  const badKeys = await rt.store.query<{ key: string }>(
    'SELECT key FROM slice_results FINAL GROUP BY key HAVING count() != max(count_for_key) OR uniqExact(count_for_key) != count() OR min(count_for_key) != 1',
  );
  expect(badKeys).toEqual([]);

  for (const topic of ['clinical.event.v1', 'patient.activity.v1']) {
    let committed = 0;
    const partitions = await rt.bus.partitionCount(topic);
    for (let p = 0; p < partitions; p++) for await (const _ of rt.bus.readPartition(topic, p)) committed++;
    expect(committed, `committed records in ${topic}`).toBe(n);
  }
}
