// Public X12 samples (../shared/data/x12, see SOURCES.tsv), read in place. None of the public
// 5010 837 samples is a claim we can publish: they are parser test files from before the
// ICD-10 mandate (HI BK/BF ICD-9 qualifiers, some with malformed HI composites) and their
// billing NPI 1234567890 fails the CMS check digit. So per file we assert the specific problems,
// located by hand (segment numbers counted in the files), and the happy path is covered by the
// hand-written fixtures of x12-parse.test.ts.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseX12File } from '../../../producers/claims/x12/index.ts';
import type { FileSummary } from '../../../producers/claims/types.ts';
import { SHARED_DATA, sharedFiles } from '../../support/shared-data.ts';

const files = sharedFiles('x12').filter((f) => !/\.(res997|resAck)\.txt$/.test(f));

async function parse(path: string): Promise<{ records: number; summary: FileSummary }> {
  let records = 0;
  let summary: FileSummary | undefined;
  for await (const e of parseX12File(path, { highWaterMark: 97 })) {
    if (e.type === 'record') records++;
    else if (e.type === 'summary') summary = e.summary;
  }
  return { records, summary: summary! };
}

const tags = (s: FileSummary): string[] => s.problems.map((p) => `${p.code}@${p.line}:${p.field ?? ''}`);

/** Hand-checked problems (subset, in order of appearance). */
const EXPECTED: Record<string, string[]> = {
  // seg 9 = NM1*85 (NPI 1234567890, bad check digit); seg 23 = HI*BK*8901*BF*87200*BF:5559
  'imsweb-x12-parser/837_5010/x12_valid.txt': [
    'BAD_CODE@9:NM109',
    'ICD9_CODE_SET@23:HI01-1',
    'ICD9_CODE_SET@23:HI03-1',
    'ICD9_CODE_SET@23:HI05-1',
  ],
  // same content, separators ~ ^ _ detected from ISA: identical problems
  'imsweb-x12-parser/837_5010/x12_valid_different_separators.txt': [
    'BAD_CODE@9:NM109',
    'ICD9_CODE_SET@23:HI01-1',
  ],
  // 837I: seg 30 = HI*BK:1739; SE*25 while ST..SE holds 48 segments (SE is seg 50)
  'imsweb-x12-parser/837_5010/x223-test.txt': [
    'BAD_CODE@9:NM109',
    'ICD9_CODE_SET@30:HI01-1',
    'TRAILER_COUNT@50:SE01',
  ],
  'imsweb-x12-parser/837_5010/x12_segment_errors.txt': ['BAD_CODE@9:NM109', 'BAD_POINTER@23:SV107-1'],
  'imsweb-x12-parser/837_5010/x12_no_isa_line.txt': ['NO_ISA@1:ISA'],
  // pyx12: GS08 004010X098A1; ISA/GS/ST then end of file without IEA
  'pyx12/testdata/fail_no_IEA.source.txt': [
    'UNSUPPORTED_VERSION@3:GS08',
    'TRAILER_COUNT@4:SE01',
    'ENVELOPE@1:IEA01',
  ],
  'pyx12/testdata/trailer_errors.source.txt': ['UNSUPPORTED_VERSION@3:GS08', 'TRAILER_COUNT@61:SE01'],
  'tigershark/837-example.txt': ['UNSUPPORTED_VERSION@3:GS08'],
  'tigershark/837I-Patient-Subscriber.txt': ['UNSUPPORTED_VERSION@3:GS08'],
  // ISA16 ^ then "\n~": the terminator is newline, so every id after ISA starts with "~"
  'tigershark/835-example.txt': ['STRUCTURE@2:SEGMENT', 'ENVELOPE@1:IEA01'],
  'tigershark/835-example-2.txt': ['STRUCTURE@2:SEGMENT', 'ENVELOPE@1:IEA01'],
};

describe('X12 corpus', () => {
  it('finds the public samples', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  for (const path of files) {
    const name = relative(`${SHARED_DATA}/x12`, path);
    it(name, async () => {
      const { records, summary } = await parse(path);
      // No public sample holds a publishable 5010 claim (see the header comment).
      expect(records).toBe(0);
      expect(summary.problems.length).toBeGreaterThan(0);
      for (const p of summary.problems) expect(p.message).not.toMatch(/DOE|JOHN|SMITH/);
      const text = readFileSync(path, 'latin1');
      const expected = EXPECTED[name];
      if (expected) {
        expect(tags(summary).filter((t) => expected.includes(t))).toEqual(expected);
      } else if (/ST.(835|834|270|271|277|999)\b/.test(text) && !/ST.837/.test(text)) {
        expect(summary.problems.map((p) => p.code)).toContain('UNSUPPORTED_TRANSACTION');
      } else if (/004010X09[68]/.test(text)) {
        expect(summary.problems.map((p) => p.code)).toContain('UNSUPPORTED_VERSION');
      } else {
        // Remaining 5010 837P samples: all carry ICD-9 HI qualifiers and the invalid test NPI.
        expect(summary.format).toBe('X12_837P');
        expect(summary.problems.map((p) => p.code)).toContain('ICD9_CODE_SET');
      }
    });
  }
});
