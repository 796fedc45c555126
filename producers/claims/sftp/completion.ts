/**
 * When a remote file is completely written (pure). `stable`: the same size and mtime on two
 * consecutive listings (SFTP mtimes have one-second resolution, so the size is what usually
 * moves; a sender that pauses longer than the poll interval mid-file needs `marker`). `marker`:
 * `<name>.done` is listed beside it, which the sender writes after the file.
 */
import type { ClaimsSettings } from '../config.ts';

/** The watcher's completion rule. */
export type CompletionMode = ClaimsSettings['complete'];

/** Size and modification time of a remote file in one listing. */
export interface Snapshot {
  size: number;
  mtimeMs: number;
}

/** A regular file in the remote listing. */
export interface ListedFile extends Snapshot {
  name: string;
}

/** What {@link completeFiles} decides for one listing. */
export interface Completion {
  /** Files to pull now, in name order. */
  ready: ListedFile[];
  /** What to compare the next listing with (stable mode; empty in marker mode). */
  seen: Map<string, Snapshot>;
}

/** True when two snapshots describe the same, unchanged file. */
export function sameSnapshot(a: Snapshot | undefined, b: Snapshot): boolean {
  return a !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * The complete files of one listing. `markers` holds the names whose `.done` marker is listed;
 * `previous` is the `seen` of the previous listing (empty after a restart, so a stable file is
 * taken one poll later, never earlier).
 */
export function completeFiles(
  mode: CompletionMode,
  files: readonly ListedFile[],
  markers: ReadonlySet<string>,
  previous: ReadonlyMap<string, Snapshot>,
): Completion {
  const seen = new Map<string, Snapshot>();
  const ready: ListedFile[] = [];
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    switch (mode) {
      case 'marker':
        if (markers.has(f.name)) ready.push(f);
        break;
      case 'stable':
        if (sameSnapshot(previous.get(f.name), f)) ready.push(f);
        seen.set(f.name, { size: f.size, mtimeMs: f.mtimeMs });
        break;
    }
  }
  return { ready, seen };
}
