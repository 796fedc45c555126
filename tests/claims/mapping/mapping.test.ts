// Payer mapping layer (producers/claims/mapping): the shipped mappings on hand-written files
// (made-up people and payers), quoting, conversions, problems, trailers, headers, detection,
// config validation, and every produced value through the local Avro codec.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCodec, type Codec } from '../../../schemas/codec.ts';
import {
  convertAmount,
  convertDate,
  createMappedParser,
  detectMapping,
  loadPayerMappings,
  MappingConfigError,
  parseMappedFile,
  parseMappingYaml,
  splitRecord,
  type PayerMapping,
} from '../../../producers/claims/mapping/index.ts';
import type { FileSummary, ParsedRecord, ParseProblem } from '../../../producers/claims/types.ts';

const PAYERS = resolve(import.meta.dirname, '../../../payers');
const SHA = 'b'.repeat(64);
let codec: Codec;
let mappings: PayerMapping[];
let dir: string;
const byId = (id: string): PayerMapping => mappings.find((m) => m.id === id)!;

beforeAll(async () => {
  codec = await createLocalCodec();
  mappings = await loadPayerMappings(PAYERS);
  dir = mkdtempSync(join(tmpdir(), 'gapstream-mapping-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parse text lines with a mapping; every record must round-trip through the codec. */
async function run(
  m: PayerMapping,
  text: string,
): Promise<{ records: ParsedRecord[]; summary: FileSummary }> {
  const p = createMappedParser(m, { sourceFile: 'f.txt', sourceFileSha256: SHA });
  const records: ParsedRecord[] = [];
  text.split(/\r?\n/).forEach((l, i) => records.push(...p.line(l, i + 1).records));
  for (const r of records) {
    const bytes = await codec.encode(r.topic, r.value);
    expect(await codec.decode(r.topic, bytes)).toEqual(r.value);
  }
  return { records, summary: p.end() };
}
const codes = (ps: ParseProblem[]): [number, string | undefined, string][] =>
  ps.map((p) => [p.line, p.field, p.code]);

const CLAIMS_HEADER =
  'CLAIM_ID|LINE_NO|CLAIM_STATUS|MEMBER_ID|CLAIM_FROM|CLAIM_THRU|SVC_FROM|SVC_THRU|POS|CPT|MOD1|MOD2|MOD3|MOD4|DX1|DX2|DX3|DX4|DX5|DX6|DX7|DX8|DX9|DX10|DX11|DX12|REV_CD|RENDER_NPI|BILL_NPI|BILL_TIN|ALLOWED_AMT|PAID_AMT';
const claimRow = (o: Partial<Record<string, string>> = {}): string => {
  const d: Record<string, string> = {
    CLAIM_ID: 'EXC000123',
    LINE_NO: '1',
    CLAIM_STATUS: 'O',
    MEMBER_ID: 'EXH99887766',
    CLAIM_FROM: '03/04/2024',
    CLAIM_THRU: '03/04/2024',
    SVC_FROM: '03/04/2024',
    SVC_THRU: '03/04/2024',
    POS: '11',
    CPT: '99214',
    MOD1: '25',
    MOD2: '',
    MOD3: 'gt',
    MOD4: '',
    DX1: 'e11.9',
    DX2: 'I10',
    DX3: 'E119',
    REV_CD: '',
    RENDER_NPI: '1234567893',
    BILL_NPI: '1987654320',
    BILL_TIN: '12-3456789',
    ALLOWED_AMT: '12550',
    PAID_AMT: '-5',
    ...o,
  };
  return CLAIMS_HEADER.split('|')
    .map((k) => d[k] ?? '')
    .join('|');
};

describe('example-commercial-claims (pipe, implied decimals, trailer)', () => {
  it('maps a service line field by field', async () => {
    const { records, summary } = await run(
      byId('example-commercial-claims'),
      [
        CLAIMS_HEADER,
        claimRow(),
        claimRow({ LINE_NO: '2', CLAIM_STATUS: 'V', DX1: '' }),
        'TRAILER|2',
        '',
      ].join('\r\n'),
    );
    expect(summary).toMatchObject({ records: 2, problems: [], declaredCount: 2 });
    expect(records[0]).toEqual({
      topic: 'claim.line.v1',
      value: {
        sourceFile: 'f.txt',
        sourceFileSha256: SHA,
        lineNumber: 2,
        sourceFormat: 'PAYER_CSV',
        claimId: 'EXC000123',
        claimLineNumber: 1,
        claimControlNumber: null,
        claimTypeCode: null,
        adjustmentTypeCode: null,
        claimEffectiveDate: null,
        frequencyCode: '1',
        memberId: 'EXH99887766',
        memberIdType: 'PAYER_MEMBER_ID',
        fromDate: '2024-03-04',
        thruDate: '2024-03-04',
        serviceFromDate: '2024-03-04',
        serviceThruDate: '2024-03-04',
        placeOfService: '11',
        procedureCode: '99214',
        procedureModifiers: ['25', 'GT'],
        diagnosisCodes: ['E119', 'I10'],
        icdProcedureCodes: [],
        revenueCode: null,
        ndcCode: null,
        renderingNpi: '1234567893',
        billingNpi: '1987654320',
        billingTin: '123456789',
        billingCcn: null,
        providerSpecialtyCode: null,
        nonPaymentReasonCode: null,
        allowedAmount: '125.50',
        paidAmount: '-0.05',
      },
    });
    expect(records[1]!.value).toMatchObject({
      lineNumber: 3,
      frequencyCode: '8',
      diagnosisCodes: ['I10', 'E119'],
    });
  });

  it('bad date, bad amount, missing required, unmapped code -> problems with line and field, no record', async () => {
    const { records, summary } = await run(
      byId('example-commercial-claims'),
      [
        CLAIMS_HEADER,
        claimRow({ SVC_FROM: '02/30/2024' }),
        claimRow({ PAID_AMT: '12.50' }),
        claimRow({ MEMBER_ID: '  ' }),
        claimRow({ CLAIM_STATUS: 'X', DX2: 'not-a-code' }),
        'A|B',
        'TRAILER|5',
      ].join('\n'),
    );
    expect(records).toEqual([]);
    expect(codes(summary.problems)).toEqual([
      [2, 'serviceFromDate', 'BAD_DATE'],
      [3, 'paidAmount', 'BAD_AMOUNT'],
      [4, 'memberId', 'MISSING_REQUIRED'],
      [5, 'frequencyCode', 'UNMAPPED_CODE'],
      [5, 'diagnosisCodes', 'BAD_CODE'],
      [6, undefined, 'COLUMN_COUNT'],
    ]);
    // Problems never carry the value found.
    const text = JSON.stringify(summary.problems);
    for (const v of ['02/30/2024', '12.50', 'not-a-code']) expect(text).not.toContain(v);
    expect(summary.problems[0]!.message).toContain('MM/DD/YYYY');
  });

  it('trailer count mismatch, missing trailer, data after trailer', async () => {
    const m = byId('example-commercial-claims');
    const mismatch = await run(m, [CLAIMS_HEADER, claimRow(), 'TRAILER|3'].join('\n'));
    expect(mismatch.records).toHaveLength(1);
    expect(codes(mismatch.summary.problems)).toEqual([[3, undefined, 'TRAILER_COUNT']]);
    expect(mismatch.summary.declaredCount).toBe(3);
    const missing = await run(m, [CLAIMS_HEADER, claimRow()].join('\n'));
    expect(codes(missing.summary.problems)).toEqual([[0, undefined, 'TRAILER_MISSING']]);
    const after = await run(m, [CLAIMS_HEADER, 'TRAILER|0', claimRow()].join('\n'));
    expect(codes(after.summary.problems)).toEqual([[3, undefined, 'DATA_AFTER_TRAILER']]);
    const notNum = await run(m, [CLAIMS_HEADER, claimRow(), 'TRAILER|x'].join('\n'));
    expect(codes(notNum.summary.problems)).toEqual([[3, undefined, 'TRAILER_COUNT']]);
  });

  it('header without a mapped column -> one file-level problem per column, no records', async () => {
    const header = CLAIMS_HEADER.replace('|PAID_AMT', '').replace('MEMBER_ID', 'MBR_ID');
    const { records, summary } = await run(
      byId('example-commercial-claims'),
      [header, claimRow(), 'TRAILER|1'].join('\n'),
    );
    expect(records).toEqual([]);
    expect(codes(summary.problems)).toEqual([
      [0, 'memberId', 'HEADER_MISMATCH'],
      [0, 'paidAmount', 'HEADER_MISMATCH'],
    ]);
    expect(summary.problems[0]!.message).toContain('"MEMBER_ID"');
  });
});

const ROSTER_HEADER =
  'Member ID,Last Name,First Name,Middle Initial,DOB,Gender,Zip,Phone,PCP NPI,PCP TIN,Eff Date,Term Date,Product,LOB';

describe('example-commercial-roster (CSV, quoting)', () => {
  it('maps members, with quoted commas, doubled quotes and a quoted field over two lines', async () => {
    const text = [
      ROSTER_HEADER,
      'EXH10000001,"Quill, Jr.",Ada,M,1958-07-19,F,02139-4301,(617) 555-0100,1234567893,123456789,2024-01-01,9999-12-31,"HMO ""Gold""",COM',
      'EXH10000002,"Okafor',
      'Baines",Theo,,1990-02-28,Male,10001,,1234567893,123456789,2024-02-01,2024-12-31,PPO,MA',
    ].join('\r\n');
    const { records, summary } = await run(byId('example-commercial-roster'), text);
    expect(summary).toMatchObject({ lines: 4, records: 2, problems: [] });
    expect(records[0]!.value).toEqual({
      sourceFile: 'f.txt',
      sourceFileSha256: SHA,
      lineNumber: 2,
      sourceFormat: 'PAYER_CSV',
      contractId: null,
      memberId: 'EXH10000001',
      memberIdType: 'PAYER_MEMBER_ID',
      familyName: 'Quill, Jr.',
      givenName: 'Ada',
      middleName: 'M',
      birthDate: '1958-07-19',
      sex: 'F',
      deathDate: null,
      postalCode: '021394301',
      phone: '6175550100',
      mrn: null,
      mrnAssigningAuthority: null,
      pcpNpi: '1234567893',
      pcpTin: '123456789',
      effectiveDate: '2024-01-01',
      termDate: null,
      product: 'HMO "Gold"',
      lineOfBusiness: 'COMMERCIAL',
    });
    expect(records[1]!.value).toMatchObject({
      lineNumber: 3,
      familyName: 'Okafor\nBaines',
      sex: 'M',
      middleName: null,
      termDate: '2024-12-31',
      lineOfBusiness: 'MEDICARE_ADVANTAGE',
    });
  });

  it('bad quoting and an unterminated quote are problems on the record start line', async () => {
    const { summary } = await run(
      byId('example-commercial-roster'),
      [ROSTER_HEADER, 'EXH1,"Quill"x,Ada', 'EXH2,"never closed'].join('\n'),
    );
    expect(codes(summary.problems)).toEqual([
      [2, undefined, 'BAD_QUOTING'],
      [3, undefined, 'UNTERMINATED_QUOTE'],
    ]);
  });

  it('parseMappedFile streams a file (latin1 too) with CRLF line ends', async () => {
    const path = join(dir, 'EXH_ROSTER_20240301.csv');
    const row = 'EXH10000003,Müller,Zoë,,1975-11-05,U,,,1234567893,123456789,2024-03-01,,EPO,COM';
    const latin: PayerMapping = {
      ...byId('example-commercial-roster'),
      format: { ...byId('example-commercial-roster').format, encoding: 'latin1' },
    };
    writeFileSync(path, Buffer.from(`${ROSTER_HEADER}\r\n${row}\r\n`, 'latin1'));
    const items = [];
    for await (const i of parseMappedFile(path, latin, { sourceFileSha256: SHA })) items.push(i);
    expect(items.map((i) => i.type)).toEqual(['line', 'end']);
    const first = items[0]!;
    if (first.type !== 'line') throw new Error('expected a line');
    expect(first.records[0]!.value).toMatchObject({
      sourceFile: 'EXH_ROSTER_20240301.csv',
      lineNumber: 2,
      familyName: 'Müller',
      givenName: 'Zoë',
      sex: 'U',
    });
  });
});

describe('cms-alr-table1 (MSSP ALR beneficiary table)', () => {
  const header =
    'BENE_MBI_ID,BENE_HIC_NUM,BENE_1ST_NAME,BENE_LAST_NAME,BENE_SEX_CD,BENE_BRTH_DT,BENE_DEATH_DT,GEO_SSA_CNTY_CD_NAME,GEO_SSA_STATE_NAME,STATE_COUNTY_CD,IN_VA_MAX,VA_TIN,VA_NPI,CBA_FLAG';
  it('maps MBI, names, sex code, dates and the voluntary-alignment TIN/NPI', async () => {
    const { records, summary } = await run(
      byId('cms-alr-table1'),
      [
        header,
        '1EG4TE5MK73,,PRIYA,NORDQUIST,2,04/12/1949,,SUFFOLK,MA,22120,1,123456789,1234567893,0',
        '2FH5UF6NL84,,WALTER,ESPINOZA,1,12/01/1944,01/15/2024,KINGS,NY,33230,0,,,1',
      ].join('\n'),
    );
    expect(summary.problems).toEqual([]);
    expect(records.map((r) => r.topic)).toEqual(['roster.member.v1', 'roster.member.v1']);
    expect(records[0]!.value).toMatchObject({
      sourceFormat: 'MSSP_ALR',
      memberId: '1EG4TE5MK73',
      memberIdType: 'MBI',
      givenName: 'PRIYA',
      familyName: 'NORDQUIST',
      sex: 'F',
      birthDate: '1949-04-12',
      deathDate: null,
      pcpTin: '123456789',
      pcpNpi: '1234567893',
      lineOfBusiness: 'MEDICARE',
    });
    expect(records[1]!.value).toMatchObject({
      sex: 'M',
      deathDate: '2024-01-15',
      pcpTin: null,
      pcpNpi: null,
    });
  });

  it('an unknown sex code and a missing birth date are problems', async () => {
    const { summary } = await run(
      byId('cms-alr-table1'),
      [header, '1EG4TE5MK73,,PRIYA,NORDQUIST,7,,,,,,,,,'].join('\n'),
    );
    expect(codes(summary.problems)).toEqual([
      [2, 'sex', 'UNMAPPED_CODE'],
      [2, 'birthDate', 'MISSING_REQUIRED'],
    ]);
  });
});

describe('detectMapping', () => {
  it('chooses by file name and content', () => {
    const d = (name: string, first = ''): string =>
      ((r) => (r.ok ? r.mapping.id : r.problem.code))(detectMapping(name, [first], mappings));
    expect(d('EXH_CLAIMS_20240301.txt', CLAIMS_HEADER)).toBe('example-commercial-claims');
    expect(d('EXH_CLAIMS_20240301.txt', 'MEMBER|X')).toBe('UNKNOWN_LAYOUT');
    expect(d('/drop/inbox/EXH_ROSTER_20240301.csv', ROSTER_HEADER)).toBe('example-commercial-roster');
    expect(d('P.A1234.ACO.QALR.2025Q1.D250415.T1200000_1-1.csv', 'BENE_MBI_ID')).toBe('cms-alr-table1');
    expect(d('P.A1234.ACO.QALR.2025Q1.D250415.T1200000_1-1.CSV', 'BENE_MBI_ID')).toBe('cms-alr-table1');
    expect(d('random.csv')).toBe('UNKNOWN_LAYOUT');
    const twin = { ...byId('example-commercial-roster'), id: 'twin' };
    const r = detectMapping('EXH_ROSTER_20240301.csv', [ROSTER_HEADER], [...mappings, twin]);
    expect(r.ok ? 'ok' : r.problem.code).toBe('AMBIGUOUS_LAYOUT');
  });
});

describe('mapping file validation', () => {
  const issuesOf = (yaml: string): string[] => {
    try {
      parseMappingYaml(yaml, 'payers/broken.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(MappingConfigError);
      const err = e as MappingConfigError;
      for (const i of err.issues) expect(i.file).toBe('payers/broken.yaml');
      return err.issues.map((i) => i.key);
    }
    throw new Error('expected MappingConfigError');
  };

  it('reports every shape problem at once, naming the key', () => {
    const keys = issuesOf(`
payer: Bad Payer
kind: invoices
detect: { fileName: 'x' }
format: { delimiter: ';', header: maybe, encoding: utf-16, colour: red }
fields:
  memberId: { column: 0, date: DD.MM.YY }
`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'payer',
        'kind',
        'format.delimiter',
        'format.header',
        'format.encoding',
        'format.colour',
        'fields.memberId.column',
        'fields.memberId.date',
      ]),
    );
  });

  it('reports every cross-key problem at once', () => {
    const keys = issuesOf(`
payer: acme
kind: roster
detect: { fileName: '([' }
format: { delimiter: '|', header: false, trailer: { match: '^T', countColumn: 2 } }
required: [product]
fields:
  memberId: { column: MEMBER }
  sex: { column: 3, map: { '1': Male } }
  claimId: { column: 4 }
  birthDate: { column: 5, amount: decimal }
  givenName: { column: 6, constant: X }
`);
    expect(keys).toEqual([
      'detect.fileName',
      'fields.memberId',
      'fields.sex.map.1',
      'fields.claimId',
      'fields.birthDate',
      'fields.givenName',
      'fields.memberIdType',
      'required.0',
    ]);
  });

  it('rejects text that is not YAML and duplicate ids across a directory', async () => {
    expect(issuesOf('payer: [unclosed')).toEqual(['']);
    const d = mkdtempSync(join(tmpdir(), 'gapstream-payers-'));
    try {
      writeFileSync(join(d, 'a.yaml'), 'payer: a\n');
      writeFileSync(join(d, 'b.yml'), 'kind: claims\n');
      const err = await loadPayerMappings(d).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MappingConfigError);
      const files = new Set((err as MappingConfigError).issues.map((i) => i.file));
      expect(files).toEqual(new Set([join(d, 'a.yaml'), join(d, 'b.yml')]));
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('positions without a header; constants checked against the target', async () => {
    const m = parseMappingYaml(
      `
payer: tiny
kind: roster
detect: { fileName: '^T' }
format: { delimiter: "\\t", header: false, dateFormat: YYYYMMDD }
fields:
  memberIdType: { constant: OTHER }
  memberId: { column: 1 }
  birthDate: { column: 2 }
  effectiveDate: { constant: '2024-01-01' }
`,
      'payers/tiny.yaml',
    );
    const { records } = await run(m, 'T1\t19600101');
    expect(records[0]!.value).toMatchObject({
      memberId: 'T1',
      birthDate: '1960-01-01',
      effectiveDate: '2024-01-01',
    });
    expect(() =>
      createMappedParser(
        { ...m, fields: { ...m.fields, effectiveDate: { constant: 'soon' } } },
        {
          sourceFile: 'x',
          sourceFileSha256: null,
        },
      ),
    ).toThrow(MappingConfigError);
  });
});

describe('conversions', () => {
  it('splitRecord follows RFC 4180', () => {
    expect(splitRecord('a,"b,c","d""e",,"",f\r', ',', '"')).toEqual({
      kind: 'fields',
      fields: ['a', 'b,c', 'd"e', '', '', 'f'],
    });
    expect(splitRecord('a|b|', '|', '"')).toEqual({ kind: 'fields', fields: ['a', 'b', ''] });
    expect(splitRecord('"a",', ',', '"')).toEqual({ kind: 'fields', fields: ['a', ''] });
    expect(splitRecord('5\'10",x', ',', '"')).toEqual({ kind: 'fields', fields: ['5\'10"', 'x'] });
    expect(splitRecord('"open', ',', '"')).toEqual({ kind: 'open' });
    expect(splitRecord('"a"b,c', ',', '"')).toEqual({ kind: 'bad', column: 1 });
  });

  it('dates', () => {
    expect(convertDate('20240229', 'YYYYMMDD')).toBe('2024-02-29');
    expect(convertDate('3/7/2024', 'M/D/YYYY')).toBe('2024-03-07');
    expect(convertDate('12-31-2023', 'MM-DD-YYYY')).toBe('2023-12-31');
    expect(convertDate('20230229', 'YYYYMMDD')).toMatchObject({ code: 'BAD_DATE' });
    expect(convertDate('2024-3-7', 'YYYY-MM-DD')).toMatchObject({ code: 'BAD_DATE' });
  });

  it('amounts stay exact strings', () => {
    expect(convertAmount('12.5', 'decimal', false)).toBe('12.50');
    expect(convertAmount('.5', 'decimal', false)).toBe('0.50');
    expect(convertAmount('-0', 'decimal', false)).toBe('0.00');
    expect(convertAmount('(1250)', 'implied2', true)).toBe('-12.50');
    expect(convertAmount('(12.50)', 'decimal', true)).toBe('-12.50');
    expect(convertAmount('0000012345', 'implied2', false)).toBe('123.45');
    expect(convertAmount('9999999999.99', 'decimal', false)).toBe('9999999999.99');
    for (const bad of ['12.345', '1,234.00', '(12.50)', 'abc', '', '-', '99999999999'])
      expect(convertAmount(bad, 'decimal', false)).toMatchObject({ code: 'BAD_AMOUNT' });
    expect(convertAmount('12.50', 'implied2', false)).toMatchObject({ code: 'BAD_AMOUNT' });
  });
});
