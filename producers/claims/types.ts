/**
 * What every claims/roster parser returns (producers/claims/*): plain values shaped like the
 * `claim.line.v1` and `roster.member.v1` Avro records, plus problems that name the line, the
 * field and the rule — never the field's content (it is patient data). Parsers are pure and
 * streaming: they see one line (or segment) at a time, so memory stays flat in file size.
 */

/** A `claim.line.v1` value (schemas/claim.line.v1.avsc); dates `YYYY-MM-DD`, amounts exact decimal strings. */
export type ClaimLineValue = Record<string, unknown> & { sourceFormat: string; lineNumber: number };

/** A `roster.member.v1` value (schemas/roster.member.v1.avsc). */
export type RosterMemberValue = Record<string, unknown> & { sourceFormat: string; lineNumber: number };

/** One parsed output record. */
export type ParsedRecord =
  { topic: 'claim.line.v1'; value: ClaimLineValue } | { topic: 'roster.member.v1'; value: RosterMemberValue };

/** Why a line (or the file) cannot be accepted; PHI-free. */
export interface ParseProblem {
  /** 1-based line (or segment) number; 0 for the whole file. */
  line: number;
  /** Layout field name (e.g. `CLM_FROM_DT`) or X12 element (e.g. `CLM05-3`), when one field is at fault. */
  field?: string;
  /** Stable code, e.g. `RECORD_LENGTH`, `BAD_DATE`, `TRAILER_COUNT`, `UNKNOWN_LAYOUT`. */
  code: string;
  /** One sentence: what was expected (not the value found). */
  message: string;
}

/** The result of one file, once its end is reached. */
export interface FileSummary {
  format: string;
  lines: number;
  records: number;
  problems: ParseProblem[];
  /** Counts declared by the file or its summary/trailer, when it has one, and whether they matched. */
  declaredCount?: number;
}
