import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { ConnectSftp, RemoteEntry, RemoteFs } from '../../../producers/claims/sftp/remote.ts';

/** Failure hooks of {@link fakeRemote}: return an Error to fail that call. */
export interface FakeHooks {
  connect?: () => Error | undefined;
  read?: (path: string) => Error | 'truncate' | 'disconnect' | undefined;
  rename?: (from: string, to: string) => Error | undefined;
  remove?: (path: string) => Error | undefined;
  /** Reads wait for this before sending any byte. */
  readGate?: Promise<void>;
}

/**
 * A {@link RemoteFs} over a local directory (remote `/x` is `<root>/x`), for the pull's failure
 * paths that a real server cannot be made to produce on cue. Renames refuse an existing target,
 * as SFTP v3 does; `calls` records every operation.
 */
export function fakeRemote(root: string, hooks: FakeHooks = {}) {
  const calls: string[] = [];
  const state = { connects: 0, ended: 0, current: undefined as { connected: boolean } | undefined };
  const at = (p: string): string => join(root, p);
  const check = (err: Error | undefined): void => {
    if (err !== undefined) throw err;
  };

  const connect: ConnectSftp = () => {
    calls.push('connect');
    const err = hooks.connect?.();
    if (err !== undefined) return Promise.reject(err);
    state.connects++;
    const session = { connected: true };
    state.current = session;
    const fs: RemoteFs = {
      async list(dir) {
        calls.push(`list ${dir}`);
        const entries = await fsp.readdir(at(dir), { withFileTypes: true });
        const out: RemoteEntry[] = [];
        for (const e of entries) {
          const st = await fsp.lstat(join(at(dir), e.name));
          out.push({
            name: e.name,
            type: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other',
            size: st.size,
            mtimeMs: Math.floor(st.mtimeMs / 1000) * 1000,
          });
        }
        return out;
      },
      async exists(path) {
        return fsp.lstat(at(path)).then(
          () => true,
          () => false,
        );
      },
      async *read(path) {
        calls.push(`read ${path}`);
        const what = hooks.read?.(path);
        if (what instanceof Error) throw what;
        await hooks.readGate;
        const bytes = await fsp.readFile(at(path));
        if (what === 'disconnect') {
          yield bytes.subarray(0, 1);
          session.connected = false;
          throw new Error('read: Unexpected close event');
        }
        yield what === 'truncate' ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes;
      },
      async rename(from, to) {
        calls.push(`rename ${from} ${to}`);
        check(hooks.rename?.(from, to));
        if (await this.exists(to)) throw new Error(`_rename: Failure From: ${from} To: ${to}`);
        await fsp.rename(at(from), at(to));
      },
      async remove(path) {
        calls.push(`remove ${path}`);
        check(hooks.remove?.(path));
        await fsp.rm(at(path));
      },
      async mkdirs(path) {
        calls.push(`mkdirs ${path}`);
        await fsp.mkdir(at(path), { recursive: true });
      },
      isConnected: () => session.connected,
      end() {
        calls.push('end');
        state.ended++;
        session.connected = false;
        return Promise.resolve();
      },
    };
    return Promise.resolve(fs);
  };
  return { connect, calls, state };
}
