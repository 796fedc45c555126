import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from './errors.ts';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR } from './migrations.ts';
import type { OpenedDriver, OpenStoreOptions, ServerFeature, Store } from './store.ts';

/**
 * Opens a store for `database` (created if missing, migrations applied unless
 * `options.skipMigrations`). Must return what the driver reports the server lacks.
 */
export type MakeStore = (database: string, options?: OpenStoreOptions) => Promise<OpenedDriver>;

/** Options of {@link describeStoreContract}. */
export interface StoreContractOptions {
  /**
   * Features the server under test lacks. Cases that need one are excluded, visibly (vitest
   * `skip` with the reason in the title), and the suite checks this list against what the driver
   * probed, so it cannot drift: an upgraded server fails the run until the list is updated.
   */
  serverLacks?: readonly ServerFeature[];
}

/** A random database name, so test files never share state. */
export function randomDatabaseName(prefix = 'gs_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Strings that break naive escaping: they must round-trip unchanged as data. */
export const NASTY_STRINGS: readonly string[] = [
  "O'Brien",
  'double "quoted"',
  'back\\slash \\N \\t \\\\',
  'tab\tnew\nline\rcr',
  'unicode: José Müller 中文 😀 \u2028 \u0000 end',
  "'); DROP TABLE slice_results; --",
  "' OR 1=1 --",
  '{x:String}',
  '`backtick` $1 ?',
  '',
];

const ROW_TIME = '2024-03-04 05:06:07';

function sliceRow(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `ev-${String(i).padStart(6, '0')}`,
    source_topic: 'hl7.adt',
    source_partition: i % 3,
    source_offset: BigInt(i),
    key: `patient-${i % 5}`,
    payload: `payload ${i}`,
    count_for_key: i,
    processed_at: ROW_TIME,
    ...overrides,
  };
}

async function expectStoreError(p: Promise<unknown>): Promise<StoreError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the call to reject with a StoreError').toBeInstanceOf(StoreError);
  return err as StoreError;
}

/**
 * The conformance suite every Store driver runs (CONVENTIONS.md §12): open/close, migrations,
 * parameters, round trip, idempotent replay, error mapping, use after close. It opens at most one
 * store at a time, because the chDB driver allows one per process.
 */
export function describeStoreContract(
  name: string,
  makeStore: MakeStore,
  options: StoreContractOptions = {},
): void {
  const lacks = new Set(options.serverLacks ?? []);
  const needs = (feature: ServerFeature): ReturnType<typeof it.skipIf> => it.skipIf(lacks.has(feature));
  const database = randomDatabaseName();
  let opened: OpenedDriver;
  let store: Store;

  async function reopen(db = database, openOptions?: OpenStoreOptions): Promise<void> {
    await store.close();
    opened = await makeStore(db, openOptions);
    store = opened.store;
  }

  describe(`Store contract: ${name}`, () => {
    beforeAll(async () => {
      opened = await makeStore(database);
      store = opened.store;
    });

    afterAll(async () => {
      // Reopen if a test left the store closed, then drop everything this file created.
      try {
        await store.query('SELECT 1');
      } catch {
        opened = await makeStore(database, { skipMigrations: true });
        store = opened.store;
      }
      await store.exec(`DROP DATABASE IF EXISTS ${database}`);
      await store.close();
    });

    it('reports exactly the server gaps this run declares', () => {
      expect(
        [...opened.lacks].sort(),
        'update serverLacks for this server (see docs/clickhouse-store.md)',
      ).toEqual([...lacks].sort());
    });

    it('opens with the configured driver and database', async () => {
      expect(['chdb', 'http']).toContain(store.driver);
      const tables = await store.query<{ name: string }>('SHOW TABLES');
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining(['schema_migrations', 'slice_results', 'deadletter']),
      );
    });

    it('applies each migration once; a second open applies nothing', async () => {
      const before = await store.query<{ version: number; n: string }>(
        'SELECT version, count() AS n FROM schema_migrations GROUP BY version ORDER BY version',
      );
      expect(before.map((r) => [Number(r.version), Number(r.n)])).toEqual([
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
        [5, 1],
        [6, 1],
      ]);
      await reopen();
      expect(await applyMigrations(store, { dir: DEFAULT_MIGRATIONS_DIR, lacks })).toEqual([]);
      const after = await store.query<{ n: string }>('SELECT count() AS n FROM schema_migrations');
      expect(Number(after[0]?.n)).toBe(6);
    });

    it('refuses to open when an applied migration file was changed', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gs-migrations-'));
      const db = randomDatabaseName('gs_mig');
      try {
        const file = join(dir, '0001_probe.sql');
        writeFileSync(file, 'CREATE TABLE IF NOT EXISTS probe (id String) ENGINE = MergeTree ORDER BY id;\n');
        await reopen(db, { migrationsDir: dir });
        const applied = await store.query<{ name: string; checksum: string }>(
          'SELECT name, checksum FROM schema_migrations',
        );
        expect(applied).toHaveLength(1);
        writeFileSync(file, readFileSync(file, 'utf8') + '-- edited\n');
        await store.close();
        const err = await expectStoreError(makeStore(db, { migrationsDir: dir }));
        expect(err.reason).toBe('migration');
        expect(err.retriable).toBe(false);
        expect(err.message).toMatch(/migration 1 probe .*changed after it was applied/);
        opened = await makeStore(db, { skipMigrations: true });
        store = opened.store;
        await store.exec(`DROP DATABASE IF EXISTS ${db}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await reopen();
      }
    });

    it('round-trips inserted rows, nasty strings and UInt64 max as data', async () => {
      const rows = NASTY_STRINGS.map((s, i) =>
        sliceRow(i, { key: s, payload: s, source_offset: i === 0 ? 18446744073709551615n : BigInt(i) }),
      );
      await store.exec('CREATE TABLE IF NOT EXISTS rt_probe AS slice_results');
      await store.insert('rt_probe', rows);
      const back = await store.query<{
        event_id: string;
        key: string;
        payload: string;
        source_offset: string;
      }>('SELECT event_id, key, payload, source_offset FROM rt_probe FINAL ORDER BY event_id');
      expect(back.map((r) => r.payload)).toEqual([...NASTY_STRINGS]);
      expect(back.map((r) => r.key)).toEqual([...NASTY_STRINGS]);
      // UInt64 come back as strings on both drivers (output_format_json_quote_64bit_integers=1).
      expect(back[0]?.source_offset).toBe('18446744073709551615');
      const tables = await store.query<{ name: string }>('SHOW TABLES');
      expect(tables.map((t) => t.name)).toContain('slice_results');
    });

    it('inserting zero rows is a no-op', async () => {
      await expect(store.insert('slice_results', [])).resolves.toBeUndefined();
    });

    it('a replayed batch leaves the same query results (ReplacingMergeTree + FINAL)', async () => {
      await store.exec('CREATE TABLE IF NOT EXISTS replay_probe AS slice_results');
      const batch = Array.from({ length: 500 }, (_, i) => sliceRow(i));
      const summary =
        'SELECT count() AS n, uniqExact(event_id) AS u, sum(count_for_key) AS s FROM replay_probe FINAL';
      await store.insert('replay_probe', batch);
      const once = await store.query(summary);
      await store.insert('replay_probe', batch);
      await store.insert('replay_probe', batch.slice(100, 200));
      const replayed = await store.query(summary);
      expect(replayed).toEqual(once);
      expect(once).toEqual([{ n: '500', u: '500', s: String((499 * 500) / 2) }]);
      // Without FINAL the duplicates are visible until a merge: FINAL is what makes reads stable.
      const raw = await store.query<{ n: string }>('SELECT count() AS n FROM replay_probe');
      expect(Number(raw[0]?.n)).toBeGreaterThanOrEqual(500);
    });

    needs('query-params')(
      'binds parameters server-side: quotes, unicode, backslashes, injection stay data [needs query-params]',
      async () => {
        for (const s of NASTY_STRINGS) {
          const rows = await store.query<{ s: string; n: string }>(
            'SELECT {s:String} AS s, length({s:String}) AS n',
            { s },
          );
          expect(rows).toEqual([{ s, n: String(Buffer.byteLength(s)) }]);
        }
        await store.exec('CREATE TABLE IF NOT EXISTS param_probe AS slice_results');
        await store.insert('param_probe', [sliceRow(1), sliceRow(2)]);
        const hit = await store.query('SELECT event_id FROM param_probe FINAL WHERE event_id = {id:String}', {
          id: 'ev-000001',
        });
        expect(hit).toEqual([{ event_id: 'ev-000001' }]);
        const injected = await store.query(
          'SELECT event_id FROM param_probe FINAL WHERE event_id = {id:String}',
          {
            id: "' OR 1=1 --",
          },
        );
        expect(injected).toEqual([]);
        // exec() binds too: the values travel as parameters, the SQL text is constant.
        for (const [i, p] of NASTY_STRINGS.entries()) {
          await store.exec('INSERT INTO param_probe (event_id, payload) VALUES ({id:String}, {p:String})', {
            id: `px-${i}`,
            p,
          });
        }
        const back = await store.query<{ payload: string }>(
          "SELECT payload FROM param_probe FINAL WHERE startsWith(event_id, 'px-') ORDER BY toUInt32(substring(event_id, 4))",
        );
        expect(back.map((r) => r.payload)).toEqual([...NASTY_STRINGS]);
      },
    );

    needs('query-params')('binds numbers, bigint and DateTime parameters [needs query-params]', async () => {
      const rows = await store.query('SELECT {a:UInt64} AS a, {b:Int32} AS b, {t:DateTime} AS t', {
        a: 18446744073709551615n,
        b: -7,
        t: ROW_TIME,
      });
      expect(rows).toEqual([{ a: '18446744073709551615', b: -7, t: ROW_TIME }]);
    });

    needs('datetime64')(
      'keeps millisecond timestamps (Date objects encoded as UTC) [needs datetime64]',
      async () => {
        await store.insert('slice_results', [
          sliceRow(900, { processed_at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)) }),
        ]);
        const rows = await store.query<{ processed_at: string }>(
          "SELECT processed_at FROM slice_results FINAL WHERE event_id = 'ev-000900'",
        );
        expect(rows).toEqual([{ processed_at: '2024-01-02 03:04:05.678' }]);
      },
    );

    if (lacks.has('query-params')) {
      it('refuses parameters the server cannot bind, rather than inlining them', async () => {
        const err = await expectStoreError(store.query('SELECT {s:String} AS s', { s: 'x' }));
        expect(err.reason).toBe('unsupported');
        expect(err.retriable).toBe(false);
      });
    }

    it('maps an unknown table to code 60, not retriable', async () => {
      const err = await expectStoreError(store.query('SELECT * FROM no_such_table'));
      expect(err.clickhouseCode).toBe(60);
      expect(err.code).toBe('CLICKHOUSE_UNKNOWN_TABLE');
      expect(err.retriable).toBe(false);
      expect(err.driver).toBe(store.driver);
      expect(err.cause).toBeDefined();
      const ins = await expectStoreError(store.insert('no_such_table', [{ a: 'SECRET-PHI-1' }]));
      expect(ins.clickhouseCode).toBe(60);
      expect(ins.message).toContain('no_such_table');
      expect(ins.message).not.toContain('SECRET-PHI-1');
    });

    it('maps a syntax error to code 62, not retriable', async () => {
      const err = await expectStoreError(store.exec('SELEC 1'));
      expect(err.clickhouseCode).toBe(62);
      expect(err.retriable).toBe(false);
    });

    it('bad data is not retriable and its values never reach the message', async () => {
      const err = await expectStoreError(
        store.insert('slice_results', [
          sliceRow(1, { source_partition: 'Jane Doe SECRET-PHI-2', payload: 'SECRET-PHI-3' }),
        ]),
      );
      expect(err.reason).toBe('server');
      expect(err.retriable).toBe(false);
      expect(err.table).toBe('slice_results');
      expect(err.message).not.toMatch(/SECRET-PHI|Jane Doe/);
    });

    it('refuses identifiers that are not plain names', async () => {
      for (const bad of ['slice_results; DROP TABLE x', 'a.b', '1abc', '', 'tab`le']) {
        const err = await expectStoreError(store.insert(bad, [sliceRow(1)]));
        expect(err.reason).toBe('invalid-argument');
        expect(err.retriable).toBe(false);
      }
    });

    it('close is idempotent; use after close is a clear, non-retriable error', async () => {
      await store.close();
      await store.close();
      for (const p of [
        store.query('SELECT 1'),
        store.exec('SELECT 1'),
        store.insert('slice_results', [sliceRow(1)]),
      ]) {
        const err = await expectStoreError(p);
        expect(err.reason).toBe('closed');
        expect(err.retriable).toBe(false);
        expect(err.message).toMatch(/closed/);
      }
      await reopen();
    });
  });
}
