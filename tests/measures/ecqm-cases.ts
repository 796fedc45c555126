/**
 * The published eCQM test cases (cqframework/ecqm-content-qicore-2024, read in place from
 * ../shared/data/measures/ecqm-content-qicore-2024, see SOURCES.tsv): discovery, expected
 * results, and the value sets of the eCQMs mapped onto the ids our measure specs use.
 *
 * Layout per measure directory `CMSnnn_<Name>FHIR/`: `Measure-*.json`, `Library-*.json` (CQL in
 * base64) and `tests/`, where each test patient is exported twice — once as a folder
 * `tests/<patient id>/` (resource ids `Encounter-1`, ...) and once as flat files
 * `tests/<Type>-<uuid>.json` (same resources, fresh ids, plus a `Group` of all test patients).
 * `tests/README.txt` names the cases (`<uuid> = DENEXPass HospiceEncDuringMP`). A case is one
 * patient; both copies are kept so the suite can check they convert alike.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { GapStatus, IsoDate, ValueSet, ValueSetCode } from '../../processors/contracts/types.ts';
import {
  buildValueSetIndex,
  normalizeCode,
  parseFhirValueSet,
  type ValueSetIndex,
} from '../../processors/contracts/value-sets.ts';
import { patientOf, type FhirResource } from './fhir-facts.ts';

/** Our measure id → the eCQM measure directory. */
export const ECQM_MEASURES = {
  CMS122: 'CMS122_DiabetesGlycemicStatusAssessmentGreaterThan9PercentFHIR',
  CMS125: 'CMS125_BreastCancerScreeningFHIR',
  CMS130: 'CMS130_ColonCancerScreeningFHIR',
  CMS165: 'CMS165_ControllingHighBloodPressureFHIR',
} as const;
export type EcqmMeasureId = keyof typeof ECQM_MEASURES;

/**
 * Scoring direction per measure, from the CQL: CMS122's numerator is poor control (HbA1c > 9%
 * or none), so meeting it is the gap. Not taken from the Measure resources: all four exports
 * carry `cqfm-improvementNotation` with code `decrease` and display `increase`.
 */
export const ECQM_SCORING: Readonly<Record<EcqmMeasureId, 'proportion' | 'inverse'>> = {
  CMS122: 'inverse',
  CMS125: 'proportion',
  CMS130: 'proportion',
  CMS165: 'proportion',
};

export const ECQM_ROOT_SUBDIR = 'measures/ecqm-content-qicore-2024';

export interface PopulationCounts {
  initialPopulation: number;
  denominator: number;
  denominatorExclusion: number;
  numerator: number;
  /** Absent from these four measures; null when the report has no such population. */
  denominatorException: number | null;
}

/** One export of a test patient: its files and resources. */
export interface CaseCopy {
  layout: 'folder' | 'flat';
  files: string[];
  resources: FhirResource[];
}

export interface EcqmTestCase {
  measure: EcqmMeasureId;
  /** The test patient's id (Patient.id, also the folder name and the README key). */
  id: string;
  /** README name, e.g. `DENEXPass HospiceEncDuringMP`; null when the README lacks it. */
  name: string | null;
  /** cqfm-testCaseDescription of the MeasureReport. */
  description: string | null;
  /** MeasureReport.period. */
  period: { start: IsoDate; end: IsoDate };
  expected: PopulationCounts;
  /** The gapstream status the counts stand for (see expectedStatus). */
  expectedStatus: GapStatus;
  /** The folder copy first when there is one. */
  copies: CaseCopy[];
}

export interface EcqmMeasure {
  id: EcqmMeasureId;
  dir: string;
  url: string;
  version: string;
  /** cqfm-improvementNotation as exported (code and display; unreliable, see ECQM_SCORING). */
  improvementNotation: { code: string | null; display: string | null };
  /** Measure.effectivePeriod. */
  effectivePeriod: { start: IsoDate; end: IsoDate } | null;
  /** CQL of the measure's main library, decoded. */
  cql: string;
  cases: EcqmTestCase[];
}

// ---------------------------------------------------------------------------------------------
// Reading

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function readJson(file: string): Json {
  const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isObject(v) || typeof v['resourceType'] !== 'string') throw new Error(`${file}: not a FHIR resource`);
  return v;
}

function asResource(v: Json): FhirResource {
  return v as FhirResource;
}

/** README.txt lines `<uuid> = <name>`. */
function readmeNames(testsDir: string): Map<string, string> {
  const out = new Map<string, string>();
  let text = '';
  try {
    text = readFileSync(join(testsDir, 'README.txt'), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([0-9a-f-]{36})\s*=\s*(.+?)\s*$/i.exec(line);
    if (m) out.set(m[1]!.toLowerCase(), m[2]!);
  }
  return out;
}

const POPULATION_KEYS: Record<string, keyof PopulationCounts> = {
  'initial-population': 'initialPopulation',
  denominator: 'denominator',
  'denominator-exclusion': 'denominatorExclusion',
  numerator: 'numerator',
  'denominator-exception': 'denominatorException',
};

/** group[0].population counts of an individual MeasureReport. */
export function populationCounts(report: Json, file: string): PopulationCounts {
  const groups = arr(report['group']).filter(isObject);
  if (groups.length !== 1) throw new Error(`${file}: expected one group, found ${groups.length}`);
  const counts: Partial<Record<keyof PopulationCounts, number>> = {};
  for (const p of arr(groups[0]!['population']).filter(isObject)) {
    const code = arr(isObject(p['code']) ? p['code']['coding'] : undefined)
      .filter(isObject)
      .map((c) => c['code'])
      .find((c): c is string => typeof c === 'string');
    const key = code === undefined ? undefined : POPULATION_KEYS[code];
    if (key !== undefined && typeof p['count'] === 'number') counts[key] = p['count'];
  }
  for (const k of ['initialPopulation', 'denominator', 'denominatorExclusion', 'numerator'] as const)
    if (counts[k] === undefined) throw new Error(`${file}: no ${k} count`);
  return {
    initialPopulation: counts.initialPopulation!,
    denominator: counts.denominator!,
    denominatorExclusion: counts.denominatorExclusion!,
    numerator: counts.numerator!,
    denominatorException: counts.denominatorException ?? null,
  };
}

/**
 * The gapstream status the eCQM counts stand for: outside the initial population or the
 * denominator → not-in-denominator; a denominator exclusion (or exception: gapstream has none)
 * → excluded; otherwise the numerator decides — closed when met for proportion measures, and
 * for inverse ones (CMS122, numerator = poor control) open when met.
 */
export function expectedStatus(c: PopulationCounts, scoring: 'proportion' | 'inverse'): GapStatus {
  if (c.initialPopulation === 0 || c.denominator === 0) return 'not-in-denominator';
  if (c.denominatorExclusion > 0 || (c.denominatorException ?? 0) > 0) return 'excluded';
  const met = c.numerator > 0;
  return scoring === 'proportion' ? (met ? 'closed' : 'open') : met ? 'open' : 'closed';
}

/** The test patient of an individual MeasureReport (cqfm input parameter `subject`, else subject). */
function reportSubject(report: Json, file: string): string {
  for (const c of arr(report['contained']).filter(isObject)) {
    for (const p of arr(c['parameter']).filter(isObject))
      if (p['name'] === 'subject' && typeof p['valueString'] === 'string') return p['valueString'];
  }
  const ref = isObject(report['subject']) ? report['subject']['reference'] : undefined;
  const m = typeof ref === 'string' ? /Patient\/([^/]+)$/.exec(ref) : null;
  if (m) return m[1]!;
  throw new Error(`${file}: MeasureReport names no subject`);
}

function reportPeriod(report: Json, file: string): { start: IsoDate; end: IsoDate } {
  const p = report['period'];
  if (!isObject(p) || typeof p['start'] !== 'string' || typeof p['end'] !== 'string')
    throw new Error(`${file}: MeasureReport without a period`);
  return { start: p['start'].slice(0, 10), end: p['end'].slice(0, 10) };
}

function description(report: Json): string | null {
  for (const e of arr(report['extension']).filter(isObject))
    if (String(e['url']).endsWith('cqfm-testCaseDescription') && typeof e['valueMarkdown'] === 'string')
      return e['valueMarkdown'].trim();
  return null;
}

/** Medications and other subject-less resources a copy's resources point at (`Type/id`). */
function referencedIds(resources: readonly FhirResource[]): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'reference' && typeof x === 'string') out.add(x.replace(/^.*\/([^/]+\/[^/]+)$/, '$1'));
        else walk(x);
      }
    }
  };
  resources.forEach(walk);
  return out;
}

interface Loaded {
  file: string;
  resource: Json;
}

function measureMeta(dir: string): Omit<EcqmMeasure, 'id' | 'dir' | 'cases'> {
  const names = readdirSync(dir);
  const measureFile = names.find((n) => /^Measure-.*\.json$/.test(n));
  const libraryFile = names.find((n) => /^Library-.*\.json$/.test(n));
  if (measureFile === undefined || libraryFile === undefined)
    throw new Error(`${dir}: no Measure or Library`);
  const m = readJson(join(dir, measureFile));
  const notation = arr(m['group'])
    .filter(isObject)
    .flatMap((g) => arr(g['extension']).filter(isObject))
    .filter((e) => String(e['url']).endsWith('cqfm-improvementNotation'))
    .concat(isObject(m['improvementNotation']) ? [{ valueCodeableConcept: m['improvementNotation'] }] : [])
    .flatMap((e) => (isObject(e['valueCodeableConcept']) ? arr(e['valueCodeableConcept']['coding']) : []))
    .find(isObject);
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const lib = readJson(join(dir, libraryFile));
  const cqlContent = arr(lib['content'])
    .filter(isObject)
    .find((c) => c['contentType'] === 'text/cql');
  const cql =
    cqlContent && typeof cqlContent['data'] === 'string'
      ? Buffer.from(cqlContent['data'], 'base64').toString('utf8')
      : '';
  const ep = m['effectivePeriod'];
  return {
    url: String(m['url']),
    version: String(m['version']),
    improvementNotation: { code: text(notation?.['code']), display: text(notation?.['display']) },
    effectivePeriod:
      isObject(ep) && typeof ep['start'] === 'string' && typeof ep['end'] === 'string'
        ? { start: ep['start'], end: ep['end'] }
        : null,
    cql,
  };
}

/** Every test case of one measure, folder copy first, in README/id order. */
export function loadEcqmMeasure(root: string, id: EcqmMeasureId): EcqmMeasure {
  const dir = join(root, ECQM_MEASURES[id]);
  const meta = measureMeta(dir);
  const scoring = ECQM_SCORING[id];
  const testsDir = join(dir, 'tests');
  const names = readmeNames(testsDir);
  const reports = new Map<string, { file: string; report: Json }>();
  const copies = new Map<string, CaseCopy[]>();

  const addCopy = (layout: CaseCopy['layout'], loaded: Loaded[]): void => {
    // Resources about the patient of each MeasureReport, plus what they reference (Medication).
    for (const r of loaded.filter((l) => l.resource['resourceType'] === 'MeasureReport')) {
      const subject = reportSubject(r.resource, r.file);
      if (!reports.has(subject)) reports.set(subject, { file: r.file, report: r.resource });
      const about = loaded.filter((l) => {
        const rt = l.resource['resourceType'];
        if (rt === 'MeasureReport' || rt === 'Group') return false;
        return patientOf(asResource(l.resource)) === subject;
      });
      const refs = referencedIds(about.map((l) => asResource(l.resource)));
      const extra = loaded.filter(
        (l) =>
          patientOf(asResource(l.resource)) === null &&
          l.resource['resourceType'] !== 'MeasureReport' &&
          l.resource['resourceType'] !== 'Group' &&
          refs.has(`${String(l.resource['resourceType'])}/${String(l.resource['id'])}`),
      );
      const chosen = [...about, ...extra];
      const list = copies.get(subject) ?? [];
      list.push({
        layout,
        files: chosen.map((l) => l.file),
        resources: chosen.map((l) => asResource(l.resource)),
      });
      copies.set(subject, list);
    }
  };

  const entries = readdirSync(testsDir).sort();
  for (const name of entries) {
    const path = join(testsDir, name);
    if (!statSync(path).isDirectory()) continue;
    const files = readdirSync(path)
      .filter((n) => n.endsWith('.json'))
      .sort()
      .map((n) => join(path, n));
    addCopy(
      'folder',
      files.map((file) => ({ file, resource: readJson(file) })),
    );
  }
  const flat = entries.filter((n) => n.endsWith('.json')).map((n) => join(testsDir, n));
  addCopy(
    'flat',
    flat.map((file) => ({ file, resource: readJson(file) })),
  );

  const cases: EcqmTestCase[] = [...reports.entries()]
    .map(([subject, { file, report }]) => {
      const expected = populationCounts(report, file);
      const list = (copies.get(subject) ?? []).sort((a, b) =>
        a.layout === b.layout ? 0 : a.layout === 'folder' ? -1 : 1,
      );
      return {
        measure: id,
        id: subject,
        name: names.get(subject.toLowerCase()) ?? null,
        description: description(report),
        period: reportPeriod(report, file),
        expected,
        expectedStatus: expectedStatus(expected, scoring),
        copies: list,
      };
    })
    .sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id) || a.id.localeCompare(b.id));
  return { id, dir, ...meta, cases };
}

// ---------------------------------------------------------------------------------------------
// eCQM value sets on our ids

const OID = '2.16.840.1.113883.3.464.1003.';

/**
 * Which published value sets (VSAC OIDs, expansions in `valuesets/`) and direct-reference codes
 * (CQL `code` declarations of the measures and their shared libraries) stand for each value-set
 * id our specs use. With this table the suite evaluates a second time on the official
 * expansions: our starter set of each id is replaced by the union of its eCQM sets.
 */
export const ECQM_VALUE_SET_MAP: Readonly<
  Record<string, { oids: string[]; codes?: ValueSetCode[]; note?: string }>
> = {
  // AdultOutpatientEncounters."Qualifying Encounters"
  'office-visit': { oids: [`${OID}101.12.1001`] },
  'preventive-care': {
    oids: [`${OID}101.12.1023`, `${OID}101.12.1025`],
    note: 'Preventive Care Services Initial/Established Office Visit, 18 and Up',
  },
  'home-healthcare': { oids: [`${OID}101.12.1016`] },
  'telephone-visit': { oids: [`${OID}101.12.1080`] },
  'online-assessment': { oids: [`${OID}101.12.1089`], note: 'Virtual Encounter' },
  'annual-wellness-visit': { oids: ['2.16.840.1.113883.3.526.3.1240'] },
  // CMS122
  diabetes: { oids: [`${OID}103.12.1001`] },
  'hba1c-lab': {
    oids: [`${OID}198.12.1013`],
    codes: [
      { system: 'LOINC', code: '97506-0', display: 'Glucose management indicator (CMS122 direct code)' },
    ],
  },
  // CMS125
  mammography: { oids: [`${OID}108.12.1018`] },
  'bilateral-mastectomy': {
    oids: [`${OID}198.12.1005`, `${OID}198.12.1068`],
    note: 'Bilateral Mastectomy (procedure) + History of bilateral mastectomy (diagnosis)',
  },
  'mastectomy-left': {
    oids: [`${OID}198.12.1069`, `${OID}198.12.1133`],
    note: 'Status Post Left Mastectomy + Unilateral Mastectomy Left',
  },
  'mastectomy-right': {
    oids: [`${OID}198.12.1070`, `${OID}198.12.1134`],
    note: 'Status Post Right Mastectomy + Unilateral Mastectomy Right',
  },
  // CMS130
  colonoscopy: { oids: [`${OID}108.12.1020`] },
  'flexible-sigmoidoscopy': { oids: [`${OID}198.12.1010`] },
  'ct-colonography': { oids: [`${OID}108.12.1038`] },
  'sdna-fit': { oids: [`${OID}108.12.1039`] },
  fobt: { oids: [`${OID}198.12.1011`] },
  'colorectal-cancer': { oids: [`${OID}108.12.1001`], note: 'Malignant Neoplasm of Colon' },
  'total-colectomy': { oids: [`${OID}198.12.1019`] },
  // CMS165
  'essential-hypertension': { oids: [`${OID}104.12.1011`] },
  'systolic-bp': {
    oids: [],
    codes: [{ system: 'LOINC', code: '8480-6', display: 'Systolic blood pressure (CMS165 direct code)' }],
  },
  'diastolic-bp': {
    oids: [],
    codes: [{ system: 'LOINC', code: '8462-4', display: 'Diastolic blood pressure (CMS165 direct code)' }],
  },
  'esrd-dialysis': {
    oids: [
      `${OID}109.12.1012`,
      `${OID}109.12.1013`,
      `${OID}109.12.1014`,
      `${OID}109.12.1029`,
      '2.16.840.1.113883.3.526.3.353',
      '2.16.840.1.113883.3.526.3.1002',
    ],
    note: 'Kidney Transplant, Dialysis Services, ESRD Monthly Outpatient Services, Kidney Transplant Recipient, End Stage Renal Disease, CKD Stage 5',
  },
  pregnancy: { oids: ['2.16.840.1.113883.3.526.3.378'] },
  // Shared exclusion libraries (Hospice, PalliativeCare, AdvancedIllnessandFrailty)
  'hospice-encounter': {
    oids: [`${OID}1003`, '2.16.840.1.113883.3.526.3.1584', `${OID}1165`],
    codes: [
      {
        system: 'SNOMEDCT',
        code: '428361000124107',
        display: 'Discharge to home for hospice care (Hospice direct code)',
      },
      {
        system: 'SNOMEDCT',
        code: '428371000124100',
        display: 'Discharge to healthcare facility for hospice care (Hospice direct code)',
      },
    ],
    note: 'Hospice Encounter, Hospice Care Ambulatory, Hospice Diagnosis, hospice discharge dispositions',
  },
  'palliative-care': {
    oids: [`${OID}101.12.1090`, `${OID}198.12.1135`, `${OID}1167`],
    codes: [
      {
        system: 'LOINC',
        code: '71007-9',
        display:
          'Functional Assessment of Chronic Illness Therapy - Palliative Care (PalliativeCare direct code)',
      },
    ],
    note: 'Palliative Care Encounter, Palliative Care Intervention, Palliative Care Diagnosis, palliative care assessment',
  },
  frailty: {
    oids: [`${OID}101.12.1088`, `${OID}113.12.1074`, `${OID}113.12.1075`, `${OID}118.12.1300`],
    note: 'Frailty Encounter, Frailty Diagnosis, Frailty Symptom, Frailty Device',
  },
  'advanced-illness': { oids: [`${OID}110.12.1082`] },
};

/** eCQM value sets with no counterpart id in our specs, and why. */
export const ECQM_VALUE_SETS_NOT_MAPPED: Readonly<Record<string, string>> = {
  [`${OID}101.12.1010`]:
    'Emergency Department Evaluation and Management Visit: CMS165 excludes ED readings by encounter class; gapstream by setting',
  '2.16.840.1.113883.3.666.5.307':
    'Encounter Inpatient: the hospice discharge rule; gapstream keeps the discharge disposition codes in hospice-encounter',
  [`${OID}198.12.1071`]:
    'Unilateral Mastectomy, Unspecified Laterality: needs Condition.bodySite, which gapstream facts do not carry',
  [`${OID}196.12.1510`]: 'Dementia Medications: RxNorm; gapstream has no medication facts',
};

/**
 * The index of the second run: our starter sets, with every id of ECQM_VALUE_SET_MAP replaced by
 * the union of its eCQM expansions and direct-reference codes (ids not in the map keep their
 * starter codes, e.g. hba1c-cpt2, hospice-claim, long-term-care).
 */
export function ecqmValueSetIndex(
  root: string,
  starter: Pick<ValueSetIndex, 'ids' | 'get'>,
): { index: ValueSetIndex; sets: ValueSet[]; files: string[] } {
  const dir = join(root, 'valuesets');
  const files = readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => join(dir, n));
  const byOid = new Map<string, ValueSet>();
  for (const file of files) {
    const set = parseFhirValueSet(JSON.parse(readFileSync(file, 'utf8')), file);
    byOid.set(set.oid ?? set.id, set);
  }
  const mapped: ValueSet[] = Object.entries(ECQM_VALUE_SET_MAP).map(([id, m]) => {
    const codes: ValueSetCode[] = [];
    const seen = new Set<string>();
    const add = (c: ValueSetCode): void => {
      const key = `${c.system}|${c.code}`;
      if (seen.has(key)) return;
      seen.add(key);
      codes.push(c);
    };
    for (const oid of m.oids) {
      const set = byOid.get(oid);
      if (set === undefined) throw new Error(`eCQM value set ${oid} (for ${id}) not found in ${dir}`);
      set.codes.forEach(add);
    }
    for (const c of m.codes ?? []) add({ ...c, code: normalizeCode(c.system, c.code) });
    return {
      id,
      oid: m.oids.join(' ') || null,
      name: m.note ?? m.oids.map((o) => byOid.get(o)?.name ?? o).join(' + '),
      source: 'eCQM value sets (ecqm-content-qicore-2024)',
      codes,
    };
  });
  const kept = starter
    .ids()
    .filter((id) => !(id in ECQM_VALUE_SET_MAP))
    .map((id) => starter.get(id)!)
    .filter((s) => s !== undefined);
  const sets = [...kept, ...mapped];
  return { index: buildValueSetIndex(sets), sets, files: files.map((f) => basename(f)) };
}

/** OIDs of the eCQM value-set files (for checking every one is mapped or explained). */
export function ecqmValueSetOids(root: string): string[] {
  const dir = join(root, 'valuesets');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => {
      const set = parseFhirValueSet(JSON.parse(readFileSync(join(dir, n), 'utf8')), n);
      return set.oid ?? set.id;
    });
}
