/**
 * The listener on real Kafka + Schema Registry (infra/local): durable ACKs end to end, duplicates,
 * per-patient order, and Kafka stopped while senders send. Runs serially (integration project).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withNamespace } from '../../runtime/bus/namespaced-bus.ts';
import type { Bus, InRecord } from '../../runtime/bus/types.ts';
import { createRegistryCodec, type Codec } from '../../schemas/codec.ts';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/index.ts';
import { defaultMllpSettings, type MllpSettings } from '../../producers/mllp/config.ts';
import { startMllpListener, type Hl7RawValue, type MllpListener } from '../../producers/mllp/listener.ts';
import { makeKafkaBus, requireListening, stack } from '../support/stack.ts';
import { RawClient, hl7, sleep } from './helpers.ts';

const run = promisify(execFile);

describe('MLLP listener on real Kafka and Schema Registry', () => {
  let raw: Bus;
  let codec: Codec;
  let telemetry: Telemetry;

  beforeAll(async () => {
    await requireListening('Schema Registry', new URL(stack.schemaRegistryUrl).host);
    raw = await makeKafkaBus();
    codec = await createRegistryCodec({ url: stack.schemaRegistryUrl });
    telemetry = await createTelemetry({ serviceName: 'mllp-int', inMemory: true });
  });
  afterAll(async () => {
    await raw?.close();
    await telemetry?.shutdown();
  });

  async function start(bus: Bus, over: Partial<MllpSettings> = {}): Promise<MllpListener> {
    return startMllpListener(
      {
        bus,
        codec,
        telemetry,
        logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
        partitions: 3,
      },
      defaultMllpSettings({ host: '127.0.0.1', port: 0, ...over }),
    );
  }
  async function readRaw(
    bus: Bus,
  ): Promise<(Hl7RawValue & { partition: number; offset: number; key: string | null })[]> {
    const recs: InRecord[] = [];
    for (let p = 0; p < (await bus.partitionCount('hl7.raw.v1')); p++)
      for await (const r of bus.readPartition('hl7.raw.v1', p)) recs.push(r);
    return Promise.all(
      recs.map(async (r) => ({
        ...(await codec.decode<Hl7RawValue>('hl7.raw.v1', r.value!)),
        partition: r.partition,
        offset: r.offset,
        key: r.key,
      })),
    );
  }

  it('N messages over several connections (medplum Hl7Client): every AA in hl7.raw.v1 once, resends not republished, per-patient order', async () => {
    const bus = withNamespace(raw, `mllp-${randomUUID().slice(0, 8)}`);
    const listener = await start(bus);
    const connections = 6;
    const perConnection = 40;
    const patients = 5;
    const acked: string[] = [];
    try {
      await Promise.all(
        Array.from({ length: connections }, async (_, c) => {
          const client = new Hl7Client({ host: '127.0.0.1', port: listener.port!, keepAlive: true });
          try {
            for (let i = 0; i < perConnection; i++) {
              const id = `K${c}-${i}`;
              // Patient p's messages all go over connection p % connections... and others: order is per connection.
              const text = hl7({ controlId: id, patient: `c${c}p${i % patients}`, note: `seq ${i}` });
              const ack = await client.sendAndWait(Hl7Message.parse(text), { timeoutMs: 20_000 });
              expect(ack.getSegment('MSA')?.getField(1)?.toString()).toBe('AA');
              acked.push(id);
              if (i % 10 === 0) {
                // A resend of the same message (lost ACK): AA again, not republished.
                const again = await client.sendAndWait(Hl7Message.parse(text), { timeoutMs: 20_000 });
                expect(again.getSegment('MSA')?.getField(1)?.toString()).toBe('AA');
              }
            }
          } finally {
            await client.close();
          }
        }),
      );
    } finally {
      await listener.close();
    }
    const values = await readRaw(bus);
    const ids = values.map((v) => v.messageControlId!);
    expect(ids.length).toBe(connections * perConnection);
    expect(new Set(ids)).toEqual(new Set(acked));
    expect(values.every((v) => !v.duplicate)).toBe(true);
    // Per patient: one partition, offsets in send order.
    const byKey = new Map<string, typeof values>();
    for (const v of values) byKey.set(v.key!, [...(byKey.get(v.key!) ?? []), v]);
    expect(byKey.size).toBe(connections * patients);
    for (const list of byKey.values()) {
      expect(new Set(list.map((v) => v.partition)).size).toBe(1);
      const seq = list
        .sort((a, b) => a.offset - b.offset)
        .map((v) => Number(v.messageControlId!.split('-')[1]));
      expect(seq).toEqual(seq.slice().sort((a, b) => a - b));
    }
    const m = await telemetry.collect();
    expect(m['gapstream_mllp_duplicates_total{source="CLINIC-A"}']).toBeGreaterThanOrEqual(connections * 4);
  }, 180_000);

  it('Kafka stopped while senders send: no AA for anything not written; resends accepted after restart; nothing AA’d missing', async () => {
    const bus = withNamespace(raw, `mllp-fault-${randomUUID().slice(0, 8)}`);
    const listener = await start(bus, { writeTimeoutMs: 2_000 });
    const acked = new Set<string>();
    const naks: Record<string, number> = {};
    let stopRequested = false;
    const senders = 4;
    const perSender = 60;
    const kafkaCmd = (cmd: 'stop' | 'start'): Promise<unknown> =>
      run('bash', ['infra/local/kafka.sh', cmd], { cwd: process.cwd(), timeout: 180_000 });
    let kafkaStopped = false;
    try {
      const sending = Promise.all(
        Array.from({ length: senders }, async (_, s) => {
          let client = await RawClient.connect(listener.port!);
          for (let i = 0; i < perSender; i++) {
            const id = `F${s}-${i}`;
            const text = hl7({ controlId: id, patient: `s${s}` });
            // A sender as engines behave: resend the same message until AA (timeout, AE, closed).
            for (;;) {
              if (client.closed) client = await RawClient.connect(listener.port!);
              const ack = await client.send(text, 10_000);
              if (ack?.code === 'AA') {
                acked.add(id);
                break;
              }
              if (ack === null) {
                client.close();
                client = await RawClient.connect(listener.port!).catch(async () => {
                  await sleep(500);
                  return RawClient.connect(listener.port!);
                });
              } else {
                expect(ack.code).toBe('AE');
                expect(ack.errCode).toBe('207');
                naks[ack.code] = (naks[ack.code] ?? 0) + 1;
              }
              await sleep(250);
            }
            await sleep(stopRequested ? 0 : 40);
          }
          client.close();
        }),
      );
      await sleep(1_500);
      expect(acked.size).toBeGreaterThan(0);
      stopRequested = true;
      kafkaStopped = true;
      await kafkaCmd('stop');
      const ackedWhileDown = acked.size;
      await sleep(6_000);
      // While the broker is down nothing new can be durable, so nothing new is AA'd
      // (a write already in flight when it stopped may have completed: allow the senders' window).
      expect(acked.size).toBeLessThanOrEqual(ackedWhileDown + senders);
      await kafkaCmd('start');
      kafkaStopped = false;
      await sending;
    } finally {
      if (kafkaStopped) await kafkaCmd('start');
      await listener.close();
    }
    expect(naks.AE ?? 0).toBeGreaterThan(0);
    expect(acked.size).toBe(senders * perSender);
    const values = await readRaw(bus);
    const ids = values.map((v) => v.messageControlId!);
    for (const id of acked) expect(ids).toContain(id);
    // Resends of messages whose first copy did get written are recognised, not republished.
    expect(ids.length).toBe(new Set(ids).size);
  }, 400_000);
});
