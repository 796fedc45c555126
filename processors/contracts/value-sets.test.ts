import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildValueSetIndex,
  claimProcedureSystem,
  codeSystemOf,
  loadValueSets,
  normalizeCode,
  parseFhirValueSet,
  parseValueSetCsv,
  readFhirValueSet,
  ValueSetError,
} from './value-sets.ts';
import type { ValueSet } from './types.ts';

const HEADER = 'value_set_id,code_system,code,display\n';

/** The thrown ValueSetError (fails the test when nothing or something else is thrown). */
function errorOf(fn: () => unknown): ValueSetError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValueSetError) return e;
    throw e;
  }
  throw new Error('expected a ValueSetError');
}

describe('parseValueSetCsv', () => {
  it('groups rows by id, normalizes codes and keeps displays', () => {
    const sets = parseValueSetCsv(
      HEADER +
        'diabetes,ICD10CM,e11.9,Type 2 diabetes mellitus without complications\n' +
        'hba1c,LOINC,4548-4,Hemoglobin A1c\n' +
        'diabetes,I10,E10.65,\n' +
        'hba1c,CPT,83036,\n',
      '/x/vs.csv',
    );
    expect(sets.map((s) => s.id)).toEqual(['diabetes', 'hba1c']);
    expect(sets[0]).toEqual({
      id: 'diabetes',
      oid: null,
      name: 'diabetes',
      source: 'vs.csv',
      codes: [
        { system: 'ICD10CM', code: 'E119', display: 'Type 2 diabetes mellitus without complications' },
        { system: 'ICD10CM', code: 'E1065', display: null },
      ],
    });
    expect(sets[1]!.codes.map((c) => `${c.system}|${c.code}`)).toEqual(['LOINC|4548-4', 'CPT|83036']);
  });

  it('reads RFC 4180 quoting: commas, doubled quotes, line breaks, CRLF and a BOM', () => {
    const text =
      '\uFEFFvalue_set_id,code_system,code,display\r\n' +
      'x,ICD10CM,E11.3211,"Type 2 diabetes mellitus with retinopathy, right eye"\r\n' +
      'x,HCPCS,E1221,"Wheelchair 20"" seat"\r\n' +
      'x,LOINC,8480-6,"Systolic\nblood pressure"\r\n' +
      'x,SNOMEDCT,59621000, "spaced, quoted" \r\n';
    const [set] = parseValueSetCsv(text, 'q.csv');
    expect(set!.codes.map((c) => c.display)).toEqual([
      'Type 2 diabetes mellitus with retinopathy, right eye',
      'Wheelchair 20" seat',
      'Systolic\nblood pressure',
      'spaced, quoted',
    ]);
  });

  it('skips blank and # comment lines and keeps a repeated code once', () => {
    const sets = parseValueSetCsv(
      '# starter set\n' + HEADER + '\n  \n# a note\nx,CPT,99213,\nx,CPT, 99213 ,\nx,cpt,3044f,\n',
      'c.csv',
    );
    expect(sets[0]!.codes.map((c) => c.code)).toEqual(['99213', '3044F']);
  });

  it('accepts the columns in any order, without display, with extra columns', () => {
    const [set] = parseValueSetCsv(
      'code,version,code_system,value_set_id\nI10,2024,ICD-10-CM,htn\n',
      'o.csv',
    );
    expect(set!.codes).toEqual([{ system: 'ICD10CM', code: 'I10', display: null }]);
  });

  it('returns no sets for a header-only file', () => {
    expect(parseValueSetCsv(HEADER, 'h.csv')).toEqual([]);
  });

  it.each([
    ['', 'e.csv:1: missing header'],
    ['value_set_id,code\nx,99213\n', 'e.csv:1: header lacks column code_system'],
    [HEADER + 'x,CPT,99213,\nx,CPTX,99213,\n', 'e.csv:3: unknown code system "CPTX"'],
    [HEADER + 'x,CPT,,\n', 'e.csv:2: empty code'],
    [HEADER + ',CPT,99213,\n', 'e.csv:2: empty value_set_id'],
    [HEADER + 'a b,CPT,99213,\n', 'e.csv:2: value_set_id "a b" must be'],
    [HEADER + 'x,CPT,99213\n', 'e.csv:2: expected 4 fields as in the header, found 3'],
    [HEADER + 'x,CPT,E11.9,\n', 'e.csv:2: code "E11.9" is not a CPT code'],
    [HEADER + 'x,CPT,99213-25,\n', 'e.csv:2: code "99213-25" is not a CPT code'],
    [HEADER + 'x,LOINC,4548,\n', 'e.csv:2: code "4548" is not a LOINC code'],
    [HEADER + 'x,CPT,99213,"open\n\n', 'e.csv:2: unterminated quoted field'],
    [HEADER + 'x,CPT,99213,"a"b\n', 'e.csv:2: unexpected text after a closing quote'],
    [HEADER + 'x,CPT,99213,20" seat\n', 'e.csv:2: quote inside an unquoted field'],
    [HEADER + 'x,CPT,99213,"two\nlines"\nx,SNOMED,E11,\n', 'e.csv:4: code "E11" is not a SNOMEDCT code'],
  ])('rejects %j with a file:line error', (text, message) => {
    const err = errorOf(() => parseValueSetCsv(text, 'e.csv'));
    expect(err.message).toContain(message);
    expect(err.file).toBe('e.csv');
    expect(err.code).toBe('VALUE_SET_INVALID');
  });
});

describe('code systems', () => {
  it.each([
    ['LN', 'LOINC'],
    ['loinc', 'LOINC'],
    ['C4', 'CPT'],
    ['CPT4', 'CPT'],
    ['CPT-4', 'CPT'],
    ['HCPC', 'HCPCS'],
    ['I10', 'ICD10CM'],
    ['I10C', 'ICD10CM'],
    ['ICD10', 'ICD10CM'],
    ['ICD-10-CM', 'ICD10CM'],
    ['I10P', 'ICD10PCS'],
    ['ICD-10-PCS', 'ICD10PCS'],
    ['SCT', 'SNOMEDCT'],
    ['SNM', 'SNOMEDCT'],
    ['SNOMED CT', 'SNOMEDCT'],
    ['CVX', 'CVX'],
    ['POS', 'POS'],
    ['CLAIMTYPE', 'CLAIMTYPE'],
    ['PATIENTCLASS', 'PATIENTCLASS'],
    ['2.16.840.1.113883.6.1', 'LOINC'],
    ['urn:oid:2.16.840.1.113883.6.12', 'CPT'],
    ['2.16.840.1.113883.6.285', 'HCPCS'],
    ['2.16.840.1.113883.6.90', 'ICD10CM'],
    ['2.16.840.1.113883.6.4', 'ICD10PCS'],
    ['2.16.840.1.113883.6.96', 'SNOMEDCT'],
    ['http://www.ama-assn.org/go/cpt', 'CPT'],
    ['https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', 'HCPCS'],
    ['http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', 'HCPCS'],
    ['http://www.nlm.nih.gov/research/umls/hcpcs', 'HCPCS'],
    ['http://loinc.org', 'LOINC'],
    ['http://hl7.org/fhir/sid/icd-10-cm', 'ICD10CM'],
    ['http://www.cms.gov/Medicare/Coding/ICD10', 'ICD10PCS'],
    ['http://snomed.info/sct/', 'SNOMEDCT'],
    ['http://hl7.org/fhir/sid/cvx', 'CVX'],
  ] as const)('%s is %s', (name, system) => {
    expect(codeSystemOf(name)).toBe(system);
  });

  it.each([
    null,
    '',
    '  ',
    'RXNORM',
    '2.16.840.1.113883.6.88',
    'http://www.nlm.nih.gov/research/umls/rxnorm',
  ])('%j is unknown', (name) => {
    expect(codeSystemOf(name)).toBeNull();
  });

  it('normalizes codes: trim, upper case, ICD-10 without dots', () => {
    expect(normalizeCode('ICD10CM', ' z90.13 ')).toBe('Z9013');
    expect(normalizeCode('ICD10PCS', '0dte0zz')).toBe('0DTE0ZZ');
    expect(normalizeCode('CPT', '3044f')).toBe('3044F');
    expect(normalizeCode('LOINC', ' 4548-4')).toBe('4548-4');
  });

  it('tells HCPCS from CPT on claim lines by the first character', () => {
    expect(claimProcedureSystem('G0439')).toBe('HCPCS');
    expect(claimProcedureSystem(' q0091')).toBe('HCPCS');
    expect(claimProcedureSystem('99213')).toBe('CPT');
    expect(claimProcedureSystem('3044F')).toBe('CPT');
    expect(claimProcedureSystem('0001U')).toBe('CPT');
  });
});

describe('parseFhirValueSet', () => {
  const expansion = {
    resourceType: 'ValueSet',
    id: 'made-up',
    url: 'http://example.org/fhir/ValueSet/2.16.840.1.999.1',
    identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:oid:2.16.840.1.999.1' }],
    title: 'Example Screening',
    expansion: {
      contains: [
        { system: 'http://loinc.org', code: '24606-6', display: 'MG Breast Screening' },
        {
          abstract: true,
          display: 'grouping node without a code',
          contains: [
            { system: 'http://www.ama-assn.org/go/cpt', code: '77067' },
            { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'Z12.31', display: 'Screening mammogram' },
          ],
        },
        { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '123' },
        { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '456' },
        { system: 'http://loinc.org', code: '24606-6' },
      ],
    },
    compose: { include: [{ system: 'http://loinc.org', concept: [{ code: '1-8' }] }] },
  };

  it('reads expansion.contains recursively, skipping and counting unknown systems', () => {
    const { valueSet, skipped } = readFhirValueSet(expansion, '/d/screening.json');
    expect(valueSet).toEqual({
      id: '2.16.840.1.999.1',
      oid: '2.16.840.1.999.1',
      name: 'Example Screening',
      source: 'screening.json',
      codes: [
        { system: 'LOINC', code: '24606-6', display: 'MG Breast Screening' },
        { system: 'CPT', code: '77067', display: null },
        { system: 'ICD10CM', code: 'Z1231', display: 'Screening mammogram' },
      ],
    });
    expect(skipped).toEqual({ 'http://www.nlm.nih.gov/research/umls/rxnorm': 2 });
  });

  it('reads compose.include concepts minus compose.exclude when there is no expansion', () => {
    const vs = parseFhirValueSet(
      {
        resourceType: 'ValueSet',
        url: 'http://example.org/fhir/ValueSet/local-htn',
        name: 'LocalHtn',
        compose: {
          include: [
            { system: 'http://hl7.org/fhir/sid/icd-10-cm', concept: [{ code: 'I10' }, { code: 'I15.0' }] },
            {
              system: 'http://snomed.info/sct',
              concept: [{ code: '59621000', display: 'Essential hypertension' }],
            },
          ],
          exclude: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', concept: [{ code: 'I150' }] }],
        },
      },
      'htn.json',
    );
    expect(vs.id).toBe('local-htn');
    // No OID anywhere: the canonical url stands in.
    expect(vs.oid).toBe('http://example.org/fhir/ValueSet/local-htn');
    expect(vs.name).toBe('LocalHtn');
    expect(vs.codes.map((c) => `${c.system}|${c.code}`)).toEqual(['ICD10CM|I10', 'SNOMEDCT|59621000']);
  });

  it('takes an explicit id and finds a bare OID identifier', () => {
    const vs = parseFhirValueSet(
      {
        resourceType: 'ValueSet',
        identifier: [{ value: '2.16.840.1.999.2' }],
        expansion: { contains: [{ system: 'http://loinc.org', code: '4548-4' }] },
      },
      'a1c.json',
      'hba1c-lab',
    );
    expect(vs.id).toBe('hba1c-lab');
    expect(vs.oid).toBe('2.16.840.1.999.2');
  });

  it.each([
    [{ resourceType: 'Bundle' }, 'f.json: not a FHIR ValueSet resource'],
    [[], 'f.json: not a FHIR ValueSet resource'],
    [{ resourceType: 'ValueSet', expansion: { contains: [] } }, 'neither url nor id'],
    [
      {
        resourceType: 'ValueSet',
        url: 'http://x/ValueSet/f',
        compose: { include: [{ valueSet: ['http://x/v'] }] },
      },
      'ValueSet f lists no codes',
    ],
    [
      {
        resourceType: 'ValueSet',
        id: 'f',
        expansion: { contains: [{ system: 'http://loinc.org', code: ' ' }] },
      },
      'f.json: expansion.contains[0]: empty code',
    ],
    [
      {
        resourceType: 'ValueSet',
        id: 'f',
        expansion: {
          contains: [{ contains: [{ system: 'http://www.ama-assn.org/go/cpt', code: 'G0439' }] }],
        },
      },
      'f.json: expansion.contains[0].contains[0]: code "G0439" is not a CPT code',
    ],
  ])('rejects %j', (json, message) => {
    expect(errorOf(() => parseFhirValueSet(json, 'f.json')).message).toContain(message);
  });
});

describe('buildValueSetIndex', () => {
  const set = (id: string, codes: [ValueSet['codes'][number]['system'], string][]): ValueSet => ({
    id,
    oid: null,
    name: id,
    source: 'test',
    codes: codes.map(([system, code]) => ({ system, code })),
  });

  it('answers which sets hold a code, by system', () => {
    const index = buildValueSetIndex([
      set('preventive-care', [
        ['HCPCS', 'G0439'],
        ['CPT', '99397'],
      ]),
      set('annual-wellness-visit', [
        ['HCPCS', 'G0439'],
        ['HCPCS', 'G0439'],
      ]),
      set('office-visit', [['CPT', '99213']]),
    ]);
    expect(index.setsOf('HCPCS', 'G0439')).toEqual(['annual-wellness-visit', 'preventive-care']);
    expect(index.setsOf('CPT', '99213')).toEqual(['office-visit']);
    // Same code, other system: no match.
    expect(index.setsOf('LOINC', '99213')).toEqual([]);
    expect(index.ids()).toEqual(['annual-wellness-visit', 'office-visit', 'preventive-care']);
    expect(index.has('office-visit')).toBe(true);
    expect(index.has('mammography')).toBe(false);
    expect(index.get('office-visit')?.codes).toHaveLength(1);
    expect(index.get('mammography')).toBeUndefined();
  });

  it('returns frozen arrays, and one shared empty array when no set holds the code', () => {
    const index = buildValueSetIndex([set('a', [['CPT', '99213']])]);
    const none = index.setsOf('CPT', '00000');
    expect(none).toHaveLength(0);
    expect(index.setsOf('LOINC', '1-8')).toBe(none);
    expect(Object.isFrozen(none)).toBe(true);
    expect(Object.isFrozen(index.setsOf('CPT', '99213'))).toBe(true);
  });

  it('lets a later set with the same id replace the earlier one', () => {
    const index = buildValueSetIndex([set('a', [['CPT', '99213']]), set('a', [['CPT', '99214']])]);
    expect(index.setsOf('CPT', '99213')).toEqual([]);
    expect(index.setsOf('CPT', '99214')).toEqual(['a']);
  });
});

describe('loadValueSets', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'gapstream-vs-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('reads CSV and FHIR JSON files; a later directory replaces same-id sets', async () => {
    const starter = await tempDir();
    const org = await tempDir();
    await writeFile(join(starter, 'mammography.csv'), HEADER + 'mammography,CPT,77067,\n');
    await writeFile(
      join(starter, 'encounters.csv'),
      HEADER + 'office-visit,CPT,99213,\ntelephone-visit,CPT,98966,\n',
    );
    await writeFile(join(starter, 'README.txt'), 'not a value set');
    await writeFile(
      join(starter, 'ValueSet-2.16.840.1.999.3.json'),
      JSON.stringify({
        resourceType: 'ValueSet',
        url: 'http://example.org/ValueSet/2.16.840.1.999.3',
        expansion: {
          contains: [
            { system: 'http://loinc.org', code: '4548-4' },
            { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1' },
          ],
        },
      }),
    );
    // The organization's own mammography set (e.g. its licensed list) replaces the starter one.
    await writeFile(
      join(org, 'mammography.json'),
      JSON.stringify({
        resourceType: 'ValueSet',
        url: 'http://example.org/ValueSet/org-mammo',
        expansion: { contains: [{ system: 'http://www.ama-assn.org/go/cpt', code: '77063' }] },
      }),
    );
    const index = await loadValueSets([starter, org]);
    expect(index.ids()).toEqual(['2.16.840.1.999.3', 'mammography', 'office-visit', 'telephone-visit']);
    expect(index.setsOf('CPT', '77067')).toEqual([]);
    expect(index.setsOf('CPT', '77063')).toEqual(['mammography']);
    expect(index.get('mammography')?.source).toBe('mammography.json');
    expect(index.setsOf('LOINC', '4548-4')).toEqual(['2.16.840.1.999.3']);
    expect(index.files.map((f) => basename(f))).toEqual([
      'ValueSet-2.16.840.1.999.3.json',
      'encounters.csv',
      'mammography.csv',
      'mammography.json',
    ]);
    expect(index.skipped).toEqual([
      {
        file: join(starter, 'ValueSet-2.16.840.1.999.3.json'),
        system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
        count: 1,
      },
    ]);
  });

  it('reads a FHIR Bundle of ValueSets', async () => {
    const dir = await tempDir();
    const vs = (id: string, code: string): unknown => ({
      resource: {
        resourceType: 'ValueSet',
        url: `http://example.org/ValueSet/${id}`,
        expansion: { contains: [{ system: 'http://loinc.org', code }] },
      },
    });
    await writeFile(
      join(dir, 'bundle.json'),
      JSON.stringify({ resourceType: 'Bundle', entry: [vs('sys', '8480-6'), vs('dia', '8462-4')] }),
    );
    const index = await loadValueSets([dir]);
    expect(index.ids()).toEqual(['dia', 'sys']);
  });

  it('refuses the same id twice in one directory, a missing directory and bad JSON', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.csv'), HEADER + 'x,CPT,99213,\n');
    await writeFile(join(dir, 'b.csv'), HEADER + 'x,CPT,99214,\n');
    await expect(loadValueSets([dir])).rejects.toThrow(/b\.csv: value set "x" is also defined in a\.csv/);
    await expect(loadValueSets([join(dir, 'nope')])).rejects.toThrow(/value set directory not found/);
    const bad = await tempDir();
    await mkdir(join(bad, 'sub'));
    await writeFile(join(bad, 'broken.json'), '{');
    await expect(loadValueSets([bad])).rejects.toThrow(/broken\.json: invalid JSON/);
  });
});

// ---------------------------------------------------------------------------------------------
// The starter value sets shipped in contracts/value-sets

const STARTER_DIR = resolve(import.meta.dirname, '../../contracts/value-sets');

/** Every id the shipped measure specs and contracts may reference. */
const REQUIRED_IDS = [
  // encounters
  'office-visit',
  'preventive-care',
  'home-healthcare',
  'telephone-visit',
  'online-assessment',
  'annual-wellness-visit',
  'nursing-facility-visit',
  'primary-care-services',
  // numerators
  'mammography',
  'colonoscopy',
  'flexible-sigmoidoscopy',
  'ct-colonography',
  'fobt',
  'sdna-fit',
  'cervical-cytology',
  'hpv-test',
  'hba1c-lab',
  'hba1c-cpt2',
  'systolic-bp',
  'diastolic-bp',
  // denominator diagnoses
  'essential-hypertension',
  'diabetes',
  // exclusions
  'hospice-encounter',
  'hospice-claim',
  'palliative-care',
  'frailty',
  'advanced-illness',
  'long-term-care',
  'bilateral-mastectomy',
  'mastectomy-left',
  'mastectomy-right',
  'total-colectomy',
  'colorectal-cancer',
  'hysterectomy-no-cervix',
  'esrd-dialysis',
  'pregnancy',
];

describe('starter value sets (contracts/value-sets)', () => {
  it('every CSV parses, is named after the one set it holds, and ships no CPT descriptor', async () => {
    const files = (await readdir(STARTER_DIR)).filter((f) => f.endsWith('.csv')).sort();
    expect(files.length).toBeGreaterThanOrEqual(REQUIRED_IDS.length);
    for (const name of files) {
      const text = await readFile(join(STARTER_DIR, name), 'utf8');
      expect(text.split('\n')[0], name).toBe('value_set_id,code_system,code,display');
      const sets = parseValueSetCsv(text, name);
      expect(sets.map((s) => s.id)).toEqual([basename(name, '.csv')]);
      const codes = sets[0]!.codes;
      expect(codes.length, name).toBeGreaterThan(0);
      // CPT descriptors are AMA-licensed text: the display column stays empty for CPT.
      expect(
        codes.filter((c) => c.system === 'CPT' && c.display !== null),
        name,
      ).toEqual([]);
      // Codes are stored already normalized (no ICD-10 dots, upper case), so the file reads as the index.
      const rows = text.trim().split('\n').slice(1);
      expect(rows.length, `${name}: duplicate rows`).toBe(codes.length);
      const raw = new Set(rows.map((r) => r.split(',').slice(1, 3).join('|')));
      expect(
        codes.filter((c) => !raw.has(`${c.system}|${c.code}`)),
        name,
      ).toEqual([]);
    }
  });

  it('holds every required id', async () => {
    const index = await loadValueSets([STARTER_DIR]);
    for (const id of REQUIRED_IDS) expect(index.has(id), id).toBe(true);
    expect(index.skipped).toEqual([]);
  });

  it('answers the lookups the measures depend on', async () => {
    const index = await loadValueSets([STARTER_DIR]);
    expect(index.setsOf('HCPCS', 'G0439')).toEqual(
      expect.arrayContaining(['annual-wellness-visit', 'preventive-care', 'primary-care-services']),
    );
    expect(index.setsOf('LOINC', '4548-4')).toEqual(['hba1c-lab']);
    expect(index.setsOf('CPT', '3046F')).toEqual(['hba1c-cpt2']);
    expect(index.setsOf('ICD10CM', 'E119')).toEqual(['diabetes']);
    expect(index.setsOf('ICD10CM', 'Z9013')).toEqual(['bilateral-mastectomy']);
    expect(index.setsOf('CLAIMTYPE', '50')).toEqual(['hospice-claim']);
    expect(index.setsOf('POS', '32')).toEqual(['long-term-care', 'nursing-facility-visit']);
  });
});
