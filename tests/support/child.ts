import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** A `gapstream` CLI process run from the repository, with its JSON log lines collected. */
export interface CliProcess {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves when a log line satisfies `predicate`; rejects if the process exits first or on timeout. */
  waitForLine(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<Record<string, unknown>>;
}

export function startCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/gapstream.mjs'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        // not a log line (the demo summary)
      }
    }
    waiters.forEach((w) => w());
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((res) =>
    child.on('exit', (code) => {
      waiters.forEach((w) => w());
      res(code);
    }),
  );
  return {
    child,
    lines,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine: (predicate, timeoutMs) =>
      new Promise((res, rej) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          rej(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
        }, timeoutMs);
        const check = (): void => {
          const hit = lines.find(predicate);
          if (hit) {
            clearTimeout(timer);
            waiters.delete(check);
            res(hit);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            rej(
              new Error(
                `process exited (${child.exitCode ?? child.signalCode}) before the expected log line; stderr: ${err.slice(-2000)}`,
              ),
            );
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

/** SIGKILL (kill -9): no handler runs, nothing is flushed. */
export async function kill9(p: CliProcess): Promise<void> {
  p.child.kill('SIGKILL');
  await p.exited;
}
