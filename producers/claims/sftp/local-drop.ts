/**
 * The local side of the SFTP pull: a remote file is written to `<dropDir>/.sftp-partial/`,
 * fsynced and checked against the listed size, then linked into `<dropDir>/inbox/` under a free
 * name in one atomic step, so the local watcher never sees a partial file. `.sftp-partial/` sits
 * beside `inbox/` (same file system, so the link is atomic) and starts with a dot, which every
 * watcher ignores.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { exists, isErrno, syncDir } from '../../../runtime/drop-dir/fs.ts';
import { GapstreamError } from '../../../runtime/errors.ts';
import { clashName, MARKER_SUFFIX } from './names.ts';

/** Directory under the drop root that holds downloads in progress. */
export const PARTIAL_DIR = '.sftp-partial';
/** A partial file untouched this long belongs to a crashed or abandoned download. */
export const STALE_PARTIAL_MS = 60 * 60_000;
/** More clashing names than this in `inbox/` means something is wrong: stop instead of looping. */
const MAX_CLASHES = 10_000;

/** The directories the pull writes to. */
export interface LocalDrop {
  inbox: string;
  partial: string;
}

/** link(2) failures that mean "not supported here" rather than a real error. */
const NO_LINKS = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'];

/** Creates `inbox/` and `.sftp-partial/` under the drop root (no-op when present). */
export async function prepareDrop(dropDir: string): Promise<LocalDrop> {
  const drop = { inbox: join(dropDir, 'inbox'), partial: join(dropDir, PARTIAL_DIR) };
  await fsp.mkdir(drop.inbox, { recursive: true });
  await fsp.mkdir(drop.partial, { recursive: true, mode: 0o750 });
  return drop;
}

/** Removes partial files older than {@link STALE_PARTIAL_MS} (left by a crash); returns how many. */
export async function pruneStalePartials(drop: LocalDrop, now: number): Promise<number> {
  let removed = 0;
  for (const entry of await fsp.readdir(drop.partial)) {
    const path = join(drop.partial, entry);
    try {
      const st = await fsp.lstat(path);
      if (st.isFile() && now - st.mtimeMs > STALE_PARTIAL_MS) {
        await fsp.rm(path, { force: true });
        removed++;
      }
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
  return removed;
}

/**
 * Writes `source` to a new partial file for `name`, fsyncs it and checks it holds exactly
 * `expectedSize` bytes (the listed size: anything else means the remote file changed or the
 * transfer was cut). Returns the partial path; on any failure the partial file is removed.
 */
export async function receive(
  drop: LocalDrop,
  name: string,
  source: AsyncIterable<Uint8Array>,
  expectedSize: number,
): Promise<string> {
  const path = join(drop.partial, `${name}.${randomBytes(6).toString('hex')}`);
  const fh = await fsp.open(path, 'wx', 0o640);
  let bytes = 0;
  try {
    try {
      for await (const chunk of source) {
        await fh.write(chunk);
        bytes += chunk.length;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (bytes !== expectedSize)
      throw new GapstreamError(
        'SFTP_SIZE_MISMATCH',
        `downloaded ${bytes} bytes of ${name}, expected ${expectedSize} as listed: the remote file changed or the transfer was cut; it is fetched again on the next poll`,
        { retriable: true },
      );
    return path;
  } catch (err) {
    await fsp.rm(path, { force: true });
    throw err;
  }
}

/** Puts `src` at `dst` unless `dst` exists (then false). Atomic with link(2); rename after a check where links are unsupported. */
async function placeNoClobber(src: string, dst: string): Promise<boolean> {
  try {
    await fsp.link(src, dst);
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    if (!NO_LINKS.some((code) => isErrno(err, code))) throw err;
    if (await exists(dst)) return false;
    await fsp.rename(src, dst);
    return true;
  }
  await fsp.unlink(src);
  return true;
}

/**
 * Moves a received partial file into `inbox/` as `name`, or `name~2`, `name~3`… when taken, and
 * fsyncs `inbox/`. With `writeMarker` the empty `<final>.done` marker follows the file (never
 * before it, so the watcher cannot take a file that is not there yet), and a name whose marker is
 * already present is skipped (a stale marker would vouch for the wrong file). Returns the name.
 */
export async function land(
  drop: LocalDrop,
  partialPath: string,
  name: string,
  writeMarker: boolean,
): Promise<string> {
  for (let n = 1; n <= MAX_CLASHES; n++) {
    const candidate = clashName(name, n);
    if (writeMarker && (await exists(join(drop.inbox, candidate + MARKER_SUFFIX)))) continue;
    if (!(await placeNoClobber(partialPath, join(drop.inbox, candidate)))) continue;
    await syncDir(drop.inbox);
    if (writeMarker) {
      const fh = await fsp.open(join(drop.inbox, candidate + MARKER_SUFFIX), 'w', 0o640);
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await syncDir(drop.inbox);
    }
    return candidate;
  }
  await fsp.rm(partialPath, { force: true });
  throw new GapstreamError(
    'SFTP_INBOX_CLASH',
    `inbox/ already holds ${name} and ${MAX_CLASHES - 1} numbered copies of it: expected the watcher to take files out of inbox/; clear them and the file is pulled again`,
  );
}
