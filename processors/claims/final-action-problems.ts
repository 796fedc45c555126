/**
 * Problems found while computing final-action claims. PHI-free by construction: they point at
 * records by source file and line, never by member id or claim content (CONVENTIONS.md §15).
 */

/** Stable problem codes. */
export const FinalActionProblemCode = {
  /** The MBI crosswalk (CCLF9) loops: A → B → … → A. Every member is mapped to one canonical id. */
  XREF_CYCLE: 'XREF_CYCLE',
  /** One previous id maps to more than one current id; the entry from the latest delivery is used. */
  XREF_CONFLICT: 'XREF_CONFLICT',
  /** A field of the natural key is missing; the record cannot be grouped and is left out. */
  MISSING_KEY_FIELD: 'MISSING_KEY_FIELD',
  /** CLM_ADJSMT_TYPE_CD is not 0, 1 or 2 (CCLF IP); the record is left out. */
  UNKNOWN_ADJUSTMENT_TYPE: 'UNKNOWN_ADJUSTMENT_TYPE',
  /** The source format has no final-action rule here (CCLF7 Part D, CCLF8/9 are not claims). */
  UNSUPPORTED_SOURCE_FORMAT: 'UNSUPPORTED_SOURCE_FORMAT',
  /** Part A detail rows (CCLF2/3/4) whose claim header (CCLF1) is not (yet) in the set. */
  DETAIL_WITHOUT_HEADER: 'DETAIL_WITHOUT_HEADER',
  /** An X12 replacement/void (frequency 7/8) without REF*F8; matched on CLM01 instead. */
  X12_REFERENCE_MISSING: 'X12_REFERENCE_MISSING',
} as const;
export type FinalActionProblemCode = (typeof FinalActionProblemCode)[keyof typeof FinalActionProblemCode];

/** Where a problem comes from: a claim row or a crosswalk entry. */
export interface RecordRef {
  readonly sourceFile: string | null;
  readonly lineNumber: number | null;
}

/** One problem; `refs` are sorted, so problems compare equal whatever the arrival order was. */
export interface FinalActionProblem {
  readonly code: FinalActionProblemCode;
  /** One sentence: what is wrong, what was done about it and what would fix it. */
  readonly message: string;
  readonly refs: readonly RecordRef[];
}

/** Canonical order of refs. */
export function compareRefs(a: RecordRef, b: RecordRef): number {
  const fa = a.sourceFile ?? '';
  const fb = b.sourceFile ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  return (a.lineNumber ?? -1) - (b.lineNumber ?? -1);
}

/** Builds a problem with deduplicated, sorted refs. */
export function problem(
  code: FinalActionProblemCode,
  message: string,
  refs: readonly RecordRef[],
): FinalActionProblem {
  const seen = new Map<string, RecordRef>();
  for (const r of refs) seen.set(`${r.sourceFile ?? ''}\u0000${r.lineNumber ?? ''}`, r);
  return { code, message, refs: [...seen.values()].sort(compareRefs) };
}

/** Canonical order of problems: code, message, then refs. */
export function compareProblems(a: FinalActionProblem, b: FinalActionProblem): number {
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  if (a.message !== b.message) return a.message < b.message ? -1 : 1;
  const ra = JSON.stringify(a.refs);
  const rb = JSON.stringify(b.refs);
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}
