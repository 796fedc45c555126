import { mkdtempSync, rmSync, utimesSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireContentLock } from '../../../producers/claims/content-lock.ts';

describe('content locks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sha = 'a'.repeat(64);

  it('one holder at a time; a fresh lock of another watcher is refused; release frees it', async () => {
    const a = await acquireContentLock(dir, sha, 'wa', 30_000);
    expect(a).not.toBeNull();
    expect(await acquireContentLock(dir, sha, 'wb', 30_000)).toBeNull();
    await a!.release();
    expect(existsSync(join(dir, `${sha}.lock`))).toBe(false);
    const b = await acquireContentLock(dir, sha, 'wb', 30_000);
    expect(b).not.toBeNull();
    await b!.release();
  });

  it('a lock not renewed for the lease is taken over; renewing keeps it', async () => {
    const a = await acquireContentLock(dir, sha, 'wa', 30_000);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, `${sha}.lock`), old, old);
    await a!.renew();
    expect(await acquireContentLock(dir, sha, 'wb', 30_000)).toBeNull();
    utimesSync(join(dir, `${sha}.lock`), old, old);
    const b = await acquireContentLock(dir, sha, 'wb', 30_000);
    expect(b).not.toBeNull();
    await b!.release();
  });

  it('a watcher restarted under the same id takes its own (fresh) lock back at once', async () => {
    const before = await acquireContentLock(dir, sha, 'wa', 30_000);
    expect(before).not.toBeNull();
    // The process died without releasing: the same id comes back.
    expect(await acquireContentLock(dir, sha, 'wa', 30_000)).not.toBeNull();
    expect(await acquireContentLock(dir, sha, 'wb', 30_000)).toBeNull();
  });
});
