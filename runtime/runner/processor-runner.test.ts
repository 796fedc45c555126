import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../bus/embedded/index.ts';
import type { Bus, InRecord } from '../bus/types.ts';
import { createLocalCodec, type Codec } from '../../schemas/codec.ts';
import { createTelemetry, traceIdOf, type Telemetry } from '../telemetry/index.ts';
import { stageCounts } from '../telemetry/metrics-assert.ts';
import { demoRawRecord } from '../../processors/slice/demo-messages.ts';
import { createNormalizeStep } from '../../processors/normalize/step.ts';
import { patientActivity } from '../../processors/slice/patient-activity.ts';
import type { DeadLetter } from './dead-letter.ts';
import { startProcessor, type RunnerDeps } from './processor-runner.ts';
import { readTopic } from '../../tests/support/read-topic.ts';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('processor runner (embedded bus)', () => {
  let dir: string;
  let bus: Bus;
  let codec: Codec;
  let telemetry: Telemetry;
  let deps: RunnerDeps;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-runner-'));
    bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never' });
    codec = await createLocalCodec();
    telemetry = await createTelemetry({ serviceName: 'runner-test', inMemory: true });
    deps = { bus, codec, telemetry, logger: pino({ level: 'silent' }), partitions: 1 };
  });
  afterEach(async () => {
    await bus.close();
    await telemetry.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const readAll = (topic: string): Promise<InRecord[]> => readTopic(bus, topic);

  async function waitFor(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not reached in 20 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('dead-letters a bad record with stage and reason, and the partition moves on', async () => {
    await bus.ensureTopics([{ topic: 'hl7.raw.v1', partitions: 1 }]);
    const good = demoRawRecord(1, 10);
    const noPid = demoRawRecord(2, 10);
    noPid.value.messageBytes = Buffer.from(
      'MSH|^~\\&|DEMO-EHR|CLINIC-A|||20260101||ADT^A04|C2|P|2.5.1\rEVN|A04',
    );
    const producer = await bus.producer();
    await producer.send([
      {
        topic: 'hl7.raw.v1',
        key: good.key,
        value: await codec.encode('hl7.raw.v1', good.value),
        headers: { traceparent: TRACEPARENT },
      },
      { topic: 'hl7.raw.v1', key: 'x', value: Buffer.from('not avro at all') },
      { topic: 'hl7.raw.v1', key: noPid.key, value: await codec.encode('hl7.raw.v1', noPid.value) },
      {
        topic: 'hl7.raw.v1',
        key: good.key,
        value: await codec.encode('hl7.raw.v1', demoRawRecord(11, 10).value),
      },
    ]);
    await producer.close();

    const running = await startProcessor(createNormalizeStep(), deps);
    await waitFor(
      async () => (await bus.committedOffsets('gapstream.normalize', 'hl7.raw.v1'))[0]?.offset === 4,
    );
    await running.stop();

    const events = await readAll('clinical.event.v1');
    // Two good ADT^A04 messages of one patient: a PATIENT and an ENCOUNTER event each.
    expect(events.map((e) => e.key)).toEqual(Array(4).fill('CLINIC-A|MRN1'));
    // The trace continues: same trace id as the incoming record, a new span.
    expect(traceIdOf(events[0]!.headers)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(events[0]!.headers.traceparent).not.toBe(TRACEPARENT);

    const letters = await Promise.all(
      (await readAll('deadletter.v1')).map((r) => codec.decode<DeadLetter>('deadletter.v1', r.value!)),
    );
    expect(letters.map((l) => [l.stage, l.sourceOffset, l.errorCode])).toEqual([
      ['normalize', 1, 'SCHEMA_WIRE_MAGIC'],
      ['normalize', 2, 'NORMALIZE_MISSING_SEGMENT'],
    ]);
    expect(letters[1]!.reason).toBe('ADT^A04 message C2: no PID segment (required in ADT)');
    expect(letters[0]!.originalBytes.toString()).toBe('not avro at all');

    expect(await stageCounts(telemetry, 'normalize')).toMatchObject({
      received: 4,
      emitted: 4,
      deadLettered: 2,
      deadLetteredByCode: { SCHEMA_WIRE_MAGIC: 1, NORMALIZE_MISSING_SEGMENT: 1 },
      lag: { 'hl7.raw.v1/0@gapstream.normalize': 0 },
    });
  });

  it('restores per-key state from the changelog when a processor restarts', async () => {
    await bus.ensureTopics([{ topic: 'clinical.event.v1', partitions: 1 }]);
    const producer = await bus.producer();
    const event = (i: number): Record<string, unknown> => ({
      eventId: `e${i}`,
      kind: 'PATIENT',
      patientIdentifiers: [{ value: 'MRN1' }],
      recordedAt: i,
      payload: { 'org.gapstream.v1.PatientPayload': {} },
    });
    const send = async (from: number, to: number): Promise<void> => {
      const batch = [];
      for (let i = from; i < to; i++)
        batch.push({
          topic: 'clinical.event.v1',
          key: i % 2 === 0 ? 'A' : 'B',
          value: await codec.encode('clinical.event.v1', event(i)),
        });
      await producer.send(batch);
    };
    const counts = async (): Promise<[string | null, number][]> =>
      Promise.all(
        (await readAll('patient.activity.v1')).map(
          async (r) =>
            [
              r.key,
              (await codec.decode<{ eventCount: number }>('patient.activity.v1', r.value!)).eventCount,
            ] as [string | null, number],
        ),
      );

    await send(0, 6);
    let running = await startProcessor(patientActivity, deps);
    await waitFor(async () => (await counts()).length === 6);
    await running.stop();

    await send(6, 8);
    running = await startProcessor(patientActivity, deps);
    await waitFor(async () => (await counts()).length === 8);
    await running.stop();
    await producer.close();

    expect(await counts()).toEqual([
      ['A', 1],
      ['B', 1],
      ['A', 2],
      ['B', 2],
      ['A', 3],
      ['B', 3],
      ['A', 4],
      ['B', 4],
    ]);
    const changelog = await readAll('gapstream.slice-patient-activity.changelog');
    expect(JSON.parse(changelog.at(-1)!.value!.toString())).toMatchObject({ count: 4 });
  });
});
