import { describe, expect, it } from 'vitest';
import { MAX_RECONNECT_DELAY_MS, reconnectDelayMs } from '../../../producers/claims/sftp/backoff.ts';
import { completeFiles, type Snapshot } from '../../../producers/claims/sftp/completion.ts';

const file = (
  name: string,
  size: number,
  mtimeMs = 1_000,
): { name: string; size: number; mtimeMs: number } => ({
  name,
  size,
  mtimeMs,
});

describe('completion of remote files', () => {
  it('stable: ready once two consecutive listings agree on size and mtime', () => {
    const first = completeFiles('stable', [file('a', 10)], new Set(), new Map());
    expect(first.ready).toEqual([]);
    const second = completeFiles('stable', [file('a', 10)], new Set(), first.seen);
    expect(second.ready.map((f) => f.name)).toEqual(['a']);
  });

  it('stable: a growing or touched file waits for another unchanged listing', () => {
    let seen: Map<string, Snapshot> = completeFiles(
      'stable',
      [file('a', 10), file('b', 5)],
      new Set(),
      new Map(),
    ).seen;
    const grown = completeFiles('stable', [file('a', 20), file('b', 5, 2_000)], new Set(), seen);
    expect(grown.ready).toEqual([]);
    seen = grown.seen;
    expect(
      completeFiles('stable', [file('b', 5, 2_000), file('a', 20)], new Set(), seen).ready.map((f) => f.name),
    ).toEqual(['a', 'b']);
  });

  it('stable: forgets files that left the listing', () => {
    const seen = completeFiles('stable', [file('a', 1)], new Set(), new Map()).seen;
    const gone = completeFiles('stable', [], new Set(), seen);
    expect(gone.seen.size).toBe(0);
    expect(completeFiles('stable', [file('a', 1)], new Set(), gone.seen).ready).toEqual([]);
  });

  it('marker: ready when <name>.done is listed, whatever the sizes do', () => {
    const files = [file('b', 1), file('a', 2)];
    expect(completeFiles('marker', files, new Set(), new Map()).ready).toEqual([]);
    const done = completeFiles('marker', files, new Set(['a', 'b']), new Map());
    expect(done.ready.map((f) => f.name)).toEqual(['a', 'b']);
    expect(done.seen.size).toBe(0);
  });
});

describe('reconnection back-off', () => {
  it('retries at the next poll first, then backs off exponentially up to five minutes', () => {
    const pollMs = 30_000;
    expect([1, 2, 3, 4, 5].map((n) => reconnectDelayMs(n, pollMs, 0))).toEqual([
      0,
      60_000,
      120_000,
      240_000,
      MAX_RECONNECT_DELAY_MS,
    ]);
    expect(reconnectDelayMs(100, pollMs, 0)).toBe(MAX_RECONNECT_DELAY_MS);
  });

  it('subtracts up to 20% jitter and never waits less than one long poll interval at the cap', () => {
    expect(reconnectDelayMs(2, 1_000, 0.5)).toBe(1_800);
    expect(reconnectDelayMs(9, 600_000, 0)).toBe(600_000);
  });
});
