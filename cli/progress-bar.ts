/**
 * A one-line progress display for long loads: a bar, percent, lines/s and ETA, redrawn in place
 * on a terminal; on a pipe or log file, one plain line every few seconds instead.
 */
export interface ProgressBar {
  /** Shows `done` of `total` lines in `phase` (`validating` has no total yet: total 0). */
  update(phase: string, done: number, total: number): void;
  /** Ends the line. */
  finish(): void;
}

const WIDTH = 30;

export function formatProgress(phase: string, done: number, total: number, elapsedMs: number): string {
  const rate = Math.round((done * 1000) / Math.max(1, elapsedMs));
  const n = (x: number): string => x.toLocaleString('en-US');
  if (total <= 0) return `${phase} ${n(done)} lines, ${n(rate)} lines/s`;
  const frac = Math.min(1, done / total);
  const fill = Math.round(frac * WIDTH);
  const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
  return `${phase} [${'#'.repeat(fill)}${'.'.repeat(WIDTH - fill)}] ${Math.floor(frac * 100)}% ${n(done)}/${n(total)} lines, ${n(rate)} lines/s, ETA ${eta}s`;
}

export function createProgressBar(out: NodeJS.WriteStream, now: () => number = Date.now): ProgressBar {
  let phase = '';
  let t0 = now();
  let lastDraw = 0;
  let drawn = false;
  return {
    update(p, done, total) {
      if (p !== phase) {
        if (drawn && out.isTTY) out.write('\n');
        phase = p;
        t0 = now();
        lastDraw = 0;
      }
      const t = now();
      if (out.isTTY) {
        if (t - lastDraw < 100 && done < total) return;
        out.write(`\r${formatProgress(p, done, total, t - t0)}\u001b[K`);
      } else {
        if (t - lastDraw < 5000 && done < total) return;
        out.write(`${formatProgress(p, done, total, t - t0)}\n`);
      }
      lastDraw = t;
      drawn = true;
    },
    finish() {
      if (drawn && out.isTTY) out.write('\n');
      drawn = false;
    },
  };
}
