import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../runtime/bus/embedded/index.ts';
import type { Bus, InRecord } from '../../runtime/bus/types.ts';
import { createLocalCodec } from '../../schemas/codec.ts';
import { createTelemetry, traceIdOf, type Telemetry } from '../../runtime/telemetry/index.ts';
import { defaultMllpSettings } from '../../producers/mllp/config.ts';
import { startMllpListener, type MllpListener } from '../../producers/mllp/listener.ts';
import { RawClient, hl7 } from './helpers.ts';
import { readTopic } from '../support/read-topic.ts';

describe('MLLP listener trace context', () => {
  let dir: string;
  let bus: Bus;
  let telemetry: Telemetry;
  let listener: MllpListener | undefined;
  let client: RawClient | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-mllp-trace-'));
    bus = await createEmbeddedBus({ dataDir: dir, fsync: 'always' });
    telemetry = await createTelemetry({ serviceName: 'mllp-trace-test', inMemory: true });
  });
  afterEach(async () => {
    client?.close();
    await listener?.close();
    await bus.close();
    await telemetry.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const readAll = (topic: string): Promise<InRecord[]> => readTopic(bus, topic);

  it('puts a W3C traceparent on every hl7.raw.v1 record, one trace per message', async () => {
    listener = await startMllpListener(
      { bus, codec: await createLocalCodec(), telemetry, logger: pino({ level: 'silent' }), partitions: 1 },
      defaultMllpSettings({ port: 0, host: '127.0.0.1' }),
    );
    client = await RawClient.connect(listener.port!);
    expect(await client.send(hl7({ controlId: 'T1' }))).toMatchObject({ code: 'AA' });
    expect(await client.send(hl7({ controlId: 'T2' }))).toMatchObject({ code: 'AA' });
    // A rejected message is dead-lettered, not published: no raw record, no trace needed.
    expect(await client.send(hl7({ controlId: 'T3', type: 'ORM^O01' }))).toMatchObject({ code: 'AR' });

    const records = await readAll('hl7.raw.v1');
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(r.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(r.headers['gapstream-listener']).toBe('mllp');
    }
    const traces = records.map((r) => traceIdOf(r.headers));
    expect(traces.every((t) => t !== undefined && !/^0+$/.test(t))).toBe(true);
    expect(new Set(traces).size).toBe(2);
  });
});
