/**
 * The polling shape every drop directory shares: `poll()` runs one pass after the previous one
 * (never two at once), `start()` polls every `pollMs` (a failed pass is reported and retried on
 * the next tick), `close()` stops and waits for the pass in progress.
 */
export interface PollLoop<T> {
  poll(): Promise<T[]>;
  start(): void;
  close(): Promise<void>;
  /** True once close() was called: a pass checks it between files. */
  readonly stopped: boolean;
}

export function createPollLoop<T>(
  pass: () => Promise<T[]>,
  pollMs: number,
  onError: (err: unknown) => void,
): PollLoop<T> {
  let running: Promise<T[]> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const poll = (): Promise<T[]> => {
    const p = (running ?? Promise.resolve([])).then(pass, pass);
    running = p;
    return p;
  };

  const tick = (): void => {
    timer = undefined;
    if (stopped) return;
    poll()
      .catch((err: unknown) => {
        onError(err);
        return [];
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, pollMs);
      });
  };

  return {
    poll,
    start: () => {
      if (timer === undefined && !stopped) timer = setTimeout(tick, 0);
    },
    close: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
    get stopped() {
      return stopped;
    },
  };
}
