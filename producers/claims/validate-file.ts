/**
 * First pass over a delivered file: parse everything, publish nothing. It decides whether the
 * file may be published (no file-level problem, bad lines within the limit), counts the items
 * the second pass will commit, and hashes each zip entry (records carry their entry's SHA-256).
 * Parse-only runs at several times the publish rate, so a file is never half published because
 * its trailer turned out wrong at the end.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { openRegular } from '../../runtime/drop-dir/fs.ts';
import type { PayerMapping } from './mapping/index.ts';
import { isFileLevel, readClaimsBatches, type ClaimsRecord } from './read-file.ts';
import type { ParseProblem } from './types.ts';
import type { Codec } from '../../schemas/codec.ts';

/** A problem with the part of the file it was found in. */
export interface LocatedProblem extends ParseProblem {
  /** Entry name inside a zip set, or the file name. */
  unit: string;
}

/** One part of the file after validation. */
export interface UnitSummary {
  name: string;
  format: string;
  lines: number;
  records: number;
  sha256: string | null;
}

/** What the first pass found. */
export interface Validation {
  sha256: string;
  sizeBytes: number;
  /** Top-level format: a unit's format, or `ZIP` for a zipped set. */
  format: string;
  units: UnitSummary[];
  /** Items the publish pass will commit (its positions run 1..items). */
  items: number;
  records: number;
  /** Distinct lines with line-level problems only. */
  badLines: number;
  /** File-level problems first, then line problems; at most `maxProblems`. */
  problems: LocatedProblem[];
  /** Problems found beyond `maxProblems` (counted, not listed). */
  problemsNotListed: number;
  fileLevel: boolean;
  problemCodes: string[];
  /** SHA-256 of each zip entry by unit index (for the publish pass). */
  entrySha256: Map<number, string>;
  /** SHA-256 over what decides the item sequence: parts, formats, counts, the mappings used. */
  parseFingerprint: string;
  /** Every record was checked against its Avro schema (a codec was given). */
  schemaChecked: boolean;
}

/** A hashed file: its content hash and what the hash saw (size and mtime) to notice a change. */
export interface HashedFile {
  sha256: string;
  sizeBytes: number;
  mtimeMs: number;
}

/**
 * SHA-256 of an open file, streamed, with the size and mtime seen before reading: a sender
 * still writing changes them, which the publisher checks before every commit.
 */
export async function hashFile(fh: FileHandle): Promise<HashedFile> {
  const st = await fh.stat();
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of fh.createReadStream({ start: 0, autoClose: false, highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  // A file that grew while hashed: mtime -1 never matches, so the publisher's check fails.
  return { sha256: h.digest('hex'), sizeBytes: size, mtimeMs: size === st.size ? st.mtimeMs : -1 };
}

/**
 * Hashes the regular file at `path` for the CLI (never following a symlink), or says in one
 * sentence why it cannot be read (the errno code, never content).
 */
export async function hashPath(
  path: string,
): Promise<({ ok: true } & HashedFile) | { ok: false; reason: string }> {
  let fh;
  try {
    fh = await openRegular(path);
  } catch (err) {
    return { ok: false, reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (fh === null) return { ok: false, reason: 'is not a regular file (a symlink, directory or device)' };
  try {
    return { ok: true, ...(await hashFile(fh)) };
  } finally {
    await fh.close();
  }
}

/**
 * What a resume depends on: the same parts parsed as the same formats into the same number of
 * items and records, with the same mappings. Positions committed under another fingerprint point
 * at other lines.
 */
function parseFingerprint(v: Validation, mappings: readonly PayerMapping[]): string {
  const used = mappings.filter((m) => v.units.some((u) => u.format === m.id));
  return createHash('sha256')
    .update(
      JSON.stringify({
        items: v.items,
        records: v.records,
        units: v.units.map((u) => [u.name, u.format, u.lines, u.records]),
        mappings: used.map((m) => JSON.stringify(m)),
      }),
    )
    .digest('hex');
}

/**
 * A line whose records the schema refuses is a bad line like any other (the first pass counts it
 * with the same check), never an exception half-way through a publish.
 */
export function schemaProblems(
  codec: Pick<Codec, 'check'>,
  item: { lineNumber: number; records: ClaimsRecord[] },
): ParseProblem[] {
  const out: ParseProblem[] = [];
  for (const r of item.records) {
    const reason = codec.check(r.topic, r.value);
    if (reason !== null) out.push({ line: item.lineNumber, code: 'SCHEMA_VALIDATION', message: reason });
  }
  return out;
}

/** Why the watcher must not publish `v` (file-level problems, too many bad lines), or null. */
export function refusal(v: Validation, badLineLimit: number): string | null {
  if (v.fileLevel) return 'the file as a whole is not acceptable (see the file-level problems first)';
  if (v.badLines > badLineLimit)
    return `${v.badLines} bad lines exceed CLAIMS_BAD_LINE_LIMIT = ${badLineLimit}`;
  return null;
}

/** Runs the first pass over `path` (already hashed: `sha256`, `sizeBytes`). */
export async function validateClaimsFile(
  path: string,
  file: { sha256: string; sizeBytes: number },
  mappings: readonly PayerMapping[],
  options: {
    maxProblems?: number;
    onItems?: (items: number) => void;
    /** The codec the records will be encoded with: records it refuses count as bad lines. */
    codec?: Pick<Codec, 'check'>;
  } = {},
): Promise<Validation> {
  const maxProblems = options.maxProblems ?? 1000;
  const v: Validation = {
    ...file,
    format: 'UNKNOWN',
    units: [],
    items: 0,
    records: 0,
    badLines: 0,
    problems: [],
    problemsNotListed: 0,
    fileLevel: false,
    problemCodes: [],
    entrySha256: new Map(),
    parseFingerprint: '',
    schemaChecked: options.codec !== undefined,
  };
  const codes = new Set<string>();
  const fileProblems: LocatedProblem[] = [];
  const lineProblems: LocatedProblem[] = [];
  let lastBad = '';
  let zipped = false;
  const note = (unit: string, p: ParseProblem): void => {
    codes.add(p.code);
    if (isFileLevel(p)) {
      v.fileLevel = true;
      fileProblems.push({ unit, ...p });
      return;
    }
    const at = `${unit}\u0000${p.line}`;
    if (at !== lastBad) v.badLines++;
    lastBad = at;
    if (lineProblems.length < maxProblems) lineProblems.push({ unit, ...p });
    else v.problemsNotListed++;
  };
  for await (const batch of readClaimsBatches(path, { mappings, sha256: file.sha256 }))
    for (const item of batch) {
      switch (item.type) {
        case 'unit':
          if (item.unit.index > 0) zipped = true;
          v.units.push({
            name: item.unit.name,
            format: item.unit.format,
            lines: 0,
            records: 0,
            sha256: null,
          });
          break;
        case 'line': {
          // Progress for long files (the CLI bar): every 65,536 items.
          if ((++v.items & 0xffff) === 0) options.onItems?.(v.items);
          v.records += item.records.length;
          const u = v.units[item.unit]!;
          u.records += item.records.length;
          const problems =
            item.problems.length > 0 || options.codec === undefined
              ? item.problems
              : schemaProblems(options.codec, item);
          for (const p of problems) note(u.name, p);
          break;
        }
        case 'unit-end': {
          const u = v.units[item.unit]!;
          u.lines = item.summary.lines;
          u.format = item.summary.format;
          u.sha256 = item.sha256;
          if (item.sha256 !== null && item.sha256 !== file.sha256) v.entrySha256.set(item.unit, item.sha256);
          break;
        }
        case 'file-problem':
          zipped = true;
          note('(archive)', item.problem);
          break;
      }
    }
  if (v.entrySha256.size > 0) zipped = true;
  v.format = zipped ? 'ZIP' : (v.units[0]?.format ?? 'UNKNOWN');
  v.problems = [...fileProblems, ...lineProblems].slice(0, Math.max(maxProblems, fileProblems.length));
  v.problemCodes = [...codes].sort();
  v.parseFingerprint = parseFingerprint(v, mappings);
  return v;
}
