/**
 * `gapstream ingest <file|dir>...`: a one-off load of files of any supported kind, read in
 * place (never moved). Directories are expanded recursively in sorted order, skipping dotfiles
 * and `truth/` directories (a generator writes the expected results there). Each file is
 * classified by its content (and, for claims, its name):
 *
 * - HL7 v2 (`MSH`, `FHS` or `BHS` at the start, after an optional BOM and whitespace; any
 *   extension) goes through the HL7 drop directory's per-file core (publishHl7File): the same
 *   split, checks, duplicate index (rebuilt from hl7.raw.v1, as for MLLP) and dead letters.
 * - Claims and roster files (zip sets, X12 837, a payer mapping of `claims.mappingsDir`, CMS
 *   CCLF by name or record length) go through the claims ingest (cli/ingest-claims.ts): same
 *   manifest as the watcher, so a content is published once.
 * - Anything else is reported with the reason and skipped; the other files are still loaded.
 *
 * One JSON summary line per file on stdout (claims: the same fields as the claims watcher's summary); problems
 * on stderr. Exit code 0 when every file was published or was a duplicate, 1 otherwise.
 */
import { promises as fsp, type Dirent } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Runtime } from '../runtime/open-runtime.ts';
import { openRegular } from '../runtime/drop-dir/fs.ts';
import { detectCclfKind, parseCclfFileName } from '../producers/claims/cclf/index.ts';
import { detectMapping, type PayerMapping } from '../producers/claims/mapping/index.ts';
import {
  NOT_REGULAR_REASON,
  publishHl7File,
  readRegular,
  tooLargeReason,
} from '../producers/hl7-files/file-intake.ts';
import type { FileMessageReport, FileReport } from '../producers/hl7-files/report.ts';
import { countOutcomes } from '../producers/hl7-files/report.ts';
import { validateMllpConfig } from '../producers/mllp/config.ts';
import { createHl7Intake, type Hl7Intake } from '../producers/mllp/intake.ts';
import { ConfigError } from '../runtime/errors.ts';
import { openClaimsIngest, type ClaimsFileSummary } from './ingest-claims.ts';

/** Directories with this name are skipped when a directory is expanded (generated expected results). */
export const SKIPPED_DIR = 'truth';
/** Bytes read to classify a file (as the claims reader reads to detect a format). */
const HEAD_BYTES = 4096;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** One input file after expansion, or an argument that could not be expanded. */
export interface ExpandedPath {
  path: string;
  /** Why the argument is not a file or directory that can be read (it does not exist, …). */
  problem?: string;
}

/** What a file is. */
export type Classification =
  | { kind: 'hl7' }
  | {
      kind: 'claims';
      /** What detection saw first: ZIP, X12_837, a mapping id, CCLFn, or AMBIGUOUS_LAYOUT. */
      format: string;
    }
  | { kind: 'unknown'; reason: string };

/** The summary line of an HL7 file. */
export interface Hl7FileSummary {
  file: string;
  /**
   * `done`: every message published or already stored (at least one published now);
   * `duplicate`: every message was already stored; `quarantine`: the file as a whole was refused
   * or some messages were rejected (dead-lettered; the others were published); `failed`: a
   * durable write failed (run ingest again: stored messages are recognised as duplicates).
   */
  disposition: 'done' | 'duplicate' | 'quarantine' | 'failed';
  sha256: string | null;
  format: 'HL7V2';
  /** Messages in the file (null: the file was not read). */
  messages: number | null;
  batch: FileReport['batch'];
  /** Messages published to hl7.raw.v1 now. */
  published: number;
  duplicates: number;
  rejected: number;
  /** Messages not stored (a failed write) or not processed (the file was refused). */
  notStored: number;
  /** The file-level problem code (`HL7_FILE_NOT_HL7`, `HL7_FILE_TOO_LARGE`, …), or null. */
  problem: string | null;
  seconds: number;
  messagesPerSecond: number | null;
  kind: 'hl7';
  path: string;
}

/** What `ingestPaths` did with one file: its stdout line. */
export type IngestFileSummary =
  | (ClaimsFileSummary & { kind: 'claims'; path: string })
  | Hl7FileSummary
  | {
      file: string;
      disposition: 'unrecognized' | 'unreadable';
      reason: string;
      kind: 'unknown';
      path: string;
    };

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `path`'s files, recursively, in name order (code-unit order: the same on every machine). */
async function walk(dir: string, out: ExpandedPath[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    out.push({ path: dir, problem: `the directory cannot be read (${errnoCode(err)})` });
    return;
  }
  entries.sort((a, b) => byName(a.name, b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    // Symlinked directories are not followed (no cycles); a symlinked file is listed and then
    // refused as not regular, like the drop directories do.
    if (e.isDirectory()) {
      if (e.name !== SKIPPED_DIR) await walk(path, out);
    } else out.push({ path });
  }
}

function errnoCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? 'error';
}

/**
 * The files to load, in argument order: a directory argument is replaced by its files,
 * recursively, in name order, without dotfiles and `truth/` directories. A path met twice (a
 * file named and also inside a named directory) is kept once, at its first place.
 */
export async function expandPaths(paths: readonly string[]): Promise<ExpandedPath[]> {
  const out: ExpandedPath[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = (await fsp.stat(path)).isDirectory();
    } catch (err) {
      const code = errnoCode(err);
      out.push({
        path,
        problem: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`,
      });
      continue;
    }
    if (isDir) await walk(path, out);
    else out.push({ path });
  }
  const seen = new Set<string>();
  return out.filter((e) => {
    const key = resolve(e.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The bytes after an optional UTF-8 BOM and leading whitespace. */
function trimmedStart(head: Buffer): Buffer {
  let i = head.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
  // space, tab, LF, VT, FF, CR
  while (i < head.length && (head[i] === 0x20 || (head[i]! >= 0x09 && head[i]! <= 0x0d))) i++;
  return head.subarray(i);
}

/**
 * An HL7 v2 message or batch starts with MSH, FHS or BHS followed by the field separator (any
 * character but a letter, digit or whitespace, so a header such as `MSHIP_ID,…` is not taken).
 */
export function looksLikeHl7(head: Buffer): boolean {
  const b = trimmedStart(head);
  if (b.length < 4) return false;
  const tag = b.subarray(0, 3).toString('latin1');
  if (tag !== 'MSH' && tag !== 'FHS' && tag !== 'BHS') return false;
  const sep = String.fromCharCode(b[3]!);
  return !/[A-Za-z0-9\s]/.test(sep);
}

/** The first line of a head (latin1, BOM dropped), as the claims reader takes it. */
function firstLine(head: Buffer): string {
  const text = head.toString('latin1').replace(/^\u00ef\u00bb\u00bf/, '');
  const end = text.search(/[\r\n]/);
  return end < 0 ? text : text.slice(0, end);
}

/**
 * What the file named `name` is, from its first bytes (pure). Claims detection mirrors the
 * claims reader (producers/claims/read-file.ts): zip, X12 ISA, a payer mapping (an ambiguous
 * match is a claims file the claims ingest refuses with its report), CCLF by name, CCLF by
 * record length.
 */
export function classifyHead(name: string, head: Buffer, mappings: readonly PayerMapping[]): Classification {
  if (trimmedStart(head).length === 0)
    return { kind: 'unknown', reason: 'the file is empty (or only whitespace)' };
  if (looksLikeHl7(head)) return { kind: 'hl7' };
  if (head.length >= 2 && head[0] === 0x50 && head[1] === 0x4b) return { kind: 'claims', format: 'ZIP' };
  if (
    /^\s*ISA/.test(
      head
        .subarray(0, 16)
        .toString('latin1')
        .replace(/^\u00ef\u00bb\u00bf/, ''),
    )
  )
    return { kind: 'claims', format: 'X12_837' };
  const line = firstLine(head);
  const m = detectMapping(name, [line], mappings);
  if (m.ok) return { kind: 'claims', format: m.mapping.id };
  if (m.problem.code === 'AMBIGUOUS_LAYOUT') return { kind: 'claims', format: 'AMBIGUOUS_LAYOUT' };
  const cclfName = parseCclfFileName(name);
  if (cclfName !== null) return { kind: 'claims', format: cclfName.kind };
  const cclf = detectCclfKind(name, line);
  if (cclf.ok) return { kind: 'claims', format: cclf.kind };
  return {
    kind: 'unknown',
    reason: `not a recognized file: not HL7 v2 (no MSH, FHS or BHS segment at the start), not X12 (no ISA), not a zip, no payer mapping of claims.mappingsDir matches its name and first line, and not CMS CCLF (${cclf.problem.message})`,
  };
}

/** Reads the first bytes of a regular file (never following a symlink), or why it cannot be read. */
async function readHead(path: string): Promise<{ ok: true; head: Buffer } | { ok: false; reason: string }> {
  let fh;
  try {
    fh = await openRegular(path);
  } catch (err) {
    const code = errnoCode(err);
    return { ok: false, reason: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})` };
  }
  if (fh === null) return { ok: false, reason: 'is not a regular file (a symlink, directory or device)' };
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return { ok: true, head: buf.subarray(0, bytesRead) };
  } finally {
    await fh.close();
  }
}

/** Reads the file at `path` and classifies it. */
export async function classifyFile(
  path: string,
  mappings: readonly PayerMapping[],
): Promise<Classification | { kind: 'unreadable'; reason: string }> {
  const head = await readHead(path);
  if (!head.ok) return { kind: 'unreadable', reason: head.reason };
  return classifyHead(basename(path), head.head, mappings);
}

function rejectedLines(name: string, messages: readonly FileMessageReport[]): string {
  return messages
    .filter((m) => m.outcome === 'rejected')
    .map(
      (m) =>
        `${name}: message ${m.index} (control id ${m.controlId ?? '-'}) rejected${m.hl7Code !== null ? `, HL7 ${m.hl7Code}` : ''}: ${m.reason ?? ''}${m.errorCode !== null ? ` [${m.errorCode}]` : ''}\n`,
    )
    .join('');
}

/** Loads one HL7 file through the drop directory's per-file core. */
async function ingestHl7(
  rt: Runtime,
  intake: () => Promise<Hl7Intake>,
  path: string,
  err: NodeJS.WritableStream,
): Promise<Hl7FileSummary> {
  const name = basename(path);
  const t0 = Date.now();
  const summary = (
    over: Partial<Hl7FileSummary> & Pick<Hl7FileSummary, 'disposition'>,
    messages: readonly FileMessageReport[] | null,
  ): Hl7FileSummary => {
    const c = countOutcomes(messages ?? []);
    const seconds = (Date.now() - t0) / 1000;
    return {
      file: name,
      disposition: over.disposition,
      sha256: over.sha256 ?? null,
      format: 'HL7V2',
      messages: messages === null ? null : (over.messages ?? c.messages),
      batch: over.batch ?? null,
      published: c.accepted,
      duplicates: c.duplicate,
      rejected: c.rejected,
      notStored: (over.messages ?? c.messages) - c.accepted - c.duplicate - c.rejected,
      problem: over.problem ?? null,
      seconds: Math.round(seconds * 100) / 100,
      messagesPerSecond: messages === null ? null : Math.round(c.messages / Math.max(seconds, 0.001)),
      kind: 'hl7',
      path,
    };
  };
  const read = await readRegular(path, rt.config.hl7Files.maxFileBytes);
  if (read.kind === 'not-regular') {
    err.write(`${name}: HL7_FILE_NOT_REGULAR: ${NOT_REGULAR_REASON}\n`);
    return summary({ disposition: 'quarantine', problem: 'HL7_FILE_NOT_REGULAR' }, null);
  }
  if (read.kind === 'too-large') {
    err.write(`${name}: HL7_FILE_TOO_LARGE: ${tooLargeReason(read.size, rt.config.hl7Files.maxFileBytes)}\n`);
    return summary({ disposition: 'quarantine', problem: 'HL7_FILE_TOO_LARGE' }, null);
  }
  const r = await publishHl7File({ intake: await intake() }, read.bytes, {
    name,
    listenerId: rt.config.hl7Files.listenerId,
  });
  if (r.kind === 'refused') {
    err.write(`${name}: ${r.problem.code}: ${r.problem.reason}\n`);
    return summary(
      { disposition: 'quarantine', sha256: r.sha256, batch: r.batch, problem: r.problem.code },
      r.messages,
    );
  }
  if (r.kind === 'retry') {
    err.write(
      `${name}: a durable write failed after ${r.messagesDone} messages; the rest were not stored: run ingest again (messages already stored are recognised as duplicates)\n`,
    );
    return summary({ disposition: 'failed', messages: r.total }, r.messages);
  }
  const c = r.counts;
  if (c.rejected > 0) err.write(rejectedLines(name, r.messages));
  const disposition =
    c.rejected > 0 ? 'quarantine' : c.accepted === 0 && c.messages > 0 ? 'duplicate' : 'done';
  return summary(
    {
      disposition,
      sha256: r.sha256,
      batch: r.batch,
      problem: c.rejected > 0 ? 'HL7_FILE_REJECTED_MESSAGES' : null,
    },
    r.messages,
  );
}

/**
 * `gapstream ingest <file|dir>...` on the runtime's bus: expands directories, classifies each file
 * and loads it as HL7 v2 or claims/roster, in order, one file at a time. Writes one JSON line per
 * file to `out` (default stdout) and problems to `err`. `code` is 0 when every file was published
 * or was a duplicate, else 1 (a file not found, unreadable, unrecognized, quarantined or failed);
 * one file's problem never stops the others. Throws when the bus fails.
 */
export async function ingestPaths(
  rt: Runtime,
  paths: string[],
  err: NodeJS.WritableStream,
  out: NodeJS.WritableStream = process.stdout,
): Promise<{ code: number; files: IngestFileSummary[] }> {
  const claims = await openClaimsIngest(rt, err);
  let hl7: Promise<Hl7Intake> | undefined;
  // Created on the first HL7 file (it rebuilds the duplicate index from hl7.raw.v1).
  const intake = (): Promise<Hl7Intake> =>
    (hl7 ??= (async () => {
      const problems = validateMllpConfig(rt.config.mllp);
      if (problems.length > 0) throw new ConfigError(problems);
      return createHl7Intake(
        {
          bus: rt.bus,
          codec: rt.codec,
          telemetry: rt.telemetry,
          logger: rt.logger,
          partitions: rt.config.kafka.partitions,
        },
        rt.config.mllp,
      );
    })());
  const files: IngestFileSummary[] = [];
  let code = 0;
  const emit = (s: IngestFileSummary): void => {
    files.push(s);
    if (s.disposition !== 'done' && s.disposition !== 'duplicate') code = 1;
    out.write(`${JSON.stringify(s)}\n`);
  };
  const unknown = (path: string, disposition: 'unrecognized' | 'unreadable', reason: string): void => {
    err.write(`${path}: ${reason}\n`);
    emit({ file: basename(path), disposition, reason, kind: 'unknown', path });
  };
  try {
    for (const entry of await expandPaths(paths)) {
      const { path } = entry;
      if (entry.problem !== undefined) {
        unknown(path, 'unreadable', entry.problem);
        continue;
      }
      const kind = await classifyFile(path, claims.mappings);
      if (kind.kind === 'unreadable') unknown(path, 'unreadable', kind.reason);
      else if (kind.kind === 'unknown') unknown(path, 'unrecognized', kind.reason);
      else if (kind.kind === 'hl7') emit(await ingestHl7(rt, intake, path, err));
      else {
        const r = await claims.ingest(path);
        if (!r.ok) unknown(path, 'unreadable', r.reason);
        else emit({ ...r.summary, kind: 'claims', path });
      }
    }
  } finally {
    if (hl7 !== undefined) {
      const opened = await hl7.catch(() => undefined);
      await opened?.close(rt.config.mllp.drainTimeoutMs);
    }
  }
  return { code, files };
}
