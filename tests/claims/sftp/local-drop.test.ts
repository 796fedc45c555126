import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { land, prepareDrop, receive, type LocalDrop } from '../../../producers/claims/sftp/local-drop.ts';

let dropDir: string;
let drop: LocalDrop;

beforeEach(async () => {
  dropDir = await mkdtemp(join(tmpdir(), 'gapstream-sftp-local-'));
  drop = await prepareDrop(dropDir);
});
afterEach(() => rm(dropDir, { recursive: true, force: true }));

const chunks = (...parts: string[]): AsyncIterable<Uint8Array> =>
  Readable.from(parts.map((p) => Buffer.from(p)));

describe('landing a download in inbox/', () => {
  it('writes a partial file beside inbox/ and links it in under the remote name', async () => {
    const partial = await receive(drop, 'a.txt', chunks('ab', 'cd'), 4);
    expect(partial.startsWith(join(dropDir, '.sftp-partial', 'a.txt.'))).toBe(true);
    expect(await land(drop, partial, 'a.txt', false)).toBe('a.txt');
    expect(await readFile(join(drop.inbox, 'a.txt'), 'utf8')).toBe('abcd');
    expect(await readdir(drop.partial)).toEqual([]);
  });

  it('refuses a download whose size differs from the listing and removes the partial file', async () => {
    await expect(receive(drop, 'a.txt', chunks('abc'), 4)).rejects.toMatchObject({
      code: 'SFTP_SIZE_MISMATCH',
      retriable: true,
    });
    expect(await readdir(drop.partial)).toEqual([]);
  });

  it('never overwrites: a taken name gets ~2, ~3', async () => {
    await writeFile(join(drop.inbox, 'a.txt'), 'first');
    await writeFile(join(drop.inbox, 'a.txt~2'), 'second');
    const partial = await receive(drop, 'a.txt', chunks('third'), 5);
    expect(await land(drop, partial, 'a.txt', false)).toBe('a.txt~3');
    expect(await readFile(join(drop.inbox, 'a.txt'), 'utf8')).toBe('first');
  });

  it('in marker mode writes <name>.done after the file and skips a name with a stale marker', async () => {
    await writeFile(join(drop.inbox, 'a.txt.done'), '');
    const partial = await receive(drop, 'a.txt', chunks('x'), 1);
    expect(await land(drop, partial, 'a.txt', true)).toBe('a.txt~2');
    expect((await readdir(drop.inbox)).sort()).toEqual(['a.txt.done', 'a.txt~2', 'a.txt~2.done']);
  });
});
