// Insert throughput of the ClickHouse Store against the bare driver, in the same run:
//   node bin/run-ts.mjs bench/clickhouse-insert.bench.ts
// N rows (BENCH_ROWS, default 200000) in batches of BENCH_BATCH (default 10000) into a
// ReplacingMergeTree table shaped like slice_results. chDB always; HTTP when CLICKHOUSE_URL (or
// the infra/local default) answers. Each case runs BENCH_ROUNDS (default 3) rounds into a
// fresh table, alternating which path goes first so engine warm-up and merges do not favour one;
// one JSON line per case (median round), then one ratio line per driver.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Session } from 'chdb';
import { openStore, type Store } from '../sinks/clickhouse/store.ts';

const N = Number(process.env['BENCH_ROWS'] ?? 200_000);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 10_000);
const URL_ = process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:18123';
const USER = process.env['CLICKHOUSE_USER'] ?? 'default';
const PASSWORD = process.env['CLICKHOUSE_PASSWORD'] ?? '';
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const DB = `gs_bench_${process.pid}`;
// Same DDL on every server we bench (DateTime, not DateTime64, so 18.16 can run it too).
const TABLE_DDL = (name: string): string =>
  `CREATE TABLE IF NOT EXISTS ${DB}.${name} (event_id String, source_topic String, source_partition UInt32, source_offset UInt64, key String, payload String, count_for_key UInt64, processed_at DateTime('UTC')) ENGINE = ReplacingMergeTree ORDER BY event_id`;

type Row = Record<string, unknown>;
function batches(): Row[][] {
  const out: Row[][] = [];
  for (let start = 0; start < N; start += BATCH) {
    const rows: Row[] = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      rows.push({
        event_id: `ev-${i}`,
        source_topic: 'hl7.adt',
        source_partition: i % 6,
        source_offset: i,
        key: `patient-${i % 1000}`,
        payload: `{"msh":"ADT^A01","seq":${i},"note":"O'Brien \\\\ 中文"}`,
        count_for_key: (i % 17) + 1,
        processed_at: '2024-03-04 05:06:07',
      });
    }
    out.push(rows);
  }
  return out;
}

interface Result {
  bench: 'clickhouse-insert';
  driver: 'chdb' | 'http';
  path: 'store' | 'bare';
  rows: number;
  seconds: number;
  rows_per_s: number;
}

async function timeIt(
  driver: Result['driver'],
  path: Result['path'],
  data: Row[][],
  insert: (rows: Row[]) => Promise<void>,
): Promise<Result> {
  const t0 = process.hrtime.bigint();
  for (const rows of data) await insert(rows);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    bench: 'clickhouse-insert',
    driver,
    path,
    rows: N,
    seconds: Number(seconds.toFixed(3)),
    rows_per_s: Math.round(N / seconds),
  };
}

function median(results: Result[]): Result {
  const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
  const m = sorted[Math.floor(sorted.length / 2)] ?? sorted[0];
  if (!m) throw new Error('no rounds');
  console.log(JSON.stringify(m));
  return m;
}

function ratio(driver: string, store: Result, bare: Result): void {
  console.log(
    JSON.stringify({
      bench: 'clickhouse-insert',
      driver,
      ratio_store_over_bare: Number((store.rows_per_s / bare.rows_per_s).toFixed(3)),
    }),
  );
}

async function benchChdb(data: Row[][]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-chdb-'));
  // chDB allows one store per process, so the raw Session and the Store take turns on one path.
  const bareRound = async (round: number): Promise<Result> => {
    const session = new Session(dir);
    try {
      await session.queryAsync(`CREATE DATABASE IF NOT EXISTS ${DB}`);
      await session.queryAsync(TABLE_DDL(`bare_${round}`));
      return await timeIt('chdb', 'bare', data, async (rows) => {
        let body = '';
        for (const r of rows) body += JSON.stringify(r) + '\n';
        await session.insert({
          table: `${DB}.bare_${round}`,
          values: Buffer.from(body),
          format: 'JSONEachRow',
        });
      });
    } finally {
      session.close();
    }
  };
  const storeRound = async (round: number): Promise<Result> => {
    const store: Store = await openStore(
      { driver: 'chdb', path: dir, database: DB },
      { skipMigrations: true },
    );
    try {
      await store.exec(TABLE_DDL(`store_${round}`));
      return await timeIt('chdb', 'store', data, (rows) => store.insert(`store_${round}`, rows));
    } finally {
      await store.close();
    }
  };
  try {
    const bare: Result[] = [];
    const viaStore: Result[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        bare.push(await bareRound(round));
        viaStore.push(await storeRound(round));
      } else {
        viaStore.push(await storeRound(round));
        bare.push(await bareRound(round));
      }
    }
    ratio('chdb', median(viaStore), median(bare));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchHttp(data: Row[][]): Promise<void> {
  const client = createClient({
    url: URL_,
    username: USER,
    password: PASSWORD,
    log: { level: ClickHouseLogLevel.OFF },
    request_timeout: 60_000,
  });
  const ping = await client.ping();
  if (!ping.success) {
    console.error(`http: ClickHouse not reachable at ${URL_}; http cases skipped`);
    await client.close();
    return;
  }
  try {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${DB}` });
    const store = await openStore(
      { driver: 'http', url: URL_, username: USER, password: PASSWORD, database: DB },
      { skipMigrations: true },
    );
    const bareRound = async (round: number): Promise<Result> => {
      await client.command({ query: TABLE_DDL(`bare_${round}`) });
      return timeIt('http', 'bare', data, async (rows) => {
        await client.insert({ table: `${DB}.bare_${round}`, values: rows, format: 'JSONEachRow' });
      });
    };
    const storeRound = async (round: number): Promise<Result> => {
      await store.exec(TABLE_DDL(`store_${round}`));
      return timeIt('http', 'store', data, (rows) => store.insert(`store_${round}`, rows));
    };
    const bare: Result[] = [];
    const viaStore: Result[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        bare.push(await bareRound(round));
        viaStore.push(await storeRound(round));
      } else {
        viaStore.push(await storeRound(round));
        bare.push(await bareRound(round));
      }
    }
    await store.close();
    ratio('http', median(viaStore), median(bare));
  } finally {
    await client.command({ query: `DROP DATABASE IF EXISTS ${DB}` });
    await client.close();
  }
}

const data = batches();
await benchChdb(data);
await benchHttp(data);
