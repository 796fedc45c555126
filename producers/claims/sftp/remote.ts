/**
 * The remote side of the SFTP pull: a small port ({@link RemoteFs}) and its adapter on
 * ssh2-sftp-client. The adapter pins the server's host key (no connection without
 * CLAIMS_SFTP_HOST_KEY_SHA256) and authenticates with a private key file and/or a password.
 * Neither the key nor the password is ever logged or put in an error.
 */
import { readFile } from 'node:fs/promises';
import SftpClient from 'ssh2-sftp-client';
import { GapstreamError } from '../../../runtime/errors.ts';
import type { Logger } from '../../../runtime/telemetry/index.ts';
import type { SftpSettings } from '../config.ts';
import { HostKeyMismatchError, normalizeFingerprint, pinnedHostVerifier } from './host-key.ts';

/** One entry of a remote directory listing. */
export interface RemoteEntry {
  name: string;
  type: 'file' | 'dir' | 'link' | 'other';
  size: number;
  /** Modification time, milliseconds (SFTP carries whole seconds). */
  mtimeMs: number;
}

/** What the pull needs from an SFTP session. Paths are remote, `/`-separated. */
export interface RemoteFs {
  list(dir: string): Promise<RemoteEntry[]>;
  exists(path: string): Promise<boolean>;
  /** The file's bytes as a stream (the transfer fails by throwing from the iteration). */
  read(path: string): AsyncIterable<Uint8Array>;
  /** Renames; fails when `to` exists (SFTP v3 rename does not overwrite). */
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Creates a directory and its missing parents. */
  mkdirs(path: string): Promise<void>;
  /** False once the session has ended or broken: the pull then connects again. */
  isConnected(): boolean;
  end(): Promise<void>;
}

/** Opens a session for the pull; rejects with a GapstreamError naming the server. */
export type ConnectSftp = (settings: SftpSettings, logger: Logger) => Promise<RemoteFs>;

/** Time allowed for the TCP connection, key exchange and authentication. */
const READY_TIMEOUT_MS = 20_000;
/** SSH keepalives find a dead connection between polls (4 unanswered × 15 s). */
const KEEPALIVE_MS = 15_000;

function typeOf(t: string): RemoteEntry['type'] {
  switch (t) {
    case '-':
      return 'file';
    case 'd':
      return 'dir';
    case 'l':
      return 'link';
    default:
      return 'other';
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Connects with ssh2-sftp-client; the default {@link ConnectSftp}. */
export const connectSftp: ConnectSftp = async (s, logger) => {
  const server = `${s.host ?? '?'}:${s.port}`;
  if (s.host === undefined || s.username === undefined || s.hostKeySha256 === undefined)
    throw new GapstreamError(
      'SFTP_NOT_CONFIGURED',
      'the SFTP pull needs CLAIMS_SFTP_HOST, CLAIMS_SFTP_USERNAME and CLAIMS_SFTP_HOST_KEY_SHA256: expected validated settings',
    );
  let privateKey: Buffer | undefined;
  if (s.privateKeyFile !== undefined) {
    try {
      privateKey = await readFile(s.privateKeyFile);
    } catch (err) {
      throw new GapstreamError(
        'SFTP_KEY_UNREADABLE',
        `CLAIMS_SFTP_PRIVATE_KEY_FILE ${s.privateKeyFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): expected a readable OpenSSH private key file`,
        { retriable: true, cause: err },
      );
    }
  }
  const log = logger.child({ server });
  // The library's default callbacks print to the console: log instead. They are skipped when an
  // operation in flight handled the event, so liveness comes from our own listeners below.
  const client = new SftpClient('gapstream-claims-sftp', {
    error: (err) => log.warn({ reason: messageOf(err) }, 'SFTP connection error'),
    end: () => undefined,
    close: () => undefined,
  });
  let alive = false;
  client.on('end', () => (alive = false));
  client.on('close', () => (alive = false));
  const verifier = pinnedHostVerifier(s.hostKeySha256);
  try {
    await client.connect({
      host: s.host,
      port: s.port,
      username: s.username,
      ...(s.password !== undefined ? { password: s.password } : {}),
      ...(privateKey !== undefined ? { privateKey } : {}),
      hostVerifier: (key: Buffer) => verifier.verify(key),
      readyTimeout: READY_TIMEOUT_MS,
      keepaliveInterval: KEEPALIVE_MS,
      keepaliveCountMax: 4,
    });
  } catch (err) {
    await client.end().catch(() => undefined);
    const seen = verifier.presented();
    const expected = normalizeFingerprint(s.hostKeySha256);
    if (seen !== undefined && seen.fingerprint !== expected)
      throw new HostKeyMismatchError(server, expected, seen.fingerprint, seen.keyType);
    const reason = messageOf(err);
    if (/authentication methods failed/i.test(reason)) {
      const tried = [privateKey !== undefined && 'key', s.password !== undefined && 'password'].filter(
        Boolean,
      );
      throw new GapstreamError(
        'SFTP_AUTH_FAILED',
        `SFTP server ${server} refused user ${s.username} (${tried.join(' and ')} tried): expected it to accept CLAIMS_SFTP_PRIVATE_KEY_FILE or CLAIMS_SFTP_PASSWORD; check the account with the server's operator`,
        { retriable: true, cause: err },
      );
    }
    throw new GapstreamError(
      'SFTP_CONNECT_FAILED',
      `could not open an SFTP session on ${server} as ${s.username}: ${reason}; retried on the next poll`,
      { retriable: true, cause: err },
    );
  }
  alive = true;
  log.info({ hostKey: verifier.presented()?.fingerprint }, 'SFTP connected');

  return {
    async list(dir) {
      const entries = await client.list(dir);
      return entries.map((e) => ({
        name: e.name,
        type: typeOf(e.type),
        size: e.size,
        mtimeMs: e.modifyTime,
      }));
    },
    async exists(path) {
      return (await client.exists(path)) !== false;
    },
    // Opened on first iteration, so an open error (permission denied, vanished) reaches the reader.
    async *read(path) {
      yield* client.createReadStream(path) as AsyncIterable<Uint8Array>;
    },
    async rename(from, to) {
      await client.rename(from, to);
    },
    async remove(path) {
      await client.delete(path);
    },
    async mkdirs(path) {
      await client.mkdir(path, true);
    },
    isConnected: () => alive,
    async end() {
      alive = false;
      await client.end();
    },
  };
};
