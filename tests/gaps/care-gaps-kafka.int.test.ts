/**
 * The care-gaps processor in distributed mode: real Kafka (transactions, compacted changelog, a
 * co-partitioned repartition topic) and the Schema Registry; the same scenario as the embedded test.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { withNamespace } from '../../runtime/bus/namespaced-bus.ts';
import type { Bus } from '../../runtime/bus/types.ts';
import { createRegistryCodec, type Codec } from '../../schemas/codec.ts';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/index.ts';
import { makeKafkaBus, requireListening, stack } from '../support/stack.ts';
import { careGapsScenario } from './care-gaps-stream.ts';

describe('care-gaps processor on Kafka + Schema Registry', () => {
  let raw: Bus;
  let codec: Codec;
  let telemetry: Telemetry;

  beforeAll(async () => {
    await requireListening('Schema Registry', new URL(stack.schemaRegistryUrl).host);
    raw = await makeKafkaBus();
    codec = await createRegistryCodec({ url: stack.schemaRegistryUrl });
    telemetry = await createTelemetry({ serviceName: 'gaps-int', inMemory: true });
  });
  afterAll(async () => {
    await raw?.close();
    await telemetry?.shutdown();
  });

  it('events, a merge across partitions, restart from the changelog, the year-end timer', async () => {
    const bus = withNamespace(raw, `gaps-${randomUUID().slice(0, 8)}`);
    await careGapsScenario(
      {
        bus,
        codec,
        telemetry,
        logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
        partitions: 3,
      },
      'gaps',
    );
  }, 180_000);
});
