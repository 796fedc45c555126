import { randomUUID } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../sinks/clickhouse/store.ts';
import { startCli } from '../support/child.ts';
import { requireListening, stack } from '../support/stack.ts';
import { buildZip } from '../claims/cclf/generate.ts';
import { cclf0File, cclf5File, cclf9Line, cmsName, exhFile, mbi } from '../claims/watcher/fixtures.ts';
import { makeRemoteDir, requireSftpServer, sftpStack } from '../claims/sftp/sftp-stack.ts';

/**
 * Claims end to end on every real server: files put on the SFTP server are pulled by `gapstream
 * run`, published exactly once to Kafka (Avro via the Schema Registry) and landed by the claims
 * sinks in the ClickHouse server; a second delivery of the same bytes adds nothing; the
 * final-action job then runs over what landed.
 */
describe('claims: SFTP → watcher → Kafka → ClickHouse server', () => {
  it('pulls a zipped CCLF set and a payer extract, lands every line once, ignores the re-delivery', async () => {
    await requireListening('Kafka', stack.kafkaBrokers[0]!);
    await requireListening('ClickHouse', new URL(stack.clickhouseUrl).host);
    const hostKey = await requireSftpServer();
    const remote = await makeRemoteDir();
    const dataDir = mkdtempSync(join(tmpdir(), 'gs-e2e-claims-'));
    const database = `gs_claims_${randomUUID().slice(0, 8)}`;
    const env = {
      GAPSTREAM_DATA_DIR: dataDir,
      GAPSTREAM_NAMESPACE: `claims-e2e-${randomUUID().slice(0, 8)}`,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      CLICKHOUSE_URL: stack.clickhouseUrl,
      CLICKHOUSE_DATABASE: database,
      ...(process.env.CLICKHOUSE_USER ? { CLICKHOUSE_USER: process.env.CLICKHOUSE_USER } : {}),
      ...(process.env.CLICKHOUSE_PASSWORD ? { CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD } : {}),
      CLAIMS_DROP_DIR: join(dataDir, 'claims-drop'),
      CLAIMS_DROP_POLL_MS: '200',
      CLAIMS_SFTP_HOST: sftpStack.host,
      CLAIMS_SFTP_PORT: String(sftpStack.port),
      CLAIMS_SFTP_USERNAME: sftpStack.username,
      CLAIMS_SFTP_PRIVATE_KEY_FILE: sftpStack.keyFile,
      CLAIMS_SFTP_HOST_KEY_SHA256: hostKey,
      CLAIMS_SFTP_REMOTE_DIR: remote.remote,
      CLAIMS_SFTP_POLL_MS: '300',
    };
    const owner = statSync(remote.local);
    const put = (name: string, data: string | Buffer): void => {
      writeFileSync(join(remote.local, name), data);
      chownSync(join(remote.local, name), owner.uid, owner.gid);
    };
    const zip = buildZip([
      { name: cmsName('CCLF0'), data: cclf0File({ CCLF5: 40, CCLF9: 1 }) },
      { name: cmsName('CCLF5'), data: cclf5File(40) },
      { name: cmsName('CCLF9'), data: cclf9Line('9AB1CD2EF34', mbi(3)) + '\n' },
    ]);
    put('P.A1234.ACO.ZCY24.D240301.T1200000.zip', zip);
    put('EXH_CLAIMS_20240301.txt', exhFile(7));

    let store: Store | undefined;
    const p = startCli(['run', '--no-mllp'], env);
    try {
      store = await openStore({
        driver: 'http',
        url: stack.clickhouseUrl,
        database,
        username: process.env.CLICKHOUSE_USER,
        password: process.env.CLICKHOUSE_PASSWORD,
      });
      const count = async (sql: string): Promise<number> => {
        try {
          return Number((await store!.query<{ n: string }>(sql))[0]?.n ?? 0);
        } catch {
          return -1; // tables not created yet
        }
      };
      const waitFor = async (what: string, f: () => Promise<boolean>): Promise<void> => {
        const deadline = Date.now() + 120_000;
        while (!(await f())) {
          if (Date.now() > deadline)
            throw new Error(`timed out waiting for ${what}; stderr: ${p.stderr().slice(-2000)}`);
          await new Promise((r) => setTimeout(r, 300));
        }
      };
      const lines = 'SELECT count() AS n FROM claim_lines FINAL';
      const done = "SELECT count() AS n FROM file_manifest FINAL WHERE event = 'COMPLETED'";
      await waitFor(
        'both files completed and landed',
        async () => (await count(done)) === 2 && (await count(lines)) === 47,
      );
      expect(await count('SELECT count() AS n FROM member_xref FINAL')).toBe(1);
      expect(await count("SELECT count() AS n FROM claim_lines FINAL WHERE source_format = 'CCLF5'")).toBe(
        40,
      );
      expect(
        await count("SELECT count() AS n FROM claim_lines FINAL WHERE source_format = 'PAYER_CSV'"),
      ).toBe(7);

      // The same bytes delivered again under another name: recorded as a duplicate, nothing lands.
      put('EXH_CLAIMS_20240301-resent.txt', exhFile(7));
      await waitFor(
        'the re-delivery recorded',
        async () =>
          (await count("SELECT count() AS n FROM file_manifest FINAL WHERE event = 'DUPLICATE'")) === 1,
      );
      expect(await count(lines)).toBe(47);
      // The raw log (not FINAL): no line was published twice either.
      expect(
        await count(
          'SELECT count() AS n FROM (SELECT source_file, line_number FROM claim_lines GROUP BY source_file, line_number)',
        ),
      ).toBe(47);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    try {
      // The final-action job over what landed (a separate command, as an operator runs it).
      const job = startCli(['claims', 'final-action'], env);
      expect(await job.exited, job.stderr()).toBe(0);
      const summary = job
        .stdout()
        .split('\n')
        .find((l) => l.includes('"runId"'))!;
      const run = JSON.parse(summary) as { finalLines: number; inputRows: number };
      expect(run.inputRows).toBe(47);
      expect(run.finalLines).toBeGreaterThan(0);
      await store.exec(`DROP DATABASE IF EXISTS ${database}`);
    } finally {
      await store?.close();
      await remote.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
