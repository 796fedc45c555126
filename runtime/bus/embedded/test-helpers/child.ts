/**
 * Spawning the test-helper scripts as real child processes (`node bin/run-ts.mjs <script>`),
 * and reading their stdout line by line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root (where bin/run-ts.mjs lives). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A running helper script. */
export interface Child {
  process: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves with the first line matching `test` (rejects if the child exits first). */
  waitForLine(test: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Sends SIGKILL and resolves once the child has exited and its stdout is fully read. */
  kill(): Promise<void>;
  stderr(): string;
}

/** Starts `test-helpers/<script>` with `args`, through tsx, from the repo root. */
export function spawnHelper(script: string, args: string[]): Child {
  const child = spawn(
    process.execPath,
    ['bin/run-ts.mjs', join('runtime/bus/embedded/test-helpers', script), ...args],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  let partial = '';
  let err = '';
  const watchers: (() => void)[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('close', () => {
      exited = true;
      resolve();
      for (const w of watchers) w();
    });
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const w of watchers) w();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    err += chunk;
  });
  return {
    process: child,
    lines,
    stderr: () => err,
    waitForLine(test, timeoutMs = 20_000) {
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for a line; stderr: ${err}`)),
          timeoutMs,
        );
        const check = (): void => {
          const found = lines.find(test);
          if (found !== undefined) {
            clearTimeout(timer);
            resolve(found);
          } else if (exited) {
            clearTimeout(timer);
            reject(new Error(`child exited (code ${child.exitCode}) before the line came; stderr: ${err}`));
          }
        };
        watchers.push(check);
        check();
      });
    },
    async kill() {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}
