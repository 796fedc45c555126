import { expect } from 'vitest';
import { loadConfig } from '../../runtime/config/load.ts';
import { openRuntime, type Runtime } from '../../runtime/open-runtime.ts';
import { kill9, startCli } from '../support/child.ts';
import { readTopic } from '../support/read-topic.ts';
import { expectedDemoEvents } from '../../cli/demo.ts';
import { loadFeedProfiles } from '../../processors/normalize/feed-profile.ts';

/**
 * After a pipeline survived kill -9, checks "no loss, no duplicates" from every angle: the raw
 * topic holds each of the N messages once (the MLLP listener never published an ACKed message
 * twice, though the sender re-sent them all after each crash), the processors' output topics
 * hold exactly the expected events, the sink table holds exactly one row per event, and every
 * patient's running count reads 1, 2, …, k with no gap (a lost event) and no repeat (an event
 * counted twice in state).
 */
export async function expectExactlyOnce(
  rt: Runtime,
  messages: number,
  n: number,
  patients: number,
): Promise<void> {
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

  const expected: [string, number][] = [
    ['hl7.raw.v1', messages],
    ['clinical.event.v1', n],
    ['patient.activity.v1', n],
  ];
  for (const [topic, count] of expected) {
    expect((await readTopic(rt.bus, topic)).length, `committed records in ${topic}`).toBe(count);
  }
}

/**
 * The crash scenario both modes run: the slice pipeline as a separate process (`gapstream run
 * --demo`), killed with SIGKILL twice mid-stream, then run to the end; then the checks above.
 */
export async function crashTwiceThenCheck(
  env: Record<string, string>,
  messages: number,
  patients: number,
  waitMs: number,
): Promise<void> {
  const args = ['run', '--demo', '--count', String(messages), '--patients', String(patients)];
  const n = expectedDemoEvents(messages, patients, loadFeedProfiles());
  // First kill while the sender is still sending (some messages ACKed, some in flight), second
  // while the processors are mid-stream; each restart re-sends every message from the start.
  const kills: [string, string, number, number][] = [
    ['demo sent', 'acked', Math.floor(messages / 4), messages],
    ['demo progress', 'results', Math.floor(n / 2), n],
  ];
  for (const [msg, field, atLeast, total] of kills) {
    const p = startCli(args, env);
    const line = await p.waitForLine((l) => l.msg === msg && Number(l[field]) >= atLeast, waitMs);
    await kill9(p);
    expect(Number(line[field]), `killed mid-stream (${msg}), not after the end`).toBeLessThan(total);
  }
  const last = startCli(args, env);
  expect(await last.exited, last.stderr()).toBe(0);
  expect(last.stdout()).toContain(
    `${messages} HL7 messages over MLLP (ACKs {"AA":${messages}}) → ${n} clinical events → ${n} rows`,
  );

  const rt = await openRuntime(loadConfig({ env }), 'crash-check');
  try {
    await expectExactlyOnce(rt, messages, n, patients);
  } finally {
    await rt.close();
  }
}
