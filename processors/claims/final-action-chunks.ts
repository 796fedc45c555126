/**
 * Chunking for the ClickHouse-backed final-action job (final-action-job.ts): the claim rows are
 * read and computed in chunks small enough for memory, and the answer must equal
 * `computeFinalAction` over all rows at once. That holds when every natural key lies in one
 * chunk, so a chunk is a set of whole **groups**, where a group is a coarsening of the natural key
 * (docs/claims-final-action.md, "Rules"):
 *
 * - Part A and Part B keys contain the current member id, so their group is the member: `M:<id>`;
 *   the job rolls it forward through the crosswalk in SQL (MBI/HICN rows only, as final-action.ts
 *   does), so an old-MBI claim lands with the new-MBI claims.
 * - X12 and payer keys are the claim reference and deliberately not the member (a replacement may
 *   correct the member id), so their group is the reference: `R:<reference>`.
 *
 * The group is computed once in TypeScript when a row lands (sinks/claims), because ClickHouse
 * 18.16 has no trim function that matches JavaScript's `trim()`; the job re-checks it on read.
 * All functions here are pure.
 */
import {
  compareProblems,
  FinalActionProblemCode,
  problem,
  type FinalActionProblem,
} from './final-action-problems.ts';
import { resolveCrosswalk, type MbiCrosswalkEntry } from './mbi-crosswalk.ts';

/** The fields of a claim row that decide its group. */
export interface GroupedRow {
  readonly sourceFormat: string;
  readonly claimId: string;
  readonly claimControlNumber?: string | null;
  readonly memberId: string;
}

/** Prefix of member groups; the crosswalk table is joined on `M:<previous id>`. */
export const MEMBER_GROUP_PREFIX = 'M:';
/** Prefix of claim-reference groups (X12, payer). */
export const REFERENCE_GROUP_PREFIX = 'R:';

/** Member id types that final-action.ts rolls forward through CCLF9 (and so does the job's SQL). */
export const ROLLED_MEMBER_ID_TYPES: readonly string[] = ['MBI', 'HICN'];

/**
 * The group of a claim row before roll-forward. Mirrors the natural keys of final-action.ts:
 * X12/payer key = trimmed `claimControlNumber`, else `claimId`; everything else = trimmed member id.
 */
export function finalActionGroup(row: GroupedRow): string {
  switch (row.sourceFormat) {
    case 'X12_837P':
    case 'X12_837I':
    case 'PAYER_CSV': {
      const reference = row.claimControlNumber?.trim() ?? '';
      return REFERENCE_GROUP_PREFIX + (reference === '' ? row.claimId : reference);
    }
    default:
      return MEMBER_GROUP_PREFIX + row.memberId.trim();
  }
}

/**
 * Every id the crosswalk moves, with where it ends (chains followed, conflicts and cycles settled
 * exactly as `resolveCrosswalk` does for final action). Sorted by previous id.
 */
export function rolledIds(entries: Iterable<MbiCrosswalkEntry>): { previousId: string; currentId: string }[] {
  const list = [...entries];
  const xref = resolveCrosswalk(list);
  const ids = new Set<string>();
  for (const e of list) {
    ids.add(e.previousId.trim());
    ids.add(e.currentId.trim());
  }
  const out: { previousId: string; currentId: string }[] = [];
  for (const id of ids) {
    const current = xref.resolve(id);
    if (id !== '' && current !== id) out.push({ previousId: id, currentId: current });
  }
  return out.sort((a, b) => (a.previousId < b.previousId ? -1 : a.previousId > b.previousId ? 1 : 0));
}

/**
 * How many hash buckets to read `rows` in so that a bucket holds about `maxRowsPerChunk` rows
 * (hashing spreads groups evenly; one group is never split). At least 1.
 */
export function bucketCount(rows: number, maxRowsPerChunk: number): number {
  if (!Number.isSafeInteger(maxRowsPerChunk) || maxRowsPerChunk < 1)
    throw new RangeError(`maxRowsPerChunk must be a positive integer, got ${maxRowsPerChunk}`);
  return Math.max(1, Math.ceil(rows / maxRowsPerChunk));
}

const CROSSWALK_CODES = new Set<string>([
  FinalActionProblemCode.XREF_CYCLE,
  FinalActionProblemCode.XREF_CONFLICT,
]);

/**
 * Problems of several chunks as one list, equal to what one computation over all rows reports:
 * `computeFinalAction` reports each (code, message) once with all its refs, so chunk problems are
 * merged by (code, message) with their refs united. Crosswalk problems are global (every chunk
 * repeats them), so they are dropped from the chunks and passed once in `global`.
 */
export function mergeChunkProblems(
  chunks: Iterable<readonly FinalActionProblem[]>,
  global: readonly FinalActionProblem[],
): FinalActionProblem[] {
  const merged = new Map<string, FinalActionProblem>();
  for (const list of chunks) {
    for (const p of list) {
      if (CROSSWALK_CODES.has(p.code)) continue;
      const id = `${p.code}\u0000${p.message}`;
      const prior = merged.get(id);
      merged.set(id, prior ? problem(p.code, p.message, [...prior.refs, ...p.refs]) : p);
    }
  }
  return [...global, ...merged.values()].sort(compareProblems);
}
