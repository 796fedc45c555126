import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from './errors.ts';
import { openStore, openStoreWithInfo } from './store.ts';
import { describeStoreContract, randomDatabaseName } from './store-contract.ts';

// One temp data directory per test file: libchdb binds one directory per process, and vitest runs
// each file in its own process.
const dataDir = mkdtempSync(join(tmpdir(), 'gs-chdb-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// chDB 26 has every feature the contract exercises: nothing excluded.
describeStoreContract(
  'chdb',
  (database, options) => openStoreWithInfo({ driver: 'chdb', path: dataDir, database }, options),
  {
    serverLacks: [],
  },
);

describe('chdb driver specifics', () => {
  it('refuses a second store in the same process, at the same or another path', async () => {
    const store = await openStore({ driver: 'chdb', path: dataDir, database: randomDatabaseName() });
    try {
      for (const path of [dataDir, join(dataDir, 'other')]) {
        const err: unknown = await openStore({ driver: 'chdb', path, database: 'x' }).catch(
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).reason).toBe('invalid-argument');
        expect((err as StoreError).message).toMatch(/already open/);
      }
    } finally {
      await store.exec(
        'DROP DATABASE IF EXISTS ' +
          (await store.query<{ d: string }>('SELECT currentDatabase() AS d'))[0]?.d,
      );
      await store.close();
    }
  });

  it('rejects an invalid database name before opening anything', async () => {
    await expect(
      openStore({ driver: 'chdb', path: dataDir, database: 'x; DROP DATABASE y' }),
    ).rejects.toThrow(/database: expected a plain identifier/);
  });

  it('keeps data across a process restart', async () => {
    const run = promisify(execFile);
    const path = mkdtempSync(join(tmpdir(), 'gs-chdb-restart-'));
    const child = (mode: string): Promise<{ stdout: string }> =>
      run(
        process.execPath,
        [
          resolve('bin/run-ts.mjs'),
          resolve('sinks/clickhouse/testdata/chdb-restart-child.ts'),
          mode,
          path,
          'restart_db',
        ],
        {
          timeout: 60_000,
        },
      );
    try {
      const first = JSON.parse((await child('write')).stdout);
      const second = JSON.parse((await child('read')).stdout);
      expect(first.rows).toEqual([{ event_id: 'restart-1', payload: 'survives' }]);
      expect(second).toEqual(first);
      expect(second.migrations).toEqual([{ n: '6' }]);
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  }, 90_000);
});
