/**
 * The SQL of the final-action job (final-action-job.ts), as pure builders so it can be read and
 * tested on its own. Runs on chDB (26.x) and on ClickHouse 18.16.
 *
 * No data value ever enters the SQL text (docs/clickhouse-store.md): the only literals are run ids,
 * bucket counts and bucket numbers, which the job generates itself and which are checked here to be
 * safe integers. They are inlined, not bound, because 18.16 has no query parameters.
 */
import { selectList } from '../../sinks/claims/columns.ts';
import { CLAIM_LINE_COLUMNS } from '../../sinks/claims/tables.ts';
import { MEMBER_GROUP_PREFIX, ROLLED_MEMBER_ID_TYPES } from './final-action-chunks.ts';

/** Tables written by the job (migration 0004_claim_final_action.sql). */
export const FINAL_ACTION_TABLES = {
  runs: 'claim_final_action_runs',
  xref: 'claim_final_action_xref',
  final: 'claim_final_action',
  removed: 'claim_removed_versions',
  problems: 'claim_final_action_problems',
} as const;

/** Run-scoped tables, partitioned by run_id (dropped per run when old). */
export const RUN_PARTITIONED_TABLES: readonly string[] = [
  FINAL_ACTION_TABLES.xref,
  FINAL_ACTION_TABLES.final,
  FINAL_ACTION_TABLES.removed,
  FINAL_ACTION_TABLES.problems,
];

/** A generated integer as SQL text; refuses anything but a non-negative safe integer. */
export function intLiteral(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`expected a non-negative safe integer for an SQL literal, got ${String(n)}`);
  return String(n);
}

/** Claim rows to read (deduplicated). */
export const COUNT_CLAIM_LINES_SQL = 'SELECT count() AS n FROM claim_lines FINAL';

/** The crosswalk entries, as `computeFinalAction` takes them. */
export const READ_CROSSWALK_SQL =
  'SELECT previous_id, current_id, source_file, line_number FROM member_xref FINAL';

/** The highest run id ever completed (0 when none). */
export const MAX_RUN_SQL = `SELECT max(run_id) AS run_id FROM ${FINAL_ACTION_TABLES.runs}`;

/**
 * The claim rows of bucket `bucket` of `buckets`: rows whose group after MBI roll-forward hashes
 * to it. The group is `final_action_group` (M:<member> or R:<reference>), replaced by the run's
 * settled crosswalk for MBI/HICN member groups — the same roll-forward final-action.ts applies —
 * so all rows of one natural key land in one bucket.
 */
export function bucketRowsSql(runId: number, buckets: number, bucket: number): string {
  if (bucket >= buckets) throw new RangeError(`bucket ${bucket} is outside 0..${buckets - 1}`);
  const prefix = MEMBER_GROUP_PREFIX.replace(/'/g, "''");
  const types = ROLLED_MEMBER_ID_TYPES.map((t) => `'${t}'`).join(', ');
  return [
    `SELECT ${selectList(CLAIM_LINE_COLUMNS)}, final_action_group`,
    'FROM claim_lines FINAL',
    `ANY LEFT JOIN (SELECT concat('${prefix}', previous_id) AS final_action_group, concat('${prefix}', current_id) AS rolled_group`,
    `  FROM ${FINAL_ACTION_TABLES.xref} WHERE run_id = ${intLiteral(runId)}) AS xr USING final_action_group`,
    `WHERE cityHash64(if(rolled_group != '' AND member_id_type IN (${types}), rolled_group, final_action_group)) % ${intLiteral(buckets)} = ${intLiteral(bucket)}`,
  ].join('\n');
}

/** Run ids present in a run-partitioned table. */
export function runIdsSql(table: string): string {
  return `SELECT DISTINCT run_id FROM ${table}`;
}

/** The `keep` latest completed run ids. */
export function latestRunsSql(keep: number): string {
  return `SELECT run_id FROM ${FINAL_ACTION_TABLES.runs} FINAL ORDER BY run_id DESC LIMIT ${intLiteral(keep)}`;
}

/** Drops one run's partition of a run-partitioned table. */
export function dropRunSql(table: string, runId: number): string {
  return `ALTER TABLE ${table} DROP PARTITION ${intLiteral(runId)}`;
}
