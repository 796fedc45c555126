/**
 * `gapstream ingest <file|dir>...` (cli/ingest.ts): directory expansion, classification of HL7 v2,
 * claims/roster and unknown files, and a load on an embedded runtime in a temporary data dir.
 * Fixtures are written here: synthetic HL7 messages (tests/mllp/helpers.ts `hl7()`) and CCLF5
 * lines (tests/claims/watcher/fixtures.ts), made-up people only.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../runtime/config/load.ts';
import { openRuntime } from '../runtime/open-runtime.ts';
import { loadPayerMappings, type PayerMapping } from '../producers/claims/mapping/index.ts';
import type { Hl7RawValue } from '../producers/mllp/intake.ts';
import { cclf5File, cclf5Line, cmsName } from '../tests/claims/watcher/fixtures.ts';
import { hl7 } from '../tests/mllp/helpers.ts';
import { readTopic } from '../tests/support/read-topic.ts';
import { classifyFile, classifyHead, expandPaths, ingestPaths, looksLikeHl7 } from './ingest.ts';

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

let dir: string;
let mappings: PayerMapping[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gs-ingest-'));
  mappings = await loadPayerMappings('payers');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(path: string, content: string | Buffer): string {
  const full = join(dir, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, content);
  return full;
}

describe('expandPaths', () => {
  it('lists files recursively in name order, skipping dotfiles and truth/ directories, keeping argument order', async () => {
    const root = join(dir, 'tree');
    put('tree/b.hl7', 'x');
    put('tree/a/z.txt', 'x');
    put('tree/a/m.txt', 'x');
    put('tree/B-upper.txt', 'x');
    put('tree/.hidden', 'x');
    put('tree/.git/config', 'x');
    put('tree/truth/expected.json', 'x');
    put('tree/a/truth/expected.json', 'x');
    put('tree/c/truth.txt', 'x'); // a file named truth… is not a truth/ directory
    const single = put('single.txt', 'x');
    const out = await expandPaths([single, root, join(root, 'b.hl7'), join(dir, 'missing')]);
    expect(out.map((e) => [e.path.slice(dir.length + 1), e.problem])).toEqual([
      ['single.txt', undefined],
      ['tree/B-upper.txt', undefined],
      ['tree/a/m.txt', undefined],
      ['tree/a/z.txt', undefined],
      ['tree/b.hl7', undefined],
      ['tree/c/truth.txt', undefined],
      ['missing', 'does not exist'],
    ]);
  });
});

describe('classification', () => {
  const head = (s: string | Buffer): Buffer => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s);

  it('takes MSH, FHS or BHS at the start (after a BOM and whitespace, any extension) as HL7 v2', () => {
    expect(classifyHead('adt.txt', head(hl7({ controlId: 'A' })), mappings)).toEqual({ kind: 'hl7' });
    expect(
      classifyHead(
        'x.csv',
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), head('\r\n  FHS|^~\\&|EHR\rBHS|^~\\&\r')]),
        mappings,
      ),
    ).toEqual({ kind: 'hl7' });
    expect(looksLikeHl7(head('BHS|^~\\&|EHR'))).toBe(true);
    // A CSV header that only starts with the letters is not HL7.
    expect(looksLikeHl7(head('MSHIP_ID,NAME\n1,2\n'))).toBe(false);
    expect(looksLikeHl7(head('PID|1||P1'))).toBe(false);
  });

  it('recognizes claims and roster files as the claims reader does: payer mapping, CCLF name or length, X12, zip', () => {
    expect(
      classifyHead('EXH_CLAIMS_20240301.txt', head('CLAIM_ID|LINE_NO|MEMBER_ID\n1|1|M1\n'), mappings),
    ).toEqual({ kind: 'claims', format: 'example-commercial-claims' });
    expect(classifyHead(cmsName('CCLF5'), head(cclf5File(2)), mappings)).toEqual({
      kind: 'claims',
      format: 'CCLF5',
    });
    // No CMS name: the record length decides.
    expect(classifyHead('partb.txt', head(`${cclf5Line(1)}\n`), mappings)).toEqual({
      kind: 'claims',
      format: 'CCLF5',
    });
    expect(classifyHead('837.edi', head('ISA*00*          *00*'), mappings)).toEqual({
      kind: 'claims',
      format: 'X12_837',
    });
    expect(classifyHead('set.zip', Buffer.from([0x50, 0x4b, 3, 4, 0, 0]), mappings)).toEqual({
      kind: 'claims',
      format: 'ZIP',
    });
  });

  it('reports anything else with the reason', async () => {
    const notes = classifyHead('notes.txt', head('Dear team,\nhere are the files.\n'), mappings);
    expect(notes.kind).toBe('unknown');
    expect(notes.kind === 'unknown' && notes.reason).toMatch(
      /^not a recognized file: not HL7 v2 \(no MSH, FHS or BHS segment at the start\), not X12 \(no ISA\), not a zip, no payer mapping .* and not CMS CCLF \(the file name does not follow the CCLF pattern and the record length matches no CCLF layout/,
    );
    expect(classifyHead('empty.hl7', head(' \r\n'), mappings)).toEqual({
      kind: 'unknown',
      reason: 'the file is empty (or only whitespace)',
    });
    // From disk: the head is read without following symlinks.
    const target = put('classify/real.hl7', hl7({ controlId: 'R' }));
    const link = join(dir, 'classify', 'link.hl7');
    symlinkSync(target, link);
    expect(await classifyFile(target, mappings)).toEqual({ kind: 'hl7' });
    expect(await classifyFile(link, mappings)).toEqual({
      kind: 'unreadable',
      reason: 'is not a regular file (a symlink, directory or device)',
    });
  });
});

describe('ingestPaths (embedded runtime)', () => {
  it('publishes an HL7 file of 2 messages and a claims file, reports an unknown file, and is idempotent', async () => {
    const load = join(dir, 'load');
    put(
      'load/adt/two.hl7',
      hl7({ controlId: 'ING-1', patient: 'P1' }) + hl7({ controlId: 'ING-2', patient: 'P2' }),
    );
    put(`load/claims/${cmsName('CCLF5')}`, cclf5File(3));
    put('load/claims/readme.txt', 'not data\n');
    put('load/truth/expected.hl7', hl7({ controlId: 'TRUTH' }));
    const env = { GAPSTREAM_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent' };
    const rt = await openRuntime(loadConfig({ env }), 'ingest-test', { store: false });
    try {
      const out = sink();
      const err = sink();
      const { code, files } = await ingestPaths(rt, [load], err.stream, out.stream);
      expect(code).toBe(1); // the unknown file
      expect(jsonLines(out.text())).toEqual(files);
      expect(files.map((f) => [f.path.slice(load.length + 1), f.kind, f.disposition])).toEqual([
        ['adt/two.hl7', 'hl7', 'done'],
        [`claims/${cmsName('CCLF5')}`, 'claims', 'done'],
        ['claims/readme.txt', 'unknown', 'unrecognized'],
      ]);
      expect(files[0]).toMatchObject({
        file: 'two.hl7',
        format: 'HL7V2',
        messages: 2,
        published: 2,
        duplicates: 0,
        rejected: 0,
        notStored: 0,
        problem: null,
      });
      expect(files[1]).toMatchObject({ file: cmsName('CCLF5'), format: 'CCLF5', lines: 3, published: 3 });
      expect(err.text()).toContain(`${join(load, 'claims', 'readme.txt')}: not a recognized file`);

      const raws = await Promise.all(
        (await readTopic(rt.bus, 'hl7.raw.v1')).map((r) =>
          rt.codec.decode<Hl7RawValue>('hl7.raw.v1', r.value!),
        ),
      );
      expect(raws.map((v) => [v.messageControlId, v.peerAddress, v.listenerId]).sort()).toEqual([
        ['ING-1', 'file:two.hl7', 'hl7-files'],
        ['ING-2', 'file:two.hl7', 'hl7-files'],
      ]);
      const claims = await Promise.all(
        (await readTopic(rt.bus, 'claim.line.v1')).map((r) =>
          rt.codec.decode<{ claimId: string }>('claim.line.v1', r.value!),
        ),
      );
      expect(claims.map((c) => c.claimId).sort()).toEqual([
        '1000000000001',
        '1000000000002',
        '1000000000003',
      ]);

      // Again: the HL7 messages are duplicates (index rebuilt from hl7.raw.v1), the claims file too.
      const again = await ingestPaths(
        rt,
        [join(load, 'adt'), join(load, 'claims', cmsName('CCLF5'))],
        sink().stream,
        sink().stream,
      );
      expect(again.code).toBe(0);
      expect(again.files.map((f) => [f.kind, f.disposition, 'published' in f ? f.published : null])).toEqual([
        ['hl7', 'duplicate', 0],
        ['claims', 'duplicate', 0],
      ]);
      expect(again.files[0]).toMatchObject({ duplicates: 2 });
      expect(await readTopic(rt.bus, 'hl7.raw.v1')).toHaveLength(2);
      expect(await readTopic(rt.bus, 'claim.line.v1')).toHaveLength(3);
    } finally {
      await rt.close();
    }
  });

  it('reports a refused HL7 file and a rejected message without stopping the other files', async () => {
    const load = join(dir, 'load2');
    // A batch whose BTS count disagrees: refused as a whole, nothing published.
    put('load2/a-batch.hl7', `BHS|^~\\&|TEST-EHR|CLINIC-A\r${hl7({ controlId: 'B-1' })}BTS|5\r`);
    // Two messages, the second of an unsupported version: rejected (dead-lettered), the first published.
    put('load2/b-mixed.hl7', hl7({ controlId: 'M-1' }) + hl7({ controlId: 'M-2', version: '9.9' }));
    put('load2/c-good.hl7', hl7({ controlId: 'G-1' }));
    const env = { GAPSTREAM_DATA_DIR: join(dir, 'data2'), LOG_LEVEL: 'silent' };
    const rt = await openRuntime(loadConfig({ env }), 'ingest-test', { store: false });
    try {
      const err = sink();
      const { code, files } = await ingestPaths(
        rt,
        [load, join(dir, 'load2', 'nope.hl7')],
        err.stream,
        sink().stream,
      );
      expect(code).toBe(1);
      expect(files.map((f) => [f.file, f.disposition])).toEqual([
        ['a-batch.hl7', 'quarantine'],
        ['b-mixed.hl7', 'quarantine'],
        ['c-good.hl7', 'done'],
        ['nope.hl7', 'unreadable'],
      ]);
      expect(files[0]).toMatchObject({ problem: 'HL7_FILE_COUNT_MISMATCH', published: 0, notStored: 1 });
      expect(files[1]).toMatchObject({ problem: 'HL7_FILE_REJECTED_MESSAGES', published: 1, rejected: 1 });
      expect(err.text()).toContain('a-batch.hl7: HL7_FILE_COUNT_MISMATCH:');
      expect(err.text()).toMatch(/b-mixed\.hl7: message 2 \(control id M-2\) rejected, HL7 \d+: .+ \[MLLP_/);
      expect(err.text()).toContain(`${join(load, 'nope.hl7')}: does not exist`);
      const raws = await Promise.all(
        (await readTopic(rt.bus, 'hl7.raw.v1')).map((r) =>
          rt.codec.decode<Hl7RawValue>('hl7.raw.v1', r.value!),
        ),
      );
      expect(raws.map((v) => v.messageControlId).sort()).toEqual(['G-1', 'M-1']);
      expect(await readTopic(rt.bus, 'deadletter.v1')).toHaveLength(1);
    } finally {
      await rt.close();
    }
  });
});
