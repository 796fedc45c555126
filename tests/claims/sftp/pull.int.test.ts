/**
 * The SFTP pull against the real OpenSSH server of the local stack (infra/local/sftp.sh): each
 * test gets its own remote directory (created on local disk under the server's drop directory)
 * and its own local drop directory.
 */
import { appendFile, chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SftpSettings } from '../../../producers/claims/config.ts';
import { createSftpPull, type SftpPull } from '../../../producers/claims/sftp/pull.ts';
import { HostKeyMismatchError } from '../../../producers/claims/sftp/host-key.ts';
import { createTelemetry, type Telemetry } from '../../../runtime/telemetry/index.ts';
import { stageCounts } from '../../../runtime/telemetry/metrics-assert.ts';
import { testLogger } from '../../support/stack.ts';
import { makeRemoteDir, requireSftpServer, sftpPassword, testSftpSettings } from './sftp-stack.ts';

let hostKey: string;
let telemetry: Telemetry;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  hostKey = await requireSftpServer();
  telemetry = await createTelemetry({ serviceName: 'test', inMemory: true });
});
afterAll(() => telemetry.shutdown());
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  pull: SftpPull;
  remote: string;
  /** The remote directory on local disk (drop files here). */
  local: string;
  dropDir: string;
  stage: string;
}

async function setup(
  opts: { sftp?: Partial<SftpSettings>; complete?: 'stable' | 'marker' } = {},
): Promise<Setup> {
  const dir = await makeRemoteDir();
  cleanups.push(dir.cleanup);
  const dropDir = await mkdtemp(join(tmpdir(), 'gapstream-sftp-drop-'));
  cleanups.push(() => rm(dropDir, { recursive: true, force: true }));
  const stage = `claims-sftp-${dir.remote.split('/').pop()}`;
  const pull = createSftpPull(
    { logger: testLogger, stage: telemetry.stage(stage) },
    {
      sftp: testSftpSettings(hostKey, dir.remote, opts.sftp),
      dropDir,
      complete: opts.complete ?? 'stable',
    },
  );
  cleanups.push(() => pull.close());
  return { pull, remote: dir.remote, local: dir.local, dropDir, stage };
}

const inbox = (s: Setup): Promise<string[]> => readdir(join(s.dropDir, 'inbox')).then((n) => n.sort());
const inboxFile = (s: Setup, name: string): Promise<string> =>
  readFile(join(s.dropDir, 'inbox', name), 'utf8');
const remoteNames = (s: Setup, sub = ''): Promise<string[]> =>
  readdir(join(s.local, sub)).then((n) => n.sort());

describe('SFTP pull against the local OpenSSH server', () => {
  it('pulls a stable file with key authentication and moves the remote copy to the done directory', async () => {
    const s = await setup();
    await writeFile(join(s.local, 'CCLF8.D240101.T0101010'), 'MBI|claims\n');
    expect(await s.pull.poll()).toEqual([]); // first sighting: not known to be stable yet
    const results = await s.pull.poll();
    expect(results).toEqual([
      {
        file: 'CCLF8.D240101.T0101010',
        outcome: 'pulled',
        localName: 'CCLF8.D240101.T0101010',
        bytes: 11,
        disposed: true,
      },
    ]);
    expect(await inbox(s)).toEqual(['CCLF8.D240101.T0101010']);
    expect(await inboxFile(s, 'CCLF8.D240101.T0101010')).toBe('MBI|claims\n');
    expect(await remoteNames(s)).toEqual(['pulled']);
    expect(await remoteNames(s, 'pulled')).toEqual(['CCLF8.D240101.T0101010']);
    expect(await readdir(join(s.dropDir, '.sftp-partial'))).toEqual([]);
    expect(await stageCounts(telemetry, s.stage)).toMatchObject({ received: 1, emitted: 1, errors: 0 });
    expect(await s.pull.poll()).toEqual([]);
  });

  it('authenticates with a password', async () => {
    const s = await setup({ sftp: { privateKeyFile: undefined, password: await sftpPassword() } });
    await writeFile(join(s.local, 'roster.csv'), 'a,b\n');
    await s.pull.poll();
    expect((await s.pull.poll()).map((r) => r.outcome)).toEqual(['pulled']);
    expect(await inbox(s)).toEqual(['roster.csv']);
  });

  it('reports a refused password or key as an authentication failure', async () => {
    const s = await setup({ sftp: { privateKeyFile: undefined, password: 'not-the-password' } });
    await expect(s.pull.poll()).rejects.toMatchObject({ code: 'SFTP_AUTH_FAILED' });
  });

  it('refuses a server whose host key does not match, naming both fingerprints', async () => {
    const wrong = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';
    const s = await setup({ sftp: { hostKeySha256: wrong } });
    await writeFile(join(s.local, 'x.txt'), 'x');
    const err: unknown = await s.pull.poll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    const message = (err as Error).message;
    expect(message).toContain(`presented ssh-ed25519 host key ${hostKey}`);
    expect(message).toContain(`expected ${wrong}`);
    expect(message).toContain('CLAIMS_SFTP_HOST_KEY_SHA256');
    expect(await remoteNames(s)).toEqual(['x.txt']);
    await expect(readdir(join(s.dropDir, 'inbox'))).rejects.toThrow(/ENOENT/); // nothing touched locally
  });

  it('waits while a file is still growing', async () => {
    const s = await setup();
    const path = join(s.local, 'X12-837P.txt');
    await writeFile(path, 'ISA*00*first part~');
    expect(await s.pull.poll()).toEqual([]);
    await appendFile(path, 'GS*HC*second part~');
    expect(await s.pull.poll()).toEqual([]); // size changed since the last listing
    const results = await s.pull.poll();
    expect(results.map((r) => r.outcome)).toEqual(['pulled']);
    expect(await inboxFile(s, 'X12-837P.txt')).toBe('ISA*00*first part~GS*HC*second part~');
  });

  it('in marker mode waits for <name>.done and writes the local marker after the file', async () => {
    const s = await setup({ complete: 'marker' });
    await writeFile(join(s.local, 'claims.psv'), 'one|two\n');
    expect(await s.pull.poll()).toEqual([]);
    expect(await s.pull.poll()).toEqual([]); // stable, but no marker
    await writeFile(join(s.local, 'claims.psv.done'), '');
    expect((await s.pull.poll()).map((r) => r.outcome)).toEqual(['pulled']);
    expect(await inbox(s)).toEqual(['claims.psv', 'claims.psv.done']);
    expect(await remoteNames(s)).toEqual(['pulled']); // remote marker removed
    expect(await remoteNames(s, 'pulled')).toEqual(['claims.psv']);
  });

  it('deletes the remote copy with after = delete', async () => {
    const s = await setup({ sftp: { after: 'delete' } });
    await writeFile(join(s.local, 'a.txt'), 'a');
    await s.pull.poll();
    expect((await s.pull.poll()).map((r) => r.outcome)).toEqual(['pulled']);
    expect(await remoteNames(s)).toEqual([]);
    expect(await inbox(s)).toEqual(['a.txt']);
  });

  it('gives a clashing name ~2 in inbox/ and in the remote done directory', async () => {
    const s = await setup();
    await writeFile(join(s.local, 'same.txt'), 'first');
    await s.pull.poll();
    await s.pull.poll();
    await writeFile(join(s.local, 'same.txt'), 'second');
    await s.pull.poll();
    const results = await s.pull.poll();
    expect(results).toMatchObject([{ file: 'same.txt', outcome: 'pulled', localName: 'same.txt~2' }]);
    expect(await inboxFile(s, 'same.txt')).toBe('first');
    expect(await inboxFile(s, 'same.txt~2')).toBe('second');
    expect(await remoteNames(s, 'pulled')).toEqual(['same.txt', 'same.txt~2']);
  });

  it('skips odd names and hidden files, logging and counting each refused name once', async () => {
    const s = await setup();
    for (const odd of ['with space.txt', '-leading-dash', 'caf\u00e9.txt', 'tab\there'])
      await writeFile(join(s.local, odd), 'x');
    await writeFile(join(s.local, '.upload.part'), 'x');
    await writeFile(join(s.local, 'good.txt'), 'g');
    await s.pull.poll();
    const results = await s.pull.poll();
    expect(results.filter((r) => r.outcome === 'pulled').map((r) => r.file)).toEqual(['good.txt']);
    expect(results.filter((r) => r.outcome === 'refused')).toHaveLength(4);
    expect(await inbox(s)).toEqual(['good.txt']);
    expect(await remoteNames(s)).toHaveLength(6); // the 4 odd names, the hidden file, pulled/
    expect((await stageCounts(telemetry, s.stage)).errorsByCode).toEqual({ SFTP_NAME_REFUSED: 4 });
  });

  it('keeps pulling the other files when one cannot be read, and takes it once it can', async () => {
    const s = await setup();
    await writeFile(join(s.local, 'a-locked.txt'), 'locked');
    await chmod(join(s.local, 'a-locked.txt'), 0o000); // owned by root: the SFTP user may not read it
    await writeFile(join(s.local, 'b-open.txt'), 'open');
    await s.pull.poll();
    const results = await s.pull.poll();
    expect(results).toMatchObject([
      { file: 'a-locked.txt', outcome: 'failed', code: 'SFTP_DOWNLOAD_FAILED' },
      { file: 'b-open.txt', outcome: 'pulled' },
    ]);
    await chmod(join(s.local, 'a-locked.txt'), 0o644);
    expect((await s.pull.poll()).map((r) => `${r.file}:${r.outcome}`)).toEqual(['a-locked.txt:pulled']);
    expect(await inbox(s)).toEqual(['a-locked.txt', 'b-open.txt']);
    expect(await readdir(join(s.dropDir, '.sftp-partial'))).toEqual([]);
  });

  it('polls on its own after start() and stops cleanly on close()', async () => {
    const s = await setup();
    await writeFile(join(s.local, 'timed.txt'), 't');
    s.pull.start();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const names = await readdir(join(s.dropDir, 'inbox')).catch(() => []);
      if (names.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await s.pull.close();
    expect(await inbox(s)).toEqual(['timed.txt']);
  });
});
