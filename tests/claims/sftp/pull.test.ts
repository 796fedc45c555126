/**
 * The pull's failure paths, over a fake remote (tests/claims/sftp/fake-remote.ts). The happy
 * paths, authentication and host key pinning run against the real server in pull.int.test.ts.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultClaimsSettings, type SftpSettings } from '../../../producers/claims/config.ts';
import { createSftpPull, type SftpPull } from '../../../producers/claims/sftp/pull.ts';
import { GapstreamError } from '../../../runtime/errors.ts';
import { testLogger } from '../../support/stack.ts';
import { fakeRemote, type FakeHooks } from './fake-remote.ts';

let root: string;
let remoteIn: string;
let dropDir: string;
let clock: number;
const pulls: SftpPull[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gapstream-fake-sftp-'));
  remoteIn = join(root, 'in');
  await mkdir(remoteIn);
  dropDir = await mkdtemp(join(tmpdir(), 'gapstream-sftp-drop-'));
  clock = 1_000_000;
});
afterEach(async () => {
  for (const p of pulls.splice(0)) await p.close();
  await rm(root, { recursive: true, force: true });
  await rm(dropDir, { recursive: true, force: true });
});

function makePull(
  hooks: FakeHooks = {},
  sftp: Partial<SftpSettings> = {},
  complete: 'stable' | 'marker' = 'stable',
) {
  const remote = fakeRemote(root, hooks);
  const pull = createSftpPull(
    { logger: testLogger, now: () => clock, random: () => 0, connect: remote.connect },
    {
      sftp: { ...defaultClaimsSettings().sftp, host: 'fake', remoteDir: '/in', pollMs: 1_000, ...sftp },
      dropDir,
      complete,
    },
  );
  pulls.push(pull);
  return { pull, ...remote };
}

const inbox = (): Promise<string[]> => readdir(join(dropDir, 'inbox')).then((n) => n.sort());
const outcomes = (results: { file: string; outcome: string }[]): string[] =>
  results.map((r) => `${r.file}:${r.outcome}`);

describe('SFTP pull failure handling', () => {
  it('retries a failed connection at the next poll, then backs off', async () => {
    let down = true;
    const { pull, calls } = makePull({
      connect: () =>
        down ? new GapstreamError('SFTP_CONNECT_FAILED', 'refused', { retriable: true }) : undefined,
    });
    await expect(pull.poll()).rejects.toThrow('refused');
    await expect(pull.poll()).rejects.toThrow('refused'); // first retry: at once
    expect(await pull.poll()).toEqual([]); // second failure: wait two poll intervals
    expect(calls.filter((c) => c === 'connect')).toHaveLength(2);
    down = false;
    clock += 2_000;
    await writeFile(join(remoteIn, 'a.txt'), 'a');
    expect(await pull.poll()).toEqual([]);
    expect(outcomes(await pull.poll())).toEqual(['a.txt:pulled']);
  });

  it('logs a file that vanished before its download and pulls the others', async () => {
    const { pull } = makePull({
      read: (p) => (p === '/in/a.txt' ? Object.assign(new Error('No such file'), { code: 2 }) : undefined),
    });
    await writeFile(join(remoteIn, 'a.txt'), 'a');
    await writeFile(join(remoteIn, 'b.txt'), 'b');
    await pull.poll();
    expect(await pull.poll()).toMatchObject([
      { file: 'a.txt', outcome: 'failed', code: 'SFTP_DOWNLOAD_FAILED' },
      { file: 'b.txt', outcome: 'pulled' },
    ]);
    expect(await inbox()).toEqual(['b.txt']);
  });

  it('does not download again a file whose disposal failed; retries only the disposal', async () => {
    let denied = true;
    const { pull, calls } = makePull({
      rename: () => (denied ? new Error('_rename: Permission denied') : undefined),
    });
    await writeFile(join(remoteIn, 'a.txt'), 'a');
    await pull.poll();
    expect(await pull.poll()).toMatchObject([{ file: 'a.txt', outcome: 'pulled', disposed: false }]);
    expect(await pull.poll()).toEqual([]); // still denied: nothing new
    denied = false;
    expect(await pull.poll()).toEqual([{ file: 'a.txt', outcome: 'disposed' }]);
    expect(calls.filter((c) => c.startsWith('read'))).toHaveLength(1);
    expect(await inbox()).toEqual(['a.txt']);
    expect(await readdir(join(remoteIn, 'pulled'))).toEqual(['a.txt']);
  });

  it('downloads a file again if it changed on the server after a failed disposal', async () => {
    let denied = true;
    const { pull } = makePull(
      { remove: () => (denied ? new Error('Permission denied') : undefined) },
      { after: 'delete' },
    );
    await writeFile(join(remoteIn, 'a.txt'), 'a');
    await pull.poll();
    await pull.poll();
    await writeFile(join(remoteIn, 'a.txt'), 'a new upload');
    denied = false;
    await pull.poll();
    expect(await pull.poll()).toMatchObject([{ file: 'a.txt', outcome: 'pulled', localName: 'a.txt~2' }]);
    expect(await readFile(join(dropDir, 'inbox', 'a.txt~2'), 'utf8')).toBe('a new upload');
    expect(await readdir(remoteIn)).toEqual([]);
  });

  it('drops a truncated download and waits for the file to be stable again', async () => {
    let truncate = true;
    const { pull } = makePull({ read: () => (truncate ? 'truncate' : undefined) });
    await writeFile(join(remoteIn, 'a.txt'), 'abcdef');
    await pull.poll();
    expect(await pull.poll()).toMatchObject([
      { file: 'a.txt', outcome: 'failed', code: 'SFTP_SIZE_MISMATCH' },
    ]);
    expect(await readdir(join(dropDir, '.sftp-partial'))).toEqual([]);
    truncate = false;
    expect(await pull.poll()).toEqual([]); // seen afresh
    expect(outcomes(await pull.poll())).toEqual(['a.txt:pulled']);
    expect(await readFile(join(dropDir, 'inbox', 'a.txt'), 'utf8')).toBe('abcdef');
  });

  it('abandons the poll when the connection drops mid-transfer and reconnects on the next', async () => {
    let drop = true;
    const { pull, state } = makePull({ read: () => (drop ? 'disconnect' : undefined) });
    await writeFile(join(remoteIn, 'a.txt'), 'abcdef');
    await writeFile(join(remoteIn, 'b.txt'), 'b');
    await pull.poll();
    await expect(pull.poll()).rejects.toThrow('Unexpected close');
    drop = false;
    // Both were already known to be stable: taken on the first poll of the new session.
    expect(outcomes(await pull.poll())).toEqual(['a.txt:pulled', 'b.txt:pulled']);
    expect(state.connects).toBe(2);
    expect(await readdir(join(dropDir, '.sftp-partial'))).toEqual([]);
  });

  it('removes the remote marker before moving the file, and keeps both when the marker cannot go', async () => {
    let denied = true;
    const { pull, calls } = makePull(
      { remove: () => (denied ? new Error('Permission denied') : undefined) },
      {},
      'marker',
    );
    await writeFile(join(remoteIn, 'a.txt'), 'a');
    await writeFile(join(remoteIn, 'a.txt.done'), '');
    expect(await pull.poll()).toMatchObject([{ file: 'a.txt', outcome: 'pulled', disposed: false }]);
    expect((await readdir(remoteIn)).sort()).toEqual(['a.txt', 'a.txt.done']); // no stray marker
    denied = false;
    expect(await pull.poll()).toEqual([{ file: 'a.txt', outcome: 'disposed' }]);
    const disposal = calls.filter((c) => c.startsWith('remove') || c.startsWith('rename'));
    expect(disposal.slice(-2)).toEqual(['remove /in/a.txt.done', 'rename /in/a.txt /in/pulled/a.txt']);
    expect(await inbox()).toEqual(['a.txt', 'a.txt.done']);
  });

  it('honours an absolute done directory and numbers clashes there', async () => {
    const { pull } = makePull({}, { remoteDoneDir: '/archive' });
    await mkdir(join(root, 'archive'));
    await writeFile(join(root, 'archive', 'a.txt'), 'old');
    await writeFile(join(remoteIn, 'a.txt'), 'new');
    await pull.poll();
    await pull.poll();
    expect((await readdir(join(root, 'archive'))).sort()).toEqual(['a.txt', 'a.txt~2']);
  });

  it('removes stale partial downloads and ignores directories and non-files', async () => {
    const { pull } = makePull();
    await mkdir(join(dropDir, '.sftp-partial'), { recursive: true });
    await writeFile(join(dropDir, '.sftp-partial', 'old.abc'), 'x');
    const old = new Date(clock - 2 * 3_600_000);
    await utimes(join(dropDir, '.sftp-partial', 'old.abc'), old, old);
    await writeFile(join(dropDir, '.sftp-partial', 'fresh.abc'), 'x');
    await utimes(join(dropDir, '.sftp-partial', 'fresh.abc'), new Date(clock), new Date(clock));
    await mkdir(join(remoteIn, 'subdir'));
    await pull.poll();
    expect(await pull.poll()).toEqual([]);
    expect(await readdir(join(dropDir, '.sftp-partial'))).toEqual(['fresh.abc']);
  });

  it('close() lets the download in progress finish, then ends the connection', async () => {
    let release!: () => void;
    const readGate = new Promise<void>((r) => (release = r));
    const { pull, state, calls } = makePull({ readGate });
    await writeFile(join(remoteIn, 'a.txt'), 'a');
    await writeFile(join(remoteIn, 'b.txt'), 'b');
    await pull.poll();
    const slow = pull.poll();
    while (!calls.includes('read /in/a.txt')) await new Promise((r) => setTimeout(r, 5));
    let closed = false;
    const closing = pull.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(closed).toBe(false);
    release();
    expect(outcomes(await slow)).toEqual(['a.txt:pulled']); // b.txt waits for the next start
    await closing;
    expect(state.ended).toBe(1);
    expect(await inbox()).toEqual(['a.txt']);
  });
});
