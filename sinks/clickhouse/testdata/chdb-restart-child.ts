// Child process for chdb-driver.test.ts: proves data survives a process restart. Usage:
//   node bin/run-ts.mjs sinks/clickhouse/testdata/chdb-restart-child.ts <write|read> <path> <database>
import { openStore } from '../store.ts';

const [mode, path, database] = process.argv.slice(2);
if ((mode !== 'write' && mode !== 'read') || path === undefined || database === undefined) {
  console.error('usage: chdb-restart-child.ts <write|read> <path> <database>');
  process.exit(2);
}
const store = await openStore({ driver: 'chdb', path, database });
if (mode === 'write') {
  await store.insert('slice_results', [
    {
      event_id: 'restart-1',
      source_topic: 't',
      source_partition: 0,
      source_offset: 1n,
      key: 'k',
      payload: 'survives',
      count_for_key: 1,
      processed_at: '2024-01-01 00:00:00',
    },
  ]);
}
const rows = await store.query('SELECT event_id, payload FROM slice_results FINAL ORDER BY event_id');
const migrations = await store.query('SELECT count() AS n FROM schema_migrations');
await store.close();
process.stdout.write(JSON.stringify({ rows, migrations }) + '\n');
