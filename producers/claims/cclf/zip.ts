/**
 * A small, strict zip reader for CCLF sets (CMS delivers each weekly/monthly set as one zip).
 *
 * No zip library is installed in this project, so this reads the central directory itself
 * (PKWARE APPNOTE.TXT 6.3, sections 4.3.7 local header, 4.3.12 central directory header, 4.3.16
 * end of central directory) and inflates an entry with node:zlib as a stream, so a multi-GB
 * CCLF5 entry never sits in memory. Strict means refused, with a problem, rather than guessed:
 * no end-of-central-directory record (a truncated or non-zip file), entries whose data runs past
 * the file, ZIP64, multi-disk, encryption, methods other than stored/deflate, and odd entry
 * names (absolute, `..`, backslashes, control characters, duplicates). CRC-32 and size are
 * checked as the entry streams; a mismatch fails the stream with ZIP_CRC.
 */
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';
import type { ParseProblem } from '../types.ts';

/** One file inside the zip. */
export interface ZipEntry {
  /** Index in the central directory (problems name entries by index, not by name). */
  index: number;
  name: string;
  method: 0 | 8;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  /** Offset of the entry's data (after its local header). */
  dataOffset: number;
}

/** An opened zip: accepted entries, problems found, and a way to stream an entry. */
export interface CclfZip {
  path: string;
  entries: ZipEntry[];
  /** Whole-archive and per-entry problems (line 0; `field` = `entry[<index>]` when per entry). */
  problems: ParseProblem[];
  /** The entry's uncompressed bytes, CRC- and size-checked. */
  open(entry: ZipEntry): Readable;
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

function problem(code: string, message: string, entry?: number): ParseProblem {
  return entry === undefined
    ? { line: 0, code, message }
    : { line: 0, field: `entry[${entry}]`, code, message };
}

/**
 * Entry names CMS would send are plain file names; anything that could escape an extraction
 * directory or confuse a later step is refused (the issue: "path traversal or odd names in
 * archives are refused").
 */
export function entryNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > 255) return 'expected a name of 1-255 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'expected no control characters in the name';
  if (name.includes('\\')) return 'expected / as the only separator (backslash refused)';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name))
    return 'expected a relative name (absolute path refused)';
  const parts = name.split('/');
  if (parts.some((p) => p === '..' || p === '.'))
    return 'expected no . or .. path segments (path traversal refused)';
  if (parts.slice(0, -1).some((p) => p === '')) return 'expected no empty path segments';
  return null;
}

/** List a zip's entries (central directory), refusing what a strict reader should refuse. */
export async function readCclfZip(path: string): Promise<CclfZip> {
  const problems: ParseProblem[] = [];
  const entries: ZipEntry[] = [];
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const result = (): CclfZip => ({ path, entries, problems, open: (e) => openEntry(path, e) });
    if (size < EOCD_MIN) {
      problems.push(
        problem(
          size === 0 ? 'ZIP_EMPTY' : 'ZIP_TRUNCATED',
          'expected at least a 22-byte end-of-central-directory record',
        ),
      );
      return result();
    }
    const tailLen = Math.min(size, EOCD_MIN + MAX_COMMENT);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    let eocd = -1;
    for (let i = tailLen - EOCD_MIN; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIG && i + EOCD_MIN + tail.readUInt16LE(i + 20) === tailLen) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      const head = Buffer.alloc(4);
      await fh.read(head, 0, 4, 0);
      problems.push(
        head.readUInt32LE(0) === LOC_SIG
          ? problem(
              'ZIP_TRUNCATED',
              'expected an end-of-central-directory record: the zip starts like one but its end is missing (truncated transfer?)',
            )
          : problem('ZIP_NOT_ZIP', 'expected a zip archive (no zip signature found)'),
      );
      return result();
    }
    const disk = tail.readUInt16LE(eocd + 4);
    const cdDisk = tail.readUInt16LE(eocd + 6);
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    const eocdPos = size - tailLen + eocd;
    if (disk !== 0 || cdDisk !== 0) {
      problems.push(problem('ZIP_UNSUPPORTED', 'expected a single-disk zip (multi-disk archives refused)'));
      return result();
    }
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      problems.push(
        problem(
          'ZIP_UNSUPPORTED',
          'expected a zip without ZIP64 records (entries over 4 GiB are not supported yet)',
        ),
      );
      return result();
    }
    if (count === 0) {
      problems.push(problem('ZIP_EMPTY', 'expected at least one file in the zip'));
      return result();
    }
    if (cdOffset + cdSize > eocdPos) {
      problems.push(
        problem(
          'ZIP_TRUNCATED',
          'expected the central directory before its end record (archive truncated or damaged)',
        ),
      );
      return result();
    }
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    const seen = new Set<string>();
    let p = 0;
    for (let index = 0; index < count; index++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN_SIG) {
        problems.push(
          problem('ZIP_TRUNCATED', `expected ${count} central directory entries; entry ${index} is damaged`),
        );
        break;
      }
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      const compressedSize = cd.readUInt32LE(p + 20);
      const uncompressedSize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const localOffset = cd.readUInt32LE(p + 42);
      // Bit 11: UTF-8 name; otherwise CP437, of which CCLF names use only the ASCII part.
      const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
      p += 46 + nameLen + extraLen + commentLen;
      if (name.endsWith('/') && compressedSize === 0) continue; // a directory entry: nothing to read
      const bad = entryNameProblem(name);
      if (bad !== null) {
        problems.push(problem('ZIP_ENTRY_NAME', bad, index));
        continue;
      }
      if (seen.has(name)) {
        problems.push(problem('ZIP_ENTRY_NAME', 'expected each name once (duplicate entry refused)', index));
        continue;
      }
      seen.add(name);
      if (flags & 0x1) {
        problems.push(problem('ZIP_UNSUPPORTED', 'expected an unencrypted entry', index));
        continue;
      }
      if (method !== 0 && method !== 8) {
        problems.push(
          problem('ZIP_UNSUPPORTED', 'expected compression method stored (0) or deflate (8)', index),
        );
        continue;
      }
      if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
        problems.push(problem('ZIP_UNSUPPORTED', 'expected an entry without ZIP64 sizes', index));
        continue;
      }
      const loc = Buffer.alloc(30);
      const { bytesRead } = await fh.read(loc, 0, 30, localOffset);
      if (bytesRead < 30 || loc.readUInt32LE(0) !== LOC_SIG) {
        problems.push(
          problem('ZIP_TRUNCATED', 'expected a local file header where the central directory points', index),
        );
        continue;
      }
      const dataOffset = localOffset + 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28);
      if (dataOffset + compressedSize > cdOffset) {
        problems.push(
          problem('ZIP_TRUNCATED', "expected the entry's data to end before the central directory", index),
        );
        continue;
      }
      entries.push({ index, name, method, compressedSize, uncompressedSize, crc32: crc, dataOffset });
    }
    return result();
  } finally {
    await fh.close();
  }
}

/** Thrown (as a stream error) when an entry's bytes do not match its CRC-32 or size. */
export class ZipEntryError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ZipEntryError';
    this.code = code;
  }
}

function openEntry(path: string, entry: ZipEntry): Readable {
  let crc = 0;
  let size = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
      crc = crc32(chunk, crc);
      size += chunk.length;
      if (size > entry.uncompressedSize) {
        cb(
          new ZipEntryError(
            'ZIP_CRC',
            `entry[${entry.index}]: expected ${entry.uncompressedSize} bytes, got more`,
          ),
        );
        return;
      }
      cb(null, chunk);
    },
    flush(cb: TransformCallback): void {
      if (size !== entry.uncompressedSize || crc >>> 0 !== entry.crc32)
        cb(
          new ZipEntryError(
            'ZIP_CRC',
            `entry[${entry.index}]: expected CRC-32 and size from the central directory to match the data`,
          ),
        );
      else cb();
    },
  });
  const raw =
    entry.compressedSize === 0
      ? null
      : createReadStream(path, { start: entry.dataOffset, end: entry.dataOffset + entry.compressedSize - 1 });
  const fail = (e: Error): void => {
    check.destroy(
      e instanceof ZipEntryError
        ? e
        : new ZipEntryError('ZIP_CORRUPT', `entry[${entry.index}]: ${e.message}`),
    );
  };
  if (raw === null) {
    check.end();
    return check;
  }
  raw.on('error', fail);
  if (entry.method === 0) raw.pipe(check);
  else {
    const inflate = createInflateRaw();
    inflate.on('error', fail);
    raw.pipe(inflate).pipe(check);
  }
  return check;
}
