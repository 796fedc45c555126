import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { openStore } from '../../sinks/clickhouse/store.ts';
import { requireListening, stack } from '../support/stack.ts';
import { populationScenario } from './population.ts';

describe('gapstream demo in distributed mode: Kafka + Schema Registry + ClickHouse server', () => {
  it('a generated population agrees with its truth, and a second run changes nothing', async () => {
    await requireListening('Kafka', stack.kafkaBrokers[0]!);
    await requireListening('ClickHouse', new URL(stack.clickhouseUrl).host);
    const dataDir = mkdtempSync(join(tmpdir(), 'gs-pop-int-'));
    const database = `gs_pop_${randomUUID().slice(0, 8)}`;
    try {
      await populationScenario(
        {
          GAPSTREAM_DATA_DIR: dataDir,
          GAPSTREAM_NAMESPACE: `pop-${randomUUID().slice(0, 8)}`,
          KAFKA_BROKERS: stack.kafkaBrokers.join(','),
          SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
          CLICKHOUSE_URL: stack.clickhouseUrl,
          CLICKHOUSE_DATABASE: database,
          LOG_LEVEL: 'warn',
        },
        'distributed',
        // Fewer than the embedded test: every stage commits Kafka transactions on 2 shared cores.
        120,
      );
    } finally {
      const store = await openStore({
        driver: 'http',
        url: stack.clickhouseUrl,
        database: 'default',
        username: process.env.CLICKHOUSE_USER,
        password: process.env.CLICKHOUSE_PASSWORD,
      });
      await store.exec(`DROP DATABASE IF EXISTS ${database}`);
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});
