import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { requireListening, stack } from '../support/stack.ts';
import { crashTwiceThenCheck } from './crash-check.ts';

describe('distributed mode (real Kafka + Schema Registry) survives kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gs-crash-kafka-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('kills the pipeline twice mid-stream; the restarted one ends with exactly N results', async () => {
    await requireListening('Kafka', stack.kafkaBrokers[0]!);
    // A fresh namespace isolates this run's topics and groups on the shared broker; a short
    // session timeout lets the restarted member take over the killed one's partitions sooner.
    const env = {
      GAPSTREAM_DATA_DIR: dataDir,
      GAPSTREAM_NAMESPACE: `crash-${randomUUID().slice(0, 8)}`,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    };
    await crashTwiceThenCheck(env, 3_000, 40, 180_000);
  }, 600_000);
});
