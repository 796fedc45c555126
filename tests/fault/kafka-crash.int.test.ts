import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config/load.ts';
import { openRuntime } from '../../runtime/open-runtime.ts';
import { kill9, startCli } from '../support/child.ts';
import { requireListening, stack } from '../support/stack.ts';
import { expectExactlyOnce } from './crash-check.ts';

const N = 3_000;
const PATIENTS = 40;

describe('distributed mode (real Kafka + Schema Registry) survives kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gs-crash-kafka-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  // A fresh namespace isolates this run's topics and groups on the shared broker.
  const env = {
    GAPSTREAM_DATA_DIR: dataDir,
    GAPSTREAM_NAMESPACE: `crash-${randomUUID().slice(0, 8)}`,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
  };
  const args = ['run', '--demo', '--count', String(N), '--patients', String(PATIENTS)];

  it('kills the pipeline twice mid-stream; the restarted one ends with exactly N results', async () => {
    await requireListening('Kafka', stack.kafkaBrokers[0]!);
    for (const atLeast of [200, 1_200]) {
      const p = startCli(args, env);
      const line = await p.waitForLine(
        (l) => l.msg === 'demo progress' && Number(l.results) >= atLeast,
        180_000,
      );
      await kill9(p);
      expect(Number(line.results), 'killed mid-stream, not after the end').toBeLessThan(N);
    }
    const last = startCli(args, env);
    expect(await last.exited, last.stderr()).toBe(0);
    expect(last.stdout()).toContain(`${N} HL7 messages → ${N} rows`);

    const rt = await openRuntime(loadConfig({ env }), 'crash-check');
    try {
      await expectExactlyOnce(rt, N, PATIENTS);
    } finally {
      await rt.close();
    }
  }, 600_000);
});
