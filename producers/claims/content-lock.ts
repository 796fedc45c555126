/**
 * Content locks: watchers sharing one drop directory each claim a file by an atomic rename, but
 * the same content may arrive under two names at once. Before publishing, a watcher creates
 * `.state/locks/<sha256>.lock` exclusively (O_EXCL) and renews its mtime while it works. A lock
 * not renewed for `leaseMs` belongs to a dead watcher and is taken over, and a watcher restarted
 * under the same id takes its own lock back at once. Correctness does not
 * rest on the lease alone: publishing uses a Kafka transactional id derived from the content, so
 * a paused holder that wakes up after a take-over is fenced and cannot commit.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../../runtime/drop-dir/fs.ts';

export interface ContentLock {
  /** Renews the lease (touches the lock file). */
  renew(): Promise<void>;
  release(): Promise<void>;
}

/** Tries to take the lock of `sha256`; null when another live watcher holds it. */
export async function acquireContentLock(
  lockDir: string,
  sha256: string,
  owner: string,
  leaseMs: number,
  now: () => number = Date.now,
): Promise<ContentLock | null> {
  const path = join(lockDir, `${sha256}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await fsp.open(path, 'wx', 0o640);
      try {
        await fh.writeFile(`${owner}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return {
        renew: async () => {
          const t = new Date(now());
          await fsp.utimes(path, t, t).catch(() => undefined);
        },
        release: () => fsp.rm(path, { force: true }),
      };
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    let st;
    try {
      st = await fsp.stat(path);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue; // released meanwhile: try again
      throw err;
    }
    // Our own id: a previous incarnation of this watcher (killed) — watcher ids are unique per
    // running watcher. Otherwise the lock is taken over only once the holder stopped renewing it.
    const holder = (await fsp.readFile(path, 'utf8').catch(() => '')).trim();
    if (holder !== owner && now() - st.mtimeMs < leaseMs) return null;
    // Remove and retry once; a racing taker loses on O_EXCL.
    await fsp.rm(path, { force: true });
  }
  return null;
}
