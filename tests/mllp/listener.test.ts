import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../runtime/bus/embedded/index.ts';
import type { Bus, InRecord, Producer } from '../../runtime/bus/types.ts';
import { createLocalCodec, type Codec } from '../../schemas/codec.ts';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/index.ts';
import type { DeadLetter } from '../../runtime/runner/dead-letter.ts';
import { defaultMllpSettings, type MllpSettings } from '../../producers/mllp/config.ts';
import { startMllpListener, type Hl7RawValue, type MllpListener } from '../../producers/mllp/listener.ts';
import { RawClient, frame, hl7, sleep } from './helpers.ts';
import { readTopic } from '../support/read-topic.ts';

const silent = pino({ level: 'silent' });

/** The same bus with another producer (a failing or held-back one). */
function withProducer(bus: Bus, producer: () => Promise<Producer>): Bus {
  return Object.assign(Object.create(bus) as Bus, { producer });
}

describe('MLLP listener on the embedded bus (fsync always)', () => {
  let dir: string;
  let bus: Bus;
  let codec: Codec;
  let telemetry: Telemetry;
  let listener: MllpListener | undefined;
  const clients: RawClient[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-mllp-'));
    bus = await createEmbeddedBus({ dataDir: dir, fsync: 'always' });
    codec = await createLocalCodec();
    telemetry = await createTelemetry({ serviceName: 'mllp-test', inMemory: true });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await listener?.close();
    listener = undefined;
    await bus.close();
    await telemetry.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(over: Partial<MllpSettings> = {}, useBus: Bus = bus): Promise<MllpListener> {
    listener = await startMllpListener(
      { bus: useBus, codec, telemetry, logger: silent, partitions: 2 },
      defaultMllpSettings({ port: 0, host: '127.0.0.1', drainTimeoutMs: 2_000, ...over }),
    );
    return listener;
  }
  async function client(l: MllpListener = listener!): Promise<RawClient> {
    const c = await RawClient.connect(l.port!);
    clients.push(c);
    return c;
  }
  const readAll = (topic: string, from: Bus = bus): Promise<InRecord[]> => readTopic(from, topic);
  async function raws(): Promise<Hl7RawValue[]> {
    return Promise.all(
      (await readAll('hl7.raw.v1')).map(async (r) => await codec.decode<Hl7RawValue>('hl7.raw.v1', r.value!)),
    );
  }
  async function letters(): Promise<DeadLetter[]> {
    return Promise.all(
      (await readAll('deadletter.v1')).map(
        async (r) => await codec.decode<DeadLetter>('deadletter.v1', r.value!),
      ),
    );
  }

  it('ACKs AA only once the record is readable from the bus, with key and MSH fields', async () => {
    await start();
    const c = await client();
    const msg = hl7({ controlId: 'MSG1', patient: '123' });
    const ack = await c.send(msg);
    expect(ack).toMatchObject({ code: 'AA', controlId: 'MSG1', errCode: null });
    const records = await readAll('hl7.raw.v1');
    expect(records).toHaveLength(1);
    expect(records[0]!.key).toBe('CLINIC-A|123^HOSP');
    const v = (await raws())[0]!;
    expect(v.messageBytes.toString('latin1')).toBe(msg);
    expect(v).toMatchObject({
      sendingApplication: 'TEST-EHR',
      sendingFacility: 'CLINIC-A',
      messageCode: 'ADT',
      triggerEvent: 'A04',
      messageStructure: 'ADT_A01',
      messageControlId: 'MSG1',
      processingId: 'P',
      versionId: '2.5.1',
      listenerId: 'mllp',
      duplicate: false,
      duplicateReason: null,
    });
    expect(v.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    const m = await telemetry.collect();
    expect(m['gapstream_mllp_acks_total{code="AA",source="CLINIC-A"}']).toBe(1);
    expect(m['gapstream_records_emitted_total{stage="mllp"}']).toBe(1);
    expect(m['gapstream_mllp_ack_latency_ms_count{source="CLINIC-A"}']).toBe(1);
  });

  it('answers AE with ERR 207 and never AA when the durable write fails; CE in enhanced mode', async () => {
    const failing = withProducer(bus, () =>
      Promise.resolve({
        send: () => Promise.reject(new Error('broker unavailable')),
        close: () => Promise.resolve(),
      }),
    );
    await start({}, failing);
    const c = await client();
    expect(await c.send(hl7({ controlId: 'F1' }))).toMatchObject({
      code: 'AE',
      controlId: 'F1',
      errCode: '207',
    });
    expect(await c.send(hl7({ controlId: 'F2', enhanced: true }))).toMatchObject({
      code: 'CE',
      errCode: '207',
    });
    expect(await readAll('hl7.raw.v1')).toHaveLength(0);
  });

  it('answers AE 207 when the write hangs past the timeout; a later resend is not published twice', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const real = await bus.producer();
    const slow = withProducer(bus, () =>
      Promise.resolve({
        send: async (records) => {
          await gate;
          return real.send(records);
        },
        close: () => real.close(),
      }),
    );
    await start({ writeTimeoutMs: 300 }, slow);
    const c = await client();
    const msg = hl7({ controlId: 'H1' });
    const t0 = Date.now();
    expect(await c.send(msg)).toMatchObject({ code: 'AE', errCode: '207' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    release();
    await sleep(100);
    // The first copy did get stored after the NAK: the resend is re-ACKed, not republished.
    expect(await c.send(msg)).toMatchObject({ code: 'AA', controlId: 'H1' });
    expect(await readAll('hl7.raw.v1')).toHaveLength(1);
  });

  const rejections: [string, string | Buffer, string, string, string][] = [
    [
      'wrong charset (Latin-1 bytes declared UTF-8)',
      Buffer.from(hl7({ controlId: 'R1', charset: 'UNICODE UTF-8', note: 'caf\xe9' }), 'latin1'),
      'AE',
      '102',
      'MLLP_CHARSET_MISMATCH',
    ],
    ['unknown charset', hl7({ controlId: 'R2', charset: 'EBCDIC' }), 'AR', '103', 'MLLP_CHARSET_UNSUPPORTED'],
    [
      '8-bit bytes with no MSH-18 (default ASCII)',
      Buffer.from(hl7({ controlId: 'R3', note: 'caf\xe9' }), 'latin1'),
      'AE',
      '102',
      'MLLP_CHARSET_MISMATCH',
    ],
    ['missing MSH-10', hl7({ controlId: '' }), 'AE', '101', 'MLLP_REQUIRED_FIELD_MISSING'],
    [
      'unsupported message type',
      hl7({ controlId: 'R5', type: 'ORM^O01' }),
      'AR',
      '200',
      'MLLP_UNSUPPORTED_MESSAGE_TYPE',
    ],
    ['unsupported event', hl7({ controlId: 'R6', type: 'ADT^A99' }), 'AR', '201', 'MLLP_UNSUPPORTED_EVENT'],
    [
      'unsupported version',
      hl7({ controlId: 'R7', version: '2.1' }),
      'AR',
      '203',
      'MLLP_UNSUPPORTED_VERSION',
    ],
    [
      'processing id not accepted',
      hl7({ controlId: 'R8', processingId: 'T' }),
      'AR',
      '202',
      'MLLP_UNSUPPORTED_PROCESSING_ID',
    ],
    [
      'MSH not first (segment order)',
      'EVN|A04|20260101\r' + hl7({ controlId: 'R9' }),
      'AE',
      '100',
      'MLLP_MSH_NOT_FIRST',
    ],
    ['no MSH at all', 'PID|1||X^^^H^MR\r', 'AR', '100', 'MLLP_NO_MSH'],
  ];
  it.each(rejections)(
    '%s → %s with ERR %s, a dead letter, and the next message is accepted',
    async (_name, msg, code, err, errorCode) => {
      await start();
      const c = await client();
      const ack = await c.send(msg);
      expect(ack).toMatchObject({ code, errCode: err });
      if (errorCode !== 'MLLP_NO_MSH' && errorCode !== 'MLLP_REQUIRED_FIELD_MISSING')
        expect(ack!.controlId).toMatch(/^R\d$/);
      const dl = await letters();
      expect(dl).toHaveLength(1);
      expect(dl[0]).toMatchObject({ stage: 'mllp', errorCode });
      expect(dl[0]!.reason).toContain(`HL7 ${err}`);
      expect(Buffer.from(dl[0]!.originalBytes)).toEqual(
        typeof msg === 'string' ? Buffer.from(msg, 'latin1') : msg,
      );
      expect(dl[0]!.reason).not.toContain('DOE');
      expect(await c.send(hl7({ controlId: 'OK1' }))).toMatchObject({ code: 'AA', controlId: 'OK1' });
      expect(await readAll('hl7.raw.v1')).toHaveLength(1);
    },
  );

  it('rejects in enhanced mode with CR (type) and CE (content)', async () => {
    await start();
    const c = await client();
    expect(await c.send(hl7({ controlId: 'E1', type: 'ORM^O01', enhanced: true }))).toMatchObject({
      code: 'CR',
      errCode: '200',
    });
    expect(await c.send(hl7({ controlId: '', enhanced: true }))).toMatchObject({
      code: 'CE',
      errCode: '101',
    });
    expect(await c.send(hl7({ controlId: 'E3', enhanced: true }))).toMatchObject({
      code: 'CA',
      controlId: 'E3',
    });
  });

  it('uses ERR-1 for v2.3 senders', async () => {
    await start();
    const c = await client();
    const ack = await c.send(hl7({ controlId: 'V1', version: '2.3', type: 'ORM^O01' }));
    expect(ack!.code).toBe('AR');
    expect(ack!.text).toContain('ERR|MSH^1^9^200&Unsupported message type&HL70357');
  });

  it('rejects a 50 MB frame (AR 207, dead letter of the head), keeps serving another connection, memory not held', async () => {
    await start({ maxMessageBytes: 1024 * 1024 });
    const big = await client();
    const other = await client();
    const heapBefore = process.memoryUsage().heapUsed;
    big.write(Buffer.from('\x0b' + hl7({ controlId: 'BIG' })));
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    let otherAck: Promise<unknown> | undefined;
    for (let i = 0; i < 50; i++) {
      if (!big.socket.write(chunk)) await new Promise((r) => big.socket.once('drain', r));
      if (i === 25) otherAck = other.send(hl7({ controlId: 'SMALL' }));
    }
    big.write(Buffer.from('\x1c\r'));
    expect(await otherAck).toMatchObject({ code: 'AA', controlId: 'SMALL' });
    expect(await big.nextAck(20_000)).toMatchObject({ code: 'AR', controlId: 'BIG', errCode: '207' });
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(30 * 1024 * 1024);
    const dl = await letters();
    expect(dl).toHaveLength(1);
    expect(dl[0]!.errorCode).toBe('MLLP_MESSAGE_TOO_LARGE');
    expect(dl[0]!.originalBytes.length).toBeLessThanOrEqual(64 * 1024);
    expect(await big.send(hl7({ controlId: 'AFTER' }))).toMatchObject({ code: 'AA' });
  });

  it('closes the connection on garbage and on a missing end block, and keeps serving others', async () => {
    await start();
    const bad = await client();
    const good = await client();
    bad.write(Buffer.from('this is not MLLP\r\n'));
    expect(await bad.waitClosed()).toBe(true);
    const bad2 = await client();
    bad2.write(Buffer.from('\x0b' + hl7({ controlId: 'T1' })));
    bad2.write(frame(hl7({ controlId: 'T2' })));
    expect(await bad2.waitClosed()).toBe(true);
    const trunc = await client();
    trunc.write(frame(hl7({ controlId: 'T3' })).subarray(0, 30));
    trunc.close();
    expect(await good.send(hl7({ controlId: 'G1' }))).toMatchObject({ code: 'AA' });
    const m = await telemetry.collect();
    expect(m['gapstream_errors_total{code="MLLP_DATA_OUTSIDE_FRAME",stage="mllp"}']).toBe(1);
    expect(m['gapstream_errors_total{code="MLLP_START_BLOCK_IN_FRAME",stage="mllp"}']).toBe(1);
  });

  it('handles split and coalesced frames on a real socket, in order', async () => {
    await start();
    const c = await client();
    const stream = Buffer.concat([1, 2, 3].map((i) => frame(hl7({ controlId: `S${i}` }))));
    for (let i = 0; i < stream.length; i += 7) {
      c.write(stream.subarray(i, i + 7));
      await sleep(1);
    }
    const acks = [await c.nextAck(), await c.nextAck(), await c.nextAck()];
    expect(acks.map((a) => a?.controlId)).toEqual(['S1', 'S2', 'S3']);
    const c2 = await client();
    c2.write(Buffer.concat([frame(hl7({ controlId: 'X1' })), frame(hl7({ controlId: 'X2' }))]));
    expect((await c2.nextAck())?.controlId).toBe('X1');
    expect((await c2.nextAck())?.controlId).toBe('X2');
  });

  it('accepts CRLF and LF segment endings as received', async () => {
    await start();
    const c = await client();
    expect(await c.send(hl7({ controlId: 'L1' }).replace(/\r/g, '\r\n'))).toMatchObject({ code: 'AA' });
    expect(
      await c.send(
        hl7({ controlId: 'L2', charset: 'UNICODE UTF-8', note: 'café' }).replace(/\r/g, '\n'),
        undefined,
      ),
    ).toMatchObject({ code: 'AE' });
    const utf8 = Buffer.from(hl7({ controlId: 'L3', charset: 'UNICODE UTF-8', note: 'café' }), 'utf8');
    expect(await c.send(utf8)).toMatchObject({ code: 'AA' });
    expect(
      await c.send(Buffer.from(hl7({ controlId: 'L4', charset: '8859/1', note: 'caf\xe9' }), 'latin1')),
    ).toMatchObject({ code: 'AA' });
  });

  it('re-ACKs a resend without publishing it; publishes a reused control id flagged; across a restart', async () => {
    await start();
    let c = await client();
    const msg = hl7({ controlId: 'D1' });
    expect(await c.send(msg)).toMatchObject({ code: 'AA' });
    expect(await c.send(msg)).toMatchObject({ code: 'AA', controlId: 'D1' });
    expect(await c.send(hl7({ controlId: 'D1', patient: 'OTHER' }))).toMatchObject({ code: 'AA' });
    let values = await raws();
    expect(values).toHaveLength(2);
    expect(values.map((v) => [v.duplicate, v.duplicateReason])).toContainEqual([true, 'CONTROL_ID_REUSED']);
    const m = await telemetry.collect();
    expect(m['gapstream_mllp_duplicates_total{source="CLINIC-A"}']).toBe(2);
    // Same control id from another facility is not a duplicate.
    expect(await c.send(hl7({ controlId: 'D1', facility: 'CLINIC-B' }))).toMatchObject({ code: 'AA' });

    await listener!.close();
    listener = undefined;
    const l2 = await start();
    expect(l2.duplicateIndexSize).toBe(2);
    c = await client(l2);
    expect(await c.send(msg)).toMatchObject({ code: 'AA', controlId: 'D1' });
    values = await raws();
    expect(values).toHaveLength(3);
  });

  it('publishes each message of a batch and answers one batch of ACKs', async () => {
    await start();
    const c = await client();
    const batch =
      'FHS|^~\\&|TEST-EHR|CLINIC-A|||20260101||||F1\r' +
      'BHS|^~\\&|TEST-EHR|CLINIC-A|||20260101||||B1\r' +
      hl7({ controlId: 'BM1', patient: 'A' }) +
      hl7({ controlId: 'BM2', patient: 'B', type: 'ORM^O01' }) +
      hl7({ controlId: 'BM3', patient: 'C' }) +
      'BTS|3\rFTS|1\r';
    c.write(frame(batch));
    const text = (await c.nextAckText())!;
    const segs = text.split('\r').filter(Boolean);
    expect(segs[0]).toMatch(/^BHS\|\^~\\&\|\|\|TEST-EHR\|CLINIC-A\|/);
    expect(segs[0]!.split('|')[11]).toBe('B1');
    expect(segs.filter((s) => s.startsWith('MSA|')).map((s) => s.split('|').slice(1, 3).join(' '))).toEqual([
      'AA BM1',
      'AR BM2',
      'AA BM3',
    ]);
    expect(segs.at(-1)).toBe('BTS|3');
    const values = await raws();
    expect(values.map((v) => v.messageControlId).sort()).toEqual(['BM1', 'BM3']);
    expect(values.find((v) => v.messageControlId === 'BM3')!.messageBytes.toString('latin1')).toBe(
      hl7({ controlId: 'BM3', patient: 'C' }),
    );
    expect(await letters()).toHaveLength(1);
  });

  it('stops reading sockets at the in-flight cap and stays bounded, then drains', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const real = await bus.producer();
    let sends = 0;
    const held = withProducer(bus, () =>
      Promise.resolve({
        send: async (records) => {
          sends++;
          await gate;
          return real.send(records);
        },
        close: () => real.close(),
      }),
    );
    const l = await start(
      { maxInFlightBytes: 256 * 1024, maxMessageBytes: 64 * 1024, writeTimeoutMs: 60_000 },
      held,
    );
    const conns = await Promise.all(Array.from({ length: 8 }, () => client(l)));
    // Each sender pipelines (misbehaves) 200 messages of ~20 KB: 32 MB offered.
    const heapBefore = process.memoryUsage().heapUsed;
    conns.forEach((c, i) => {
      for (let k = 0; k < 200; k++)
        c.write(frame(hl7({ controlId: `P${i}-${k}`, patient: `p${i}`, pad: 20_000 })));
    });
    await sleep(1_500);
    expect(l.paused).toBe(true);
    expect(l.inFlightBytes).toBeLessThan(256 * 1024 + 8 * 5 * 21 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(40 * 1024 * 1024);
    expect(sends).toBeGreaterThan(0);
    release();
    const acks = await Promise.all(
      conns.map(async (c) => {
        const got: string[] = [];
        for (let k = 0; k < 200; k++) got.push((await c.nextAck(30_000))!.code);
        return got;
      }),
    );
    expect(acks.flat().every((code) => code === 'AA')).toBe(true);
    expect(await readAll('hl7.raw.v1')).toHaveLength(1600);
    expect(l.inFlightBytes).toBe(0);
  }, 60_000);

  it('keeps one patient in arrival order on one partition', async () => {
    await start();
    const c = await client();
    for (let i = 0; i < 20; i++) await c.send(hl7({ controlId: `O${i}`, patient: i % 2 ? 'odd' : 'even' }));
    const recs = await readAll('hl7.raw.v1');
    for (const key of ['CLINIC-A|odd^HOSP', 'CLINIC-A|even^HOSP']) {
      const mine = recs.filter((r) => r.key === key);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      const ids = await Promise.all(
        mine.map(async (r) => (await codec.decode<Hl7RawValue>('hl7.raw.v1', r.value!)).messageControlId),
      );
      expect(ids).toEqual(ids.slice().sort((a, b) => Number(a!.slice(1)) - Number(b!.slice(1))));
    }
  });

  it('graceful close answers frames already read, then closes the sockets', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const real = await bus.producer();
    const slow = withProducer(bus, () =>
      Promise.resolve({
        send: async (records) => {
          await gate;
          return real.send(records);
        },
        close: () => real.close(),
      }),
    );
    const l = await start({}, slow);
    const c = await client(l);
    c.write(frame(hl7({ controlId: 'Z1' })));
    await sleep(100);
    const closing = l.close();
    setTimeout(release, 200);
    expect(await c.nextAck()).toMatchObject({ code: 'AA', controlId: 'Z1' });
    await closing;
    listener = undefined;
    expect(await c.waitClosed()).toBe(true);
  });
});
