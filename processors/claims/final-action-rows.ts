/**
 * Pure mappings between the final-action computation and its ClickHouse tables
 * (migration 0004_claim_final_action.sql): claim rows read from `claim_lines`, and the rows the job
 * writes for one chunk's result.
 */
import { fromRow, toRow } from '../../sinks/claims/columns.ts';
import { CLAIM_LINE_COLUMNS } from '../../sinks/claims/tables.ts';
import type {
  ClaimVersionRow,
  FinalActionProblem,
  FinalActionSet,
  MbiCrosswalkEntry,
} from './final-action.ts';
import { finalActionGroup } from './final-action-chunks.ts';

/** A `claim.line.v1` value as read back from ClickHouse (every schema field present). */
export type ClaimLineRecord = ClaimVersionRow & Record<string, unknown>;

/**
 * A `claim_lines` row → the claim value it was landed from. With `checkGroup` (when reading in
 * several buckets) it throws if the stored group no longer matches the grouping rule — rows landed
 * by an older build — because buckets could then split a natural key.
 */
export function claimFromRow(
  row: Readonly<Record<string, unknown>>,
  { checkGroup }: { checkGroup: boolean },
): ClaimLineRecord {
  const value = fromRow(CLAIM_LINE_COLUMNS, row) as ClaimLineRecord;
  if (checkGroup && row['final_action_group'] !== finalActionGroup(value))
    throw new Error(
      'claim_lines.final_action_group does not match the current grouping rule; run with maxRowsPerChunk above the claim row count (one bucket), or re-land the claims.',
    );
  return value;
}

/** A `member_xref` row (READ_CROSSWALK_SQL) → a crosswalk entry. */
export function crosswalkFromRow(row: Readonly<Record<string, unknown>>): MbiCrosswalkEntry {
  return {
    previousId: row['previous_id'] as string,
    currentId: row['current_id'] as string,
    sourceFile: row['source_file'] as string,
    lineNumber: Number(row['line_number']),
  };
}

/** Rows for `claim_final_action`, `claim_removed_versions` from one chunk's result. */
export interface ChunkRows {
  final: Record<string, unknown>[];
  removed: Record<string, unknown>[];
}

/** One chunk's result → table rows of run `runId` (problems are written once per run). */
export function chunkRows(runId: number, result: FinalActionSet<ClaimLineRecord>): ChunkRows {
  const final = result.lines.map((l) => ({
    run_id: runId,
    natural_key: l.naturalKey,
    family: l.family,
    current_member_id: l.currentMemberId,
    ...toRow(CLAIM_LINE_COLUMNS, l.row),
  }));
  const removed = result.keys.flatMap((k) =>
    k.removed.map((v) => ({
      run_id: runId,
      natural_key: k.naturalKey,
      family: k.family,
      claim_id: v.claimId,
      adjustment_type_code: v.adjustmentTypeCode,
      frequency_code: v.frequencyCode,
      claim_effective_date: v.claimEffectiveDate,
      source_file: v.sourceFile,
      line_number: v.lineNumber,
      reason: v.reason,
    })),
  );
  return { final, removed };
}

/** Problems → `claim_final_action_problems` rows (refs as JSON: file and line only, no PHI). */
export function problemRows(
  runId: number,
  problems: readonly FinalActionProblem[],
): Record<string, unknown>[] {
  return problems.map((p) => ({
    run_id: runId,
    code: p.code,
    message: p.message,
    ref_count: p.refs.length,
    refs_json: JSON.stringify(p.refs),
  }));
}

/** A `claim_final_action` row → the final line it stores (inverse of {@link chunkRows}). */
export function finalLineFromRow(row: Readonly<Record<string, unknown>>): {
  naturalKey: string;
  family: string;
  currentMemberId: string;
  row: ClaimLineRecord;
} {
  return {
    naturalKey: row['natural_key'] as string,
    family: row['family'] as string,
    currentMemberId: row['current_member_id'] as string,
    row: fromRow(CLAIM_LINE_COLUMNS, row) as ClaimLineRecord,
  };
}
