import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ADT_A04_FULL, ORU_MULTI, testProfiles } from '../tests/normalize/fixtures.ts';
import { inspectHl7 } from './inspect-hl7.ts';

function sink(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  let buf = '';
  const stream = new Writable({
    write(c: Buffer, _e, cb) {
      buf += c.toString();
      cb();
    },
  });
  return {
    stream,
    text: () => buf,
    lines: () =>
      buf
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('gapstream inspect hl7', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-inspect-'));
  mkdirSync(join(dir, 'sub'));
  // Two messages back to back (LF endings), one unsupported; a batch in a subdirectory.
  writeFileSync(
    join(dir, 'two.hl7'),
    (ADT_A04_FULL + 'MSH|^~\\&|X|LAKESIDE|||20240101||SIU^S12|C9|P|2.5.1\r').replaceAll('\r', '\n'),
  );
  writeFileSync(join(dir, 'sub', 'batch.hl7'), `FHS|^~\\&\rBHS|^~\\&\r${ORU_MULTI}BTS|1\rFTS|1\r`);
  writeFileSync(join(dir, 'garbage.txt'), 'not hl7 at all');

  it('prints events or a rejection for every message, exit 0', async () => {
    const out = sink();
    const err = sink();
    const code = await inspectHl7(['.'], out.stream, { cwd: dir, err: err.stream, profiles: testProfiles() });
    expect(code).toBe(0);
    const lines = out.lines();
    const byFile = (f: string): Record<string, unknown>[] => lines.filter((l) => l.file === f);
    expect(byFile('two.hl7').filter((l) => l.message === 1 && l.topic === 'clinical.event.v1')).toHaveLength(
      7,
    );
    expect(byFile('two.hl7').find((l) => l.message === 2)).toMatchObject({
      controlId: 'C9',
      rejected: {
        code: 'NORMALIZE_UNSUPPORTED_MESSAGE_TYPE',
        hl7Code: '200',
        hl7Text: 'Unsupported message type',
      },
    });
    expect(
      byFile(join('sub', 'batch.hl7')).filter((l) => l.topic === 'clinical.event.v1').length,
    ).toBeGreaterThan(5);
    expect(byFile('garbage.txt')[0]).toMatchObject({ rejected: { code: 'HL7_PARSE', hl7Code: '100' } });
    expect(JSON.parse(err.text())).toMatchObject({
      summary: { files: 3, messages: 4, normalized: 2, rejected: 2 },
    });
  });

  it('usage errors exit 2', async () => {
    const err = sink();
    expect(await inspectHl7([], sink().stream, { err: err.stream })).toBe(2);
    expect(await inspectHl7(['no-such-file'], sink().stream, { cwd: dir, err: err.stream })).toBe(2);
    expect(err.text()).toContain('no-such-file');
  });
});
