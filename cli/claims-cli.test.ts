/**
 * `gapstream inspect claims` (in process) and `gapstream ingest` (the real CLI, embedded mode):
 * what a file would publish or why it would be quarantined; a one-off load that publishes once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { cclf5File, cclf5Line, cmsName, mbi } from '../tests/claims/watcher/fixtures.ts';
import { startCli } from '../tests/support/child.ts';
import { inspectClaims } from './inspect-claims.ts';
import { formatProgress } from './progress-bar.ts';

function sink(): { stream: Writable; text: () => string } {
  let buf = '';
  const stream = new Writable({
    write(c: Buffer, _e, cb) {
      buf += c.toString();
      cb();
    },
  });
  return { stream, text: () => buf };
}

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('gapstream inspect claims / ingest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-claims-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const good = join(dir, cmsName('CCLF5'));
  writeFileSync(good, cclf5File(6));
  const bad = join(dir, 'P.A1234.ACO.ZC5Y24.D240302.T1200000');
  writeFileSync(bad, [cclf5Line(1), cclf5Line(2, 10, { CLM_LINE_FROM_DT: '2024-13-01' })].join('\n'));

  it('prints every record a good file would publish, as JSON lines', async () => {
    const out = sink();
    const err = sink();
    const code = await inspectClaims([good], out.stream, err.stream, {
      mappingsDir: 'payers',
      badLineLimit: 0,
    });
    expect(code).toBe(0);
    const lines = jsonLines(out.text());
    expect(lines).toHaveLength(6);
    expect(lines[2]).toMatchObject({
      file: cmsName('CCLF5'),
      line: 3,
      topic: 'claim.line.v1',
      value: { claimId: '1000000000003', memberId: mbi(3), paidAmount: '3.00' },
    });
    expect(err.text()).toContain('6 records, 0 bad lines — would be published');
  });

  it('prints the quarantine report of a bad file and exits 1; with a limit it lists the good records and the bad line', async () => {
    const out = sink();
    const err = sink();
    expect(
      await inspectClaims([bad], out.stream, err.stream, { mappingsDir: 'payers', badLineLimit: 0 }),
    ).toBe(1);
    const [only] = jsonLines(out.text());
    expect(only).toMatchObject({
      report: {
        disposition: 'quarantine',
        problems: [{ line: 2, field: 'CLM_LINE_FROM_DT', code: 'BAD_DATE' }],
      },
    });
    expect(err.text()).toContain('line 2, CLM_LINE_FROM_DT, BAD_DATE');
    const out2 = sink();
    expect(
      await inspectClaims([bad], out2.stream, sink().stream, { mappingsDir: 'payers', badLineLimit: 1 }),
    ).toBe(0);
    expect(jsonLines(out2.text()).map((l) => [l.line, 'topic' in l ? 'record' : 'problem'])).toEqual([
      [1, 'record'],
      [2, 'problem'],
    ]);
  });

  it('ingest publishes a file once: a second load of the same bytes is a duplicate', async () => {
    const env = { GAPSTREAM_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' };
    const first = startCli(['ingest', good], env);
    expect(await first.exited, first.stderr()).toBe(0);
    expect(jsonLines(first.stdout()).find((l) => l.file === cmsName('CCLF5'))).toMatchObject({
      disposition: 'done',
      lines: 6,
      published: 6,
    });
    // Not a terminal: the bar is written as plain lines, the last one at 100%.
    expect(first.stderr()).toContain('publishing [##############################] 100% 6/6 lines');
    const again = startCli(['ingest', good], env);
    expect(await again.exited, again.stderr()).toBe(0);
    expect(jsonLines(again.stdout()).find((l) => l.file === cmsName('CCLF5'))).toMatchObject({
      disposition: 'duplicate',
      published: 0,
    });
    const quarantined = startCli(['ingest', bad], env);
    expect(await quarantined.exited).toBe(1);
    expect(quarantined.stderr()).toContain('BAD_DATE');
  }, 60_000);

  it('formats progress with percent, rate and ETA', () => {
    expect(formatProgress('f publishing', 500_000, 2_000_000, 5000)).toBe(
      'f publishing [########......................] 25% 500,000/2,000,000 lines, 100,000 lines/s, ETA 15s',
    );
    expect(formatProgress('f validating', 65_536, 0, 1000)).toBe('f validating 65,536 lines, 65,536 lines/s');
  });
});
