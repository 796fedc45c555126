/**
 * The mapped parser: one payer mapping (schema.ts) applied to a delimited file, one physical
 * line at a time, so memory stays flat in file size. Pure: no I/O (file.ts reads files).
 *
 * A data line with any problem emits no record (the issue's rule: bad lines are reported, never
 * silently half-loaded); problems name the line, the target field and the rule, never the value.
 */
import type { ClaimLineValue, FileSummary, ParseProblem, ParsedRecord, RosterMemberValue } from '../types.ts';
import { convertAmount, convertDate, convertText, type Bad } from './convert.ts';
import { splitRecord } from './csv.ts';
import {
  MappingConfigError,
  type AmountFormat,
  type DateFormat,
  type FieldMapping,
  type PayerMapping,
} from './schema.ts';
import { targetsOf, type TargetField } from './targets.ts';

/** Where the lines come from; copied into every record. */
export interface MappedSource {
  sourceFile: string;
  sourceFileSha256: string | null;
}

/** Options of {@link createMappedParser}. */
export interface MappedParserOptions extends MappedSource {
  /** Problems kept for the summary; further ones are counted. Default 1000. */
  maxProblems?: number;
}

/** Output of one physical line. */
export interface LineResult {
  records: ParsedRecord[];
  problems: ParseProblem[];
}

/** A parser bound to one mapping and one file. */
export interface MappedParser {
  readonly mapping: PayerMapping;
  /** Feed the physical line `lineNo` (1-based), without its line break. */
  line(text: string, lineNo: number): LineResult;
  /** Close the file: trailer and header checks; all problems of the file. */
  end(): FileSummary;
}

interface Compiled {
  name: string;
  target: TargetField;
  spec: FieldMapping;
  /** Source column labels for messages (name or `#position`). */
  labels: string[];
  /** Resolved 0-based indexes; empty until the header is read for named columns. */
  indexes: number[];
  constant?: unknown;
  required: boolean;
  dateFormat: DateFormat;
  amountFormat: AmountFormat;
  negativeParens: boolean;
}

const none = (): LineResult => ({ records: [], problems: [] });

function isBad(v: unknown): v is Bad {
  return typeof v === 'object' && v !== null && (v as Bad).bad === true;
}

function label(c: string | number): string {
  return typeof c === 'number' ? `#${c}` : c;
}

function compile(m: PayerMapping): Compiled[] {
  const targets = targetsOf(m.kind);
  const required = new Set(m.required);
  const issues: { file: string; key: string; message: string }[] = [];
  const out = Object.entries(m.fields).map(([name, spec]): Compiled => {
    const target = targets[name]!;
    const cols = spec.columns ?? (spec.column !== undefined ? [spec.column] : []);
    const c: Compiled = {
      name,
      target,
      spec,
      labels: cols.map(label),
      indexes: cols.map((col) => (typeof col === 'number' ? col - 1 : -1)),
      required: required.has(name) || target.schemaRequired === true,
      dateFormat: spec.date ?? m.format.dateFormat,
      amountFormat: spec.amount ?? m.format.amountFormat,
      negativeParens: spec.negativeParens ?? m.format.negativeParens,
    };
    if (spec.constant !== undefined) {
      // Constants are target values, written in the target's own form (dates YYYY-MM-DD).
      const v =
        target.kind === 'date'
          ? convertDate(spec.constant, 'YYYY-MM-DD')
          : target.kind === 'amount'
            ? convertAmount(spec.constant, 'decimal', false)
            : convertText(spec.constant, target.kind, target.symbols);
      if (isBad(v))
        issues.push({ file: m.file, key: `fields.${name}.constant`, message: `expected ${v.expected}` });
      else c.constant = target.array ? [v] : v;
    }
    return c;
  });
  if (issues.length > 0) throw new MappingConfigError(issues);
  return out;
}

/**
 * Create a parser for one file with a validated mapping.
 * @param mapping from {@link loadPayerMappings} or {@link parseMappingYaml}
 * @param opts source file name and hash copied into every record
 */
export function createMappedParser(mapping: PayerMapping, opts: MappedParserOptions): MappedParser {
  const fields = compile(mapping);
  const fmt = mapping.format;
  const topic = mapping.kind === 'claims' ? 'claim.line.v1' : 'roster.member.v1';
  const trailerRe = fmt.trailer ? new RegExp(fmt.trailer.match) : null;
  const maxProblems = opts.maxProblems ?? 1000;
  const kept: ParseProblem[] = [];
  let dropped = 0;
  let lines = 0;
  let records = 0;
  let dataLines = 0;
  let headerSeen = !fmt.header;
  let broken = false; // header mismatch: no line can be mapped
  let trailerLine = 0;
  let declaredCount: number | undefined;
  let pending: { text: string; start: number; count: number } | null = null;
  let minColumns = 0;
  const recompute = (): void => {
    minColumns = Math.max(0, ...fields.flatMap((f) => f.indexes)) + 1;
  };
  recompute();

  const keep = (ps: ParseProblem[]): void => {
    for (const p of ps) {
      if (kept.length < maxProblems) kept.push(p);
      else dropped++;
    }
  };
  const fail = (p: ParseProblem): LineResult => {
    keep([p]);
    return { records: [], problems: [p] };
  };

  const readHeader = (cols: string[], lineNo: number): LineResult => {
    headerSeen = true;
    const byName = new Map<string, number>();
    cols.forEach((c, i) => {
      const k = (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim().toUpperCase();
      if (!byName.has(k)) byName.set(k, i);
    });
    const ps: ParseProblem[] = [];
    for (const f of fields) {
      const cs = f.spec.columns ?? (f.spec.column !== undefined ? [f.spec.column] : []);
      cs.forEach((c, j) => {
        if (typeof c === 'number') return;
        const i = byName.get(c.trim().toUpperCase());
        if (i === undefined)
          ps.push({
            line: 0,
            field: f.name,
            code: 'HEADER_MISMATCH',
            message: `header (line ${lineNo}) has no column "${c}" named by mapping ${mapping.id}; the layout changed or the wrong mapping was chosen`,
          });
        else f.indexes[j] = i;
      });
    }
    recompute();
    if (ps.length > 0) broken = true;
    keep(ps);
    return ps.length > 0 ? { records: [], problems: ps } : none();
  };

  const valueOf = (f: Compiled, cols: string[], lineNo: number, ps: ParseProblem[]): unknown => {
    if (f.constant !== undefined) return f.constant;
    const out: (string | number)[] = [];
    for (let j = 0; j < f.indexes.length; j++) {
      let raw = (cols[f.indexes[j]!] ?? '').trim();
      const where = `column ${f.labels[j]}`;
      if (f.spec.nullValues?.includes(raw)) raw = '';
      if (raw === '' && f.spec.default !== undefined) raw = f.spec.default;
      if (raw !== '' && f.spec.map) {
        const mapped = f.spec.map[raw];
        if (mapped !== undefined) raw = mapped;
        else if (f.spec.unmapped === 'null') raw = '';
        else if (f.spec.unmapped !== 'keep') {
          ps.push({
            line: lineNo,
            field: f.name,
            code: 'UNMAPPED_CODE',
            message: `${where}: expected one of the mapped codes ${Object.keys(f.spec.map).join(', ')}`,
          });
          continue;
        }
      }
      if (raw === '') continue;
      const t = f.target;
      const v =
        t.kind === 'date'
          ? convertDate(raw, f.dateFormat)
          : t.kind === 'amount'
            ? convertAmount(raw, f.amountFormat, f.negativeParens)
            : convertText(raw, t.kind, t.symbols);
      if (isBad(v))
        ps.push({ line: lineNo, field: f.name, code: v.code, message: `${where}: expected ${v.expected}` });
      else if (!out.includes(v)) out.push(v);
    }
    if (f.target.array) return out;
    return out[0] ?? null;
  };

  const mapLine = (cols: string[], lineNo: number): LineResult => {
    dataLines++;
    if (cols.length < minColumns)
      return fail({
        line: lineNo,
        code: 'COLUMN_COUNT',
        message: `expected at least ${minColumns} columns separated by "${fmt.delimiter === '\t' ? '\\t' : fmt.delimiter}"`,
      });
    const ps: ParseProblem[] = [];
    const value: Record<string, unknown> = {
      sourceFile: opts.sourceFile,
      sourceFileSha256: opts.sourceFileSha256,
      lineNumber: lineNo,
    };
    for (const [name, t] of Object.entries(targetsOf(mapping.kind)))
      if (t.fallback !== undefined) value[name] = Array.isArray(t.fallback) ? [] : t.fallback;
    for (const f of fields) {
      let v = valueOf(f, cols, lineNo, ps);
      if (v === null && f.target.fallback !== undefined && f.target.kind === 'enum') v = f.target.fallback;
      const missing = v === null || (Array.isArray(v) && v.length === 0);
      if (missing && f.required && !ps.some((p) => p.field === f.name))
        ps.push({
          line: lineNo,
          field: f.name,
          code: 'MISSING_REQUIRED',
          message: `${f.labels.length > 0 ? `column ${f.labels.join(', ')}` : 'value'}: required, found blank`,
        });
      value[f.name] = v;
    }
    if (ps.length > 0) {
      keep(ps);
      return { records: [], problems: ps };
    }
    records++;
    const rec: ParsedRecord =
      topic === 'claim.line.v1'
        ? { topic, value: value as ClaimLineValue }
        : { topic, value: value as RosterMemberValue };
    return { records: [rec], problems: [] };
  };

  return {
    mapping,
    line(text: string, lineNo: number): LineResult {
      lines++;
      let start = lineNo;
      let count = 1;
      if (pending) {
        text = `${pending.text}\n${text}`;
        start = pending.start;
        count = pending.count + 1;
        pending = null;
      } else if (text.trim() === '') return none();
      if (broken) return none();
      if (trailerLine > 0)
        return fail({
          line: lineNo,
          code: 'DATA_AFTER_TRAILER',
          message: `expected nothing after the trailer on line ${trailerLine}`,
        });
      if (headerSeen && trailerRe && count === 1 && trailerRe.test(text)) {
        trailerLine = lineNo;
        const r = splitRecord(text, fmt.delimiter, fmt.quote);
        const raw = r.kind === 'fields' ? (r.fields[fmt.trailer!.countColumn - 1] ?? '').trim() : '';
        if (!/^\d+$/.test(raw))
          return fail({
            line: lineNo,
            code: 'TRAILER_COUNT',
            message: `expected a record count in trailer column ${fmt.trailer!.countColumn}`,
          });
        declaredCount = Number(raw);
        return none();
      }
      const r = splitRecord(text, fmt.delimiter, fmt.quote);
      if (r.kind === 'open') {
        if (count >= fmt.maxLinesPerRecord)
          return fail({
            line: start,
            code: 'UNTERMINATED_QUOTE',
            message: `expected a closing ${fmt.quote} within ${fmt.maxLinesPerRecord} lines (format.maxLinesPerRecord)`,
          });
        pending = { text, start, count };
        return none();
      }
      if (r.kind === 'bad')
        return fail({
          line: start,
          code: 'BAD_QUOTING',
          message: `column #${r.column}: expected "${fmt.delimiter === '\t' ? '\\t' : fmt.delimiter}" or end of line after a closing quote`,
        });
      if (!headerSeen) return readHeader(r.fields, start);
      return mapLine(r.fields, start);
    },
    end(): FileSummary {
      const fileProblems: ParseProblem[] = [];
      if (pending)
        fileProblems.push({
          line: pending.start,
          code: 'UNTERMINATED_QUOTE',
          message: `expected a closing ${fmt.quote} before the end of the file`,
        });
      if (!headerSeen)
        fileProblems.push({
          line: 0,
          code: 'NO_HEADER',
          message: 'expected a header line; the file is empty',
        });
      if (fmt.trailer && !broken) {
        if (trailerLine === 0 && fmt.trailer.required)
          fileProblems.push({
            line: 0,
            code: 'TRAILER_MISSING',
            message: `expected a trailer line matching ${fmt.trailer.match} at the end of the file (truncated file?)`,
          });
        else if (declaredCount !== undefined && declaredCount !== dataLines)
          fileProblems.push({
            line: trailerLine,
            code: 'TRAILER_COUNT',
            message: `trailer declares ${declaredCount} data lines, the file has ${dataLines}`,
          });
      }
      keep(fileProblems);
      const problems = kept.slice();
      if (dropped > 0)
        problems.push({
          line: 0,
          code: 'TOO_MANY_PROBLEMS',
          message: `${dropped} further problems not listed (limit ${maxProblems})`,
        });
      return {
        format: `PAYER_CSV:${mapping.id}`,
        lines,
        records,
        problems,
        ...(declaredCount !== undefined ? { declaredCount } : {}),
      };
    },
  };
}
