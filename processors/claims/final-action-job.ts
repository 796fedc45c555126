/**
 * The final-action job: reads every landed claim version (`claim_lines`) and the CCLF9 crosswalk
 * (`member_xref`) from ClickHouse, runs the pure `computeFinalAction` (final-action.ts) and writes
 * the final-action set as a new run (migration 0004). It runs from ClickHouse, not as a Kafka
 * processor, because the crosswalk changes a claim's key: old-MBI and new-MBI claims sit on
 * different partitions until identity resolution (issue 5) re-keys by person. The answer depends
 * only on the set of rows in the tables, so arrival order and re-deliveries cannot change it.
 *
 * Memory: rows are read in hash buckets of whole groups (final-action-chunks.ts), about
 * `maxRowsPerChunk` rows each, so the job holds one bucket's rows and results at a time plus the
 * crosswalk and the problem refs — not the whole delivery.
 */
import type { Store } from '../../sinks/clickhouse/store.ts';
import { dateTimeText } from '../../sinks/claims/columns.ts';
import { computeFinalAction, type FinalActionProblem, type MbiCrosswalkEntry } from './final-action.ts';
import { bucketCount, mergeChunkProblems, rolledIds } from './final-action-chunks.ts';
import { chunkRows, claimFromRow, crosswalkFromRow, problemRows } from './final-action-rows.ts';
import {
  bucketRowsSql,
  COUNT_CLAIM_LINES_SQL,
  dropRunSql,
  FINAL_ACTION_TABLES,
  latestRunsSql,
  MAX_RUN_SQL,
  READ_CROSSWALK_SQL,
  RUN_PARTITIONED_TABLES,
  runIdsSql,
} from './final-action-sql.ts';
import { resolveCrosswalk } from './mbi-crosswalk.ts';

/** Options of {@link materializeFinalAction}. */
export interface MaterializeOptions {
  /**
   * Average claim rows per chunk; default 50 000. Peak heap follows it: about 340 MB at 50 000
   * (measured on chDB: 200k rows in 4 chunks 340 MB, in 1 chunk 700 MB; 1M rows in 20 chunks
   * 460 MB, 62 s). A chunk never splits a group, so one very large group makes a larger chunk.
   */
  maxRowsPerChunk?: number;
  /** Completed runs whose rows are kept, so a reader of the previous run can finish; default 2, minimum 1. */
  keepRuns?: number;
  /** Rows per insert block; default 10 000. */
  insertBatchRows?: number;
  /** Clock (epoch ms), for tests; default `Date.now`. */
  now?: () => number;
}

/** What a run did; PHI-free (problems name source files and lines only). */
export interface FinalActionRun {
  runId: number;
  buckets: number;
  /** Distinct claim rows read. */
  inputRows: number;
  crosswalkEntries: number;
  naturalKeys: number;
  finalLines: number;
  removedVersions: number;
  problems: FinalActionProblem[];
  /** Older runs whose rows were dropped. */
  droppedRuns: number[];
}

const DEFAULTS = { maxRowsPerChunk: 50_000, keepRuns: 2, insertBatchRows: 10_000 };

/**
 * Materializes the final-action set as a new run and returns its counts. The run becomes visible
 * (in `claim_final_action_current`) only when its `claim_final_action_runs` row is written, last;
 * a run that fails half-way is never visible and its rows are dropped by a later run. Run one at a
 * time; rerunning is always safe and gives the same rows for the same table contents.
 */
export async function materializeFinalAction(
  store: Store,
  options: MaterializeOptions = {},
): Promise<FinalActionRun> {
  const opts = { ...DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  for (const key of ['keepRuns', 'insertBatchRows', 'maxRowsPerChunk'] as const)
    if (!Number.isSafeInteger(opts[key]) || opts[key] < 1)
      throw new RangeError(`materializeFinalAction: ${key} must be a positive integer, got ${opts[key]}`);
  const startedAt = now();
  const runId = await nextRunId(store, startedAt);

  const crosswalk: MbiCrosswalkEntry[] = (await store.query(READ_CROSSWALK_SQL)).map(crosswalkFromRow);
  const rolled = rolledIds(crosswalk).map((r) => ({
    run_id: runId,
    previous_id: r.previousId,
    current_id: r.currentId,
  }));
  await insertBatches(store, FINAL_ACTION_TABLES.xref, rolled, opts.insertBatchRows);

  const [count] = await store.query<{ n: string | number }>(COUNT_CLAIM_LINES_SQL);
  const buckets = bucketCount(Number(count?.n ?? 0), opts.maxRowsPerChunk);
  const totals = { inputRows: 0, naturalKeys: 0, finalLines: 0, removedVersions: 0 };
  const chunkProblems: FinalActionProblem[][] = [];
  for (let bucket = 0; bucket < buckets; bucket++) {
    const rows = (await store.query(bucketRowsSql(runId, buckets, bucket))).map((r) =>
      claimFromRow(r, { checkGroup: buckets > 1 }),
    );
    if (rows.length === 0) continue;
    const result = computeFinalAction(rows, crosswalk);
    const out = chunkRows(runId, result);
    await insertBatches(store, FINAL_ACTION_TABLES.final, out.final, opts.insertBatchRows);
    await insertBatches(store, FINAL_ACTION_TABLES.removed, out.removed, opts.insertBatchRows);
    totals.inputRows += rows.length;
    totals.naturalKeys += result.keys.length;
    totals.finalLines += out.final.length;
    totals.removedVersions += out.removed.length;
    chunkProblems.push([...result.problems]);
  }

  const problems = mergeChunkProblems(chunkProblems, resolveCrosswalk(crosswalk).problems);
  await insertBatches(
    store,
    FINAL_ACTION_TABLES.problems,
    problemRows(runId, problems),
    opts.insertBatchRows,
  );
  // The commit point: from here on readers see this run.
  await store.insert(FINAL_ACTION_TABLES.runs, [
    {
      run_id: runId,
      started_at: dateTimeText(startedAt),
      completed_at: dateTimeText(now()),
      buckets,
      input_rows: totals.inputRows,
      crosswalk_entries: crosswalk.length,
      natural_keys: totals.naturalKeys,
      final_lines: totals.finalLines,
      removed_versions: totals.removedVersions,
      problems: problems.length,
      problem_refs: problems.reduce((n, p) => n + p.refs.length, 0),
    },
  ]);
  const droppedRuns = await dropOldRuns(store, runId, opts.keepRuns);
  return { runId, buckets, crosswalkEntries: crosswalk.length, ...totals, problems, droppedRuns };
}

/**
 * A run id above every run id in the tables (completed or abandoned), so the newest run is always
 * the latest: epoch microseconds-ish (ms × 1000 + a random tail, which separates two runs started in
 * one millisecond), or the previous highest + 1 when the clock is behind.
 */
async function nextRunId(store: Store, nowMs: number): Promise<number> {
  let highest = Number((await store.query<{ run_id: string }>(MAX_RUN_SQL))[0]?.run_id ?? 0);
  for (const table of RUN_PARTITIONED_TABLES) highest = Math.max(highest, ...(await runIds(store, table)));
  return Math.max(nowMs * 1000 + Math.floor(Math.random() * 1000), highest + 1);
}

async function runIds(store: Store, table: string): Promise<number[]> {
  return (await store.query<{ run_id: string }>(runIdsSql(table))).map((r) => Number(r.run_id));
}

/** Drops the partitions of runs older than `runId` that are not among the `keep` latest completed. */
async function dropOldRuns(store: Store, runId: number, keep: number): Promise<number[]> {
  const kept = new Set(
    (await store.query<{ run_id: string }>(latestRunsSql(keep))).map((r) => Number(r.run_id)),
  );
  const dropped = new Set<number>();
  for (const table of RUN_PARTITIONED_TABLES) {
    for (const id of await runIds(store, table)) {
      if (id >= runId || kept.has(id)) continue;
      await store.exec(dropRunSql(table, id));
      dropped.add(id);
    }
  }
  return [...dropped].sort((a, b) => a - b);
}

async function insertBatches(
  store: Store,
  table: string,
  rows: readonly Record<string, unknown>[],
  batch: number,
): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) await store.insert(table, rows.slice(i, i + batch));
}
