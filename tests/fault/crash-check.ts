import { expect } from 'vitest';
import { loadConfig } from '../../runtime/config/load.ts';
import { openRuntime, type Runtime } from '../../runtime/open-runtime.ts';
import { kill9, startCli } from '../support/child.ts';

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

/**
 * The crash scenario both modes run: the slice pipeline as a separate process (`gapstream run
 * --demo`), killed with SIGKILL twice mid-stream, then run to the end; then the checks above.
 */
export async function crashTwiceThenCheck(
  env: Record<string, string>,
  n: number,
  patients: number,
  waitMs: number,
): Promise<void> {
  const args = ['run', '--demo', '--count', String(n), '--patients', String(patients)];
  for (const atLeast of [200, 1_200]) {
    const p = startCli(args, env);
    const line = await p.waitForLine(
      (l) => l.msg === 'demo progress' && Number(l.results) >= atLeast,
      waitMs,
    );
    await kill9(p);
    expect(Number(line.results), 'killed mid-stream, not after the end').toBeLessThan(n);
  }
  const last = startCli(args, env);
  expect(await last.exited, last.stderr()).toBe(0);
  expect(last.stdout()).toContain(`${n} HL7 messages → ${n} rows`);

  const rt = await openRuntime(loadConfig({ env }), 'crash-check');
  try {
    await expectExactlyOnce(rt, n, patients);
  } finally {
    await rt.close();
  }
}
