import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { requireListening, stack } from '../../support/stack.ts';
import { crashMidFileThenCheck, racingWatchersThenCheck } from './crash-scenario.ts';

describe('claims watcher survives kill -9 mid-file (real Kafka + Schema Registry)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-claims-crash-kafka-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('killed twice inside open transactions, resumed each time: every line exactly once', async () => {
    await requireListening('Kafka', stack.kafkaBrokers[0]!);
    await crashMidFileThenCheck(
      {
        GAPSTREAM_DATA_DIR: join(dir, 'data'),
        // A fresh namespace isolates this run's topics on the shared broker.
        GAPSTREAM_NAMESPACE: `claims-crash-${randomUUID().slice(0, 8)}`,
        KAFKA_BROKERS: stack.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        CLAIMS_DROP_DIR: join(dir, 'drop'),
        CLAIMS_DROP_COMPLETE: 'marker',
        CLAIMS_LINES_PER_TRANSACTION: '1000',
      },
      30_000,
      180_000,
    );
  }, 600_000);

  it('two watcher processes racing on one directory: each file is taken by one, every line published once', async () => {
    await requireListening('Kafka', stack.kafkaBrokers[0]!);
    await racingWatchersThenCheck(
      {
        GAPSTREAM_DATA_DIR: join(dir, 'race-data'),
        GAPSTREAM_NAMESPACE: `claims-race-${randomUUID().slice(0, 8)}`,
        KAFKA_BROKERS: stack.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        CLAIMS_DROP_DIR: join(dir, 'race-drop'),
        CLAIMS_DROP_COMPLETE: 'marker',
      },
      10,
      240_000,
    );
  }, 600_000);
});
