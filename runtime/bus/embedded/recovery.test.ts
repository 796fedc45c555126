import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GapstreamError } from '../../errors.ts';
import type { InRecord } from '../types.ts';
import type { EmbeddedBusLogger } from './config.ts';
import { createEmbeddedBus, type EmbeddedBus, LOG_FILE_NAME } from './embedded-bus.ts';
import { encodeFrame } from './log-codec.ts';

interface Captured {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

function capture(): { logger: EmbeddedBusLogger; lines: Captured[] } {
  const lines: Captured[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, msg: string): void => {
      lines.push({ level, fields, msg });
    };
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

async function readAll(bus: EmbeddedBus, topic: string, partition = 0): Promise<InRecord[]> {
  const out: InRecord[] = [];
  for await (const r of bus.readPartition(topic, partition)) out.push(r);
  return out;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gapstream-bus-recovery-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `count` records one send (one frame) at a time; returns the log size before the last. */
async function writeRecords(count: number): Promise<{ sizeBeforeLast: number; size: number }> {
  const bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never' });
  await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
  const producer = await bus.producer();
  let sizeBeforeLast = 0;
  for (let i = 0; i < count; i++) {
    if (i === count - 1) sizeBeforeLast = bus.logBytes;
    await producer.send([{ topic: 't', key: 'k', value: Buffer.from(`v${i}`), headers: { n: String(i) } }]);
  }
  const size = bus.logBytes;
  await bus.close();
  return { sizeBeforeLast, size };
}

describe('embedded bus recovery', () => {
  it('drops a truncated last frame, keeps the rest, and continues offsets from there', async () => {
    const { sizeBeforeLast, size } = await writeRecords(10);
    expect((await stat(join(dir, LOG_FILE_NAME))).size).toBe(size);
    await truncate(join(dir, LOG_FILE_NAME), size - 3);

    const { logger, lines } = capture();
    const bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never', logger });
    expect(bus.recovery).toEqual({
      frames: 10,
      bytes: sizeBeforeLast,
      droppedBytes: size - 3 - sizeBeforeLast,
    });
    const warning = lines.find((l) => l.level === 'warn');
    expect(warning?.fields).toMatchObject({
      droppedBytes: size - 3 - sizeBeforeLast,
      keptBytes: sizeBeforeLast,
    });
    expect((await stat(join(dir, LOG_FILE_NAME))).size).toBe(sizeBeforeLast);

    const survivors = await readAll(bus, 't');
    expect(survivors.map((r) => [r.offset, r.value?.toString(), r.headers.n])).toEqual(
      Array.from({ length: 9 }, (_, i) => [i, `v${i}`, String(i)]),
    );
    const producer = await bus.producer();
    const [meta] = await producer.send([{ topic: 't', key: 'k', value: Buffer.from('after') }]);
    expect(meta).toEqual({ topic: 't', partition: 0, offset: 9 });
    await bus.close();

    const again = capture();
    const reopened = await createEmbeddedBus({ dataDir: dir, fsync: 'never', logger: again.logger });
    expect(again.lines).toEqual([]);
    expect(reopened.recovery.droppedBytes).toBe(0);
    const all = await readAll(reopened, 't');
    expect(all.map((r) => r.value?.toString())).toEqual([
      ...Array.from({ length: 9 }, (_, i) => `v${i}`),
      'after',
    ]);
    expect(await reopened.endOffsets('t')).toEqual([{ topic: 't', partition: 0, offset: 10 }]);
    await reopened.close();
  });

  it('drops a last frame whose bytes were corrupted (CRC mismatch)', async () => {
    const { sizeBeforeLast, size } = await writeRecords(5);
    const path = join(dir, LOG_FILE_NAME);
    const bytes = await readFile(path);
    bytes[size - 2]! ^= 0x55;
    await writeFile(path, bytes);

    const { logger, lines } = capture();
    const bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never', logger });
    expect(bus.recovery.droppedBytes).toBe(size - sizeBeforeLast);
    expect(lines[0]?.fields.reason).toMatch(/CRC/);
    expect((await readAll(bus, 't')).map((r) => r.value?.toString())).toEqual(['v0', 'v1', 'v2', 'v3']);
    await bus.close();
  });

  it('drops zeros a crash left after the last frame', async () => {
    const { size } = await writeRecords(3);
    await appendFile(join(dir, LOG_FILE_NAME), Buffer.alloc(4096));
    const { logger } = capture();
    const bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never', logger });
    expect(bus.recovery).toMatchObject({ frames: 4, bytes: size, droppedBytes: 4096 });
    expect(await readAll(bus, 't')).toHaveLength(3);
    await bus.close();
  });

  it('refuses to open a log whose frame passes its CRC but cannot be decoded, and releases the lock', async () => {
    await writeRecords(2);
    const payload = Buffer.from([9]); // unknown format version
    const header = Buffer.alloc(8);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    await appendFile(
      join(dir, LOG_FILE_NAME),
      Buffer.concat([header, payload, encodeFrame({ topics: [], records: [], offsets: [] })]),
    );
    const { logger } = capture();
    for (let i = 0; i < 2; i++) {
      const err = (await createEmbeddedBus({ dataDir: dir, fsync: 'never', logger }).catch(
        (e: unknown) => e,
      )) as GapstreamError;
      expect(err.code).toBe('EMBEDDED_LOG_CORRUPT'); // not EMBEDDED_LOCKED the second time
    }
  });

  it('keeps committed group offsets and topic settings across a restart', async () => {
    const bus = await createEmbeddedBus({ dataDir: dir, fsync: 'always' });
    await bus.ensureTopics([
      { topic: 'a', partitions: 3 },
      { topic: 'changelog', partitions: 2, compacted: true },
    ]);
    const consumer = await bus.consumer({ groupId: 'g', topics: ['a'] });
    await consumer.commit([
      { topic: 'a', partition: 0, offset: 5 },
      { topic: 'a', partition: 2, offset: 7 },
    ]);
    await consumer.commit([{ topic: 'a', partition: 0, offset: 6 }]);
    await bus.close();

    const reopened = await createEmbeddedBus({ dataDir: dir, fsync: 'always' });
    expect(await reopened.committedOffsets('g', 'a')).toEqual([
      { topic: 'a', partition: 0, offset: 6 },
      { topic: 'a', partition: 2, offset: 7 },
    ]);
    expect(await reopened.partitionCount('a')).toBe(3);
    expect(await reopened.partitionCount('changelog')).toBe(2);
    expect(reopened.state.topics.get('changelog')?.compacted).toBe(true);
    await reopened.close();
  });

  it('recovers a log larger than one read chunk', async () => {
    const bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never' });
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const producer = await bus.producer();
    const value = Buffer.alloc(300 * 1024, 1);
    for (let i = 0; i < 8; i++)
      await producer.send([{ topic: 't', key: null, value: Buffer.concat([Buffer.from([i]), value]) }]);
    await bus.close();
    const reopened = await createEmbeddedBus({ dataDir: dir, fsync: 'never' });
    const records = await readAll(reopened, 't');
    expect(records.map((r) => [r.offset, r.value?.[0], r.value?.length])).toEqual(
      Array.from({ length: 8 }, (_, i) => [i, i, value.length + 1]),
    );
    await reopened.close();
  });
});
