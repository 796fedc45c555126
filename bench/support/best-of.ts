/** Runs `fn` once to warm up, then `rounds` times; returns the best wall time in ms (least noise). */
export function bestOfMs(rounds: number, fn: () => void): number {
  fn();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}
