/**
 * The SFTP pull of the claims watcher: polls a remote directory and brings each complete file
 * into `<dropDir>/inbox/`, where the local watcher takes it like a locally dropped file.
 *
 * Order per file, each step durable before the next:
 * 1. download to `<dropDir>/.sftp-partial/`, fsync, check the size against the listing;
 * 2. link it into `inbox/` (atomic, never overwriting: `name~2`… on a clash), fsync `inbox/`,
 *    then in `marker` mode write the local `<name>.done`;
 * 3. only then dispose of the remote copy: remove its `.done` marker, then move it to
 *    `remoteDoneDir` (or delete it).
 *
 * Exactly once overall, at-least-once into `inbox/`: a crash (or a failed remote operation)
 * after step 2 leaves the remote file in place and it is downloaded again on a later poll. That
 * second copy is harmless because the local watcher deduplicates files by content hash (SHA-256)
 * before anything is published. Within one process a file whose disposal failed is not
 * downloaded again: only its disposal is retried while it stays unchanged on the server.
 *
 * The marker goes before the file in step 3 on purpose: a crash in between then leaves a
 * remote file without marker, which `marker` mode never takes again (it is already in `inbox/`),
 * rather than a stray marker that would vouch for the next, half-uploaded file of that name.
 */
import { posix } from 'node:path';
import { describeError, GapstreamError } from '../../../runtime/errors.ts';
import type { Logger, StageMetrics } from '../../../runtime/telemetry/index.ts';
import type { SftpSettings } from '../config.ts';
import { reconnectDelayMs } from './backoff.ts';
import {
  completeFiles,
  sameSnapshot,
  type CompletionMode,
  type ListedFile,
  type Snapshot,
} from './completion.ts';
import { HostKeyMismatchError } from './host-key.ts';
import { land, prepareDrop, pruneStalePartials, receive, type LocalDrop } from './local-drop.ts';
import { classifyRemoteName, clashName, loggableName, MARKER_SUFFIX } from './names.ts';
import { connectSftp, type ConnectSftp, type RemoteFs } from './remote.ts';

export const SFTP_PULL_STAGE = 'claims-sftp';
export const SFTP_PULL_COMPONENT = 'producers/claims/sftp';
/** More clashing names than this in the remote done directory: give up on that file. */
const MAX_REMOTE_CLASHES = 1000;

/** What happened to one remote file in a poll. */
export type PullResult =
  /** Now in `inbox/` as `localName`; `disposed` false when the remote copy could not be moved or deleted yet. */
  | { file: string; outcome: 'pulled'; localName: string; bytes: number; disposed: boolean }
  /** Pulled in an earlier poll; its remote copy has now been moved or deleted. */
  | { file: string; outcome: 'disposed' }
  /** Not pulled this time (logged); tried again on the next poll. */
  | { file: string; outcome: 'failed'; code: string }
  /** Not a plain file name: left on the server (logged and counted once). */
  | { file: string; outcome: 'refused'; reason: string };

/** An SFTP pull into a drop directory. */
export interface SftpPull {
  /** One poll: connect if needed, list, pull every complete file. Rejects when the server cannot be reached or listed. */
  poll(): Promise<PullResult[]>;
  /** Polls every `sftp.pollMs` (the first at once); failures are logged and retried with back-off. */
  start(): void;
  /** Stops polling, waits for the poll in progress and ends the connection. */
  close(): Promise<void>;
}

/** What the pull is given. */
export interface SftpPullDeps {
  logger: Logger;
  /** `telemetry.stage('claims-sftp')`: files received (downloaded), emitted (in inbox), errors by code. */
  stage?: StageMetrics;
  /** Clock (tests). Default Date.now. */
  now?: () => number;
  /** Jitter source in [0, 1) (tests). Default Math.random. */
  random?: () => number;
  /** Opens an SFTP session (tests). Default ssh2-sftp-client. */
  connect?: ConnectSftp;
}

/** The settings the pull uses (from ClaimsSettings). */
export interface SftpPullSettings {
  sftp: SftpSettings;
  /** The drop directory root (`claims.dir`). */
  dropDir: string;
  /** The watcher's completion rule, applied to the remote directory and honoured locally. */
  complete: CompletionMode;
}

function codeOf(err: unknown, fallback: string): string {
  return err instanceof GapstreamError ? err.code : fallback;
}

/** Creates the pull; nothing is opened until the first poll. */
export function createSftpPull(deps: SftpPullDeps, settings: SftpPullSettings): SftpPull {
  const log = deps.logger.child({ component: SFTP_PULL_COMPONENT });
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const connect = deps.connect ?? connectSftp;
  const { sftp } = settings;
  const remoteDir = sftp.remoteDir;
  // A relative done directory lives beside the files (`pulled` → `<remoteDir>/pulled`).
  const doneDir = posix.isAbsolute(sftp.remoteDoneDir)
    ? sftp.remoteDoneDir
    : posix.join(remoteDir, sftp.remoteDoneDir);

  let remote: RemoteFs | undefined;
  let doneDirReady = false;
  /** stable mode: the previous listing. */
  let seen = new Map<string, Snapshot>();
  /** Pulled into inbox/ but not yet moved or deleted remotely, as listed when pulled. */
  const undisposed = new Map<string, Snapshot>();
  /** Refused names already logged and counted (while they stay listed). */
  let refusedLogged = new Set<string>();
  let failures = 0;
  let retryAt = 0;
  let running: Promise<PullResult[]> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let stopped = false;

  async function dropConnection(): Promise<void> {
    const r = remote;
    remote = undefined;
    doneDirReady = false;
    if (r !== undefined) await r.end().catch(() => undefined);
  }

  /** Moves `name` into the done directory as `name`, `name~2`, … (SFTP rename never overwrites). */
  async function moveToDone(fs: RemoteFs, name: string): Promise<void> {
    if (!doneDirReady) {
      if (!(await fs.exists(doneDir))) await fs.mkdirs(doneDir);
      doneDirReady = true;
    }
    for (let n = 1; n <= MAX_REMOTE_CLASHES; n++) {
      const target = posix.join(doneDir, clashName(name, n));
      if (await fs.exists(target)) continue;
      try {
        await fs.rename(posix.join(remoteDir, name), target);
        return;
      } catch (err) {
        if (fs.isConnected() && (await fs.exists(target))) continue; // taken meanwhile
        throw err;
      }
    }
    throw new GapstreamError(
      'SFTP_DONE_DIR_CLASH',
      `remote ${doneDir} already holds ${name} and ${MAX_REMOTE_CLASHES - 1} numbered copies: expected old pulled files to be cleared there`,
    );
  }

  /** Removes the remote marker (if listed), then moves or deletes the file; false when that failed. */
  async function dispose(fs: RemoteFs, file: ListedFile, markerListed: boolean): Promise<boolean> {
    undisposed.set(file.name, { size: file.size, mtimeMs: file.mtimeMs });
    try {
      if (markerListed) await fs.remove(posix.join(remoteDir, file.name + MARKER_SUFFIX));
      if (sftp.after === 'delete') await fs.remove(posix.join(remoteDir, file.name));
      else await moveToDone(fs, file.name);
    } catch (err) {
      if (!fs.isConnected()) throw err;
      deps.stage?.error('SFTP_DISPOSE_FAILED');
      log.warn(
        { file: file.name, after: sftp.after, reason: describeError(err).message },
        'remote file is in inbox/ but could not be disposed of; retried on the next poll without downloading it again',
      );
      return false;
    }
    undisposed.delete(file.name);
    return true;
  }

  async function pullOne(
    fs: RemoteFs,
    local: LocalDrop,
    file: ListedFile,
    markerListed: boolean,
  ): Promise<PullResult> {
    let partial: string;
    try {
      partial = await receive(local, file.name, fs.read(posix.join(remoteDir, file.name)), file.size);
      deps.stage?.received();
    } catch (err) {
      if (!fs.isConnected()) throw err;
      const code = codeOf(err, 'SFTP_DOWNLOAD_FAILED');
      deps.stage?.error(code);
      if (code === 'SFTP_SIZE_MISMATCH') seen.delete(file.name); // changed: wait until it is stable again
      log.warn(
        { file: file.name, code, reason: describeError(err).message },
        'remote file not pulled; retried on the next poll',
      );
      return { file: file.name, outcome: 'failed', code };
    }
    // A local failure from here on (disk full, permissions) fails the whole poll: the other
    // files would meet the same disk.
    const localName = await land(local, partial, file.name, settings.complete === 'marker');
    deps.stage?.emitted();
    log.info({ file: file.name, localName, bytes: file.size }, 'remote file pulled into inbox/');
    const disposed = await dispose(fs, file, markerListed);
    return { file: file.name, outcome: 'pulled', localName, bytes: file.size, disposed };
  }

  async function pullAll(fs: RemoteFs): Promise<PullResult[]> {
    const drop = await prepareDrop(settings.dropDir);
    const pruned = await pruneStalePartials(drop, now());
    if (pruned > 0) log.info({ removed: pruned }, 'stale partial downloads removed');

    const listing = await fs.list(remoteDir);
    const results: PullResult[] = [];
    const files: ListedFile[] = [];
    const markers = new Set<string>();
    const refusedNow = new Set<string>();
    for (const e of listing) {
      const verdict = classifyRemoteName(e.name);
      switch (verdict.kind) {
        case 'hidden':
          break;
        case 'marker':
          if (e.type === 'file') markers.add(verdict.of);
          break;
        case 'refused':
          if (e.type !== 'file') break;
          refusedNow.add(e.name);
          results.push({ file: e.name, outcome: 'refused', reason: verdict.reason });
          if (!refusedLogged.has(e.name)) {
            deps.stage?.error('SFTP_NAME_REFUSED');
            log.warn(
              { file: loggableName(e.name), reason: verdict.reason },
              'remote file name refused: left on the server, rename it there to have it pulled',
            );
          }
          break;
        case 'file':
          if (e.type === 'file') files.push({ name: e.name, size: e.size, mtimeMs: e.mtimeMs });
          break;
      }
    }
    refusedLogged = refusedNow;

    // Files pulled earlier whose disposal failed: dispose only, while they are unchanged.
    const listed = new Map(files.map((f) => [f.name, f]));
    for (const [name, snap] of [...undisposed]) {
      const f = listed.get(name);
      if (f === undefined || !sameSnapshot(snap, f)) undisposed.delete(name);
    }
    const fresh = files.filter((f) => !undisposed.has(f.name));
    for (const f of files) {
      if (stopped) return results;
      if (!undisposed.has(f.name)) continue;
      if (await dispose(fs, f, markers.has(f.name))) results.push({ file: f.name, outcome: 'disposed' });
    }

    const completion = completeFiles(settings.complete, fresh, markers, seen);
    seen = completion.seen;
    for (const f of completion.ready) {
      if (stopped) break;
      results.push(await pullOne(fs, drop, f, markers.has(f.name)));
    }
    return results;
  }

  async function pollOnce(): Promise<PullResult[]> {
    if (now() < retryAt) {
      log.debug({ retryInMs: retryAt - now() }, 'SFTP poll skipped: backing off after failures');
      return [];
    }
    try {
      if (remote === undefined || !remote.isConnected()) {
        await dropConnection();
        remote = await connect(sftp, log);
      }
      const results = await pullAll(remote);
      failures = 0;
      retryAt = 0;
      return results;
    } catch (err) {
      failures++;
      retryAt = now() + reconnectDelayMs(failures, sftp.pollMs, random());
      deps.stage?.error(codeOf(err, 'SFTP_POLL_FAILED'));
      await dropConnection();
      throw err;
    }
  }

  const poll = (): Promise<PullResult[]> => {
    const p = (running ?? Promise.resolve([])).then(pollOnce, pollOnce);
    running = p;
    return p;
  };

  const tick = (): void => {
    timer = undefined;
    if (stopped) return;
    void poll()
      .catch((err: unknown) => {
        const level = err instanceof HostKeyMismatchError ? 'error' : 'warn';
        log[level](
          { code: codeOf(err, 'SFTP_POLL_FAILED'), reason: describeError(err).message, failures },
          'SFTP poll failed; retried on a later poll',
        );
        return [];
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, sftp.pollMs);
      });
  };

  return {
    poll,
    start() {
      if (started || stopped) return;
      started = true;
      timer = setTimeout(tick, 0);
    },
    async close() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
      await dropConnection();
    },
  };
}
