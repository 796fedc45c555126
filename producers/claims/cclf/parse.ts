/**
 * Streaming CCLF parser: one fixed-width record at a time, so memory is flat in file size.
 * Field rules come from the layouts (layouts.ts, CCLF IP v36); problems name line, field and
 * rule, never the value (it is patient data).
 */
import { createReadStream } from 'node:fs';
import { endianness } from 'node:os';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { FileSummary, ParseProblem } from '../types.ts';
import { detectCclfKind } from './detect.ts';
import { LineSplitter } from './lines.ts';
import { cclfAmount, cclfDate, cclfDecimal, cclfInt, INVALID, type Invalid } from './fields.ts';
import { CCLF_LAYOUTS, type CclfField, type CclfFieldType, type CclfKind } from './layouts.ts';
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

const T_PLAIN = 0;
const T_INT = 1;
const T_DATE = 2;
const T_AMOUNT = 3;
const T_DECIMAL = 4;
const FAST_TYPE: Record<CclfFieldType, number> = {
  text: T_PLAIN,
  code: T_PLAIN,
  int: T_INT,
  date: T_DATE,
  amount: T_AMOUNT,
  decimal: T_DECIMAL,
};

/** The fast path reads UTF-16 code units through a Uint16Array: little-endian platforms only. */
const LITTLE_ENDIAN = endianness() === 'LE';

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * cclfDate on text[b, e) (trimmed, non-blank) without a copy: the date as the number CCYYMMDD
 * when valid, 0 for a CMS placeholder date (null), -1 for anything else (left to cclfDate).
 */
function fastDate(t: Uint16Array, b: number, e: number): number {
  if (e - b !== 10 || (t[b + 4] as number) !== 45 || (t[b + 7] as number) !== 45) return -1;
  const y0 = (t[b] as number) - 48;
  const y1 = (t[b + 1] as number) - 48;
  const y2 = (t[b + 2] as number) - 48;
  const y3 = (t[b + 3] as number) - 48;
  const m0 = (t[b + 5] as number) - 48;
  const m1 = (t[b + 6] as number) - 48;
  const d0 = (t[b + 8] as number) - 48;
  const d1 = (t[b + 9] as number) - 48;
  if (y0 >>> 0 > 9 || y1 >>> 0 > 9 || y2 >>> 0 > 9 || y3 >>> 0 > 9) return -1;
  if (m0 >>> 0 > 9 || m1 >>> 0 > 9 || d0 >>> 0 > 9 || d1 >>> 0 > 9) return -1;
  const y = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const m = m0 * 10 + m1;
  const d = d0 * 10 + d1;
  if (m < 1 || m > 12 || d < 1) return -1;
  if ((y === 1000 && m === 1 && d === 1) || (y === 9999 && m === 12 && d === 31)) return 0;
  if (d > (DAYS_IN_MONTH[m] as number)) return -1;
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return -1;
  // Never 0: a valid date has m >= 1.
  return y * 10000 + m * 100 + d;
}

/**
 * cclfAmount on text[b, e) (trimmed, non-blank) for the canonical picture `[-+]9(n).99` with at
 * most 10 significant integer digits; null for anything else (left to cclfAmount).
 */
function fastAmount(text: string, t: Uint16Array, b: number, e: number): string | null {
  let p = b;
  const c0 = t[p] as number;
  const neg = c0 === 45;
  if (neg || c0 === 43) p++;
  while (p < e && (t[p] as number) === 48) p++;
  const sig = p;
  while (p < e) {
    const c = t[p] as number;
    if (c < 48 || c > 57) break;
    p++;
  }
  if (p !== e - 3 || (t[p] as number) !== 46 || p - sig > 10) return null;
  const f0 = t[p + 1] as number;
  const f1 = t[p + 2] as number;
  if (f0 < 48 || f0 > 57 || f1 < 48 || f1 > 57) return null;
  const frac = text.slice(p + 1, e);
  if (sig === p) return neg && (f0 !== 48 || f1 !== 48) ? '-0.' + frac : '0.' + frac;
  return (neg ? '-' : '') + text.slice(sig, p) + '.' + frac;
}

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
  // The compiled reader of the fast path: the wanted fields only, as flat typed arrays.
  const fastIdx: number[] = [];
  for (let i = 0; i < n; i++) if (wanted[i]) fastIdx.push(i);
  const fn = fastIdx.length;
  const fIdx = Int32Array.from(fastIdx);
  const fStart = Int32Array.from(fastIdx, (i) => starts[i] as number);
  const fEnd = Int32Array.from(fastIdx, (i) => ends[i] as number);
  const fType = Uint8Array.from(fastIdx, (i) => FAST_TYPE[(fields[i] as CclfField).type]);
  const fReq = Uint8Array.from(fastIdx, (i) => (required[i] ? 1 : 0));
  // Checked but never read by the mapper: the fast path checks them without copying the value.
  const fMapped = Uint8Array.from(fastIdx, (i) => (required[i] || used?.has(i) === true ? 1 : 0));
  const dates = new Map<number, string>();
  let scratch = new Uint16Array(1024);
  let scratchBytes = Buffer.from(scratch.buffer, scratch.byteOffset, scratch.byteLength);

  /**
   * Fast path: reads the wanted fields straight from the line, accepting only values in the
   * canonical shape of their type (what CMS writes). Any blank required field, non-canonical or
   * invalid value returns false and the line goes through the general loop below, which gives the
   * very same values for canonical input and names every problem.
   */
  const fast = (text: string): boolean => {
    const len = text.length;
    if (!LITTLE_ENDIAN) return false;
    if (len > scratch.length) {
      scratch = new Uint16Array(len + 512);
      scratchBytes = Buffer.from(scratch.buffer, scratch.byteOffset, scratch.byteLength);
    }
    // One native copy of the line as UTF-16 code units (exact, any character), then every
    // check reads the typed array: several times cheaper than charCodeAt on a sliced string.
    scratchBytes.write(text, 0, 'utf16le');
    const u = scratch;
    for (let j = 0; j < fn; j++) {
      let b = fStart[j] as number;
      let e = fEnd[j] as number;
      if (e > len) e = len;
      while (e > b && (u[e - 1] as number) === 32) e--;
      while (b < e && (u[b] as number) === 32) b++;
      const i = fIdx[j] as number;
      if (b >= e || (e - b === 1 && (u[b] as number) === 126)) {
        if (fReq[j] === 1) return false;
        values[i] = null;
        continue;
      }
      switch (fType[j] as number) {
        case T_INT: {
          for (let p = b; p < e; p++) {
            const c = u[p] as number;
            if (c < 48 || c > 57) return false;
          }
          if (fMapped[j] === 1) values[i] = text.slice(b, e);
          break;
        }
        case T_DATE: {
          const d = fastDate(u, b, e);
          if (d < 0) return false;
          if (d === 0) {
            // A placeholder reads as blank: REQUIRED when the field is.
            if (fReq[j] === 1) return false;
            values[i] = null;
            break;
          }
          if (fMapped[j] === 0) break;
          // Dates repeat across fields and lines: one string per distinct date.
          let v = dates.get(d);
          if (v === undefined) {
            v = text.slice(b, e);
            if (dates.size >= 10_000) dates.clear();
            dates.set(d, v);
          }
          values[i] = v;
          break;
        }
        case T_AMOUNT: {
          const a = fastAmount(text, u, b, e);
          if (a === null) return false;
          values[i] = a;
          break;
        }
        case T_DECIMAL: {
          let p = b;
          const c0 = u[p] as number;
          if (c0 === 45 || c0 === 43) p++;
          let digits = 0;
          let point = false;
          for (; p < e; p++) {
            const c = u[p] as number;
            if (c >= 48 && c <= 57) digits++;
            else if (c === 46 && !point) point = true;
            else return false;
          }
          if (digits === 0) return false;
          if (fMapped[j] === 1) values[i] = text.slice(b, e);
          break;
        }
        default:
          values[i] = text.slice(b, e);
      }
    }
    return true;
  };
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
      if (!fast(text))
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
      const rec = mapper(values, ctx);
      if (ctx.problems.length > 0) {
        // Handed out with the result: the next line gets a fresh list.
        const mapped = ctx.problems;
        ctx.problems = [];
        keep(mapped);
        return { records: NO_RECORDS, problems: mapped };
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
 * Parse a CCLF file from disk, streaming (LineSplitter, readline's line rules, over a latin1
 * stream: CCLF is fixed-width ASCII, and latin1 keeps one byte = one character so positions never
 * shift on a stray non-ASCII byte). The kind comes from the file name and the first record (detectCclfKind);
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
  for await (const batch of parseCclfStreamBatches(input, name, options)) yield* batch;
}

/**
 * {@link parseCclfStream} yielding the items of each read chunk together: one async step per
 * chunk instead of per line (the watcher's passes read millions of lines).
 */
export async function* parseCclfStreamBatches(
  input: Readable,
  name: string,
  options: ParseCclfFileOptions = {},
): AsyncGenerator<CclfFileItem[]> {
  if (input.readableEncoding === null) input.setEncoding('latin1');
  const lines = new LineSplitter();
  let parser: CclfParser | null = null;
  let lineNo = 0;
  let undetected: ParseProblem | null = null;
  // One line: the first one also picks the kind (null when it cannot be detected).
  const parseLine = (text: string): CclfFileItem | null => {
    lineNo++;
    if (parser === null) {
      let kind = options.kind;
      if (kind === undefined) {
        const d = detectCclfKind(name, text);
        if (!d.ok) {
          undetected = d.problem;
          return null;
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
    return { type: 'line', lineNumber: lineNo, records: r.records, problems: r.problems };
  };
  const unknown = (): CclfFileItem => ({
    type: 'end',
    kind: null,
    summary: { format: 'CCLF', lines: 0, records: 0, problems: undetected === null ? [] : [undetected] },
    cclf0: [],
  });
  try {
    for await (const chunk of input as AsyncIterable<string | Buffer>) {
      lines.feed(typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
      const batch: CclfFileItem[] = [];
      for (let text = lines.next(); text !== null; text = lines.next()) {
        const item = parseLine(text);
        if (item === null) {
          batch.push(unknown());
          yield batch;
          return;
        }
        batch.push(item);
      }
      if (batch.length > 0) yield batch;
    }
    const last = lines.end();
    if (last !== null) {
      const item = parseLine(last);
      if (item === null) {
        yield [unknown()];
        return;
      }
      yield [item];
    }
  } finally {
    input.destroy();
  }
  if (parser === null) {
    // An empty file: the name alone decides; CMS sends empty CCLF files for quiet weeks.
    const d = options.kind !== undefined ? { ok: true as const, kind: options.kind } : detectCclfKind(name);
    if (!d.ok) {
      yield [
        {
          type: 'end',
          kind: null,
          summary: { format: 'CCLF', lines: 0, records: 0, problems: [d.problem] },
          cclf0: [],
        },
      ];
      return;
    }
    parser = createCclfParser(d.kind, {
      sourceFile: name,
      sourceFileSha256: options.sourceFileSha256 ?? null,
    });
  }
  yield [{ type: 'end', kind: parser.kind, summary: parser.end(), cclf0: parser.summaryEntries() }];
}
