/**
 * waitUntilDrained on a temporary embedded bus: groups whose committed offsets reach the end
 * offsets (drained), a group that lags and then catches up, the timeout error naming what lags,
 * and a trailing gap without records (the Kafka transaction-marker case) counted as drained.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus, type EmbeddedBus } from '../bus/embedded/embedded-bus.ts';
import type { EmbeddedBusLogger } from '../bus/embedded/config.ts';
import type { Bus, OutRecord } from '../bus/types.ts';
import { DrainTimeoutError, drainPairs, waitUntilDrained } from './drain.ts';

const quiet: EmbeddedBusLogger = { info: () => {}, warn: () => {}, error: () => {} };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let dir: string;
let bus: EmbeddedBus;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gapstream-drain-'));
  bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never', logger: quiet });
  await bus.ensureTopics([
    { topic: 'in', partitions: 2 },
    { topic: 'out', partitions: 1 },
  ]);
});
afterEach(async () => {
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

const rec = (topic: string, partition: number, value: string): OutRecord => ({
  topic,
  key: null,
  value: Buffer.from(value),
  partition,
});

async function write(records: OutRecord[]): Promise<void> {
  const p = await bus.producer();
  try {
    await p.send(records);
  } finally {
    await p.close();
  }
}

async function commit(groupId: string, topic: string, partition: number, offset: number): Promise<void> {
  const p = await bus.transactionalProducer(`drain-test-${groupId}`);
  try {
    await p.transaction((tx) => tx.sendOffsets(groupId, [{ topic, partition, offset }]));
  } finally {
    await p.close();
  }
}

describe('drainPairs', () => {
  it('expands each stage into one pair per input topic, keeping the first of duplicates', () => {
    expect(
      drainPairs([
        { groupId: 'app.normalize', topics: ['hl7.raw.v1'] },
        { groupId: 'app.identity-resolver', topics: ['clinical.event.v1', 'claim.line.v1'] },
        { groupId: 'app.normalize', topics: ['hl7.raw.v1'] },
        { groupId: 'app.sink', topics: [] },
      ]),
    ).toEqual([
      { groupId: 'app.normalize', topic: 'hl7.raw.v1' },
      { groupId: 'app.identity-resolver', topic: 'clinical.event.v1' },
      { groupId: 'app.identity-resolver', topic: 'claim.line.v1' },
    ]);
  });
});

describe('waitUntilDrained (embedded bus)', () => {
  it('resolves when every pair has committed every partition (empty partitions need no commit)', async () => {
    await write([rec('in', 0, 'a'), rec('in', 0, 'b'), rec('out', 0, 'c')]);
    await commit('g1', 'in', 0, 2);
    await commit('g2', 'out', 0, 1);
    const t0 = Date.now();
    await waitUntilDrained(
      bus,
      [
        { groupId: 'g1', topic: 'in' },
        { groupId: 'g2', topic: 'out' },
      ],
      { timeoutMs: 2000, pollMs: 10 },
    );
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('resolves at once for no pairs and for topics with nothing written', async () => {
    await waitUntilDrained(bus, [], { timeoutMs: 0 });
    await waitUntilDrained(bus, [{ groupId: 'nobody', topic: 'in' }], { timeoutMs: 500, pollMs: 10 });
  });

  it('waits while a group lags and resolves once it (and the downstream group) caught up', async () => {
    await write([rec('in', 0, 'a'), rec('in', 1, 'b'), rec('in', 1, 'c')]);
    const pairs = drainPairs([
      { groupId: 'up', topics: ['in'] },
      { groupId: 'down', topics: ['out'] },
    ]);
    let settled = false;
    const waiting = waitUntilDrained(bus, pairs, { timeoutMs: 5000, pollMs: 10, settleMs: 20 }).then(
      () => (settled = true),
    );
    await sleep(60);
    expect(settled).toBe(false);
    // The upstream stage catches up and writes for the downstream stage, which then lags.
    await commit('up', 'in', 0, 1);
    await commit('up', 'in', 1, 2);
    await write([rec('out', 0, 'x')]);
    await sleep(60);
    expect(settled).toBe(false);
    await commit('down', 'out', 0, 1);
    await waiting;
    expect(settled).toBe(true);
  });

  it('rejects after the timeout naming the lagging group, topic, partition and lag', async () => {
    await write([rec('in', 1, 'a'), rec('in', 1, 'b'), rec('in', 1, 'c'), rec('out', 0, 'x')]);
    await commit('up', 'in', 1, 1);
    await commit('down', 'out', 0, 1);
    const t0 = Date.now();
    const err = await waitUntilDrained(
      bus,
      [
        { groupId: 'up', topic: 'in' },
        { groupId: 'down', topic: 'out' },
        { groupId: 'never', topic: 'out' },
      ],
      { timeoutMs: 200, pollMs: 20 },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(err).toBeInstanceOf(DrainTimeoutError);
    const e = err as DrainTimeoutError;
    expect(e.code).toBe('DRAIN_TIMEOUT');
    expect(e.message).toBe(
      'not drained within 200 ms: group up, topic in, partition 1: lag 2 (committed 1, end 3); ' +
        'group never, topic out, partition 0: lag 1 (committed none, end 1)',
    );
    expect(e.lagging).toEqual([
      { groupId: 'up', topic: 'in', partition: 1, committed: 1, end: 3, lag: 2 },
      { groupId: 'never', topic: 'out', partition: 0, committed: null, end: 1, lag: 1 },
    ]);
  });

  it('fails at once on an unknown topic, naming the group and topic', async () => {
    await expect(
      waitUntilDrained(bus, [{ groupId: 'g', topic: 'nope' }], { timeoutMs: 5000 }),
    ).rejects.toThrow(/cannot read the offsets of group g on topic nope/);
  });

  it('refuses bad options', async () => {
    await expect(waitUntilDrained(bus, [], { timeoutMs: -1 })).rejects.toThrow(/timeoutMs = -1/);
    await expect(waitUntilDrained(bus, [], { timeoutMs: 1, pollMs: 0 })).rejects.toThrow(/pollMs = 0/);
  });

  it('counts a stuck trailing gap that holds no record as drained (Kafka transaction markers)', async () => {
    await write([rec('in', 0, 'a'), rec('in', 0, 'b')]);
    await commit('g', 'in', 0, 2);
    // A bus whose end offsets are one past the last record, as after a Kafka commit marker.
    const withMarker: Pick<Bus, 'endOffsets' | 'committedOffsets' | 'readPartition'> = {
      endOffsets: async (topic) =>
        (await bus.endOffsets(topic)).map((o) => ({ ...o, offset: o.offset > 0 ? o.offset + 1 : 0 })),
      committedOffsets: (groupId, topic) => bus.committedOffsets(groupId, topic),
      readPartition: (topic, partition, from) => bus.readPartition(topic, partition, from),
    };
    await waitUntilDrained(withMarker, [{ groupId: 'g', topic: 'in' }], { timeoutMs: 2000, pollMs: 10 });
    // A real record in the gap is a real lag.
    await commit('g', 'in', 0, 1);
    await expect(
      waitUntilDrained(withMarker, [{ groupId: 'g', topic: 'in' }], { timeoutMs: 100, pollMs: 10 }),
    ).rejects.toThrow('group g, topic in, partition 0: lag 2 (committed 1, end 3)');
  });
});
