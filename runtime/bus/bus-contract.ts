import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionFor } from './partitioner.ts';
import type { Bus, Consumer, InRecord, OutRecord } from './types.ts';

/**
 * The conformance suite of the bus port (CONVENTIONS.md §12): the Kafka and the embedded
 * adapters run exactly these cases, so a processor cannot tell them apart.
 */
export function describeBusContract(name: string, makeBus: () => Promise<Bus>): void {
  describe(`bus contract: ${name}`, () => {
    let bus: Bus;
    beforeAll(async () => {
      bus = await makeBus();
    });
    afterAll(async () => {
      await bus?.close();
    });

    const topicName = (label: string): string => `contract-${label}-${randomUUID().slice(0, 8)}`;
    const groupName = (): string => `contract-group-${randomUUID().slice(0, 8)}`;
    const rec = (topic: string, key: string, value: string, headers?: Record<string, string>): OutRecord => ({
      topic,
      key,
      value: Buffer.from(value),
      headers,
    });

    it('keeps per-key order, partitions by key, and reports offsets', async () => {
      const topic = topicName('order');
      await bus.ensureTopics([{ topic, partitions: 3 }]);
      await bus.ensureTopics([{ topic, partitions: 3 }]); // idempotent
      expect(await bus.partitionCount(topic)).toBe(3);
      const producer = await bus.producer();
      const records: OutRecord[] = [];
      for (let i = 0; i < 120; i++)
        records.push(rec(topic, `patient-${i % 12}`, `v${i}`, { seq: String(i) }));
      const meta = [
        ...(await producer.send(records.slice(0, 60))),
        ...(await producer.send(records.slice(60))),
      ];
      await producer.close();
      expect(meta).toHaveLength(120);
      meta.forEach((m, i) => expect(m.partition).toBe(partitionFor(records[i]!.key, 3, () => 0)));
      const perPartition = new Map<number, number[]>();
      for (const m of meta)
        perPartition.set(m.partition, [...(perPartition.get(m.partition) ?? []), m.offset]);
      for (const offsets of perPartition.values())
        expect(offsets).toEqual(offsets.map((_, i) => offsets[0]! + i));
      const ends = await bus.endOffsets(topic);
      expect(ends.reduce((n, e) => n + e.offset, 0)).toBeGreaterThanOrEqual(120);

      const got = await consumeUntil(bus, groupName(), topic, 120);
      const byKey = new Map<string, number[]>();
      for (const r of got) {
        expect(r.partition).toBe(partitionFor(r.key, 3, () => 0));
        byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), Number(r.headers.seq)]);
      }
      expect(byKey.size).toBe(12);
      for (const seqs of byKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(got.map((r) => r.value!.toString()).sort()).toEqual(
        records.map((r) => r.value!.toString()).sort(),
      );
    });

    it('carries null keys, null values and headers through', async () => {
      const topic = topicName('nulls');
      await bus.ensureTopics([{ topic, partitions: 1 }]);
      const producer = await bus.producer();
      await producer.send([
        { topic, key: null, value: Buffer.from('no key') },
        { topic, key: 'tombstone', value: null, headers: { traceparent: '00-abc', 'x-ü': 'ünïcode' } },
      ]);
      await producer.close();
      const got = await consumeUntil(bus, groupName(), topic, 2);
      expect(got[0]).toMatchObject({ key: null, offset: got[0]!.offset });
      expect(got[0]!.value!.toString()).toBe('no key');
      expect(got[1]).toMatchObject({
        key: 'tombstone',
        value: null,
        headers: { traceparent: '00-abc', 'x-ü': 'ünïcode' },
      });
      expect(got[1]!.timestamp).toBeGreaterThan(Date.now() - 600_000);
    });

    it('refuses a topic that does not exist', async () => {
      const producer = await bus.producer();
      await expect(producer.send([rec(`missing-${randomUUID()}`, 'k', 'v')])).rejects.toMatchObject({
        code: 'UNKNOWN_TOPIC',
      });
      await producer.close();
    });

    it('resumes a consumer group from its committed offset', async () => {
      const topic = topicName('resume');
      const group = groupName();
      await bus.ensureTopics([{ topic, partitions: 1 }]);
      const producer = await bus.producer();
      await producer.send(Array.from({ length: 10 }, (_, i) => rec(topic, 'k', `r${i}`)));
      const first = await consumeUntil(bus, group, topic, 10, { commitThrough: 5 });
      expect(first.map((r) => r.value!.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
      expect(await bus.committedOffsets(group, topic)).toEqual([{ topic, partition: 0, offset: 5 }]);
      await producer.send([rec(topic, 'k', 'r10')]);
      await producer.close();
      const second = await consumeUntil(bus, group, topic, 6);
      expect(second.map((r) => r.value!.toString())).toEqual(['r5', 'r6', 'r7', 'r8', 'r9', 'r10']);
    });

    it('redelivers from the committed offset after a handler error', async () => {
      const topic = topicName('redeliver');
      const group = groupName();
      await bus.ensureTopics([{ topic, partitions: 1 }]);
      const producer = await bus.producer();
      await producer.send(Array.from({ length: 4 }, (_, i) => rec(topic, 'k', `r${i}`)));
      await producer.close();
      const seen: string[] = [];
      let failed = false;
      const consumer = await bus.consumer({ groupId: group, topics: [topic], maxBatchSize: 1 });
      const done = new Promise<void>((resolve) => {
        void consumer.run(async (batch) => {
          for (const r of batch.records) {
            const v = r.value!.toString();
            if (v === 'r2' && !failed) {
              failed = true;
              throw new Error('transient failure');
            }
            seen.push(v);
            await consumer.commit([{ topic, partition: r.partition, offset: r.offset + 1 }]);
            if (v === 'r3') resolve();
          }
        });
      });
      await withTimeout(done, 60_000, 'redelivery');
      await consumer.stop();
      expect(seen).toEqual(['r0', 'r1', 'r2', 'r3']);
    });

    it('transactions: aborted outputs are never seen, committed offsets move only on commit', async () => {
      const topic = topicName('tx');
      const input = topicName('tx-in');
      const group = groupName();
      await bus.ensureTopics([
        { topic, partitions: 1 },
        { topic: input, partitions: 1 },
      ]);
      const tp = await bus.transactionalProducer(`contract-tx-${randomUUID()}`);
      await tp.transaction(async (tx) => {
        await tx.send([rec(topic, 'k', 'committed-1')]);
        await tx.sendOffsets(group, [{ topic: input, partition: 0, offset: 3 }]);
      });
      await expect(
        tp.transaction(async (tx) => {
          await tx.send([rec(topic, 'k', 'aborted')]);
          await tx.sendOffsets(group, [{ topic: input, partition: 0, offset: 7 }]);
          throw new Error('step failed');
        }),
      ).rejects.toThrow('step failed');
      await tp.transaction(async (tx) => {
        await tx.send([rec(topic, 'k', 'committed-2')]);
      });
      await tp.close();
      const got = await consumeUntil(bus, groupName(), topic, 2, { settleMs: 1_500 });
      expect(got.map((r) => r.value!.toString())).toEqual(['committed-1', 'committed-2']);
      expect(await bus.committedOffsets(group, input)).toEqual([{ topic: input, partition: 0, offset: 3 }]);
      const restored: string[] = [];
      for await (const r of bus.readPartition(topic, 0)) restored.push(r.value!.toString());
      expect(restored).toEqual(['committed-1', 'committed-2']);
    });

    it('transactions: one transaction larger than a broker message (1.5 MiB into one partition) commits', async () => {
      // 500 state-changelog records of ~3 kB in one partition: more than Kafka's default
      // message.max.bytes if sent as one record batch.
      const topic = topicName('tx-big');
      await bus.ensureTopics([{ topic, partitions: 1, compacted: true }]);
      const tp = await bus.transactionalProducer(`contract-tx-big-${randomUUID()}`);
      const value = 'x'.repeat(3_000);
      await tp.transaction(async (tx) => {
        await tx.send(
          Array.from({ length: 500 }, (_, i) => ({ ...rec(topic, `person-${i}`, value), partition: 0 })),
        );
      });
      await tp.close();
      let n = 0;
      for await (const r of bus.readPartition(topic, 0)) if (r.value?.length === 3_000) n++;
      expect(n).toBe(500);
    });

    it('reads a partition to its end from an offset (state restore)', async () => {
      const topic = topicName('restore');
      await bus.ensureTopics([{ topic, partitions: 2, compacted: true }]);
      const producer = await bus.producer();
      await producer.send(
        Array.from({ length: 20 }, (_, i) => ({
          topic,
          key: `k${i}`,
          value: Buffer.from(`v${i}`),
          partition: i % 2,
        })),
      );
      await producer.close();
      const all: InRecord[] = [];
      for await (const r of bus.readPartition(topic, 1)) all.push(r);
      expect(all.map((r) => r.value!.toString())).toEqual(
        Array.from({ length: 10 }, (_, i) => `v${i * 2 + 1}`),
      );
      const tail: string[] = [];
      for await (const r of bus.readPartition(topic, 1, all[7]!.offset)) tail.push(r.value!.toString());
      expect(tail).toEqual(['v15', 'v17', 'v19']);
      const empty: InRecord[] = [];
      for await (const r of bus.readPartition(topic, 0, 1_000)) empty.push(r);
      expect(empty).toEqual([]);
    });
  });
}

interface ConsumeOptions {
  /** Commit the position after this many records (then keep reading). */
  commitThrough?: number;
  /** After reaching the count, keep listening this long to catch records that should not be there. */
  settleMs?: number;
}

/** Consumes with a fresh member of `group` until `count` records arrived, then stops it. */
export async function consumeUntil(
  bus: Bus,
  group: string,
  topic: string,
  count: number,
  options: ConsumeOptions = {},
): Promise<InRecord[]> {
  const got: InRecord[] = [];
  const consumer: Consumer = await bus.consumer({ groupId: group, topics: [topic] });
  let reached: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (reached = resolve));
  await consumer.run(async (batch) => {
    for (const r of batch.records) {
      got.push(r);
      if (options.commitThrough !== undefined && got.length === options.commitThrough) {
        await consumer.commit([{ topic, partition: r.partition, offset: r.offset + 1 }]);
      }
    }
    if (got.length >= count) reached();
  });
  try {
    await withTimeout(done, 60_000, `consuming ${count} records from ${topic}`);
    if (options.settleMs) await new Promise((r) => setTimeout(r, options.settleMs));
  } finally {
    await consumer.stop();
  }
  return got;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
