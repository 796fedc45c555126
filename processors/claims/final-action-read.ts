/**
 * Reading the latest completed final-action run back (the `*_current` views of migration 0004).
 * For tests, checks and small sets: it loads everything it returns; large readers should query
 * `claim_final_action_current` with their own filters and aggregates.
 */
import type { Store } from '../../sinks/clickhouse/store.ts';
import { selectList } from '../../sinks/claims/columns.ts';
import { CLAIM_LINE_COLUMNS } from '../../sinks/claims/tables.ts';
import { finalLineFromRow, type ClaimLineRecord } from './final-action-rows.ts';
import { FINAL_ACTION_TABLES } from './final-action-sql.ts';

/** The counts of the latest completed run, or undefined when no run has completed. */
export interface FinalActionRunRow {
  runId: number;
  startedAt: string;
  completedAt: string;
  buckets: number;
  inputRows: number;
  crosswalkEntries: number;
  naturalKeys: number;
  finalLines: number;
  removedVersions: number;
  problems: number;
  problemRefs: number;
}

/** The latest completed run. */
export async function latestFinalActionRun(store: Store): Promise<FinalActionRunRow | undefined> {
  const [r] = await store.query<Record<string, string | number>>(
    `SELECT * FROM ${FINAL_ACTION_TABLES.runs} FINAL WHERE run_id = (SELECT max(run_id) FROM ${FINAL_ACTION_TABLES.runs})`,
  );
  if (r === undefined) return undefined;
  return {
    runId: Number(r['run_id']),
    startedAt: String(r['started_at']),
    completedAt: String(r['completed_at']),
    buckets: Number(r['buckets']),
    inputRows: Number(r['input_rows']),
    crosswalkEntries: Number(r['crosswalk_entries']),
    naturalKeys: Number(r['natural_keys']),
    finalLines: Number(r['final_lines']),
    removedVersions: Number(r['removed_versions']),
    problems: Number(r['problems']),
    problemRefs: Number(r['problem_refs']),
  };
}

/** One line of the final-action set as stored. */
export interface StoredFinalLine {
  naturalKey: string;
  family: string;
  currentMemberId: string;
  row: ClaimLineRecord;
}

/** The final lines of the latest completed run, ordered by natural key, file and line. */
export async function readFinalLines(store: Store): Promise<StoredFinalLine[]> {
  const rows = await store.query(
    `SELECT natural_key, family, current_member_id, ${selectList(CLAIM_LINE_COLUMNS)} FROM claim_final_action_current ORDER BY natural_key, source_file, line_number`,
  );
  return rows.map(finalLineFromRow);
}

/** One removed claim version as stored. */
export interface StoredRemovedVersion {
  naturalKey: string;
  family: string;
  claimId: string;
  adjustmentTypeCode: string | null;
  frequencyCode: string | null;
  claimEffectiveDate: string | null;
  sourceFile: string;
  lineNumber: number;
  reason: string;
}

/** The removed versions of the latest completed run, ordered by natural key, file and line. */
export async function readRemovedVersions(store: Store): Promise<StoredRemovedVersion[]> {
  const rows = await store.query<Record<string, unknown>>(
    'SELECT * FROM claim_removed_versions_current ORDER BY natural_key, source_file, line_number',
  );
  return rows.map((r) => ({
    naturalKey: r['natural_key'] as string,
    family: r['family'] as string,
    claimId: r['claim_id'] as string,
    adjustmentTypeCode: (r['adjustment_type_code'] as string | null) ?? null,
    frequencyCode: (r['frequency_code'] as string | null) ?? null,
    claimEffectiveDate: (r['claim_effective_date'] as string | null) ?? null,
    sourceFile: r['source_file'] as string,
    lineNumber: Number(r['line_number']),
    reason: r['reason'] as string,
  }));
}
