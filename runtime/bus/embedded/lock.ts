/**
 * Single-owner lock of an embedded bus data dir: `<dataDir>/LOCK` holds the owner's pid.
 *
 * Node has no `flock`, so the lock is a file created with O_EXCL. A lock whose pid is dead (the
 * owner was killed with -9 or crashed) is stale and is taken over. Two buses in one process
 * are refused as well: both would append to the same file.
 */
import { readFileSync } from 'node:fs';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GapstreamError } from '../../errors.ts';
import type { EmbeddedBusLogger } from './config.ts';

/** Data dirs (resolved paths) held by buses of this process. */
const heldInProcess = new Set<string>();

/** A held lock; release it exactly once (on close). */
export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

function lockedError(dataDir: string, pid: number, inProcess: boolean): GapstreamError {
  const who = inProcess ? `another embedded bus in this process (pid ${pid})` : `process ${pid}`;
  return new GapstreamError(
    'EMBEDDED_LOCKED',
    `the embedded bus data dir ${dataDir} is in use by ${who}: stop that process, or use another dataDir. ` +
      (inProcess
        ? 'Close the first bus before opening the dir again.'
        : `If process ${pid} is not gapstream (a reused pid), delete ${join(dataDir, 'LOCK')}.`),
  );
}

/**
 * True if `pid` is a live process. `kill(pid, 0)` checks existence without signalling; EPERM
 * means it exists but belongs to another user. A zombie (killed but not yet reaped by its
 * parent) still answers `kill(pid, 0)`, so on Linux its state in /proc is checked too.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Format: "pid (comm) S ..."; comm may contain spaces and parentheses, so read after the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS) or raced with exit: kill() said it exists
  }
}

async function readPid(path: string): Promise<number | null> {
  try {
    const text = await readFile(path, 'utf8');
    const pid = Number.parseInt(text.trim(), 10);
    return Number.isSafeInteger(pid) ? pid : NaN;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function tryCreate(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await fh.writeFile(`${process.pid}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return true;
}

/**
 * Takes the lock of `dataDir` (which must exist). Throws `EMBEDDED_LOCKED` naming the dir and
 * the owner's pid if a live process (or this one) holds it; takes over a stale lock, with a
 * warning.
 */
export async function acquireDataDirLock(dataDir: string, logger: EmbeddedBusLogger): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  if (heldInProcess.has(dir)) throw lockedError(dir, process.pid, true);
  // Reserved synchronously, so two opens racing in this process cannot both get past here;
  // hence a LOCK file carrying our own pid can only be left from an earlier process.
  heldInProcess.add(dir);
  try {
    return await acquireFile(dir, join(dir, 'LOCK'), logger);
  } catch (err) {
    heldInProcess.delete(dir);
    throw err;
  }
}

async function acquireFile(dir: string, path: string, logger: EmbeddedBusLogger): Promise<DataDirLock> {
  // A few rounds: each lost race re-reads the lock from the start.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreate(path)) {
      return makeLock(dir, path);
    }
    const pid = await readPid(path);
    if (pid === null) continue; // removed between our create and read: try again
    // The file may be empty or garbage if its writer died between create and write: stale.
    if (!Number.isNaN(pid) && pid !== process.pid && isProcessAlive(pid)) throw lockedError(dir, pid, false);
    // Stale (dead pid, garbage, or our own pid left from a previous life of a reused pid).
    // Move it aside with rename, which only one contender can do to a given file, then check
    // that what we moved is the stale lock we judged and not a fresh one created meanwhile.
    const aside = `${path}.stale-${process.pid}-${Date.now()}`;
    try {
      await rename(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = await readPid(aside);
    if (moved !== null && !Number.isNaN(moved) && moved !== pid && isProcessAlive(moved)) {
      // We moved a live owner's fresh lock: put it back (link fails if yet another one exists).
      await link(aside, path).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      throw lockedError(dir, moved, false);
    }
    await unlink(aside).catch(() => undefined);
    logger.warn(
      { dataDir: dir, stalePid: Number.isNaN(pid) ? null : pid },
      'bus lock: took over a stale lock (its owner is gone)',
    );
  }
  throw new GapstreamError(
    'EMBEDDED_LOCKED',
    `could not take the lock of the embedded bus data dir ${dir}: other processes keep racing for it`,
    {
      retriable: true,
    },
  );
}

function makeLock(dir: string, path: string): DataDirLock {
  let released = false;
  return {
    path,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      heldInProcess.delete(dir);
      // Only remove the file if it is still ours (never someone else's after a takeover).
      if ((await readPid(path)) === process.pid) await unlink(path).catch(() => undefined);
    },
  };
}
