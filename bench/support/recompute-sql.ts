/**
 * The SQL baseline of bench/care-gaps-recompute.bench.ts on embedded chDB: the tables of
 * bench/care-gaps-recompute.sql loaded from the TSV files the streaming engine run wrote (one row
 * per extracted fact) plus the loaded value sets, then the file's one query, timed apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContractLibrary } from '../../processors/contracts/load.ts';
import { openStore } from '../../sinks/clickhouse/store.ts';
import { MemoryWatch, type StatusCounts } from './recompute-engine.ts';

export const SQL_FILE = join(import.meta.dirname, '..', 'care-gaps-recompute.sql');
const MARKER = '-- ---- query ----';

/** The file's DDL statements and its query. */
export function readSqlFile(path = SQL_FILE): { ddl: string[]; query: string } {
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf(MARKER);
  if (at < 0) throw new Error(`${path}: no "${MARKER}" line`);
  const ddl = text
    .slice(0, at)
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return { ddl, query: text.slice(at + MARKER.length).trim() };
}

/** The measure lists the query encodes (checked against the library before it runs). */
export const SQL_MEASURES: Record<string, string[]> = {
  'example-health-commercial': ['CMS122', 'CMS122-LT8', 'CMS124', 'CMS125', 'CMS130', 'CMS165', 'AWV'],
  'example-mssp-aco': ['CMS122', 'CMS125', 'CMS130', 'CMS165'],
};

export interface SqlResult {
  loadMs: number;
  queryMs: number;
  factRows: number;
  demographicRows: number;
  valueSetRows: number;
  counts: StatusCounts;
  peakRss: number;
  vmHwm: number;
  /** chDB's own figures for the query, when system.query_log has them. */
  queryLog: { memoryUsage: number; readRows: number } | null;
  wallMs: number;
}

export async function runSql(
  library: ContractLibrary,
  dir: string,
  files: { facts: string; demographics: string },
): Promise<SqlResult> {
  const wall = performance.now();
  const { ddl, query } = readSqlFile();
  const watch = new MemoryWatch();
  const timer = setInterval(() => watch.sample(), 100);
  const store = await openStore(
    { driver: 'chdb', path: join(dir, 'chdb'), database: 'recompute' },
    { skipMigrations: true },
  );
  try {
    for (const s of ddl) await store.exec(s);
    const valueSets: { vs: string; system: string; code: string }[] = [];
    for (const id of library.valueSets.ids())
      for (const c of library.valueSets.get(id)?.codes ?? [])
        valueSets.push({ vs: id, system: c.system, code: c.code });
    const l0 = performance.now();
    // The insertion table gives the TSV its structure (use_structure_from_insertion_table_in_table_functions).
    await store.exec(`INSERT INTO facts SELECT * FROM file({path:String}, 'TSV')`, { path: files.facts });
    await store.exec(`INSERT INTO demographics SELECT * FROM file({path:String}, 'TSV')`, {
      path: files.demographics,
    });
    await store.insert('value_sets', valueSets);
    const loadMs = performance.now() - l0;
    const rows = async (t: string): Promise<number> =>
      Number((await store.query<{ n: string }>(`SELECT count() AS n FROM ${t}`))[0]?.n ?? 0);
    const factRows = await rows('facts');
    const demographicRows = await rows('demographics');
    watch.sample();
    const q0 = performance.now();
    const result = await store.query<{ contract: string; measure: string; status: string; n: string }>(
      `${query}\nSETTINGS log_comment = 'care-gaps-recompute'`,
    );
    const queryMs = performance.now() - q0;
    watch.sample();
    const counts: StatusCounts = {};
    for (const r of result) counts[`${r.contract}|${r.measure}|${r.status}`] = Number(r.n);
    let queryLog: SqlResult['queryLog'] = null;
    try {
      await store.exec('SYSTEM FLUSH LOGS');
      const log = await store.query<{ m: string; r: string }>(
        `SELECT memory_usage AS m, read_rows AS r FROM system.query_log
         WHERE log_comment = 'care-gaps-recompute' AND type = 'QueryFinish' ORDER BY event_time DESC LIMIT 1`,
      );
      if (log[0] !== undefined) queryLog = { memoryUsage: Number(log[0].m), readRows: Number(log[0].r) };
    } catch {
      // query_log is not enabled in every chDB build
    }
    return {
      loadMs,
      queryMs,
      factRows,
      demographicRows,
      valueSetRows: valueSets.length,
      counts,
      peakRss: watch.peakRss,
      vmHwm: MemoryWatch.hwm(),
      queryLog,
      wallMs: performance.now() - wall,
    };
  } finally {
    clearInterval(timer);
    await store.close();
  }
}
