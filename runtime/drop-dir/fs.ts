/**
 * File-system steps every drop directory (HL7 files, claims files) needs to be crash-safe:
 * atomic writes, directory fsyncs after renames, free target names, symlink-safe opens.
 */
import { constants, promises as fsp } from 'node:fs';
import { join } from 'node:path';

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

/** A name in `dir` not taken yet: `name`, else `name~2`, `name~3`, … (with its report names free too). */
export async function freeName(dir: string, name: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${name}~${n}`;
    if (!(await exists(join(dir, candidate))) && !(await exists(join(dir, `${candidate}.report.json`))))
      return candidate;
  }
}

/** Writes a file atomically (temp + fsync + rename), so a report is never half written. */
export async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await fsp.open(tmp, 'w', 0o640);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, path);
}

/** fsyncs a directory so a rename in it survives a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Renames `from` to a free name in `toDir` (see {@link freeName}) and fsyncs `toDir`; returns the name. */
export async function moveInto(from: string | Buffer, toDir: string, name: string): Promise<string> {
  const finalName = await freeName(toDir, name);
  await fsp.rename(from, join(toDir, finalName));
  await syncDir(toDir);
  return finalName;
}

/**
 * Opens a regular file without following a symlink (O_NOFOLLOW) and checks the type on the open
 * descriptor, so nothing can be swapped in between check and read. Null when it is not a
 * regular file.
 */
export async function openRegular(path: string): Promise<fsp.FileHandle | null> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, 'ELOOP') || isErrno(err, 'EISDIR') || isErrno(err, 'ENXIO')) return null;
    throw err;
  }
  if (!(await fh.stat()).isFile()) {
    await fh.close();
    return null;
  }
  return fh;
}

/**
 * Moves `from` into `dir` as `finalName` with its reports beside it (`<finalName>.report.json`,
 * `.report.txt`). Reports first, then the file: a crash in between leaves the file where it was,
 * to be decided (and reported) again. If the file is gone when it is moved (taken by another
 * process), the reports are removed again, so they never pile up.
 */
export async function moveWithReports(
  from: string | Buffer,
  dir: string,
  finalName: string,
  reports: { json: string; txt: string },
): Promise<void> {
  const paths = [join(dir, `${finalName}.report.json`), join(dir, `${finalName}.report.txt`)];
  await writeAtomic(paths[0]!, reports.json);
  await writeAtomic(paths[1]!, reports.txt);
  try {
    await fsp.rename(from, join(dir, finalName));
  } catch (err) {
    for (const p of paths) await fsp.rm(p, { force: true });
    throw err;
  }
  await syncDir(dir);
}
