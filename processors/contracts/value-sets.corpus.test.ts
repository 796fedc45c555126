// The public eCQM value-set expansions (../shared/data/measures, VSAC expansions packaged with
// cqframework/ecqm-content-qicore-2024, read in place): each parses with the FHIR reader, and the
// starter CSVs that mirror one of them hold exactly its codes plus an explicit list of additions.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA, sharedFiles } from '../../tests/support/shared-data.ts';
import type { CodeSystem } from './types.ts';
import { loadValueSets, readFhirValueSet, type FhirValueSetRead, type ValueSetIndex } from './value-sets.ts';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
/** eCQM sets made only of RxNorm codes (no RxNorm in gapstream's code systems: medications are not facts). */
const RXNORM_ONLY = ['2.16.840.1.113883.3.464.1003.196.12.1510']; // Dementia Medications

/** Every FHIR ValueSet resource under measures/, by OID. */
function ecqmValueSets(): Map<string, { file: string; read: FhirValueSetRead }> {
  const out = new Map<string, { file: string; read: FhirValueSetRead }>();
  for (const path of sharedFiles('measures')) {
    if (!path.endsWith('.json')) continue;
    const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if ((json as { resourceType?: unknown }).resourceType !== 'ValueSet') continue;
    const file = relative(SHARED_DATA, path);
    const read = readFhirValueSet(json, file);
    out.set(read.valueSet.oid ?? read.valueSet.id, { file, read });
  }
  return out;
}

/** `CPT 77061 77062` style lists: one system, codes separated by spaces. */
function codes(system: CodeSystem, list: string): string[] {
  return list
    .trim()
    .split(/\s+/)
    .map((c) => `${system}|${c}`);
}

interface Mirror {
  /** Our starter set. */
  id: string;
  /** The eCQM value sets it follows (all their codes, or only those of `systems`). */
  sources: { oid: string; systems?: CodeSystem[] }[];
  /** Our codes the sources do not carry, each group with the reason. */
  additions?: string[];
  /** Source codes deliberately left out. */
  omitted?: string[];
}

const OID = '2.16.840.1.113883.3.464.1003.';

const MIRRORS: Mirror[] = [
  { id: 'office-visit', sources: [{ oid: `${OID}101.12.1001` }] },
  {
    id: 'preventive-care',
    sources: [
      { oid: `${OID}101.12.1023` },
      { oid: `${OID}101.12.1025` },
      { oid: '2.16.840.1.113883.3.526.3.1240', systems: ['HCPCS'] },
    ],
    // Preventive medicine visits under 18 (eCQM keeps them in separate 0-17 sets, not shipped here).
    additions: codes('CPT', '99381 99382 99383 99384 99391 99392 99393 99394'),
  },
  { id: 'home-healthcare', sources: [{ oid: `${OID}101.12.1016` }] },
  { id: 'telephone-visit', sources: [{ oid: `${OID}101.12.1080` }] },
  { id: 'online-assessment', sources: [{ oid: `${OID}101.12.1089` }] },
  {
    id: 'annual-wellness-visit',
    sources: [{ oid: '2.16.840.1.113883.3.526.3.1240' }],
    // General "healthy individual" evaluations and "annual visit": preventive visits, not the AWV.
    omitted: codes('SNOMEDCT', '86013001 866149003 90526000'),
  },
  {
    id: 'mammography',
    sources: [{ oid: `${OID}108.12.1018` }],
    // Claims codes (the eCQM set is LOINC-only): digital mammography and tomosynthesis CPT, legacy HCPCS.
    additions: [
      ...codes('CPT', '77061 77062 77063 77065 77066 77067'),
      ...codes('HCPCS', 'G0202 G0204 G0206'),
    ],
  },
  { id: 'colonoscopy', sources: [{ oid: `${OID}108.12.1020` }] },
  { id: 'flexible-sigmoidoscopy', sources: [{ oid: `${OID}198.12.1010` }] },
  {
    id: 'ct-colonography',
    sources: [{ oid: `${OID}108.12.1038` }],
    additions: codes('CPT', '74261 74262 74263'), // CT colonography claims codes
  },
  {
    id: 'fobt',
    sources: [{ oid: `${OID}198.12.1011` }],
    additions: [...codes('CPT', '82270 82274'), ...codes('HCPCS', 'G0328')], // gFOBT / FIT claims codes
  },
  {
    id: 'sdna-fit',
    sources: [{ oid: `${OID}108.12.1039` }],
    additions: codes('CPT', '81528'), // multitarget stool DNA claims code
  },
  {
    id: 'hba1c-lab',
    sources: [{ oid: `${OID}198.12.1013` }],
    // HbA1c lab claims codes; GMI (LOINC 97506-0) is a direct code of CMS122's Glycemic Status Assessment.
    additions: [...codes('CPT', '83036 83037'), ...codes('LOINC', '97506-0')],
  },
  { id: 'essential-hypertension', sources: [{ oid: `${OID}104.12.1011` }] },
  { id: 'diabetes', sources: [{ oid: `${OID}103.12.1001` }] },
  {
    id: 'hospice-encounter',
    sources: [{ oid: `${OID}1003` }, { oid: '2.16.840.1.113883.3.526.3.1584' }, { oid: `${OID}1165` }],
    // Hospice care at home, in assisted living, place not otherwise specified (CMS HCPCS Q5001-Q5010 family).
    // The Hospice library's direct codes (discharge to home / to a facility for hospice care),
    // missing here made 9 eCQM test cases disagree (tests/measures, docs/ecqm-agreement.md).
    additions: [
      ...codes('HCPCS', 'Q5001 Q5002 Q5009'),
      ...codes('SNOMEDCT', '428361000124107 428371000124100'),
    ],
  },
  {
    id: 'palliative-care',
    sources: [{ oid: `${OID}1167` }, { oid: `${OID}101.12.1090` }, { oid: `${OID}198.12.1135` }],
    // The PalliativeCare library's direct code (FACIT-Pal assessment).
    additions: codes('LOINC', '71007-9'),
  },
  {
    id: 'frailty',
    sources: [
      { oid: `${OID}113.12.1074` }, // Frailty Diagnosis
      { oid: `${OID}113.12.1075` }, // Frailty Symptom
      { oid: `${OID}118.12.1300` }, // Frailty Device (SNOMED CT only)
      { oid: `${OID}101.12.1088` }, // Frailty Encounter
    ],
    // Claims-side frailty devices: CMS HCPCS DME codes for the device kinds of the eCQM Frailty
    // Device set (canes, walkers, commodes, hospital beds, home oxygen, ventilators and bi-level
    // devices, PAP humidifiers, wheelchairs, power operated vehicles).
    additions: codes(
      'HCPCS',
      `E0100 E0105 E0130 E0135 E0140 E0141 E0143 E0144 E0147 E0148 E0149
       E0163 E0165 E0167 E0168 E0170 E0171
       E0250 E0251 E0255 E0256 E0260 E0261 E0265 E0266 E0270 E0290 E0291 E0292 E0293 E0294 E0295 E0296 E0297
       E0301 E0302 E0303 E0304
       E0424 E0425 E0430 E0431 E0433 E0434 E0435 E0439 E0440 E0441 E0442 E0443 E0444
       E0462 E0465 E0466 E0470 E0471 E0472 E0561 E0562
       E1130 E1140 E1150 E1160 E1161 E1240 E1250 E1260 E1270 E1280 E1285 E1290 E1295
       K0001 K0002 K0003 K0004 K0005 K0006 K0007 K0800 K0801 K0802 K0806 K0807 K0808 K0812`,
    ),
  },
  { id: 'advanced-illness', sources: [{ oid: `${OID}110.12.1082` }] },
  { id: 'bilateral-mastectomy', sources: [{ oid: `${OID}198.12.1005` }, { oid: `${OID}198.12.1068` }] },
  { id: 'mastectomy-left', sources: [{ oid: `${OID}198.12.1069` }, { oid: `${OID}198.12.1133` }] },
  { id: 'mastectomy-right', sources: [{ oid: `${OID}198.12.1070` }, { oid: `${OID}198.12.1134` }] },
  { id: 'total-colectomy', sources: [{ oid: `${OID}198.12.1019` }] },
  { id: 'colorectal-cancer', sources: [{ oid: `${OID}108.12.1001` }] },
  {
    id: 'esrd-dialysis',
    sources: [
      { oid: '2.16.840.1.113883.3.526.3.353' }, // End Stage Renal Disease
      { oid: '2.16.840.1.113883.3.526.3.1002' }, // Chronic Kidney Disease, Stage 5
      { oid: `${OID}109.12.1029` }, // Kidney Transplant Recipient
      { oid: `${OID}109.12.1013` }, // Dialysis Services
      { oid: `${OID}109.12.1014` }, // ESRD Monthly Outpatient Services
      { oid: `${OID}109.12.1012` }, // Kidney Transplant
    ],
    // Claims diagnoses of maintenance dialysis: dependence on dialysis, dialysis catheter and adequacy encounters.
    additions: codes('ICD10CM', 'Z992 Z4901 Z4902 Z4931 Z4932'),
  },
  { id: 'pregnancy', sources: [{ oid: '2.16.840.1.113883.3.526.3.378' }] },
];

describe('corpus: eCQM value-set expansions', () => {
  const sets = ecqmValueSets();

  it('every FHIR ValueSet under measures/ parses, with codes in modelled systems', () => {
    expect(sets.size).toBeGreaterThanOrEqual(46);
    const rxnormOnly: string[] = [];
    for (const [oid, { file, read }] of sets) {
      // Only RxNorm may be skipped: every other system eCQM uses must map to a CodeSystem.
      expect(
        Object.keys(read.skipped).filter((s) => s !== RXNORM),
        file,
      ).toEqual([]);
      if (read.valueSet.codes.length === 0) rxnormOnly.push(oid);
      expect(read.valueSet.codes.length + (read.skipped[RXNORM] ?? 0), file).toBeGreaterThan(0);
    }
    expect(rxnormOnly).toEqual(RXNORM_ONLY);
  });

  it('reads the VSAC HCPCS system and ICD-10 codes without dots', () => {
    const hospice = sets.get(`${OID}1003`)!.read.valueSet;
    expect(hospice.codes.filter((c) => c.system === 'HCPCS').length).toBeGreaterThan(10);
    const history = sets.get(`${OID}198.12.1068`)!.read.valueSet;
    expect(history.codes).toContainEqual({
      system: 'ICD10CM',
      code: 'Z9013',
      display: 'Acquired absence of bilateral breasts and nipples',
    });
  });
});

describe('corpus: starter value sets mirror the eCQM sets they follow', () => {
  const sets = ecqmValueSets();
  let starter: ValueSetIndex;
  beforeAll(async () => {
    starter = await loadValueSets([resolve(import.meta.dirname, '../../contracts/value-sets')]);
  });

  it.each(MIRRORS)('$id', (mirror) => {
    const source = new Set<string>();
    for (const { oid, systems } of mirror.sources) {
      const vs = sets.get(oid);
      expect(vs, `${oid} not found under measures/`).toBeDefined();
      for (const c of vs!.read.valueSet.codes)
        if (systems === undefined || systems.includes(c.system)) source.add(`${c.system}|${c.code}`);
    }
    const ours = new Set(starter.get(mirror.id)!.codes.map((c) => `${c.system}|${c.code}`));
    const additions = new Set(mirror.additions ?? []);
    const omitted = new Set(mirror.omitted ?? []);
    // Every code of ours is the eCQM set's or a listed addition ...
    expect([...ours].filter((k) => !source.has(k) && !additions.has(k))).toEqual([]);
    // ... every eCQM code is ours unless deliberately omitted ...
    expect([...source].filter((k) => !ours.has(k) && !omitted.has(k))).toEqual([]);
    // ... and the lists stay honest: additions are ours and not eCQM's, omissions are eCQM's.
    expect([...additions].filter((k) => !ours.has(k) || source.has(k))).toEqual([]);
    expect([...omitted].filter((k) => ours.has(k) || !source.has(k))).toEqual([]);
  });

  it('systolic-bp and diastolic-bp carry the LOINC codes CMS165 references directly', () => {
    const path = sharedFiles('measures').find((p) =>
      p.endsWith('Library-ControllingHighBloodPressureFHIR.json'),
    );
    expect(path).toBeDefined();
    const library = JSON.parse(readFileSync(path!, 'utf8')) as {
      extension?: { url: string; valueCoding?: { system: string; code: string } }[];
    };
    const direct = (library.extension ?? [])
      .filter(
        (e) => e.url.endsWith('/cqfm-directReferenceCode') && e.valueCoding?.system === 'http://loinc.org',
      )
      .map((e) => e.valueCoding!.code);
    for (const id of ['systolic-bp', 'diastolic-bp']) {
      const loinc = starter.get(id)!.codes.filter((c) => c.system === 'LOINC');
      expect(loinc.length).toBe(1);
      expect(direct).toContain(loinc[0]!.code);
    }
  });
});
