/**
 * The kill -9 scenario both modes run: a CCLF5 file of `lines` lines in a drop directory, a
 * watcher process (crash-child.ts) killed with SIGKILL twice while it publishes — at whatever
 * point it has reached after the chosen commit, often inside an open transaction — then run to
 * the end. Afterwards every line is in claim.line.v1 exactly once and the manifest says DONE.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { loadConfig } from '../../../runtime/config/load.ts';
import { openRuntime } from '../../../runtime/open-runtime.ts';
import type { ManifestRecord } from '../../../producers/claims/manifest.ts';
import { readTopic } from '../../support/read-topic.ts';
import { cclf5File, cmsName, exhFile } from './fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

/** Runs the child until it prints `commit <p>` with p >= killAt (then SIGKILL), or to the end. */
function runChild(env: Record<string, string>, killAt: number | null, timeoutMs: number): Promise<string> {
  const child = spawn(process.execPath, ['bin/run-ts.mjs', 'tests/claims/watcher/crash-child.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`watcher child timed out; stdout: ${out.slice(-500)} stderr: ${err.slice(-2000)}`));
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const commits = [...out.matchAll(/commit (\d+)/g)].map((m) => Number(m[1]));
      if (killAt !== null && commits.some((p) => p >= killAt)) child.kill('SIGKILL');
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (killAt !== null && signal !== 'SIGKILL')
        reject(new Error(`child was not killed (exit ${code}): ${out} ${err.slice(-2000)}`));
      else if (killAt === null && code !== 0)
        reject(new Error(`child failed (exit ${code}): ${err.slice(-2000)}`));
      else resolvePromise(out);
    });
  });
}

export async function crashMidFileThenCheck(
  env: Record<string, string>,
  lines: number,
  timeoutMs: number,
): Promise<void> {
  const drop = env.CLAIMS_DROP_DIR!;
  const name = cmsName('CCLF5');
  mkdirSync(join(drop, 'inbox'), { recursive: true });
  writeFileSync(join(drop, 'inbox', name), cclf5File(lines, 97));
  writeFileSync(join(drop, 'inbox', `${name}.done`), '');
  const per = Number(env.CLAIMS_LINES_PER_TRANSACTION);
  const first = await runChild(env, 2 * per, timeoutMs);
  expect(first).not.toContain('finished');
  const second = await runChild(env, 5 * per, timeoutMs);
  expect(second).not.toContain('finished');
  // The restarted watcher resumed: its first commit is beyond the start.
  const resumedAt = Number(/commit (\d+)/.exec(second)?.[1] ?? '0');
  expect(resumedAt).toBeGreaterThan(per);
  const last = await runChild(env, null, timeoutMs);
  expect(last).toContain('finished done');
  expect(readdirSync(join(drop, 'done'))).toEqual([name]);

  const rt = await openRuntime(loadConfig({ env }), 'claims-crash-check', { store: false });
  try {
    const records = await readTopic(rt.bus, 'claim.line.v1');
    const numbers = await Promise.all(
      records.map(
        async (r) => (await rt.codec.decode<{ lineNumber: number }>('claim.line.v1', r.value!)).lineNumber,
      ),
    );
    expect(numbers.length, 'committed claim lines').toBe(lines);
    expect(new Set(numbers).size, 'distinct line numbers').toBe(lines);
    const manifest = await Promise.all(
      (await readTopic(rt.bus, 'file.manifest.v1')).map((r) =>
        rt.codec.decode<ManifestRecord>('file.manifest.v1', r.value!),
      ),
    );
    expect(manifest.at(-1)).toMatchObject({ status: 'DONE', linesCommitted: lines, recordsPublished: lines });
    // Progress is monotonic across the three runs: no committed position was lost or repeated.
    const positions = manifest.filter((m) => m.event !== 'STARTED').map((m) => m.linesCommitted);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
  } finally {
    await rt.close();
  }
}

/**
 * Two watcher processes (distinct GAPSTREAM_INSTANCE_ID) started together on one directory of
 * `files` payer extracts plus one content dropped under two names: each file is taken by exactly
 * one of them, the twin content is published once, and every line is in claim.line.v1 once.
 */
export async function racingWatchersThenCheck(
  env: Record<string, string>,
  files: number,
  timeoutMs: number,
): Promise<void> {
  const drop = env.CLAIMS_DROP_DIR!;
  mkdirSync(join(drop, 'inbox'), { recursive: true });
  const names: string[] = [];
  let expected = 0;
  for (let f = 1; f <= files; f++) {
    const name = `EXH_CLAIMS_2024${String(f).padStart(4, '0')}.txt`;
    writeFileSync(join(drop, 'inbox', name), exhFile(20 + f));
    writeFileSync(join(drop, 'inbox', `${name}.done`), '');
    names.push(name);
    expected += 20 + f;
  }
  for (const twin of ['twin-a.txt', 'twin-b.txt']) {
    writeFileSync(join(drop, 'inbox', twin), cclf5File(300, 13));
    writeFileSync(join(drop, 'inbox', `${twin}.done`), '');
    names.push(twin);
  }
  expected += 300;
  const outs = await Promise.all(
    ['wa', 'wb'].map((id) => runChild({ ...env, GAPSTREAM_INSTANCE_ID: id }, null, timeoutMs)),
  );
  const taken = outs.flatMap((o) => JSON.parse(/files (.*)/.exec(o)![1]!) as [string, string][]);
  expect(taken.map(([n]) => n).sort(), 'each file decided exactly once').toEqual([...names].sort());
  expect(
    taken
      .filter(([n]) => n.startsWith('twin-'))
      .map(([, d]) => d)
      .sort(),
  ).toEqual(['done', 'duplicate']);
  const rt = await openRuntime(loadConfig({ env }), 'claims-race-check', { store: false });
  try {
    const records = await readTopic(rt.bus, 'claim.line.v1');
    const ids = await Promise.all(
      records.map(async (r) => {
        const v = await rt.codec.decode<{ sourceFile: string; lineNumber: number }>(
          'claim.line.v1',
          r.value!,
        );
        return `${v.sourceFile}:${v.lineNumber}`;
      }),
    );
    expect(ids.length, 'committed claim lines').toBe(expected);
    expect(new Set(ids).size, 'distinct lines').toBe(expected);
  } finally {
    await rt.close();
  }
}
