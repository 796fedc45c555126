/**
 * Streaming CCLF parser: one fixed-width record at a time, so memory is flat in file size.
 * Field rules come from the layouts (layouts.ts, CCLF IP v36); problems name line, field and
 * rule, never the value (it is patient data).
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { FileSummary, ParseProblem } from '../types.ts';
import { detectCclfKind } from './detect.ts';
import { cclfAmount, cclfDate, cclfDecimal, cclfInt, INVALID, type Invalid } from './fields.ts';
import { CCLF_LAYOUTS, type CclfFieldType, type CclfKind } from './layouts.ts';
import { MAPPERS, USED_FIELDS, type CclfRecord, type MapContext, type Values } from './map.ts';

/** Options of {@link createCclfParser}. */
export interface CclfParserOptions {
  /** Base name of the delivered file (claim.line.v1 `sourceFile`). */
  sourceFile: string;
  /** SHA-256 of the whole file, when the caller knows it (the watcher's manifest). */
  sourceFileSha256?: string | null;
  /** Problems kept in the summary; beyond it only counted (default 10,000). */
  maxProblems?: number;
}

/** One row of a CCLF0 summary. */
export interface Cclf0Entry {
  lineNumber: number;
  /** `CCLF1` ... `CCLFB` as written. */
  fileType: string;
  description: string;
  recordCount: number;
  recordLength: number;
}

/** What one line gives. */
export interface CclfLineResult {
  records: CclfRecord[];
  problems: ParseProblem[];
}

/** A streaming parser for one file. */
export interface CclfParser {
  readonly kind: CclfKind;
  /** Parse one line (without its line break; a trailing CR is dropped). `lineNo` is 1-based. */
  line(text: string, lineNo: number): CclfLineResult;
  /** The file's summary: lines seen, records emitted, every problem (up to maxProblems). */
  end(): FileSummary;
  /** CCLF0 only: the summary rows read so far. */
  summaryEntries(): Cclf0Entry[];
}

const NO_RECORDS: CclfRecord[] = [];
const NO_PROBLEMS: ParseProblem[] = [];

type Converter = (raw: string) => string | null | Invalid;

const CONVERTERS: Record<CclfFieldType, Converter | null> = {
  text: null,
  code: null,
  int: cclfInt,
  date: cclfDate,
  amount: cclfAmount,
  decimal: cclfDecimal,
};

const RULES: Record<CclfFieldType, { code: string; message: string }> = {
  text: { code: 'BAD_TEXT', message: 'expected text' },
  code: { code: 'BAD_CODE', message: 'expected a code' },
  int: { code: 'BAD_NUMBER', message: 'expected digits only (COBOL 9(n), CCLF IP v36)' },
  date: { code: 'BAD_DATE', message: 'expected a calendar date CCYY-MM-DD (CCLF IP v36) or blank' },
  amount: {
    code: 'BAD_AMOUNT',
    message: 'expected a signed amount -9(n).99 (CCLF IP v36) with at most 10 integer digits (decimal(12,2))',
  },
  decimal: { code: 'BAD_NUMBER', message: 'expected a signed fixed-point number -9(n).9(m) (CCLF IP v36)' },
};

/**
 * A parser for one CCLF file of a known kind (detect it with detectCclfKind). Lines shorter than
 * the layout's minimum are RECORD_LENGTH problems; longer ones are accepted and the extra bytes
 * ignored (newer IP versions append fields). A line with any problem yields no record.
 */
export function createCclfParser(kind: CclfKind, options: CclfParserOptions): CclfParser {
  const layout = CCLF_LAYOUTS[kind];
  const maxProblems = options.maxProblems ?? 10_000;
  const problems: ParseProblem[] = [];
  let dropped = 0;
  let lines = 0;
  let records = 0;
  const entries: Cclf0Entry[] = [];
  const fields = layout.fields;
  const n = fields.length;
  const starts = fields.map((f) => f.start - 1);
  const ends = fields.map((f) => f.start - 1 + f.length);
  const convs = fields.map((f) => CONVERTERS[f.type]);
  const required = fields.map((f) => f.required);
  // Fields worth slicing: checked (typed), required, or read by the mapper.
  const used = USED_FIELDS.get(layout);
  const wanted = fields.map(
    (f, i) => kind === 'CCLF0' || f.required || convs[i] !== null || used?.has(i) === true,
  );
  const values: Values = new Array<string | null>(n).fill(null);
  const ctx: MapContext = {
    sourceFile: options.sourceFile,
    sourceFileSha256: options.sourceFileSha256 ?? null,
    lineNumber: 0,
    problems: [],
  };
  const mapper = kind === 'CCLF0' ? null : MAPPERS[kind];

  const keep = (ps: ParseProblem[]): void => {
    for (const p of ps) {
      if (problems.length < maxProblems) problems.push(p);
      else dropped++;
    }
  };

  const cclf0 = (text: string, lineNo: number): CclfLineResult => {
    // BCDA writes a `File Number |File Description |...` header and `|`-separated rows; the IP
    // layout is fixed-width (layouts.ts CCLF0). Both carry the same four columns.
    if (/^File Number\b/i.test(text) || text.trim() === '')
      return { records: NO_RECORDS, problems: NO_PROBLEMS };
    const cols = text.includes('|')
      ? text.split('|').map((c) => c.trim())
      : [text.slice(0, 13), text.slice(14, 34), text.slice(35, 55), text.slice(56, 69)].map((c) => c.trim());
    const ps: ParseProblem[] = [];
    const [fileType = '', description = '', count = '', length = ''] = cols;
    if (cols.length !== 4 && text.includes('|'))
      ps.push({ line: lineNo, code: 'RECORD_LENGTH', message: 'expected four |-separated CCLF0 columns' });
    if (!/^CCLF[0-9AB]$/.test(fileType))
      ps.push({
        line: lineNo,
        field: 'FILE_NUM',
        code: 'BAD_CODE',
        message: 'expected a file number CCLF0-CCLF9, CCLFA or CCLFB',
      });
    if (!/^\d+$/.test(count))
      ps.push({
        line: lineNo,
        field: 'TOT_REC_CNT',
        code: 'BAD_NUMBER',
        message: 'expected a record count in digits',
      });
    if (!/^\d+$/.test(length))
      ps.push({
        line: lineNo,
        field: 'REC_LEN',
        code: 'BAD_NUMBER',
        message: 'expected a record length in digits',
      });
    if (ps.length === 0)
      entries.push({
        lineNumber: lineNo,
        fileType,
        description,
        recordCount: Number(count),
        recordLength: Number(length),
      });
    keep(ps);
    return { records: NO_RECORDS, problems: ps };
  };

  return {
    kind,
    line(raw: string, lineNo: number): CclfLineResult {
      lines++;
      const text = raw.length > 0 && raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
      if (mapper === null) return cclf0(text, lineNo);
      if (text.length < layout.minLength) {
        const p: ParseProblem = {
          line: lineNo,
          code: 'RECORD_LENGTH',
          message: `expected a ${kind} record of at least ${layout.minLength} characters (${layout.length} in CCLF IP v36; longer records are accepted)`,
        };
        keep([p]);
        return { records: NO_RECORDS, problems: [p] };
      }
      let ps: ParseProblem[] | null = null;
      for (let i = 0; i < n; i++) {
        if (!wanted[i]) continue;
        // Trim by index and slice once: padded fields cost one substring, blank ones nothing.
        let b = starts[i] as number;
        let e = Math.min(ends[i] as number, text.length);
        while (e > b && text.charCodeAt(e - 1) === 32) e--;
        while (b < e && text.charCodeAt(b) === 32) b++;
        // `~` is CMS's "no value" placeholder (Tuva nulls it in CLM_MDCR_NPMT_RSN_CD); blank it everywhere.
        let v: string | null | Invalid =
          b >= e || (e - b === 1 && text.charCodeAt(b) === 126) ? null : text.slice(b, e);
        const conv = convs[i];
        if (conv !== null && conv !== undefined && v !== null) v = conv(v);
        if (v === INVALID) {
          const f = fields[i];
          const rule = RULES[f?.type ?? 'text'];
          (ps ??= []).push({ line: lineNo, field: f?.name, code: rule.code, message: rule.message });
          values[i] = null;
        } else {
          if (v === null && required[i] === true)
            (ps ??= []).push({
              line: lineNo,
              field: fields[i]?.name,
              code: 'REQUIRED',
              message: 'expected a value (required field)',
            });
          values[i] = v;
        }
      }
      if (ps !== null) {
        keep(ps);
        return { records: NO_RECORDS, problems: ps };
      }
      ctx.lineNumber = lineNo;
      ctx.problems = [];
      const rec = mapper(values, ctx);
      if (ctx.problems.length > 0) {
        keep(ctx.problems);
        return { records: NO_RECORDS, problems: ctx.problems };
      }
      if (rec === null) return { records: NO_RECORDS, problems: NO_PROBLEMS };
      records++;
      return { records: [rec], problems: NO_PROBLEMS };
    },
    end(): FileSummary {
      const out = problems.slice();
      if (dropped > 0)
        out.push({
          line: 0,
          code: 'TOO_MANY_PROBLEMS',
          message: `${dropped} further problems not listed (limit ${maxProblems})`,
        });
      return { format: kind, lines, records: kind === 'CCLF0' ? entries.length : records, problems: out };
    },
    summaryEntries(): Cclf0Entry[] {
      return entries.slice();
    },
  };
}

/**
 * Compare a CCLF0 summary with the record counts of the files actually delivered (`counts`, by
 * file type, e.g. `{ CCLF5: 2000000 }`: the `lines` of each file's FileSummary, since CCLF files
 * have no header or trailer). Only file types present in `counts` are checked: a count that
 * differs is SUMMARY_COUNT on the CCLF0 row; a counted file the summary does not list is
 * SUMMARY_MISSING.
 */
export function checkSummary(
  cclf0Records: readonly Cclf0Entry[],
  counts: Readonly<Partial<Record<string, number>>>,
): ParseProblem[] {
  const out: ParseProblem[] = [];
  for (const [fileType, count] of Object.entries(counts)) {
    if (count === undefined) continue;
    const entry = cclf0Records.find((e) => e.fileType === fileType);
    if (entry === undefined) {
      out.push({
        line: 0,
        field: 'FILE_NUM',
        code: 'SUMMARY_MISSING',
        message: `expected the CCLF0 summary to list ${fileType}, which was delivered`,
      });
    } else if (entry.recordCount !== count) {
      out.push({
        line: entry.lineNumber,
        field: 'TOT_REC_CNT',
        code: 'SUMMARY_COUNT',
        message: `expected ${fileType} to hold the ${entry.recordCount} records CCLF0 declares; it holds ${count}`,
      });
    }
  }
  return out;
}

/** One item of {@link parseCclfFile}: a parsed line, or the file's end. */
export type CclfFileItem =
  | ({ type: 'line'; lineNumber: number } & CclfLineResult)
  | { type: 'end'; kind: CclfKind | null; summary: FileSummary; cclf0: Cclf0Entry[] };

/** Options of {@link parseCclfFile} / {@link parseCclfStream}. */
export interface ParseCclfFileOptions {
  /** Skip detection and parse as this kind. */
  kind?: CclfKind;
  sourceFileSha256?: string | null;
  maxProblems?: number;
}

/**
 * Parse a CCLF file from disk, streaming (readline over a latin1 stream: CCLF is fixed-width
 * ASCII, and latin1 keeps one byte = one character so positions never shift on a stray
 * non-ASCII byte). The kind comes from the file name and the first record (detectCclfKind);
 * an undetectable file ends at once with an UNKNOWN_LAYOUT problem.
 */
export function parseCclfFile(
  path: string,
  options: ParseCclfFileOptions = {},
): AsyncGenerator<CclfFileItem> {
  return parseCclfStream(
    createReadStream(path, { encoding: 'latin1', highWaterMark: 1 << 20 }),
    basename(path),
    options,
  );
}

/** {@link parseCclfFile} over any byte or latin1 stream (e.g. a zip entry); `name` drives detection. */
export async function* parseCclfStream(
  input: Readable,
  name: string,
  options: ParseCclfFileOptions = {},
): AsyncGenerator<CclfFileItem> {
  if (input.readableEncoding === null) input.setEncoding('latin1');
  const rl = createInterface({ input, crlfDelay: Infinity });
  let parser: CclfParser | null = null;
  let lineNo = 0;
  try {
    for await (const text of rl) {
      lineNo++;
      if (parser === null) {
        let kind = options.kind;
        if (kind === undefined) {
          const d = detectCclfKind(name, text);
          if (!d.ok) {
            yield {
              type: 'end',
              kind: null,
              summary: { format: 'CCLF', lines: 0, records: 0, problems: [d.problem] },
              cclf0: [],
            };
            return;
          }
          kind = d.kind;
        }
        parser = createCclfParser(kind, {
          sourceFile: name,
          sourceFileSha256: options.sourceFileSha256 ?? null,
          maxProblems: options.maxProblems,
        });
      }
      const r = parser.line(text, lineNo);
      yield { type: 'line', lineNumber: lineNo, records: r.records, problems: r.problems };
    }
  } finally {
    rl.close();
    input.destroy();
  }
  if (parser === null) {
    // An empty file: the name alone decides; CMS sends empty CCLF files for quiet weeks.
    const d = options.kind !== undefined ? { ok: true as const, kind: options.kind } : detectCclfKind(name);
    if (!d.ok) {
      yield {
        type: 'end',
        kind: null,
        summary: { format: 'CCLF', lines: 0, records: 0, problems: [d.problem] },
        cclf0: [],
      };
      return;
    }
    parser = createCclfParser(d.kind, {
      sourceFile: name,
      sourceFileSha256: options.sourceFileSha256 ?? null,
    });
  }
  yield { type: 'end', kind: parser.kind, summary: parser.end(), cclf0: parser.summaryEntries() };
}
