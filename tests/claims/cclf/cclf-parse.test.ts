import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCodec, type Codec } from '../../../schemas/codec.ts';
import {
  CCLF_LAYOUTS,
  cclfAmount,
  cclfDate,
  checkSummary,
  createCclfParser,
  detectCclfKind,
  INVALID,
  parseCclfFile,
  parseCclfFileName,
  type CclfFileItem,
  type CclfKind,
  type CclfRecord,
} from '../../../producers/claims/cclf/index.ts';
import type { ParseProblem } from '../../../producers/claims/types.ts';
import { cclfRecord } from './generate.ts';

const SRC = { sourceFile: 'P.A1234.ACO.ZC5Y24.D240105.T0100000', sourceFileSha256: 'a'.repeat(64) };
const MBI = '1EG4TE5MK73';

function parseOne(kind: CclfKind, line: string): { rec: CclfRecord | undefined; problems: ParseProblem[] } {
  const p = createCclfParser(kind, SRC);
  const r = p.line(line, 7);
  return { rec: r.records[0], problems: r.problems };
}

function value(kind: CclfKind, line: string): Record<string, unknown> {
  const { rec, problems } = parseOne(kind, line);
  expect(problems).toEqual([]);
  expect(rec).toBeDefined();
  return rec!.value as Record<string, unknown>;
}

let codec: Codec;
beforeAll(async () => {
  codec = await createLocalCodec();
});

async function roundTrip(rec: CclfRecord): Promise<void> {
  if (rec.topic === 'member.xref.v1') return;
  const bytes = await codec.encode(rec.topic, rec.value);
  expect(await codec.decode(rec.topic, bytes)).toEqual(rec.value);
}

describe('layouts', () => {
  it('have the IP v36 record lengths of domain-facts.md 3.1', () => {
    const lengths = Object.fromEntries(
      Object.values(CCLF_LAYOUTS).map((l) => [l.kind, [l.minLength, l.length]]),
    );
    expect(lengths).toEqual({
      CCLF0: [69, 69],
      CCLF1: [292, 437],
      CCLF2: [179, 199],
      CCLF3: [94, 114],
      CCLF4: [92, 112],
      CCLF5: [363, 388],
      CCLF6: [227, 247],
      CCLF7: [195, 195],
      CCLF8: [549, 549],
      CCLF9: [43, 55],
    });
  });
});

describe('field conversions', () => {
  it('converts signed fixed-point amounts exactly, by string arithmetic', () => {
    expect(cclfAmount('-000000000012.50')).toBe('-12.50');
    expect(cclfAmount('0000000000080.00')).toBe('80.00');
    expect(cclfAmount('       1234567890.99')).toBe('1234567890.99');
    expect(cclfAmount('-0000000000000.00')).toBe('0.00');
    expect(cclfAmount('+5.5')).toBe('5.50');
    expect(cclfAmount('.07')).toBe('0.07');
    expect(cclfAmount('   ')).toBeNull();
    for (const bad of ['12.345', '1,00', '--1.00', '1.00-', '12345678901.00', 'abc', '-', '.'])
      expect(cclfAmount(bad)).toBe(INVALID);
  });
  it('checks CCYY-MM-DD dates against the calendar and nulls CMS placeholders', () => {
    expect(cclfDate('2024-02-29')).toBe('2024-02-29');
    expect(cclfDate('1000-01-01')).toBeNull();
    expect(cclfDate('9999-12-31')).toBeNull();
    expect(cclfDate('          ')).toBeNull();
    for (const bad of ['2023-02-29', '2024-13-01', '2024-04-31', '20240101  ', '2024/01/01', '2024-1-01 '])
      expect(cclfDate(bad)).toBe(INVALID);
  });
});

describe('every layout maps with known contents', () => {
  it('CCLF1 Part A header → claim-level claim.line.v1', async () => {
    const line = cclfRecord('CCLF1', {
      CUR_CLM_UNIQ_ID: '1000000000001',
      PRVDR_OSCAR_NUM: '123456',
      BENE_MBI_ID: MBI,
      CLM_TYPE_CD: '60',
      CLM_FROM_DT: '2024-01-02',
      CLM_THRU_DT: '2024-01-05',
      PRNCPL_DGNS_CD: 'e119',
      ADMTG_DGNS_CD: 'I10',
      CLM_MDCR_NPMT_RSN_CD: '~',
      CLM_PMT_AMT: '-000000012345.60',
      FAC_PRVDR_NPI_NUM: '1234567893',
      ATNDG_PRVDR_NPI_NUM: '1999999984',
      CLM_ADJSMT_TYPE_CD: '02',
      CLM_EFCTV_DT: '2024-01-20',
      CLM_IDR_LD_DT: '2024-01-21',
      CLM_BILL_FREQ_CD: '7',
      DGNS_PRCDR_ICD_IND: '0',
      CLM_BLG_PRVDR_OSCAR_NUM: '654321',
      CLM_BLG_PRVDR_NPI_NUM: '1548282276',
      CLM_CNTL_NUM: 'CTL-1',
    });
    const { rec } = parseOne('CCLF1', line);
    expect(rec?.topic).toBe('claim.line.v1');
    expect(rec?.value).toMatchObject({
      sourceFile: SRC.sourceFile,
      sourceFileSha256: SRC.sourceFileSha256,
      lineNumber: 7,
      sourceFormat: 'CCLF1',
      claimId: '1000000000001',
      claimLineNumber: null,
      claimControlNumber: 'CTL-1',
      claimTypeCode: '60',
      adjustmentTypeCode: '2',
      claimEffectiveDate: '2024-01-20',
      frequencyCode: '7',
      memberId: MBI,
      memberIdType: 'MBI',
      fromDate: '2024-01-02',
      thruDate: '2024-01-05',
      diagnosisCodes: ['E119'],
      renderingNpi: '1999999984',
      billingNpi: '1548282276',
      billingCcn: '654321',
      nonPaymentReasonCode: null,
      paidAmount: '-12345.60',
      allowedAmount: null,
    });
    await roundTrip(rec!);
  });

  it('CCLF1 in the pre-v36 length (292) falls back to the facility fields', () => {
    const line = cclfRecord(
      'CCLF1',
      {
        CUR_CLM_UNIQ_ID: '1',
        PRVDR_OSCAR_NUM: '123456',
        BENE_MBI_ID: MBI,
        CLM_TYPE_CD: '40',
        CLM_FROM_DT: '2024-01-02',
        CLM_THRU_DT: '2024-01-02',
        FAC_PRVDR_NPI_NUM: '1234567893',
        CLM_MDCR_NPMT_RSN_CD: 'A',
      },
      292,
    );
    expect(value('CCLF1', line)).toMatchObject({
      billingCcn: '123456',
      billingNpi: '1234567893',
      nonPaymentReasonCode: 'A',
      claimControlNumber: null,
    });
  });

  it('CCLF2 revenue center → one line per revenue center', async () => {
    const line = cclfRecord('CCLF2', {
      CUR_CLM_UNIQ_ID: '1000000000001',
      CLM_LINE_NUM: '0000000003',
      BENE_MBI_ID: MBI,
      CLM_TYPE_CD: '40',
      CLM_LINE_FROM_DT: '2024-01-03',
      CLM_LINE_THRU_DT: '2024-01-03',
      CLM_LINE_PROD_REV_CTR_CD: '0450',
      CLM_LINE_HCPCS_CD: '99284',
      PRVDR_OSCAR_NUM: '123456',
      CLM_FROM_DT: '2024-01-02',
      CLM_THRU_DT: '2024-01-05',
      CLM_LINE_SRVC_UNIT_QTY: '1.0000',
      CLM_LINE_CVRD_PD_AMT: '00000000000250.75',
      HCPCS_1_MDFR_CD: '25',
      HCPCS_3_MDFR_CD: 'gt',
      CLM_FAC_PRVDR_OSCAR_NUM: '777777',
    });
    const { rec } = parseOne('CCLF2', line);
    expect(rec?.value).toMatchObject({
      sourceFormat: 'CCLF2',
      claimLineNumber: 3,
      revenueCode: '0450',
      procedureCode: '99284',
      procedureModifiers: ['25', 'GT'],
      serviceFromDate: '2024-01-03',
      serviceThruDate: '2024-01-03',
      fromDate: '2024-01-02',
      billingCcn: '777777',
      paidAmount: '250.75',
      adjustmentTypeCode: null,
    });
    await roundTrip(rec!);
  });

  it('CCLF3 procedure → one event per ICD-10-PCS code keyed by claim id', async () => {
    const line = cclfRecord('CCLF3', {
      CUR_CLM_UNIQ_ID: '1000000000001',
      BENE_MBI_ID: MBI,
      CLM_TYPE_CD: '60',
      CLM_VAL_SQNC_NUM: '01',
      CLM_PRCDR_CD: '0dtj4zz',
      CLM_PRCDR_PRFRM_DT: '2024-01-03',
      PRVDR_OSCAR_NUM: '123456',
      CLM_FROM_DT: '2024-01-02',
      CLM_THRU_DT: '2024-01-05',
      DGNS_PRCDR_ICD_IND: '0',
    });
    const { rec } = parseOne('CCLF3', line);
    expect(rec?.value).toMatchObject({
      sourceFormat: 'CCLF3',
      claimId: '1000000000001',
      icdProcedureCodes: ['0DTJ4ZZ'],
      diagnosisCodes: [],
      billingCcn: '123456',
      claimLineNumber: null,
    });
    await roundTrip(rec!);
    const bad = parseOne(
      'CCLF3',
      cclfRecord('CCLF3', {
        CUR_CLM_UNIQ_ID: '1',
        BENE_MBI_ID: MBI,
        CLM_TYPE_CD: '60',
        CLM_PRCDR_CD: 'I1',
        CLM_FROM_DT: '2024-01-02',
        CLM_THRU_DT: '2024-01-05',
      }),
    );
    expect(bad.problems).toEqual([
      expect.objectContaining({ line: 7, field: 'CLM_PRCDR_CD', code: 'BAD_CODE' }),
    ]);
  });

  it('CCLF4 diagnosis → one event per ICD-10-CM code, normalized', async () => {
    const line = cclfRecord('CCLF4', {
      CUR_CLM_UNIQ_ID: '1000000000001',
      BENE_MBI_ID: MBI,
      CLM_TYPE_CD: '60',
      CLM_VAL_SQNC_NUM: '02',
      CLM_DGNS_CD: 'i50.9',
      PRVDR_OSCAR_NUM: '123456',
      CLM_FROM_DT: '2024-01-02',
      CLM_THRU_DT: '2024-01-05',
      CLM_POA_IND: 'Y',
      DGNS_PRCDR_ICD_IND: '0',
      CLM_BLG_PRVDR_OSCAR_NUM: '654321',
    });
    const { rec } = parseOne('CCLF4', line);
    expect(rec?.value).toMatchObject({
      sourceFormat: 'CCLF4',
      diagnosisCodes: ['I509'],
      billingCcn: '654321',
    });
    await roundTrip(rec!);
    const icd9 = parseOne(
      'CCLF4',
      cclfRecord('CCLF4', {
        CUR_CLM_UNIQ_ID: '1',
        BENE_MBI_ID: MBI,
        CLM_TYPE_CD: '60',
        CLM_DGNS_CD: '4280',
        CLM_FROM_DT: '2014-01-02',
        CLM_THRU_DT: '2014-01-05',
        DGNS_PRCDR_ICD_IND: '9',
      }),
    );
    expect(icd9.problems).toEqual([
      expect.objectContaining({ field: 'DGNS_PRCDR_ICD_IND', code: 'ICD_VERSION' }),
    ]);
  });

  it('CCLF5 Part B line → claim.line.v1 with POS, HCPCS, modifiers, NPI, TIN, specialty, amounts', async () => {
    const line = cclfRecord('CCLF5', {
      CUR_CLM_UNIQ_ID: '2000000000002',
      CLM_LINE_NUM: '1',
      BENE_MBI_ID: MBI,
      CLM_TYPE_CD: '71',
      CLM_FROM_DT: '2024-03-01',
      CLM_THRU_DT: '2024-03-01',
      CLM_PRVDR_SPCLTY_CD: '08',
      CLM_POS_CD: '11',
      CLM_LINE_FROM_DT: '2024-03-01',
      CLM_LINE_THRU_DT: '2024-03-01',
      CLM_LINE_HCPCS_CD: '3074f',
      CLM_LINE_CVRD_PD_AMT: '000000080.00',
      CLM_LINE_DGNS_CD: 'I10',
      CLM_RNDRG_PRVDR_TAX_NUM: '123456789',
      RNDRG_PRVDR_NPI_NUM: '1234567893',
      CLM_ADJSMT_TYPE_CD: '00',
      CLM_EFCTV_DT: '2024-03-10',
      CLM_CNTL_NUM: 'CN0001',
      CLM_LINE_ALOWD_CHRG_AMT: '-0000000000102.5',
      CLM_LINE_SRVC_UNIT_QTY: '1.0000',
      HCPCS_1_MDFR_CD: '25',
      HCPCS_2_MDFR_CD: '59',
      CLM_DGNS_1_CD: 'E11.9',
      CLM_DGNS_2_CD: 'I10',
      CLM_DGNS_9_CD: 'Z0000',
      DGNS_PRCDR_ICD_IND: '0',
    });
    const { rec } = parseOne('CCLF5', line);
    expect(rec?.value).toEqual({
      sourceFile: SRC.sourceFile,
      sourceFileSha256: SRC.sourceFileSha256,
      lineNumber: 7,
      sourceFormat: 'CCLF5',
      claimId: '2000000000002',
      claimLineNumber: 1,
      claimControlNumber: 'CN0001',
      claimTypeCode: '71',
      adjustmentTypeCode: '0',
      claimEffectiveDate: '2024-03-10',
      frequencyCode: null,
      memberId: MBI,
      memberIdType: 'MBI',
      fromDate: '2024-03-01',
      thruDate: '2024-03-01',
      serviceFromDate: '2024-03-01',
      serviceThruDate: '2024-03-01',
      placeOfService: '11',
      procedureCode: '3074F',
      procedureModifiers: ['25', '59'],
      diagnosisCodes: ['I10', 'E119', 'Z0000'],
      icdProcedureCodes: [],
      revenueCode: null,
      ndcCode: null,
      renderingNpi: '1234567893',
      billingNpi: null,
      billingTin: '123456789',
      billingCcn: null,
      providerSpecialtyCode: '08',
      nonPaymentReasonCode: null,
      allowedAmount: '-102.50',
      paidAmount: '80.00',
    });
    await roundTrip(rec!);
  });

  it('CCLF6 DME line', async () => {
    const line = cclfRecord('CCLF6', {
      CUR_CLM_UNIQ_ID: '3000000000003',
      CLM_LINE_NUM: '2',
      BENE_MBI_ID: MBI,
      CLM_TYPE_CD: '82',
      CLM_FROM_DT: '2024-02-01',
      CLM_THRU_DT: '2024-02-29',
      CLM_POS_CD: '12',
      CLM_LINE_FROM_DT: '2024-02-01',
      CLM_LINE_THRU_DT: '2024-02-29',
      CLM_LINE_HCPCS_CD: 'E0601',
      CLM_LINE_CVRD_PD_AMT: '45.10',
      PAYTO_PRVDR_NPI_NUM: '1234567893',
      CLM_ADJSMT_TYPE_CD: '1',
      CLM_EFCTV_DT: '2024-03-05',
      CLM_CNTL_NUM: 'DME1',
      CLM_LINE_ALOWD_CHRG_AMT: '56.38',
    });
    const { rec } = parseOne('CCLF6', line);
    expect(rec?.value).toMatchObject({
      sourceFormat: 'CCLF6',
      claimLineNumber: 2,
      placeOfService: '12',
      procedureCode: 'E0601',
      billingNpi: '1234567893',
      adjustmentTypeCode: '1',
      paidAmount: '45.10',
      allowedAmount: '56.38',
      serviceThruDate: '2024-02-29',
    });
    await roundTrip(rec!);
  });

  it('CCLF7 Part D fill → claim.line.v1 with NDC, prescriber NPI by qualifier', async () => {
    const line = cclfRecord('CCLF7', {
      CUR_CLM_UNIQ_ID: '4000000000004',
      BENE_MBI_ID: MBI,
      CLM_LINE_NDC_CD: '00093017605',
      CLM_TYPE_CD: '01',
      CLM_LINE_FROM_DT: '2024-04-15',
      PRVDR_SRVC_ID_QLFYR_CD: '01',
      CLM_SRVC_PRVDR_GNRC_ID_NUM: '1548282276',
      CLM_LINE_SRVC_UNIT_QTY: '30.000',
      CLM_LINE_DAYS_SUPLY_QTY: '30',
      PRVDR_PRSBNG_ID_QLFYR_CD: '01',
      CLM_PRSBNG_PRVDR_GNRC_ID_NUM: '1234567893',
      CLM_LINE_BENE_PMT_AMT: '10.00',
      CLM_ADJSMT_TYPE_CD: '0',
      CLM_EFCTV_DT: '2024-04-16',
      CLM_LINE_RX_FILL_NUM: '1',
    });
    const { rec } = parseOne('CCLF7', line);
    expect(rec?.value).toMatchObject({
      sourceFormat: 'CCLF7',
      ndcCode: '00093017605',
      fromDate: '2024-04-15',
      serviceFromDate: '2024-04-15',
      renderingNpi: '1234567893',
      billingNpi: '1548282276',
      paidAmount: null,
      adjustmentTypeCode: '0',
    });
    await roundTrip(rec!);
  });

  it('CCLF8 demographics → roster.member.v1', async () => {
    const line = cclfRecord('CCLF8', {
      BENE_MBI_ID: MBI,
      BENE_ZIP_CD: '02139',
      BENE_DOB: '1950-06-30',
      BENE_SEX_CD: '2',
      BENE_AGE: '73',
      BENE_DEATH_DT: '9999-12-31',
      BENE_1ST_NAME: 'JANE',
      BENE_MIDL_NAME: 'Q',
      BENE_LAST_NAME: 'DOE',
      GEO_ZIP5_CD: '02139',
      GEO_ZIP4_CD: '4307',
    });
    const { rec } = parseOne('CCLF8', line);
    expect(rec?.topic).toBe('roster.member.v1');
    expect(rec?.value).toMatchObject({
      sourceFormat: 'CCLF8',
      memberId: MBI,
      memberIdType: 'MBI',
      familyName: 'DOE',
      givenName: 'JANE',
      middleName: 'Q',
      birthDate: '1950-06-30',
      sex: 'F',
      deathDate: null,
      postalCode: '021394307',
      lineOfBusiness: 'MEDICARE',
    });
    await roundTrip(rec!);
  });

  it('CCLF9 crosswalk → member.xref.v1 value (proposed topic)', () => {
    const line = cclfRecord('CCLF9', {
      HICN_MBI_XREF_IND: 'M',
      CRNT_NUM: MBI,
      PRVS_NUM: '1EG4TE5MK70',
      PRVS_ID_EFCTV_DT: '2019-01-01',
      PRVS_ID_OBSLT_DT: '2021-06-30',
    });
    const { rec } = parseOne('CCLF9', line);
    expect(rec).toEqual({
      topic: 'member.xref.v1',
      value: {
        sourceFile: SRC.sourceFile,
        sourceFileSha256: SRC.sourceFileSha256,
        lineNumber: 7,
        sourceFormat: 'CCLF9',
        crosswalkIndicator: 'M',
        currentId: MBI,
        previousId: '1EG4TE5MK70',
        idType: 'MBI',
        previousIdEffectiveDate: '2019-01-01',
        previousIdObsoleteDate: '2021-06-30',
      },
    });
  });
});

describe('problems', () => {
  const good5 = (): Record<string, string> => ({
    CUR_CLM_UNIQ_ID: '1',
    CLM_LINE_NUM: '1',
    BENE_MBI_ID: MBI,
    CLM_TYPE_CD: '71',
    CLM_FROM_DT: '2024-03-01',
    CLM_THRU_DT: '2024-03-01',
  });

  it('a short record is RECORD_LENGTH; a longer one (newer IP version) is accepted', () => {
    const full = cclfRecord('CCLF5', good5());
    expect(parseOne('CCLF5', full.slice(0, 300)).problems).toEqual([
      expect.objectContaining({ line: 7, code: 'RECORD_LENGTH' }),
    ]);
    const longer = value('CCLF5', full + 'NEWFIELD-V43  ' + 'X'.repeat(40));
    expect(longer.claimId).toBe('1');
    expect(value('CCLF5', full + '\r').claimId).toBe('1');
  });

  it('bad dates, numbers, amounts and blank required fields name line, field and rule, never the value', () => {
    const line = cclfRecord('CCLF5', {
      ...good5(),
      CLM_FROM_DT: '2023-02-29',
      CLM_LINE_NUM: '1A',
      CLM_LINE_CVRD_PD_AMT: '12.345',
      BENE_MBI_ID: '',
      CLM_LINE_DGNS_CD: 'QQ.Q',
    });
    const { rec, problems } = parseOne('CCLF5', line);
    expect(rec).toBeUndefined();
    expect(problems.map((p) => [p.line, p.field, p.code])).toEqual([
      [7, 'CLM_LINE_NUM', 'BAD_NUMBER'],
      [7, 'BENE_MBI_ID', 'REQUIRED'],
      [7, 'CLM_FROM_DT', 'BAD_DATE'],
      [7, 'CLM_LINE_CVRD_PD_AMT', 'BAD_AMOUNT'],
    ]);
    for (const p of problems) expect(p.message).not.toMatch(/2023-02-29|12\.345|1A/);
    const dx = parseOne('CCLF5', cclfRecord('CCLF5', { ...good5(), CLM_DGNS_3_CD: '12345' }));
    expect(dx.problems).toEqual([expect.objectContaining({ field: 'CLM_DGNS_3_CD', code: 'BAD_CODE' })]);
  });

  it('the summary keeps every problem and counts lines and records', () => {
    const p = createCclfParser('CCLF5', SRC);
    p.line(cclfRecord('CCLF5', good5()), 1);
    p.line('short', 2);
    p.line(cclfRecord('CCLF5', { ...good5(), CLM_THRU_DT: '2024-02-30' }), 3);
    expect(p.end()).toEqual({
      format: 'CCLF5',
      lines: 3,
      records: 1,
      problems: [
        expect.objectContaining({ line: 2, code: 'RECORD_LENGTH' }),
        expect.objectContaining({ line: 3, field: 'CLM_THRU_DT', code: 'BAD_DATE' }),
      ],
    });
  });

  it('caps kept problems and says how many more there were', () => {
    const p = createCclfParser('CCLF9', { ...SRC, maxProblems: 2 });
    for (let i = 1; i <= 5; i++) p.line('x', i);
    const s = p.end();
    expect(s.problems).toHaveLength(3);
    expect(s.problems[2]).toMatchObject({
      code: 'TOO_MANY_PROBLEMS',
      message: expect.stringContaining('3 further'),
    });
  });
});

describe('CCLF0 summary', () => {
  it('reads fixed-width and |-separated rows and checks counts', () => {
    const p = createCclfParser('CCLF0', SRC);
    p.line('File Number  |File Description    |Total Records Count |Record Length', 1);
    p.line('CCLF5  |Part B Physicians File                     |          3|  388', 2);
    p.line(
      'CCLF8'.padEnd(13) + ' ' + 'Beneficiary Demograp' + ' ' + '12'.padStart(20) + ' ' + '549'.padStart(13),
      3,
    );
    const entries = p.summaryEntries();
    expect(entries).toEqual([
      {
        lineNumber: 2,
        fileType: 'CCLF5',
        description: 'Part B Physicians File',
        recordCount: 3,
        recordLength: 388,
      },
      {
        lineNumber: 3,
        fileType: 'CCLF8',
        description: 'Beneficiary Demograp',
        recordCount: 12,
        recordLength: 549,
      },
    ]);
    expect(checkSummary(entries, { CCLF5: 3, CCLF8: 12 })).toEqual([]);
    expect(checkSummary(entries, { CCLF5: 2, CCLF9: 1 })).toEqual([
      expect.objectContaining({ line: 2, field: 'TOT_REC_CNT', code: 'SUMMARY_COUNT' }),
      expect.objectContaining({ line: 0, code: 'SUMMARY_MISSING' }),
    ]);
    expect(p.line('CCLFZ  |x|abc|1', 4).problems.map((x) => x.code)).toEqual(['BAD_CODE', 'BAD_NUMBER']);
  });
});

describe('detection', () => {
  it('by name: CMS and BCDA patterns', () => {
    expect(parseCclfFileName('/in/P.A1234.ACO.ZC1Y24.D240101.T0100000')).toEqual({
      environment: 'P',
      entityId: 'A1234',
      kind: 'CCLF1',
      run: 'Y',
      year: '24',
      date: '240101',
    });
    expect(parseCclfFileName('T.BCD.A0001.ZC8Y18.D181120.T1000009')?.kind).toBe('CCLF8');
    expect(parseCclfFileName('P.D1234.ACO.ZC9R23.D240101.T0100000')).toMatchObject({
      kind: 'CCLF9',
      run: 'R',
    });
    expect(parseCclfFileName('T.BCD.A0001.ZCY18.D181120.T1000000')?.kind).toBe('ZIP_SET');
    expect(parseCclfFileName('P.A1234.ACO.ZCAY24.D240101.T0100000')?.kind).toBe('CCLFA');
    for (const bad of [
      'T.A0001.ACO.ZC8Y18.D18NOV20.T1000009',
      'T.UNKNOWNACO.ACO.ZC0Y18.D181120.T1000010',
      'T.A0001.ACO.ZC0Y18.D181120.Z1000011',
      'claims.txt',
      'P.A1234.ACO.ZC1Y24.D241301.T0100000',
    ])
      expect(parseCclfFileName(bad)).toBeNull();
  });

  it('by content, and name checked against content', () => {
    const l5 = cclfRecord('CCLF5', {});
    expect(detectCclfKind('upload.txt', l5)).toEqual({ ok: true, kind: 'CCLF5', by: 'content' });
    expect(detectCclfKind('upload.txt', l5.slice(0, 363))).toEqual({
      ok: true,
      kind: 'CCLF5',
      by: 'content',
    });
    expect(detectCclfKind('P.A1234.ACO.ZC5Y24.D240101.T0100000', l5 + 'extra')).toEqual({
      ok: true,
      kind: 'CCLF5',
      by: 'name+content',
    });
    expect(detectCclfKind('P.A1234.ACO.ZC5Y24.D240101.T0100000')).toEqual({
      ok: true,
      kind: 'CCLF5',
      by: 'name',
    });
    expect(detectCclfKind('upload.txt', 'File Number  |File Description')).toMatchObject({
      ok: true,
      kind: 'CCLF0',
    });
    for (const [name, line] of [
      ['upload.txt', 'x'.repeat(123)],
      ['P.A1234.ACO.ZC8Y24.D240101.T0100000', l5.slice(0, 100)],
      ['P.A1234.ACO.ZCAY24.D240101.T0100000', l5],
      ['P.A1234.ACO.ZCY24.D240101.T0100000', undefined],
    ] as const) {
      const d = detectCclfKind(name, line);
      expect(d.ok).toBe(false);
      if (!d.ok) expect(d.problem).toMatchObject({ line: 0, code: 'UNKNOWN_LAYOUT' });
    }
  });
});

describe('parseCclfFile (streaming)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cclf-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function collect(path: string): Promise<CclfFileItem[]> {
    const out: CclfFileItem[] = [];
    for await (const item of parseCclfFile(path, { sourceFileSha256: 'b'.repeat(64) })) out.push(item);
    return out;
  }

  it('parses every line of a generated file, CRLF included, and ends with the summary', async () => {
    const path = join(dir, 'P.A1234.ACO.ZC5Y24.D240105.T0100000');
    const lines = [1, 2, 3].map((i) =>
      cclfRecord('CCLF5', {
        CUR_CLM_UNIQ_ID: String(i),
        CLM_LINE_NUM: '1',
        BENE_MBI_ID: MBI,
        CLM_TYPE_CD: '71',
        CLM_FROM_DT: '2024-03-01',
        CLM_THRU_DT: '2024-03-01',
      }),
    );
    writeFileSync(path, lines.join('\r\n') + '\r\n', 'latin1');
    const items = await collect(path);
    expect(
      items
        .filter((i) => i.type === 'line')
        .flatMap((i) => (i.type === 'line' ? i.records : []))
        .map((r) => [
          (r.value as Record<string, unknown>).claimId,
          r.value.lineNumber,
          r.value.sourceFile,
          r.value.sourceFileSha256,
        ]),
    ).toEqual([
      ['1', 1, 'P.A1234.ACO.ZC5Y24.D240105.T0100000', 'b'.repeat(64)],
      ['2', 2, 'P.A1234.ACO.ZC5Y24.D240105.T0100000', 'b'.repeat(64)],
      ['3', 3, 'P.A1234.ACO.ZC5Y24.D240105.T0100000', 'b'.repeat(64)],
    ]);
    expect(items.at(-1)).toMatchObject({
      type: 'end',
      kind: 'CCLF5',
      summary: { format: 'CCLF5', lines: 3, records: 3, problems: [] },
    });
  });

  it('an undetectable file ends with UNKNOWN_LAYOUT and no lines', async () => {
    const path = join(dir, 'mystery.txt');
    writeFileSync(path, 'hello\nworld\n');
    const items = await collect(path);
    expect(items).toEqual([
      {
        type: 'end',
        kind: null,
        summary: {
          format: 'CCLF',
          lines: 0,
          records: 0,
          problems: [expect.objectContaining({ code: 'UNKNOWN_LAYOUT' })],
        },
        cclf0: [],
      },
    ]);
  });

  it('an empty file with a CCLF name is an empty, valid delivery', async () => {
    const path = join(dir, 'P.A1234.ACO.ZC6Y24.D240105.T0100000');
    writeFileSync(path, '');
    expect(await collect(path)).toEqual([
      {
        type: 'end',
        kind: 'CCLF6',
        summary: { format: 'CCLF6', lines: 0, records: 0, problems: [] },
        cclf0: [],
      },
    ]);
  });
});
