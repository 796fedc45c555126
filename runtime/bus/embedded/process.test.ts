/**
 * Tests across real processes: kill -9 durability and the data-dir lock.
 *
 * What kill -9 proves: an acknowledged send is in the file (a process crash loses nothing that
 * was acknowledged, and a write torn by the kill is cut at recovery without harming earlier
 * frames). What it cannot prove: fsync against power loss, since the page cache outlives the
 * process; that part rests on `fdatasync` before the acknowledgement (log-file.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GapstreamError } from '../../errors.ts';
import type { InRecord } from '../types.ts';
import type { EmbeddedBusLogger } from './config.ts';
import { createEmbeddedBus } from './embedded-bus.ts';
import { isProcessAlive } from './lock.ts';
import { type Child, spawnHelper } from './test-helpers/child.ts';

const quiet: EmbeddedBusLogger = { info: () => {}, warn: () => {}, error: () => {} };

let dir: string;
const children: Child[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gapstream-bus-process-'));
});
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill()));
  await rm(dir, { recursive: true, force: true });
});

async function killMidStream(concurrency: number, acksBeforeKill: number): Promise<void> {
  const child = spawnHelper('send-and-ack.ts', [dir, 'raw', String(concurrency)]);
  children.push(child);
  await child.waitForLine((l) => l.startsWith('ack ') && Number(l.split(' ')[1]) >= acksBeforeKill, 60_000);
  await child.kill();

  const acked = child.lines
    .filter((l) => l.startsWith('ack '))
    .map((l) => {
      const [, value, partition, offset] = l.split(' ').map(Number);
      return { value: value!, partition: partition!, offset: offset! };
    });
  expect(acked.length).toBeGreaterThanOrEqual(acksBeforeKill);

  const bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never', logger: quiet });
  const byPartition: InRecord[][] = [];
  for (let p = 0; p < 2; p++) {
    const records: InRecord[] = [];
    for await (const r of bus.readPartition('raw', p)) records.push(r);
    byPartition.push(records);
  }
  for (const a of acked) {
    // Present, at the offset that was acknowledged, with the value that was sent.
    expect(byPartition[a.partition]![a.offset]?.value?.toString()).toBe(String(a.value));
  }
  // Exactly once: no value appears twice anywhere.
  const values = byPartition.flat().map((r) => Number(r.value!.toString()));
  expect(new Set(values).size).toBe(values.length);
  // In order: within a partition, one-by-one sends land in send order.
  if (concurrency === 1) {
    for (const records of byPartition) {
      const vs = records.map((r) => Number(r.value!.toString()));
      expect(vs).toEqual([...vs].sort((a, b) => a - b));
    }
  }
  // The bus keeps working after the crash: offsets continue after the surviving records.
  const producer = await bus.producer();
  const [meta] = await producer.send([
    { topic: 'raw', key: null, value: Buffer.from('after'), partition: 0 },
  ]);
  expect(meta!.offset).toBe(byPartition[0]!.length);
  await bus.close();
}

describe('embedded bus across processes', () => {
  it('keeps every acknowledged record, exactly once and in order, after kill -9 (one send at a time)', async () => {
    await killMidStream(1, 150);
  });

  it('keeps every acknowledged record after kill -9 with 16 sends in flight (group commit)', async () => {
    await killMidStream(16, 400);
  });

  it('refuses a data dir held by another live process, and takes it over once that process is killed', async () => {
    const holder = spawnHelper('hold-lock.ts', [dir]);
    children.push(holder);
    const ready = await holder.waitForLine((l) => l.startsWith('ready '));
    const pid = Number(ready.split(' ')[1]);

    const err = (await createEmbeddedBus({ dataDir: dir, fsync: 'never', logger: quiet }).catch(
      (e: unknown) => e,
    )) as GapstreamError;
    expect(err.code).toBe('EMBEDDED_LOCKED');
    expect(err.message).toContain(dir);
    expect(err.message).toContain(String(pid));

    await holder.kill();
    expect(isProcessAlive(pid)).toBe(false);
    const warnings: string[] = [];
    const bus = await createEmbeddedBus({
      dataDir: dir,
      fsync: 'never',
      logger: { ...quiet, warn: (_f, msg) => warnings.push(msg) },
    });
    expect(warnings.some((w) => w.includes('stale lock'))).toBe(true);
    await bus.close();
  });

  it('takes over a stale lock left by a dead pid, or a garbage lock file', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(join(dir, 'LOCK'), `${dead}\n`);
    const bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never', logger: quiet });
    await bus.close();
    await writeFile(join(dir, 'LOCK'), '');
    const again = await createEmbeddedBus({ dataDir: dir, fsync: 'never', logger: quiet });
    await again.close();
  });

  it('refuses a second bus on the same dir in this process until the first is closed', async () => {
    const first = await createEmbeddedBus({ dataDir: dir, fsync: 'never' });
    const [a, b] = await Promise.allSettled([
      createEmbeddedBus({ dataDir: dir, fsync: 'never' }),
      createEmbeddedBus({ dataDir: join(dir, '.'), fsync: 'never' }),
    ]);
    expect(a.status === 'rejected' && (a.reason as GapstreamError).code).toBe('EMBEDDED_LOCKED');
    expect(b.status === 'rejected' && (b.reason as GapstreamError).code).toBe('EMBEDDED_LOCKED');
    await first.close();
    const second = await createEmbeddedBus({ dataDir: dir, fsync: 'never' });
    await second.close();
  });
});
