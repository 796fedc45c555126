/**
 * One front door over every claims/roster format: detect what a delivered file is (zip set, X12
 * 837, payer mapping, CMS CCLF — by content first, then by name) and stream it as one ordered
 * sequence of items. The watcher, `gapstream inspect claims` and `gapstream ingest` all read
 * files through here, so they agree on what a file holds.
 *
 * The item sequence is deterministic for given bytes and mappings: the watcher's exactly-once
 * resume counts items (its `position`) and skips the ones already committed.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import {
  checkSummary,
  parseCclfStreamBatches,
  readCclfZip,
  ZipEntryError,
  type Cclf0Entry,
  type CclfRecord,
  type CclfZip,
  type ZipEntry,
} from './cclf/index.ts';
import { LineSplitter } from './cclf/lines.ts';
import { createMappedParser, detectMapping, type PayerMapping } from './mapping/index.ts';
import { createX12Parser, X12ProblemCode } from './x12/index.ts';
import type { FileSummary, ParseProblem } from './types.ts';

/** A record to publish: claim.line.v1, roster.member.v1 or member.xref.v1 (CclfRecord covers all three). */
export type ClaimsRecord = CclfRecord;

/** One part of a delivered file: the file itself, or one entry of a zip set. */
export interface SourceUnit {
  /** 0-based; a plain file is one unit. */
  index: number;
  /** Base name of the file, or the entry name inside the zip. */
  name: string;
  /** CCLF1..CCLF9, CCLF0, X12_837, a payer mapping id, or UNKNOWN. */
  format: string;
}

/** One item of {@link readClaimsFile}. */
export type ClaimsItem =
  | { type: 'unit'; unit: SourceUnit }
  | {
      type: 'line';
      unit: number;
      /** 1-based line (segment for X12) the item comes from; 0 for file-level problems. */
      lineNumber: number;
      records: ClaimsRecord[];
      problems: ParseProblem[];
    }
  | { type: 'unit-end'; unit: number; summary: FileSummary; sha256: string | null }
  | { type: 'file-problem'; problem: ParseProblem };

/** Options of {@link readClaimsFile}. */
export interface ReadClaimsOptions {
  mappings: readonly PayerMapping[];
  /** SHA-256 of the delivered file; carried by records of a plain file. */
  sha256?: string | null;
  /** SHA-256 of each zip entry by unit index (from a first pass); computed when absent. */
  entrySha256?: ReadonlyMap<number, string>;
}

/** Problem codes that condemn the whole file, whatever the bad-line limit. */
const FILE_LEVEL = new Set<string>([
  'UNKNOWN_LAYOUT',
  'AMBIGUOUS_LAYOUT',
  'SUMMARY_COUNT',
  'SUMMARY_MISSING',
  'NESTED_ARCHIVE',
  'EMPTY_ARCHIVE',
  // X12 envelope and encoding: the interchange itself cannot be trusted.
  X12ProblemCode.NO_ISA,
  X12ProblemCode.BAD_ISA,
  X12ProblemCode.ENCODING,
  X12ProblemCode.ENVELOPE,
  X12ProblemCode.TRAILER_COUNT,
  X12ProblemCode.TRUNCATED,
  X12ProblemCode.UNSUPPORTED_TRANSACTION,
  X12ProblemCode.UNSUPPORTED_VERSION,
  // Payer files: header and trailer checks.
  'NO_HEADER',
  'HEADER_MISMATCH',
  'TRAILER_COUNT',
  'TRAILER_MISSING',
  'DATA_AFTER_TRAILER',
]);

/** Whether a problem condemns the whole file (else it is one bad line). */
export function isFileLevel(p: ParseProblem): boolean {
  return p.line === 0 || FILE_LEVEL.has(p.code) || p.code.startsWith('ZIP_');
}

const ZIP_MAGIC = [0x50, 0x4b];
const HEAD_BYTES = 4096;

async function head(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The first line of a head buffer (latin1, BOM dropped). */
function firstLine(bytes: Buffer): string {
  const text = bytes.toString('latin1').replace(/^\u00ef\u00bb\u00bf/, '');
  const end = text.search(/[\r\n]/);
  return end < 0 ? text : text.slice(0, end);
}

/** What a unit is, decided from its first bytes and its name. */
type Kind =
  | { kind: 'x12' }
  | { kind: 'mapped'; mapping: PayerMapping }
  | { kind: 'cclf' }
  | { kind: 'zip' }
  | { kind: 'unknown'; problem: ParseProblem };

function classify(name: string, bytes: Buffer, mappings: readonly PayerMapping[]): Kind {
  if (bytes.length >= 2 && bytes[0] === ZIP_MAGIC[0] && bytes[1] === ZIP_MAGIC[1]) return { kind: 'zip' };
  if (
    /^\s*ISA/.test(
      bytes
        .subarray(0, 16)
        .toString('latin1')
        .replace(/^\u00ef\u00bb\u00bf/, ''),
    )
  )
    return { kind: 'x12' };
  const line = firstLine(bytes);
  // A payer mapping whose file-name rule matches wins over the CCLF name rules: the organization's
  // configuration is explicit. CCLF detection (name + record length) decides the rest.
  const m = detectMapping(name, [line], mappings);
  if (m.ok) return { kind: 'mapped', mapping: m.mapping };
  if (m.problem.code === 'AMBIGUOUS_LAYOUT') return { kind: 'unknown', problem: m.problem };
  return { kind: 'cclf' };
}

/** A pass-through that hashes what flows through it. */
function hashing(hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

async function* readUnit(
  unit: SourceUnit,
  kind: Kind,
  input: Readable,
  sha256: string | null,
  hash: Hash | null,
): AsyncGenerator<ClaimsItem[], Cclf0Entry[]> {
  const unitEnd = (summary: FileSummary): ClaimsItem => ({
    type: 'unit-end',
    unit: unit.index,
    summary,
    sha256: hash !== null ? hash.digest('hex') : sha256,
  });
  const line = (lineNumber: number, records: ClaimsRecord[], problems: ParseProblem[]): ClaimsItem => ({
    type: 'line',
    unit: unit.index,
    lineNumber,
    records,
    problems,
  });
  const stream = hash !== null ? input.pipe(hashing(hash)) : input;
  if (kind.kind === 'unknown' || kind.kind === 'zip') {
    const problem: ParseProblem =
      kind.kind === 'zip'
        ? {
            line: 0,
            code: 'NESTED_ARCHIVE',
            message: 'expected CCLF, X12 or payer files inside the zip, not another archive',
          }
        : kind.problem;
    input.destroy();
    yield [
      line(0, [], [problem]),
      unitEnd({ format: unit.format, lines: 0, records: 0, problems: [problem] }),
    ];
    return [];
  }
  if (kind.kind === 'cclf') {
    let cclf0: Cclf0Entry[] = [];
    for await (const batch of parseCclfStreamBatches(stream, unit.name, { sourceFileSha256: sha256 })) {
      const out: ClaimsItem[] = [];
      for (const item of batch) {
        if (item.type === 'line') {
          out.push(line(item.lineNumber, item.records, item.problems));
          continue;
        }
        if (item.kind === null) out.push(line(0, [], item.summary.problems));
        cclf0 = item.cclf0;
        unit.format = item.kind ?? 'UNKNOWN';
        // Drain so the hash covers the whole unit even when detection stopped early.
        if (hash !== null) for await (const _ of stream) void _;
        out.push(unitEnd(item.kind === null ? { ...item.summary, format: 'UNKNOWN' } : item.summary));
      }
      yield out;
    }
    return cclf0;
  }
  if (kind.kind === 'x12') {
    const parser = createX12Parser({ sourceFile: unit.name, sourceFileSha256: sha256 });
    let emitted = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const r = parser.push(chunk);
      const out: ClaimsItem[] = [];
      for (const record of r.records) out.push(line(record.value.lineNumber, [record], []));
      for (const p of r.problems) out.push(line(p.line, [], [p]));
      emitted += r.problems.length;
      if (out.length > 0) yield out;
    }
    const summary = parser.end();
    unit.format = summary.format;
    // end() lists every problem of the file; the ones found only at the end come last.
    yield [...summary.problems.slice(emitted).map((p) => line(p.line, [], [p])), unitEnd(summary)];
    return [];
  }
  const parser = createMappedParser(kind.mapping, { sourceFile: unit.name, sourceFileSha256: sha256 });
  stream.setEncoding(kind.mapping.format.encoding === 'latin1' ? 'latin1' : 'utf8');
  const lines = new LineSplitter();
  let n = 0;
  const take = (text: string, out: ClaimsItem[]): void => {
    const r = parser.line(text, ++n);
    if (r.records.length > 0 || r.problems.length > 0) out.push(line(n, r.records, r.problems));
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    lines.feed(chunk);
    const out: ClaimsItem[] = [];
    for (let text = lines.next(); text !== null; text = lines.next()) take(text, out);
    if (out.length > 0) yield out;
  }
  const out: ClaimsItem[] = [];
  const last = lines.end();
  if (last !== null) take(last, out);
  const summary = parser.end();
  const seen = new Set<string>();
  // Header/trailer problems appear only in end()'s list (line 0 or the trailer line).
  for (const p of summary.problems)
    if (isFileLevel(p) && !seen.has(`${p.line}:${p.code}`)) {
      seen.add(`${p.line}:${p.code}`);
      out.push(line(p.line, [], [p]));
    }
  out.push(unitEnd(summary));
  yield out;
  return [];
}

/**
 * Streams a delivered file: `unit` opens each part, `line` items carry its records and
 * problems in file order, `unit-end` closes it with its summary, and `file-problem` items carry
 * zip and CCLF0 summary problems. Memory stays flat in file size (zip entries are inflated as
 * streams).
 */
export async function* readClaimsFile(path: string, opts: ReadClaimsOptions): AsyncGenerator<ClaimsItem> {
  for await (const batch of readClaimsBatches(path, opts)) yield* batch;
}

/** {@link readClaimsFile} in batches (one per read chunk): what the bulk passes iterate. */
export async function* readClaimsBatches(
  path: string,
  opts: ReadClaimsOptions,
): AsyncGenerator<ClaimsItem[]> {
  const name = basename(path);
  const first = classify(name, await head(path), opts.mappings);
  if (first.kind !== 'zip') {
    const unit: SourceUnit = {
      index: 0,
      name,
      format: first.kind === 'mapped' ? first.mapping.id : first.kind === 'x12' ? 'X12_837' : 'UNKNOWN',
    };
    yield [{ type: 'unit', unit }];
    yield* readUnit(
      unit,
      first,
      createReadStream(path, { highWaterMark: 1 << 20 }),
      opts.sha256 ?? null,
      null,
    );
    return;
  }
  const zip = await readCclfZip(path);
  if (zip.problems.length > 0) {
    yield zip.problems.map((problem) => ({ type: 'file-problem', problem }));
    return;
  }
  const entries = zip.entries.filter((e) => !e.name.endsWith('/'));
  if (entries.length === 0) {
    yield [
      {
        type: 'file-problem',
        problem: { line: 0, code: 'EMPTY_ARCHIVE', message: 'expected at least one file in the zip' },
      },
    ];
    return;
  }
  let cclf0: Cclf0Entry[] | null = null;
  const counts: Record<string, number> = {};
  try {
    yield* readEntries(zip, entries, opts, counts, (c) => (cclf0 = c));
  } catch (err) {
    if (!isCorruptEntry(err)) throw err;
    // A CRC/size mismatch or bad deflate data: a damaged or truncated transfer.
    const code = err instanceof ZipEntryError ? err.code : 'ZIP_DATA';
    yield [
      {
        type: 'file-problem',
        problem: { line: 0, code, message: `expected intact zip entry data (${describeZipError(err)})` },
      },
    ];
    return;
  }
  // CMS sets carry a CCLF0 summary: the record count of every file it lists must match.
  if (cclf0 !== null) yield checkSummary(cclf0, counts).map((problem) => ({ type: 'file-problem', problem }));
}

function isCorruptEntry(err: unknown): err is Error {
  if (err instanceof ZipEntryError) return true;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/** zlib and ZipEntryError messages name entries by index and sizes, never content. */
function describeZipError(err: Error): string {
  return err instanceof ZipEntryError
    ? err.message
    : `inflate failed: ${(err as NodeJS.ErrnoException).code}`;
}

async function* readEntries(
  zip: CclfZip,
  entries: readonly ZipEntry[],
  opts: ReadClaimsOptions,
  counts: Record<string, number>,
  setCclf0: (c: Cclf0Entry[]) => void,
): AsyncGenerator<ClaimsItem[]> {
  for (const [i, entry] of entries.entries()) {
    const entryName = basename(entry.name);
    const peek = zip.open(entry);
    let bytes = Buffer.alloc(0);
    for await (const chunk of peek as AsyncIterable<Buffer>) {
      bytes = Buffer.concat([bytes, chunk]);
      if (bytes.length >= HEAD_BYTES) break;
    }
    peek.destroy();
    const kind = classify(entryName, bytes.subarray(0, HEAD_BYTES), opts.mappings);
    const unit: SourceUnit = {
      index: i,
      name: entryName,
      format: kind.kind === 'mapped' ? kind.mapping.id : kind.kind === 'x12' ? 'X12_837' : 'UNKNOWN',
    };
    yield [{ type: 'unit', unit }];
    const known = opts.entrySha256?.get(i);
    const gen = readUnit(
      unit,
      kind,
      zip.open(entry),
      known ?? null,
      known === undefined ? createHash('sha256') : null,
    );
    let next = await gen.next();
    let lines = 0;
    while (next.done !== true) {
      for (const item of next.value) if (item.type === 'unit-end') lines = item.summary.lines;
      yield next.value;
      next = await gen.next();
    }
    if (unit.format === 'CCLF0') setCclf0(next.value);
    else if (/^CCLF[1-9AB]$/.test(unit.format)) counts[unit.format] = (counts[unit.format] ?? 0) + lines;
  }
}
