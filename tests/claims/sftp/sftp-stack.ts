import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultClaimsSettings, type SftpSettings } from '../../../producers/claims/config.ts';
import { fingerprintOfPublicKeyLine } from '../../../producers/claims/sftp/host-key.ts';
import { requireListening } from '../../support/stack.ts';

/**
 * Where the SFTP pull tests find the SFTP test server of infra/local (sftp.sh): from the
 * GAPSTREAM_TEST_SFTP_* variables that stack.sh writes to .local/stack.env, else the defaults of
 * a stack started from this checkout. Never CLAIMS_SFTP_*, which would switch the pull on.
 */
const env = process.env;
const localDir = env.GAPSTREAM_LOCAL_DIR ?? fileURLToPath(new URL('../../../.local', import.meta.url));
const stateDir = join(localDir, 'sftp');

export const sftpStack = {
  host: env.GAPSTREAM_TEST_SFTP_HOST ?? '127.0.0.1',
  port: Number(env.GAPSTREAM_TEST_SFTP_PORT ?? '12222'),
  username: env.GAPSTREAM_TEST_SFTP_USERNAME ?? 'gapstream-sftp',
  keyFile: env.GAPSTREAM_TEST_SFTP_KEY_FILE ?? join(stateDir, 'client_ed25519_key'),
  passwordFile: env.GAPSTREAM_TEST_SFTP_PASSWORD_FILE ?? join(stateDir, 'password'),
  /** The remote drop directory as the client sees it. */
  dir: env.GAPSTREAM_TEST_SFTP_DIR ?? '/outbound',
  /** The same directory on local disk. */
  localDir: env.GAPSTREAM_TEST_SFTP_LOCAL_DIR ?? join(stateDir, 'root', 'outbound'),
};

/** Fails loudly (never skips) when the SFTP test server is not there; returns its host key fingerprint. */
export async function requireSftpServer(): Promise<string> {
  await requireListening('The SFTP test server (infra/local/sftp.sh)', `${sftpStack.host}:${sftpStack.port}`);
  if (env.GAPSTREAM_TEST_SFTP_HOST_KEY_SHA256 !== undefined) return env.GAPSTREAM_TEST_SFTP_HOST_KEY_SHA256;
  return fingerprintOfPublicKeyLine(await readFile(join(stateDir, 'ssh_host_ed25519_key.pub'), 'utf8'));
}

export async function sftpPassword(): Promise<string> {
  return (await readFile(sftpStack.passwordFile, 'utf8')).trim();
}

/** A fresh remote directory for one test (owned by the SFTP user, like the drop directory above it). */
export async function makeRemoteDir(): Promise<{
  remote: string;
  local: string;
  cleanup: () => Promise<void>;
}> {
  const sub = `t-${randomBytes(6).toString('hex')}`;
  const local = join(sftpStack.localDir, sub);
  await mkdir(local);
  const owner = await stat(sftpStack.localDir);
  await chown(local, owner.uid, owner.gid);
  return {
    remote: posix.join(sftpStack.dir, sub),
    local,
    cleanup: () => rm(local, { recursive: true, force: true }),
  };
}

/** SFTP settings for the test server, key authentication, the given remote directory. */
export function testSftpSettings(
  hostKeySha256: string,
  remoteDir: string,
  overrides: Partial<SftpSettings> = {},
): SftpSettings {
  return {
    ...defaultClaimsSettings().sftp,
    host: sftpStack.host,
    port: sftpStack.port,
    username: sftpStack.username,
    privateKeyFile: sftpStack.keyFile,
    hostKeySha256,
    remoteDir,
    pollMs: 100,
    ...overrides,
  };
}
