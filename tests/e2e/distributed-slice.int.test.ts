import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../sinks/clickhouse/store.ts';
import { startCli } from '../support/child.ts';
import { requireListening, stack } from '../support/stack.ts';

/**
 * The pipeline end to end on every real server: an MLLP client, Kafka, the Schema Registry
 * (Apicurio) and the ClickHouse server over HTTP. Only the configuration differs from the
 * embedded run.
 */
describe('distributed slice: Kafka + Schema Registry + ClickHouse server', () => {
  it('takes 500 HL7 messages over MLLP to 1000 event rows in the ClickHouse server', async () => {
    await requireListening('Kafka', stack.kafkaBrokers[0]!);
    await requireListening('ClickHouse', new URL(stack.clickhouseUrl).host);
    const dataDir = mkdtempSync(join(tmpdir(), 'gs-e2e-'));
    const database = `gs_e2e_${randomUUID().slice(0, 8)}`;
    try {
      const p = startCli(['run', '--demo', '--count', '500', '--patients', '25'], {
        GAPSTREAM_DATA_DIR: dataDir,
        GAPSTREAM_NAMESPACE: `e2e-${randomUUID().slice(0, 8)}`,
        KAFKA_BROKERS: stack.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        CLICKHOUSE_URL: stack.clickhouseUrl,
        CLICKHOUSE_DATABASE: database,
      });
      expect(await p.exited, p.stderr()).toBe(0);
      expect(p.stdout()).toContain(
        '500 HL7 messages over MLLP (ACKs {"AA":500}) → 1000 clinical events → 1000 rows',
      );
      expect(p.stdout()).toContain('Mode: distributed, store: http');
      expect(p.lines.find((l) => l.msg === 'runtime opened')).toMatchObject({
        mode: 'distributed',
        store: 'http',
      });

      const store = await openStore({
        driver: 'http',
        url: stack.clickhouseUrl,
        database,
        username: process.env.CLICKHOUSE_USER,
        password: process.env.CLICKHOUSE_PASSWORD,
      });
      try {
        const rows = await store.query<{ key: string; n: string; top: string }>(
          'SELECT key, count() AS n, max(count_for_key) AS top FROM slice_results FINAL GROUP BY key ORDER BY key',
        );
        expect(rows).toHaveLength(25);
        // 20 ADT^A04 per patient, each a PATIENT and an ENCOUNTER event.
        for (const r of rows) expect([Number(r.n), Number(r.top)]).toEqual([40, 40]);
        await store.exec(`DROP DATABASE IF EXISTS ${database}`);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
