/** Reconnection back-off of the SFTP pull (pure). */

/** Longest wait between connection attempts after repeated failures. */
export const MAX_RECONNECT_DELAY_MS = 5 * 60_000;

/**
 * How long to wait before connecting again after `failures` consecutive failed polls: nothing
 * after the first (the next poll retries), then two, four, eight… poll intervals, at most five
 * minutes (or one interval if that is longer), less up to 20% jitter so that several watchers
 * behind one server do not retry in step. `random` is in [0, 1).
 */
export function reconnectDelayMs(failures: number, pollMs: number, random: number): number {
  if (failures <= 1) return 0;
  const cap = Math.max(MAX_RECONNECT_DELAY_MS, pollMs);
  const base = Math.min(cap, pollMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(base * (1 - 0.2 * random));
}
