import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createX12Parser, parseX12File, type X12FileEvent } from '../../../producers/claims/x12/index.ts';
import type { ClaimLineValue, FileSummary, ParseProblem } from '../../../producers/claims/types.ts';
import { createLocalCodec } from '../../../schemas/codec.ts';
import { buildX12, I_BODY, NPI, P_BODY, type FileSpec, type Seps } from './fixtures.ts';

interface Run {
  records: ClaimLineValue[];
  problems: ParseProblem[];
  summary: FileSummary;
}

function run(chunks: (string | Buffer)[]): Run {
  const p = createX12Parser({ sourceFile: 'test.x12', sourceFileSha256: 'a'.repeat(64) });
  const records: ClaimLineValue[] = [];
  const problems: ParseProblem[] = [];
  for (const c of chunks) {
    const r = p.push(c);
    for (const rec of r.records) records.push(rec.value);
    problems.push(...r.problems);
  }
  return { records, problems, summary: p.end() };
}

const file = (spec: FileSpec): string => buildX12(spec);
const P = (extra: Partial<FileSpec> = {}): string => file({ txns: [{ body: P_BODY }], ...extra });
const I = (): string => file({ txns: [{ body: I_BODY, version: '005010X223A2' }] });
const codes = (r: Run): string[] => r.summary.problems.map((p) => `${p.code}@${p.line}:${p.field ?? ''}`);

describe('837P (005010X222A1)', () => {
  const r = run([P()]);

  it('parses one claim.line.v1 per SV1 with no problems', () => {
    expect(r.summary.problems).toEqual([]);
    expect(r.records).toHaveLength(5);
    expect(r.summary).toMatchObject({ format: 'X12_837P', records: 5, lines: 54 });
  });

  it('maps every element of the first claim (original, Medicare MBI)', () => {
    expect(r.records[0]).toEqual({
      sourceFile: 'test.x12',
      sourceFileSha256: 'a'.repeat(64),
      lineNumber: 22, // segment number of the SV1
      sourceFormat: 'X12_837P',
      claimId: 'PCN-001',
      claimLineNumber: 1,
      claimControlNumber: null,
      claimTypeCode: null,
      adjustmentTypeCode: '0',
      claimEffectiveDate: null,
      frequencyCode: '1',
      memberId: '1EG4TE5MK73',
      memberIdType: 'MBI',
      fromDate: '2024-01-05',
      thruDate: '2024-01-07',
      serviceFromDate: '2024-01-05',
      serviceThruDate: '2024-01-05',
      placeOfService: '11',
      procedureCode: '99214',
      procedureModifiers: ['25'],
      diagnosisCodes: ['E119', 'I10'],
      icdProcedureCodes: [],
      revenueCode: null,
      ndcCode: null,
      renderingNpi: NPI.rendering,
      billingNpi: NPI.billing,
      billingTin: '123456789',
      billingCcn: null,
      providerSpecialtyCode: null,
      nonPaymentReasonCode: null,
      allowedAmount: null,
      paidAmount: null,
    });
  });

  it('SV105 overrides CLM05-1, RD8 ranges, SV107 pointers pick the line diagnoses in pointer order', () => {
    expect(r.records[1]).toMatchObject({
      claimLineNumber: 2,
      procedureCode: '3074F',
      placeOfService: '22',
      serviceFromDate: '2024-01-05',
      serviceThruDate: '2024-01-06',
      diagnosisCodes: ['Z0000', 'E119'],
    });
  });

  it('upper-cases modifiers and takes the 2420A line rendering provider', () => {
    expect(r.records[2]).toMatchObject({
      procedureModifiers: ['QW', '91'],
      renderingNpi: NPI.lineRendering,
      diagnosisCodes: ['E119'],
    });
  });

  it('frequency 7 (replacement) and 8 (void) carry REF*F8 and the adjustment type; subscriber id for a 2000C patient', () => {
    expect(
      r.records.slice(3).map((v) => [v.claimId, v.frequencyCode, v.adjustmentTypeCode, v.claimControlNumber]),
    ).toEqual([
      ['PCN-002', '7', '2', 'PAYERCCN0002'],
      ['PCN-003', '8', '1', 'PAYERCCN0003'],
    ]);
    expect(r.records[3]).toMatchObject({
      memberId: 'W123456789',
      memberIdType: 'PAYER_MEMBER_ID',
      renderingNpi: null,
    });
  });

  it('PRV taxonomy: the rendering provider (claim or line), else the billing provider', () => {
    const body = P_BODY.flatMap((seg) =>
      seg.startsWith('NM1*85*')
        ? [seg, 'PRV*BI*PXC*261QP2300X']
        : seg === 'NM1*82*1*DOCTOR*DANA****XX*' + NPI.rendering
          ? [seg, 'PRV*PE*PXC*207Q00000X']
          : seg === 'NM1*82*1*OTHER*DOC****XX*' + NPI.lineRendering
            ? [seg, 'PRV*PE*PXC*207R00000X']
            : [seg],
    );
    const t = run([file({ txns: [{ body }] })]);
    expect(t.summary.problems).toEqual([]);
    expect(t.records.map((x) => [x.claimId, x.claimLineNumber, x.providerSpecialtyCode])).toEqual([
      ['PCN-001', 1, '207Q00000X'],
      ['PCN-001', 2, '207Q00000X'],
      ['PCN-001', 3, '207R00000X'],
      ['PCN-002', 1, '261QP2300X'],
      ['PCN-003', 1, '261QP2300X'],
    ]);
  });

  it('every value encodes and decodes with the local claim.line.v1 codec', async () => {
    const codec = await createLocalCodec();
    for (const v of [...r.records, ...run([I()]).records]) {
      const buf = await codec.encode('claim.line.v1', v);
      expect(await codec.decode('claim.line.v1', buf)).toMatchObject({
        claimId: v.claimId,
        memberId: v.memberId,
      });
    }
  });
});

describe('837I (005010X223A2)', () => {
  const r = run([I()]);
  it('maps SV2, DTP*434, HI BBR/BBQ and the attending provider; ignores the 2320/2330A other subscriber', () => {
    expect(r.summary.problems).toEqual([]);
    expect(r.records).toHaveLength(2);
    expect(r.records[0]).toMatchObject({
      sourceFormat: 'X12_837I',
      lineNumber: 28,
      claimId: 'INST-001',
      frequencyCode: '1',
      memberId: 'H987654321',
      memberIdType: 'PAYER_MEMBER_ID',
      fromDate: '2024-03-01',
      thruDate: '2024-03-03',
      serviceFromDate: '2024-03-01',
      placeOfService: null,
      revenueCode: '0300',
      procedureCode: '81001',
      procedureModifiers: ['90'],
      diagnosisCodes: ['N390', 'E1165'],
      icdProcedureCodes: ['0T9B70Z', 'BW03ZZZ'],
      renderingNpi: NPI.attending,
      billingNpi: NPI.billing2,
      billingTin: '987654321',
    });
    expect(r.records[1]).toMatchObject({ revenueCode: '0450', procedureCode: null, serviceFromDate: null });
  });
});

describe('tokenizer', () => {
  const expected = run([P()]).records;

  it('detects odd separators from ISA (| > ! and newline-free, CRLF)', () => {
    const seps: Seps = { element: '|', component: '>', repetition: '!', segment: '\n', eol: '' };
    expect(run([P({ seps })]).records).toEqual(expected);
    const seps2: Seps = { element: '^', component: '\\', repetition: '{', segment: "'", eol: '\r\n' };
    expect(run([P({ seps: seps2 })]).records).toEqual(expected);
  });

  it('handles a segment split across chunks, one character at a time', () => {
    const text = P();
    expect(run(text.split('')).records).toEqual(expected);
  });

  it('handles Buffers split at every 7 bytes', () => {
    const buf = Buffer.from(P());
    const chunks: Buffer[] = [];
    for (let i = 0; i < buf.length; i += 7) chunks.push(buf.subarray(i, i + 7));
    expect(run(chunks).records).toEqual(expected);
  });

  it('decodes UTF-16LE with a BOM, split at odd byte offsets', () => {
    const buf = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(P(), 'utf16le')]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < buf.length; i += 33) chunks.push(buf.subarray(i, i + 33));
    expect(run(chunks).records).toEqual(expected);
  });

  it('refuses bytes that are not text with ENCODING', () => {
    const r = run([Buffer.from([0x49, 0x53, 0x41, 0x2a, 0xc3, 0x28, 0xff, 0xfe])]);
    expect(r.summary.problems.map((p) => p.code)).toContain('ENCODING');
  });

  it('refuses a file that does not start with ISA', () => {
    const r = run(['GS*HC*A*B~']);
    expect(codes(r)).toEqual(['NO_ISA@1:ISA']);
    expect(r.records).toEqual([]);
  });
});

describe('envelopes', () => {
  it('SE01 mismatch: TRAILER_COUNT on the SE, and the transaction publishes nothing', () => {
    const r = run([P({ txns: [{ body: P_BODY, seCount: 49 }] })]);
    expect(codes(r)).toEqual(['TRAILER_COUNT@52:SE01']);
    expect(r.records).toEqual([]);
  });

  it('SE02 must match ST02', () => {
    const r = run([P({ txns: [{ body: P_BODY, seControl: '9999' }] })]);
    expect(codes(r)).toEqual(['ENVELOPE@52:SE02']);
    expect(r.records).toEqual([]);
  });

  it('GE01 and IEA01 count mismatches name their segments', () => {
    expect(codes(run([P({ geCount: 2 })]))).toEqual(['TRAILER_COUNT@53:GE01']);
    expect(codes(run([P({ ieaCount: 3 })]))).toEqual(['TRAILER_COUNT@54:IEA01']);
  });

  it('a missing IEA is an ENVELOPE problem naming the ISA segment', () => {
    const r = run([P({ noTrailer: 'IEA' })]);
    expect(codes(r)).toEqual(['ENVELOPE@1:IEA01']);
  });

  it('a file cut mid-transaction: no SE/GE/IEA, TRUNCATED, nothing published', () => {
    const text = P();
    const r = run([text.slice(0, text.indexOf('LX*2') + 3)]);
    expect(codes(r)).toEqual(['TRUNCATED@24:', 'ENVELOPE@3:SE01', 'ENVELOPE@2:GE01', 'ENVELOPE@1:IEA01']);
    expect(r.records).toEqual([]);
  });

  it('multiple transactions: one bad SE withholds only its own lines', () => {
    const r = run([file({ txns: [{ body: P_BODY }, { body: P_BODY, seCount: 1 }, { body: P_BODY }] })]);
    expect(r.records).toHaveLength(10);
    expect(r.summary.problems.map((p) => p.code)).toEqual(['TRAILER_COUNT']);
  });

  it('multiple interchanges in one file, each with its own separators', () => {
    const a = P();
    const b = P({ seps: { element: '|', component: '>', repetition: '!', segment: '~', eol: '' } });
    const r = run([a + b]);
    expect(r.summary.problems).toEqual([]);
    expect(r.records).toHaveLength(10);
    expect(r.records[5]!.lineNumber).toBe(22 + 54);
  });

  it('non-837 transaction sets are refused with UNSUPPORTED_TRANSACTION', () => {
    const r = run([
      file({
        txns: [{ body: ['BPR*I*100*C*ACH'], set: '835', version: '005010X221A1' }],
        gsVersion: '005010X221A1',
      }),
    ]);
    expect(codes(r)).toEqual(['UNSUPPORTED_TRANSACTION@3:ST01']);
  });

  it('4010 837s are refused with UNSUPPORTED_VERSION', () => {
    const r = run([file({ txns: [{ body: P_BODY, version: '004010X098A1' }] })]);
    expect(codes(r)).toEqual(['UNSUPPORTED_VERSION@3:ST03']);
    expect(r.records).toEqual([]);
  });
});

describe('claim problems (claim withheld, other claims kept, no values in problems)', () => {
  const swap = (from: string, to: string): string[] => P_BODY.map((s) => (s === from ? to : s));

  it.each([
    [
      'CLM*PCN-001*150.00***11:B:1*Y*A*Y*Y',
      'CLM*PCN-001*150.00***11:B*Y*A*Y*Y',
      'MISSING_ELEMENT@18:CLM05-3',
    ],
    ['CLM*PCN-002*80***11:B:7*Y*A*Y*Y', 'CLM*PCN-002*80***11:B:7*Y*A*Y*Y', null],
    ['DTP*472*D8*20240105', 'DTP*472*D8*20240230', 'BAD_DATE@23:DTP03'],
    ['HI*ABK:E11.9*ABF:i10*ABF:Z0000', 'HI*BK:25000*BF:4019', 'ICD9_CODE_SET@19:HI01-1'],
    ['SV1*HC:99214:25*100.00*UN*1***1:2', 'SV1*HC:99214:25*100.00*UN*1***1:7', 'BAD_POINTER@22:SV107-2'],
    ['SV1*HC:99214:25*100.00*UN*1***1:2', 'SV1*HC:99214:25*1O0.00*UN*1***1:2', 'BAD_AMOUNT@22:SV102'],
    ['DMG*D8*19500214*F', 'DMG*D8*19501314*F', 'BAD_DATE@16:DMG02'],
  ])('%s → %s', (from, to, expected) => {
    const r = run([file({ txns: [{ body: swap(from, to) }] })]);
    if (expected === null) {
      expect(r.summary.problems).toEqual([]);
      return;
    }
    expect(codes(r)[0]).toBe(expected);
    // PCN-001 withheld, the other claims still parse.
    expect(r.records.map((v) => v.claimId)).toEqual(['PCN-002', 'PCN-003']);
    for (const p of r.summary.problems) {
      expect(p.message).not.toMatch(/1EG4TE5MK73|TESTPERSON|25000|20240230|19501314/);
    }
  });

  it('a replacement without REF*F8 is refused', () => {
    const body = P_BODY.filter((s) => s !== 'REF*F8*PAYERCCN0002');
    const r = run([file({ txns: [{ body }] })]);
    expect(codes(r)).toEqual(['MISSING_SEGMENT@40:REF02']);
    expect(r.records.map((v) => v.claimId)).toEqual(['PCN-001', 'PCN-001', 'PCN-001', 'PCN-003']);
  });

  it('an invalid billing NPI withholds every claim of that billing provider', () => {
    const r = run([file({ txns: [{ body: P_BODY.map((s) => s.replace(NPI.billing, '1123456780')) }] })]);
    expect(codes(r)).toEqual(['BAD_CODE@9:NM109']);
    expect(r.records).toEqual([]);
  });
});

describe('parseX12File', () => {
  it('streams a file from disk with small reads and computes its SHA-256', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x12-'));
    const path = join(dir, 'claims.837');
    writeFileSync(path, P() + I());
    const events: X12FileEvent[] = [];
    for await (const e of parseX12File(path, { highWaterMark: 100 })) events.push(e);
    const recs = events.flatMap((e) => (e.type === 'record' ? [e.record.value] : []));
    expect(recs).toHaveLength(7);
    expect(recs[0]!.sourceFile).toBe('claims.837');
    expect(recs[0]!.sourceFileSha256).toMatch(/^[0-9a-f]{64}$/);
    const last = events[events.length - 1]!;
    expect(last.type).toBe('summary');
    if (last.type === 'summary')
      expect(last.summary).toMatchObject({ format: 'X12_837', records: 7, problems: [] });
  });
});
