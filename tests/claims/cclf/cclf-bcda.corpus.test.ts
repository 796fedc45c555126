// Public BCDA synthetic CCLF samples (../shared/data/cclf/bcda-app, see SOURCES.tsv), read in place.
// BCDA's importer reads only the MBI of CCLF8, so its synthetic CCLF8 records are 27/37-character
// stubs although their own CCLF0 declares 549: by the CCLF IP layout they are RECORD_LENGTH.
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedFiles } from '../../support/shared-data.ts';
import {
  checkSummary,
  detectCclfKind,
  parseCclfFile,
  parseCclfStream,
  readCclfZip,
  type CclfFileItem,
} from '../../../producers/claims/cclf/index.ts';

const files = sharedFiles('cclf/bcda-app');
const pick = (re: RegExp): string[] => files.filter((f) => re.test(f));

async function end(items: AsyncIterable<CclfFileItem>): Promise<Extract<CclfFileItem, { type: 'end' }>> {
  let last: CclfFileItem | undefined;
  for await (const i of items) last = i;
  if (last?.type !== 'end') throw new Error('no end item');
  return last;
}

describe('BCDA synthetic sets (files/synthetic/*/*/ZC0|ZC8|ZC9)', () => {
  const sets = pick(/files\/synthetic\/.*\/ZC0$/).map((f) => f.slice(0, -4));
  it('finds the sets', () => expect(sets.length).toBeGreaterThanOrEqual(20));

  for (const set of sets) {
    const name = set.split('/').slice(-2).join('/');
    it(`${name}: CCLF0 parses, CCLF9 maps, CCLF8 stubs are RECORD_LENGTH, counts check against CCLF0`, async () => {
      const s0 = await end(parseCclfFile(`${set}/ZC0`, { kind: 'CCLF0' }));
      expect(s0.summary.problems).toEqual([]);
      expect(s0.cclf0.map((e) => e.fileType)).toEqual([
        'CCLF1',
        'CCLF2',
        'CCLF3',
        'CCLF4',
        'CCLF5',
        'CCLF6',
        'CCLF7',
        'CCLF8',
        'CCLF9',
        'CCLFA',
        'CCLFB',
      ]);
      const declared9 = s0.cclf0.find((e) => e.fileType === 'CCLF9')!;
      expect(declared9.recordLength).toBe(55);

      const records9: unknown[] = [];
      let s9: Extract<CclfFileItem, { type: 'end' }> | undefined;
      for await (const i of parseCclfFile(`${set}/ZC9`, { kind: 'CCLF9' })) {
        if (i.type === 'line') records9.push(...i.records.map((r) => r.value));
        else s9 = i;
      }
      expect(s9?.summary).toMatchObject({ lines: 2, records: 2, problems: [] });
      expect(records9[0]).toMatchObject({
        crosswalkIndicator: 'H',
        idType: 'HICN',
        previousIdEffectiveDate: '1959-12-31',
        previousIdObsoleteDate: '2016-12-31',
      });

      const s8 = await end(parseCclfFile(`${set}/ZC8`, { kind: 'CCLF8' }));
      expect(s8.summary.records).toBe(0);
      // Files over 10,000 lines also end with TOO_MANY_PROBLEMS (the kept-problem cap).
      expect(s8.summary.problems[0]).toMatchObject({ line: 1, code: 'RECORD_LENGTH' });
      expect(
        s8.summary.problems.every((p) => p.code === 'RECORD_LENGTH' || p.code === 'TOO_MANY_PROBLEMS'),
      ).toBe(true);
      expect(checkSummary(s0.cclf0, { CCLF9: s9!.summary.lines })).toEqual([]);
      const declared8 = s0.cclf0.find((e) => e.fileType === 'CCLF8')!.recordCount;
      const counted = checkSummary(s0.cclf0, { CCLF8: s8.summary.lines });
      expect(counted).toEqual(
        declared8 === s8.summary.lines ? [] : [expect.objectContaining({ code: 'SUMMARY_COUNT' })],
      );
    });
  }
});

describe('BCDA file names', () => {
  it('valid names are detected; invalid ones are UNKNOWN_LAYOUT', () => {
    for (const f of pick(/\/valid_names\/T\.A0001\.ACO\.ZC[089]/)) expect(detectCclfKind(f).ok).toBe(true);
    const invalid = pick(/with_invalid_filenames\//).map((f) => basename(f));
    for (const n of invalid)
      expect(detectCclfKind(n)).toMatchObject({ ok: false, problem: { code: 'UNKNOWN_LAYOUT' } });
  });

  it('"intentionally blank" placeholders: their first line fits no layout: UNKNOWN_LAYOUT', async () => {
    // Most of BCDA's mixed/ CCLF0 files hold the single line "This file is intentionally blank".
    const blank = pick(/mixed\/.*A0001\.ACO\.ZC0Y18\.D181120\.T10000(09|1[01])$/).concat(
      pick(/valid_names\/.*ZC0Y18\.D181121\.T1000010$/),
    );
    expect(blank.length).toBeGreaterThanOrEqual(4);
    for (const f of blank) {
      const s = await end(parseCclfFile(f));
      expect(s.summary.problems).toEqual([expect.objectContaining({ line: 0, code: 'UNKNOWN_LAYOUT' })]);
    }
    // ...and one is a real fixed-width-with-pipes summary (IP positions 1-13, 15-34, 36-55, 57-69).
    const [real] = pick(/valid_names\/T\.A0001\.ACO\.ZC0Y18\.D181122\.T1000011$/);
    const r = await end(parseCclfFile(real!));
    expect(r.kind).toBe('CCLF0');
    expect(r.summary.problems).toEqual([]);
    expect(r.cclf0[0]).toMatchObject({
      fileType: 'CCLF1',
      description: 'PartAClaimsHeaderFil',
      recordCount: 10,
    });
    for (const f of pick(/files\/9\/valid_names\//)) {
      const s = await end(parseCclfFile(f));
      expect(s.summary.problems.map((p) => p.code)).toEqual(['UNKNOWN_LAYOUT']);
    }
  });
});

describe('BCDA zip archives', () => {
  it('valid zips list CCLF entries whose names are detected, and stream', async () => {
    for (const f of pick(/archives\/(valid|8\/valid)\//)) {
      const zip = await readCclfZip(f);
      expect(zip.problems).toEqual([]);
      expect(zip.entries.length).toBeGreaterThan(0);
      for (const e of zip.entries) {
        expect(detectCclfKind(e.name).ok).toBe(true);
        const s = await end(parseCclfStream(zip.open(e), e.name));
        expect(s.kind).not.toBeNull();
      }
    }
  });

  it('the corrupted zip is truncated; the empty one is ZIP_EMPTY; text is not a zip', async () => {
    const [corrupted] = pick(/archives\/corrupted\//);
    expect((await readCclfZip(corrupted!)).problems).toEqual([
      expect.objectContaining({ code: 'ZIP_TRUNCATED' }),
    ]);
    const [empty] = pick(/archives\/8\/invalid\//);
    expect((await readCclfZip(empty!)).problems).toEqual([expect.objectContaining({ code: 'ZIP_EMPTY' })]);
    const [csv] = pick(/archives\/csv\//);
    expect((await readCclfZip(csv!)).problems).toEqual([expect.objectContaining({ code: 'ZIP_NOT_ZIP' })]);
  });

  it('badly named entries inside zips are UNKNOWN_LAYOUT by name', async () => {
    for (const f of pick(/archives\/0\/invalid\//)) {
      const zip = await readCclfZip(f);
      for (const e of zip.entries)
        expect(detectCclfKind(e.name)).toMatchObject({ ok: false, problem: { code: 'UNKNOWN_LAYOUT' } });
    }
  });
});
