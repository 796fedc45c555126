/**
 * File-level helpers of the mapping layer: load and validate every mapping of a directory,
 * choose the mapping of a delivered file, and stream a file through a mapped parser.
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FileSummary, ParseProblem, ParsedRecord } from '../types.ts';
import { splitRecord } from './csv.ts';
import { createMappedParser, type MappedSource } from './parser.ts';
import { MappingConfigError, parseMappingYaml, type MappingIssue, type PayerMapping } from './schema.ts';

/**
 * Load and validate every `*.yaml`/`*.yml` mapping in `dir`. Throws one
 * {@link MappingConfigError} listing the problems of all files (and duplicate ids).
 */
export async function loadPayerMappings(dir = 'payers'): Promise<PayerMapping[]> {
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  const out: PayerMapping[] = [];
  const issues: MappingIssue[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      out.push(parseMappingYaml(await readFile(file, 'utf8'), file));
    } catch (e) {
      if (e instanceof MappingConfigError) issues.push(...e.issues);
      else throw e;
    }
  }
  const seen = new Map<string, string>();
  for (const m of out) {
    const prev = seen.get(m.id);
    if (prev)
      issues.push({
        file: m.file,
        key: '',
        message: `mapping id ${m.id} also defined by ${prev}; rename one file`,
      });
    seen.set(m.id, m.file);
  }
  if (issues.length > 0) throw new MappingConfigError(issues);
  return out;
}

/** Outcome of {@link detectMapping}. */
export type DetectResult =
  | { ok: true; mapping: PayerMapping }
  | { ok: false; problem: ParseProblem & { code: 'UNKNOWN_LAYOUT' | 'AMBIGUOUS_LAYOUT' } };

/** Does the header line name every column the mapping reads by name? */
function headerFits(m: PayerMapping, firstLine: string): boolean {
  const r = splitRecord(firstLine.replace(/^\uFEFF/, ''), m.format.delimiter, m.format.quote);
  if (r.kind !== 'fields') return false;
  const have = new Set(r.fields.map((f) => f.trim().toUpperCase()));
  return Object.values(m.fields).every((f) =>
    [f.column, ...(f.columns ?? [])].every((c) => typeof c !== 'string' || have.has(c.trim().toUpperCase())),
  );
}

/**
 * Choose the mapping of a delivered file: its name must match `detect.fileName`; when several
 * names match, content decides (`detect.firstLine`, then the header naming every mapped
 * column). Exactly one candidate wins; none or several is a file-level problem.
 * @param fileName base name of the delivered file
 * @param firstLines the file's first lines (one is enough; the header when there is one)
 * @param mappings from {@link loadPayerMappings}
 */
export function detectMapping(
  fileName: string,
  firstLines: readonly string[],
  mappings: readonly PayerMapping[],
): DetectResult {
  const name = basename(fileName);
  let c = mappings.filter((m) => new RegExp(m.detect.fileName, m.detect.ignoreCase ? 'i' : '').test(name));
  const first = firstLines[0] ?? '';
  const byContent = (keep: (m: PayerMapping) => boolean): void => {
    if (c.length > 1) {
      const narrowed = c.filter(keep);
      if (narrowed.length > 0) c = narrowed;
    }
  };
  byContent((m) => m.detect.firstLine === undefined || new RegExp(m.detect.firstLine).test(first));
  byContent((m) => !m.format.header || headerFits(m, first));
  // A single name match must still pass its own firstLine rule.
  c = c.filter((m) => m.detect.firstLine === undefined || new RegExp(m.detect.firstLine).test(first));
  if (c.length === 1) return { ok: true, mapping: c[0]! };
  if (c.length === 0)
    return {
      ok: false,
      problem: {
        line: 0,
        code: 'UNKNOWN_LAYOUT',
        message: 'no payer mapping matches the file name and first line; add one under payers/',
      },
    };
  return {
    ok: false,
    problem: {
      line: 0,
      code: 'AMBIGUOUS_LAYOUT',
      message: `mappings ${c.map((m) => m.id).join(', ')} all match; tighten detect.fileName or detect.firstLine`,
    },
  };
}

/** One item of {@link parseMappedFile}. */
export type MappedFileItem =
  | { type: 'line'; lineNumber: number; records: ParsedRecord[]; problems: ParseProblem[] }
  | { type: 'end'; summary: FileSummary };

/**
 * Stream a file through `mapping`: one item per physical line that produced records or
 * problems, then one `end` item with the summary. Lines split on LF or CRLF; the file is
 * decoded with `format.encoding`.
 */
export async function* parseMappedFile(
  path: string,
  mapping: PayerMapping,
  source: Partial<MappedSource> = {},
): AsyncGenerator<MappedFileItem> {
  const parser = createMappedParser(mapping, {
    sourceFile: source.sourceFile ?? basename(path),
    sourceFileSha256: source.sourceFileSha256 ?? null,
  });
  const encoding = mapping.format.encoding === 'latin1' ? 'latin1' : 'utf8';
  const rl = createInterface({ input: createReadStream(path, { encoding }), crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) {
    n++;
    const r = parser.line(text, n);
    if (r.records.length > 0 || r.problems.length > 0)
      yield { type: 'line', lineNumber: n, records: r.records, problems: r.problems };
  }
  yield { type: 'end', summary: parser.end() };
}
