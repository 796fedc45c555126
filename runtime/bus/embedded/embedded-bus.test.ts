import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GapstreamError } from '../../errors.ts';
import { createLogger } from '../../telemetry/log.ts';
import { describeBusContract } from '../bus-contract.ts';
import { partitionFor } from '../partitioner.ts';
import type { Batch, InRecord, OutRecord } from '../types.ts';
import type { EmbeddedBusLogger } from './config.ts';
import type { EmbeddedConsumer } from './consumer.ts';
import { createEmbeddedBus, type EmbeddedBus } from './embedded-bus.ts';

const quiet: EmbeddedBusLogger = { info: () => {}, warn: () => {}, error: () => {} };

// The shared conformance suite (CONVENTIONS.md §12), on a fresh data dir.
describeBusContract('embedded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gapstream-bus-contract-'));
  const contractBus = await createEmbeddedBus({ dataDir, fsync: 'never', logger: quiet });
  const close = contractBus.close.bind(contractBus);
  // The suite closes the bus it was given; the data dir goes with it.
  return Object.assign(contractBus, {
    close: async () => {
      await close();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
});

let dir: string;
let bus: EmbeddedBus;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gapstream-bus-'));
  bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never', logger: quiet });
});
afterEach(async () => {
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

const rec = (topic: string, key: string | null, value: string, partition?: number): OutRecord => ({
  topic,
  key,
  value: Buffer.from(value),
  partition,
});
const values = (records: readonly InRecord[]): string[] => records.map((r) => r.value!.toString());
/** A handler that records the values it is handed. */
const collect =
  (into: string[]) =>
  (batch: Batch): Promise<void> => {
    into.push(...values(batch.records));
    return Promise.resolve();
  };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(10);
    }
  }
}

async function readAll(topic: string, partition = 0): Promise<InRecord[]> {
  const out: InRecord[] = [];
  for await (const r of bus.readPartition(topic, partition)) out.push(r);
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<GapstreamError> {
  return (await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  )) as GapstreamError;
}

describe('embedded bus: options, topics and producing', () => {
  it('accepts a pino logger and rejects bad options, listing every problem', async () => {
    const pinoLogger = createLogger({ level: 'silent' });
    const other = await createEmbeddedBus({ dataDir: join(dir, 'other'), logger: pinoLogger });
    await other.close();
    const err = await errorOf(
      createEmbeddedBus({ dataDir: '', fsync: 'sometimes' as 'always', extra: 1 } as never),
    );
    expect(err.code).toBe('CONFIG_INVALID');
    expect((err as unknown as { problems: string[] }).problems).toHaveLength(3);
  });

  it('refuses unknown topics, bad partitions and bad records with clear codes', async () => {
    const producer = await bus.producer();
    expect((await errorOf(producer.send([rec('nope', 'k', 'v')]))).code).toBe('UNKNOWN_TOPIC');
    expect((await errorOf(bus.partitionCount('nope'))).code).toBe('UNKNOWN_TOPIC');
    expect((await errorOf(bus.endOffsets('nope'))).code).toBe('UNKNOWN_TOPIC');
    expect((await errorOf(bus.consumer({ groupId: 'g', topics: ['nope'] }))).code).toBe('UNKNOWN_TOPIC');
    await bus.ensureTopics([{ topic: 't', partitions: 2 }]);
    const bad = await errorOf(producer.send([rec('t', 'k', 'v', 2)]));
    expect(bad.code).toBe('INVALID_PARTITION');
    expect(bad.message).toMatch(/partitions 0 to 1/);
    expect(
      (await errorOf(producer.send([{ topic: 't', key: 'k', value: 'text' as unknown as Buffer }]))).code,
    ).toBe('INVALID_RECORD');
    // Nothing was written by the failed sends (a batch is validated whole before it is queued).
    expect(await bus.endOffsets('t')).toEqual([
      { topic: 't', partition: 0, offset: 0 },
      { topic: 't', partition: 1, offset: 0 },
    ]);
    const it = bus.readPartition('nope', 0)[Symbol.asyncIterator]();
    expect((await errorOf(it.next())).code).toBe('UNKNOWN_TOPIC');
  });

  it('ensureTopics is idempotent, leaves existing topics unchanged, and reports every bad spec', async () => {
    await bus.ensureTopics([{ topic: 'a', partitions: 2 }]);
    await bus.ensureTopics([
      { topic: 'a', partitions: 5 },
      { topic: 'b', partitions: 1, compacted: true },
    ]);
    expect(await bus.partitionCount('a')).toBe(2);
    expect(await bus.partitionCount('b')).toBe(1);
    const before = bus.logBytes;
    await bus.ensureTopics([{ topic: 'a', partitions: 2 }]);
    expect(bus.logBytes).toBe(before); // nothing to create, nothing written
    const err = await errorOf(
      bus.ensureTopics([
        { topic: 'has space', partitions: 1 },
        { topic: 'c', partitions: 0 },
      ]),
    );
    expect(err.code).toBe('INVALID_TOPIC_SPEC');
    expect(err.message).toMatch(/has space.*partitions = 0/);
  });

  it('partitions keyed records like Kafka, null keys round-robin, and assigns consecutive offsets', async () => {
    await bus.ensureTopics([{ topic: 't', partitions: 4 }]);
    const producer = await bus.producer();
    const meta = await producer.send([
      rec('t', 'patient-1', 'a'),
      rec('t', 'patient-2', 'b'),
      rec('t', 'patient-1', 'c'),
    ]);
    expect(meta.map((m) => m.partition)).toEqual(
      ['patient-1', 'patient-2', 'patient-1'].map((k) => partitionFor(k, 4, () => 0)),
    );
    expect(meta[2]!.offset).toBe(meta[0]!.offset + 1);
    const nulls = await producer.send(Array.from({ length: 8 }, (_, i) => rec('t', null, `n${i}`)));
    expect(nulls.map((m) => m.partition)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('group commit: many concurrent sends share few writes and fsyncs, offsets stay contiguous', async () => {
    const durable = await createEmbeddedBus({
      dataDir: join(dir, 'durable'),
      fsync: 'always',
      logger: quiet,
    });
    await durable.ensureTopics([{ topic: 't', partitions: 1 }]);
    const producer = await durable.producer();
    const before = durable.logStats;
    const metas = await Promise.all(
      Array.from({ length: 200 }, (_, i) => producer.send([rec('t', 'k', `v${i}`)])),
    );
    const after = durable.logStats;
    expect(after.frames - before.frames).toBe(200);
    expect(after.writes - before.writes).toBeLessThan(20);
    expect(after.syncs - before.syncs).toBe(after.writes - before.writes);
    expect(metas.map(([m]) => m!.offset)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    await producer.close();
    await durable.close();
  });

  it('hands out copies: a handler mutating a value does not change the log', async () => {
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const producer = await bus.producer();
    const value = Buffer.from('original');
    await producer.send([{ topic: 't', key: 'k', value, headers: { h: '1' } }]);
    value.write('XXXXXXXX'); // the caller reusing its buffer after send
    const [first] = await readAll('t');
    first!.value!.write('mutated!');
    first!.headers.h = 'changed';
    const [second] = await readAll('t');
    expect(second!.value!.toString()).toBe('original');
    expect(second!.headers).toEqual({ h: '1' });
  });

  it('readPartition stops at the end offset as of the call', async () => {
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const producer = await bus.producer();
    await producer.send([rec('t', 'k', 'a'), rec('t', 'k', 'b')]);
    const iterable = bus.readPartition('t', 0);
    await producer.send([rec('t', 'k', 'c')]);
    const got: string[] = [];
    for await (const r of iterable) got.push(r.value!.toString());
    expect(got).toEqual(['a', 'b']);
  });

  it('refuses to work once closed', async () => {
    const other = await createEmbeddedBus({ dataDir: join(dir, 'closed'), fsync: 'never', logger: quiet });
    await other.ensureTopics([{ topic: 't', partitions: 1 }]);
    const producer = await other.producer();
    await other.close();
    await other.close(); // idempotent
    expect((await errorOf(producer.send([rec('t', 'k', 'v')]))).code).toBe('BUS_CLOSED');
    expect((await errorOf(other.producer())).code).toBe('BUS_CLOSED');
  });
});

describe('embedded bus: transactions', () => {
  beforeEach(async () => {
    await bus.ensureTopics([
      { topic: 'in', partitions: 1 },
      { topic: 'out', partitions: 2 },
    ]);
  });

  it('writes records and offsets of a transaction as one frame, visible together', async () => {
    const tp = await bus.transactionalProducer('step-1');
    const framesBefore = bus.logStats.frames;
    const result = await tp.transaction(async (tx) => {
      await tx.send([rec('out', 'a', '1'), rec('out', 'b', '2')]);
      // Nothing is visible before the commit.
      expect((await bus.endOffsets('out')).every((e) => e.offset === 0)).toBe(true);
      await tx.sendOffsets('g', [{ topic: 'in', partition: 0, offset: 4 }]);
      await tx.send([rec('out', 'a', '3')]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(bus.logStats.frames - framesBefore).toBe(1);
    expect((await bus.endOffsets('out')).reduce((n, e) => n + e.offset, 0)).toBe(3);
    expect(await bus.committedOffsets('g', 'in')).toEqual([{ topic: 'in', partition: 0, offset: 4 }]);
  });

  it('drops everything of an aborted transaction and rethrows its error; consumers never see it', async () => {
    const seen: string[] = [];
    const consumer = await bus.consumer({ groupId: 'reader', topics: ['out'] });
    await consumer.run(collect(seen));
    const tp = await bus.transactionalProducer('step-1');
    const boom = new Error('step failed');
    const err = await errorOf(
      tp.transaction(async (tx) => {
        await tx.send([rec('out', 'k', 'aborted')]);
        await tx.sendOffsets('g', [{ topic: 'in', partition: 0, offset: 9 }]);
        throw boom;
      }),
    );
    expect(err).toBe(boom);
    await tp.transaction(async (tx) => tx.send([rec('out', 'k', 'committed')]));
    await eventually(() => expect(seen).toEqual(['committed']));
    await sleep(50);
    expect(seen).toEqual(['committed']);
    expect(await bus.committedOffsets('g', 'in')).toEqual([]);
    await consumer.stop();
  });

  it('fences an older producer with the same transactional id, even mid-transaction', async () => {
    const old = await bus.transactionalProducer('step-1');
    await old.transaction(async (tx) => tx.send([rec('out', 'k', 'old-1')]));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const inFlight = old.transaction(async (tx) => {
      await tx.send([rec('out', 'k', 'old-2')]);
      await gate;
    });
    const fresh = await bus.transactionalProducer('step-1');
    release();
    expect((await errorOf(inFlight)).code).toBe('PRODUCER_FENCED');
    expect((await errorOf(old.transaction(async (tx) => tx.send([rec('out', 'k', 'old-3')])))).code).toBe(
      'PRODUCER_FENCED',
    );
    await fresh.transaction(async (tx) => tx.send([rec('out', 'k', 'new-1')]));
    const p = partitionFor('k', 2, () => 0);
    expect(values(await readAll('out', p))).toEqual(['old-1', 'new-1']);
    // Another id is not affected.
    const other = await bus.transactionalProducer('step-2');
    await other.transaction(async (tx) => tx.send([rec('out', 'k', 'other')]));
  });

  it('refuses a second concurrent transaction on one producer and a tx used after its end', async () => {
    const tp = await bus.transactionalProducer('step-1');
    let leaked: Parameters<Parameters<typeof tp.transaction>[0]>[0] | undefined;
    let release: () => void = () => undefined;
    const first = tp.transaction(async (tx) => {
      leaked = tx;
      await new Promise<void>((r) => (release = r));
    });
    expect((await errorOf(tp.transaction(() => Promise.resolve(undefined)))).code).toBe(
      'TRANSACTION_IN_PROGRESS',
    );
    release();
    await first;
    expect((await errorOf(leaked!.send([rec('out', 'k', 'late')]))).code).toBe('TRANSACTION_CLOSED');
    await tp.close();
    expect((await errorOf(tp.transaction(() => Promise.resolve(undefined)))).code).toBe('PRODUCER_CLOSED');
  });
});

describe('embedded bus: consumers and groups', () => {
  it('delivers batches in offset order, bounded by maxBatchSize, and waits for new appends', async () => {
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const producer = await bus.producer();
    await producer.send(Array.from({ length: 7 }, (_, i) => rec('t', 'k', `v${i}`)));
    const batches: Batch[] = [];
    const consumer = await bus.consumer({ groupId: 'g', topics: ['t'], maxBatchSize: 3 });
    await consumer.run((batch) => {
      batches.push(batch);
      return Promise.resolve();
    });
    await eventually(() => expect(batches.flatMap((b) => b.records)).toHaveLength(7));
    expect(batches.map((b) => b.records.map((r) => r.offset))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    await producer.send([rec('t', 'k', 'v7')]);
    await eventually(() => expect(batches.flatMap((b) => values(b.records))).toContain('v7'));
    await consumer.stop();
  });

  it('starts at the end with fromBeginning=false when the group has no committed offset', async () => {
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const producer = await bus.producer();
    await producer.send([rec('t', 'k', 'old')]);
    const seen: string[] = [];
    const consumer = await bus.consumer({ groupId: 'g', topics: ['t'], fromBeginning: false });
    await consumer.run(collect(seen));
    await producer.send([rec('t', 'k', 'new')]);
    await eventually(() => expect(seen).toEqual(['new']));
    await consumer.stop();
  });

  it('shares partitions between two members, rebalancing on join and leave from committed offsets', async () => {
    await bus.ensureTopics([{ topic: 't', partitions: 4 }]);
    const producer = await bus.producer();
    for (let p = 0; p < 4; p++) await producer.send([0, 1, 2].map((i) => rec('t', 'k', `p${p}-${i}`, p)));

    const seenA: string[] = [];
    const a = (await bus.consumer({ groupId: 'g', topics: ['t'] })) as EmbeddedConsumer;
    let changesA = 0;
    a.onAssignmentChange(() => changesA++);
    await a.run(async (batch) => {
      seenA.push(...values(batch.records));
      // Commit only the first two records of each partition: the third is redelivered after a rebalance.
      await a.commit([
        {
          topic: batch.topic,
          partition: batch.partition,
          offset: Math.min(2, batch.records.at(-1)!.offset + 1),
        },
      ]);
    });
    expect(changesA).toBe(1);
    expect(a.assignment().map((tp) => tp.partition)).toEqual([0, 1, 2, 3]);
    await eventually(() => expect(seenA).toHaveLength(12));

    const seenB: string[] = [];
    const b = (await bus.consumer({ groupId: 'g', topics: ['t'] })) as EmbeddedConsumer;
    let changesB = 0;
    b.onAssignmentChange(() => changesB++);
    await b.run(collect(seenB));
    expect(changesA).toBe(2);
    expect(changesB).toBe(1);
    // Round-robin over members sorted by id (join order): A gets 0 and 2, B gets 1 and 3.
    expect(a.assignment().map((tp) => tp.partition)).toEqual([0, 2]);
    expect(b.assignment().map((tp) => tp.partition)).toEqual([1, 3]);
    // Both restart from the committed offsets (2): the uncommitted third record is redelivered.
    await eventually(() => expect(seenB.sort()).toEqual(['p1-2', 'p3-2']));
    await eventually(() => expect(seenA.slice(12).sort()).toEqual(['p0-2', 'p2-2']));

    await b.stop();
    expect(changesA).toBe(3);
    expect(a.assignment().map((tp) => tp.partition)).toEqual([0, 1, 2, 3]);
    // Eager rebalance: A too restarts every partition from the committed offsets.
    await eventually(() => expect(seenA.slice(14).sort()).toEqual(['p0-2', 'p1-2', 'p2-2', 'p3-2']));
    await a.stop();
  });

  it('a rebalance waits for the handler in flight: no partition is ever handled by two members at once', async () => {
    await bus.ensureTopics([{ topic: 't', partitions: 2 }]);
    const producer = await bus.producer();
    let active = 0;
    let maxActive = 0;
    const handler = async (batch: Batch): Promise<void> => {
      if (batch.partition !== 1) return;
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(100);
      active--;
    };
    const a = await bus.consumer({ groupId: 'g', topics: ['t'] });
    await a.run(handler);
    await producer.send([rec('t', null, 'x', 1)]);
    await eventually(() => expect(active).toBe(1));
    const b = await bus.consumer({ groupId: 'g', topics: ['t'] });
    await b.run(handler); // joins only after A's handler finished; then B re-reads partition 1
    await eventually(() => expect(active).toBe(1));
    await b.stop();
    await a.stop();
    expect(maxActive).toBe(1);
  });

  it('redelivers from the committed offset after a handler error, with back-off', async () => {
    const calls: { at: number; values: string[] }[] = [];
    const warnings: Record<string, unknown>[] = [];
    const other = await createEmbeddedBus({
      dataDir: join(dir, 'other'),
      fsync: 'never',
      logger: { ...quiet, warn: (f) => warnings.push(f) },
    });
    await other.ensureTopics([{ topic: 't', partitions: 1 }]);
    await (await other.producer()).send(['a', 'b', 'c', 'd'].map((v) => rec('t', 'k', v)));
    const consumer = await other.consumer({ groupId: 'g', topics: ['t'], maxBatchSize: 2 });
    let failures = 0;
    await consumer.run(async (batch) => {
      calls.push({ at: Date.now(), values: values(batch.records) });
      if (batch.records[0]!.value!.toString() === 'a') {
        await consumer.commit([{ topic: 't', partition: 0, offset: 2 }]);
        return;
      }
      if (failures < 2) {
        failures++;
        throw new Error('sink unavailable');
      }
    });
    await eventually(() => expect(calls).toHaveLength(4));
    expect(calls.map((c) => c.values)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
      ['c', 'd'],
    ]);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(95);
    expect(calls[3]!.at - calls[2]!.at).toBeGreaterThanOrEqual(195);
    expect(warnings[0]).toMatchObject({ topic: 't', partition: 0, offset: 2, retryFrom: 2, retryInMs: 100 });
    await consumer.stop();
    await other.close();
  });

  it('stop() waits for the handler in flight; close() stops running consumers', async () => {
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const producer = await bus.producer();
    await producer.send([rec('t', 'k', 'v')]);
    let finished = false;
    const consumer = await bus.consumer({ groupId: 'g', topics: ['t'] });
    let started: () => void = () => undefined;
    const inHandler = new Promise<void>((r) => (started = r));
    await consumer.run(async () => {
      started();
      await sleep(100);
      finished = true;
    });
    await inHandler;
    await consumer.stop();
    expect(finished).toBe(true);
    expect((await errorOf(consumer.commit([{ topic: 't', partition: 0, offset: 1 }]))).code).toBe(
      'CONSUMER_STOPPED',
    );

    const second = await bus.consumer({ groupId: 'g2', topics: ['t'] });
    let handled = false;
    await second.run(async () => {
      await sleep(50);
      handled = true;
    });
    await bus.close(); // afterEach closes again: idempotent
    expect(handled).toBe(true);
  });
});
