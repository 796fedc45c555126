/**
 * Which remote directory entries the SFTP pull takes. A remote name becomes a local file name in
 * `inbox/` and a remote path we rename or delete, and it is written to logs, so only plain
 * basenames are taken: a letter or digit, then letters, digits, `.`, `_` or `-` (at most 255
 * characters, the usual file system limit). Anything else (spaces, `/`, `\`, control or non-ASCII
 * characters) is refused and left on the server for a person to rename. Names starting with `.`
 * are hidden files or uploads in progress (many SFTP servers and clients write `.name.part`
 * first) and `<name>.done` are completion markers: neither is a file to pull.
 */

/** A plain basename: safe as a local file name, a remote path segment and a log field. */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** Suffix of the marker a sender writes after the file, in `marker` completion mode. */
export const MARKER_SUFFIX = '.done';

/** What a remote entry name is. */
export type RemoteNameVerdict =
  | { kind: 'file' }
  /** `<of>.done`: the completion marker of file `of`. */
  | { kind: 'marker'; of: string }
  /** Hidden or in-progress upload: skipped silently. */
  | { kind: 'hidden' }
  /** Not a plain basename: skipped, logged and counted. */
  | { kind: 'refused'; reason: string };

/** Classifies one entry name of the remote directory. */
export function classifyRemoteName(name: string): RemoteNameVerdict {
  if (name.startsWith('.')) return { kind: 'hidden' };
  if (name.endsWith(MARKER_SUFFIX) && name.length > MARKER_SUFFIX.length)
    return { kind: 'marker', of: name.slice(0, -MARKER_SUFFIX.length) };
  if (!SAFE_NAME.test(name))
    return {
      kind: 'refused',
      reason:
        'expected a plain file name: a letter or digit, then letters, digits, ".", "_" or "-", at most 255 characters',
    };
  return { kind: 'file' };
}

/** The n-th name tried when `name` is taken: `name`, `name~2`, `name~3`, … */
export function clashName(name: string, n: number): string {
  return n <= 1 ? name : `${name}~${n}`;
}

/** A refused name as it may appear in a log: JSON-escaped by the logger, and cut short. */
export function loggableName(name: string): string {
  return name.length > 120 ? `${name.slice(0, 120)}…` : name;
}
