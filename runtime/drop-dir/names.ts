/**
 * Which dropped file names are taken. A name read from `inbox/` is joined to our own directories
 * and written into reports, logs and `peerAddress`, so anything that could act as a path or
 * terminal control is refused: path separators (`/` cannot occur in a directory entry on POSIX,
 * `\` is one on Windows shares), `..`, control characters (C0, DEL, C1), and over-long names.
 * Names starting with a dot are hidden files by convention and also what upload tools write
 * while a transfer is in progress (rsync `.name.XXXXXX`, many SFTP servers): they are left alone.
 */

/** Why a name is not taken as is. */
export type NameVerdict =
  | { kind: 'ok' }
  /** Hidden / in-progress upload: left where it is, never read. */
  | { kind: 'ignore'; reason: string }
  /** Unsafe: moved to quarantine under a safe name, never read as HL7. */
  | { kind: 'refuse'; reason: string };

const MAX_NAME_BYTES = 200;

/** Classifies a directory entry name from `inbox/`. */
export function checkFileName(name: string): NameVerdict {
  if (name.startsWith('.')) return { kind: 'ignore', reason: 'hidden or in-progress file (leading dot)' };
  if (name.includes('/') || name.includes('\\'))
    return { kind: 'refuse', reason: 'path separator in the name' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name))
    return { kind: 'refuse', reason: 'control character in the name' };
  if (name.includes('\uFFFD')) return { kind: 'refuse', reason: 'the name is not valid UTF-8' };
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES)
    return { kind: 'refuse', reason: `the name is longer than ${MAX_NAME_BYTES} bytes` };
  if (name.endsWith('.report.json') || name.endsWith('.report.txt'))
    return { kind: 'refuse', reason: 'the name ends like a gapstream report' };
  return { kind: 'ok' };
}

/** A printable stand-in for an unsafe name (for the quarantine copy and the log): never the name itself. */
export function safeStandIn(name: string, now: number): string {
  const cleaned = name
    .replace(/^\.+/, '')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 80);
  return `refused-${now}-${cleaned === '' ? 'file' : cleaned}`;
}
