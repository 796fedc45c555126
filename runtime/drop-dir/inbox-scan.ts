/**
 * Which files of a drop directory's `inbox/` are complete and may be taken: the same rules for
 * every drop directory. `stable` = the same size and mtime as on the previous scan (senders that
 * write in place); `marker` = an empty `<name>.done` exists beside it (the sender writes it last).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../telemetry/index.ts';
import { isErrno } from './fs.ts';
import { checkFileName } from './names.ts';

export const MARKER = '.done';
export type CompletionRule = 'stable' | 'marker';

/** One scan's verdicts, in name order. */
export interface ScanResult {
  /** Complete regular files (or symlinks, to be refused by the caller: never followed). */
  ready: string[];
  /**
   * Unsafe names with the reason: the caller quarantines them under a safe stand-in, renaming
   * from `path` (the raw bytes: a name that is not UTF-8 has no string path that finds it).
   */
  refused: { name: string; path: Buffer; reason: string }[];
}

/** A scanner keeps what the previous scan saw (stable mode) and what it already logged. */
export class InboxScanner {
  private seen = new Map<string, { size: number; mtimeMs: number }>();
  private readonly ignored = new Set<string>();

  constructor(
    private readonly inbox: string,
    private readonly complete: CompletionRule,
    private readonly log: Logger,
  ) {}

  async scan(): Promise<ScanResult> {
    const raw = await fsp.readdir(this.inbox, { withFileTypes: true, encoding: 'buffer' });
    const entries = raw.map((e) => ({ e, name: e.name.toString('utf8'), bytes: e.name }));
    const names = new Set(entries.map((x) => x.name));
    const next = new Map<string, { size: number; mtimeMs: number }>();
    const out: ScanResult = { ready: [], refused: [] };
    for (const { name, bytes } of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const verdict = checkFileName(name);
      if (verdict.kind === 'ignore') {
        this.logOnce(name, () => this.log.info({ reason: verdict.reason }, 'inbox entry ignored'));
        continue;
      }
      if (verdict.kind === 'refuse') {
        const path = Buffer.concat([Buffer.from(`${this.inbox}/`), bytes]);
        out.refused.push({ name, path, reason: verdict.reason });
        continue;
      }
      if (this.complete === 'marker' && name.endsWith(MARKER)) continue;
      let st;
      try {
        st = await fsp.lstat(join(this.inbox, name));
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      if (st.isDirectory()) {
        this.logOnce(name, () => this.log.warn({}, 'a directory in inbox/ is ignored: drop files only'));
        continue;
      }
      if (!st.isFile() && !st.isSymbolicLink()) continue; // FIFOs, sockets: never opened
      if (this.complete === 'marker') {
        if (names.has(name + MARKER) || st.isSymbolicLink()) out.ready.push(name);
        continue;
      }
      // A symlink is taken at once, to be refused: it is never followed.
      const prev = this.seen.get(name);
      if (st.isSymbolicLink() || (prev !== undefined && prev.size === st.size && prev.mtimeMs === st.mtimeMs))
        out.ready.push(name);
      else next.set(name, { size: st.size, mtimeMs: st.mtimeMs });
    }
    this.seen = next;
    return out;
  }

  private logOnce(name: string, log: () => void): void {
    if (this.ignored.has(name)) return;
    this.ignored.add(name);
    log();
  }
}
