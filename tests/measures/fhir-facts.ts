/**
 * One eCQM test patient (its QI-Core FHIR resources) as gapstream facts, so the measure engine
 * can be checked against the expected MeasureReports of the published eCQM test cases
 * (ecqm.corpus.test.ts, docs/ecqm-agreement.md).
 *
 * This is a test adapter, not an ingest path: it maps what the measure logic of CMS122, CMS125,
 * CMS130 and CMS165 (and their shared libraries) reads, the way the HL7/claims paths would carry
 * the same facts, and reports everything it drops or cannot map. Rules (see docs/ecqm-agreement.md):
 *
 * - Patient → DemographicsFact (birthDate, gender female/male → F/M, deceasedDateTime).
 * - Encounter (status `finished` only; others skipped) → a CodeFact per `type` coding, dated
 *   `period.start` with the last day of the period as `end` when it is later. `setting` from
 *   `Encounter.class` (v3 ActCode): EMER → emergency; IMP, ACUTE, NONAC, PRENC, SS → inpatient;
 *   AMB → ambulatory; anything else → other. An emergency or inpatient class also yields a
 *   PATIENTCLASS CodeFact (E / I, HL7 table 0004 as PV1-2 carries it), so the setting is on file
 *   for the day even when no type coding maps. `diagnosis` references → the referenced
 *   Condition's codes on the encounter's dates (as a claim or an ADT DG1 carries them).
 *   `hospitalization.dischargeDisposition` codings (discharge to hospice) → CodeFacts dated the
 *   last day of the stay.
 * - Condition (not refuted / entered-in-error) → a CodeFact per coding, dated onset (else
 *   recordedDate); `abatement` gives `end`. An active condition without abatement stays a point
 *   fact on its onset date (gapstream keeps diagnoses as dated events, not prevalence intervals).
 *   `bodySite` (laterality) is not carried and is reported as unmapped.
 * - Procedure (status `completed` only) → CodeFact per coding over the performed date or period.
 * - Observation: LOINC codings → ResultFact (valueQuantity.value, or null for other value types
 *   with `hasResult` telling whether any value is present); status final → final, amended and
 *   corrected → corrected, preliminary/registered → preliminary, cancelled/entered-in-error →
 *   cancelled (kept: the engine decides what a status means). Dated `effective.latest()` (period
 *   end, else dateTime), as the eCQMs date lab results. A BP panel (85354-9) is split into one
 *   ResultFact per component (8480-6 systolic, 8462-4 diastolic). Codings of other systems (a
 *   frailty symptom coded in ICD-10/SNOMED) of a final/amended/corrected observation → CodeFacts
 *   over the effective period. The coded answer is a fact only where it names what is present
 *   (ANSWER_IS_THE_FACT: 98181-1 "Medical equipment used" → the device); Yes/No answers and
 *   housing status are not events. An observation whose `encounter` is an emergency/inpatient
 *   encounter of the patient also yields a PATIENTCLASS CodeFact on its date with that setting
 *   (the engine drops readings on a day with an emergency or inpatient setting).
 * - DeviceRequest, ServiceRequest (status active/completed/on-hold, not `doNotPerform`) →
 *   CodeFact per coding dated `authoredOn` (frailty devices, hospice orders).
 * - MedicationRequest, Medication, Coverage and codings in systems gapstream has no CodeSystem
 *   for (RxNorm, SOP payer types, ...) are counted as unmapped.
 *
 * Every fact gets a deterministic id derived from the resource id, `recordId` `ecqm|<patient>`,
 * and source `{ topic: 'ecqm-test', partition: null, offset: null, ref: '<Type>/<id>' }`.
 */
import type {
  CodeFact,
  CodeSystem,
  DemographicsFact,
  EncounterSetting,
  EnrollmentFact,
  Fact,
  FactSource,
  IsoDate,
  ResultFact,
} from '../../processors/contracts/types.ts';
import { codeSystemOf, normalizeCode } from '../../processors/contracts/value-sets.ts';

/** A FHIR resource as parsed JSON. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [key: string]: unknown;
}

/** The roster line every test patient gets, so attribution (roster method) lets them through. */
export interface TestEnrollment {
  start: IsoDate;
  end: IsoDate | null;
  pcpNpi: string;
  pcpTin: string;
  sourceFile: string;
  contractId: string | null;
  lineOfBusiness: string | null;
}

export interface ConvertOptions {
  /** The test patient's id (Patient.id); resources of other patients are ignored. */
  patientId: string;
  /** When given, one EnrollmentFact with these fields. */
  enrollment?: TestEnrollment | null;
}

/** A resource (or a coding of one) left out, with why. */
export interface Dropped {
  ref: string;
  reason: string;
}

export interface ConversionReport {
  /** Resources read, by resourceType. */
  resources: Record<string, number>;
  /** Facts emitted, by kind. */
  facts: Record<string, number>;
  /** Left out on purpose: not performed (status, doNotPerform), no usable date, other patient. */
  skipped: Dropped[];
  /** No fact kind or code system for it in gapstream (medications, coverage, RxNorm, ...). */
  unmapped: Dropped[];
}

export interface Conversion {
  facts: Fact[];
  report: ConversionReport;
}

export const FACT_TOPIC = 'ecqm-test';
export const LOINC_BP_PANEL = '85354-9';
export const LOINC_SYSTOLIC = '8480-6';
export const LOINC_DIASTOLIC = '8462-4';
/** Observations whose coded value is the evidence: 98181-1 Medical equipment used (frailty devices). */
export const ANSWER_IS_THE_FACT: ReadonlySet<string> = new Set(['98181-1']);

// ---------------------------------------------------------------------------------------------
// JSON helpers

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const objectAt = (o: Json, key: string): Json | null => (isObject(o[key]) ? o[key] : null);
const arrayAt = (o: Json, key: string): unknown[] => (Array.isArray(o[key]) ? o[key] : []);
const stringAt = (o: Json | null, key: string): string | null => {
  const v = o?.[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
};

/**
 * The calendar day of a FHIR date or dateTime as written (`2025-01-01T23:59:00Z` → 2025-01-01).
 * Partial dates (`2025`, `2025-03`) have no day: null. The eCQM tests write UTC times.
 */
export function fhirDay(value: unknown): IsoDate | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(value.trim());
  return m ? m[1]! : null;
}

/** First and last day of a FHIR Period or dateTime (an instant is a one-day span). */
function span(period: Json | null, dateTime: unknown): { start: IsoDate | null; end: IsoDate | null } {
  if (period !== null) {
    const start = fhirDay(period['start']);
    const end = fhirDay(period['end']);
    return { start: start ?? end, end: end ?? start };
  }
  const day = fhirDay(dateTime);
  return { start: day, end: day };
}

interface MappedCoding {
  system: CodeSystem;
  code: string;
}

/** Codings of a CodeableConcept, split into those gapstream has a CodeSystem for and the rest. */
function codings(concept: unknown): { mapped: MappedCoding[]; other: string[] } {
  const mapped: MappedCoding[] = [];
  const other: string[] = [];
  if (!isObject(concept)) return { mapped, other };
  for (const c of arrayAt(concept, 'coding')) {
    if (!isObject(c)) continue;
    const code = stringAt(c, 'code');
    if (code === null) continue;
    const url = stringAt(c, 'system');
    const system = codeSystemOf(url);
    if (system === null) other.push(`${url ?? '(no system)'}|${code}`);
    else mapped.push({ system, code: normalizeCode(system, code) });
  }
  return { mapped, other };
}

/** The bare codes of a CodeableConcept (status concepts of FHIR code systems). */
function rawCodes(concept: unknown): string[] {
  if (!isObject(concept)) return [];
  return arrayAt(concept, 'coding').flatMap((c) => {
    const code = isObject(c) ? stringAt(c, 'code') : null;
    return code === null ? [] : [code];
  });
}

/** The referenced id of `Type/id` (or a full URL ending so); null for another type. */
function referencedId(ref: unknown, type: string): string | null {
  if (!isObject(ref)) return null;
  const r = stringAt(ref, 'reference');
  if (r === null) return null;
  const m = new RegExp(`(?:^|/)${type}/([^/]+)$`).exec(r);
  return m ? m[1]! : null;
}

/** The patient a resource is about (subject, patient or beneficiary reference). */
export function patientOf(resource: FhirResource): string | null {
  if (resource.resourceType === 'Patient') return resource.id ?? null;
  for (const key of ['subject', 'patient', 'beneficiary']) {
    const id = referencedId(resource[key], 'Patient');
    if (id !== null) return id;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Settings and statuses

/** v3 ActCode encounter class → setting (CMS165 excludes EMER, IMP, ACUTE, NONAC, PRENC, SS). */
export function encounterSetting(classCode: string | null): EncounterSetting {
  switch ((classCode ?? '').toUpperCase()) {
    case 'EMER':
      return 'emergency';
    case 'IMP':
    case 'ACUTE':
    case 'NONAC':
    case 'PRENC':
    case 'SS':
      return 'inpatient';
    case 'AMB':
      return 'ambulatory';
    default:
      return 'other';
  }
}

/** The HL7 table 0004 patient class carrying a disqualifying setting (E, I), else null. */
function patientClassCode(setting: EncounterSetting): string | null {
  return setting === 'emergency' ? 'E' : setting === 'inpatient' ? 'I' : null;
}

/** FHIR ObservationStatus → ResultFact status. */
export function observationStatus(status: string | null): ResultFact['status'] {
  switch (status ?? '') {
    case 'final':
      return 'final';
    case 'amended':
    case 'corrected':
      return 'corrected';
    case 'preliminary':
    case 'registered':
      return 'preliminary';
    case 'cancelled':
    case 'entered-in-error':
      return 'cancelled';
    default:
      return 'other';
  }
}

/** Any `value[x]` present (a result exists even when it is not a number). */
function hasValue(o: Json): boolean {
  return Object.keys(o).some((k) => k.startsWith('value') && o[k] !== null && o[k] !== undefined);
}

function quantityValue(o: Json): number | null {
  const q = objectAt(o, 'valueQuantity');
  const v = q?.['value'];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** QI-Core doNotPerform as element, extension or modifierExtension (`qicore-doNotPerform`). */
function doNotPerform(r: Json): boolean {
  if (r['doNotPerform'] === true) return true;
  return [...arrayAt(r, 'extension'), ...arrayAt(r, 'modifierExtension')].some(
    (e) =>
      isObject(e) && /\/qicore-doNotPerform$/.test(stringAt(e, 'url') ?? '') && e['valueBoolean'] === true,
  );
}

// ---------------------------------------------------------------------------------------------
// Conversion

class Builder {
  readonly facts: Fact[] = [];
  readonly report: ConversionReport = { resources: {}, facts: {}, skipped: [], unmapped: [] };
  private readonly ids = new Set<string>();
  readonly recordId: string;

  constructor(readonly patientId: string) {
    this.recordId = `ecqm|${patientId}`;
  }

  source(ref: string): FactSource {
    return { topic: FACT_TOPIC, partition: null, offset: null, ref };
  }

  push(f: Fact): void {
    // Two identical codings in one resource are one fact.
    if (this.ids.has(f.id)) return;
    this.ids.add(f.id);
    this.facts.push(f);
    this.report.facts[f.kind] = (this.report.facts[f.kind] ?? 0) + 1;
  }

  skip(ref: string, reason: string): void {
    this.report.skipped.push({ ref, reason });
  }

  unmapped(ref: string, reason: string): void {
    this.report.unmapped.push({ ref, reason });
  }

  /** Codings of no known system are reported (one entry per resource and part). */
  unmappedCodings(ref: string, part: string, other: string[]): void {
    if (other.length > 0) this.unmapped(ref, `${part}: no gapstream code system for ${other.join(', ')}`);
  }

  code(
    ref: string,
    part: string,
    c: MappedCoding,
    date: IsoDate,
    opts: { end?: IsoDate | null; setting?: EncounterSetting | null } = {},
  ): void {
    const end = opts.end !== undefined && opts.end !== null && opts.end > date ? opts.end : null;
    const f: CodeFact = {
      kind: 'code',
      id: `${this.recordId}|${ref}|${part}|${c.system}|${c.code}`,
      recordId: this.recordId,
      system: c.system,
      code: c.code,
      date,
      end,
      setting: opts.setting ?? null,
      source: this.source(ref),
    };
    this.push(f);
  }
}

/** Settings of the patient's finished encounters by id (for observations that reference them). */
function encounterSettings(resources: readonly FhirResource[]): Map<string, EncounterSetting> {
  const out = new Map<string, EncounterSetting>();
  for (const r of resources) {
    if (r.resourceType !== 'Encounter' || r.id === undefined) continue;
    out.set(r.id, encounterSetting(stringAt(objectAt(r, 'class'), 'code')));
  }
  return out;
}

function patient(b: Builder, r: FhirResource, ref: string): void {
  const gender = stringAt(r, 'gender');
  const f: DemographicsFact = {
    kind: 'demographics',
    id: `${b.recordId}|${ref}|demographics`,
    recordId: b.recordId,
    birthDate: fhirDay(r['birthDate']),
    sex: gender === 'female' ? 'F' : gender === 'male' ? 'M' : null,
    deathDate: fhirDay(r['deceasedDateTime']),
    recordedAt: 0,
    source: b.source(ref),
  };
  if (r['deceasedBoolean'] === true && f.deathDate === null)
    b.unmapped(ref, 'deceasedBoolean without a date: no death date to record');
  b.push(f);
}

function encounter(b: Builder, r: FhirResource, ref: string, conditions: Map<string, FhirResource>): void {
  const status = stringAt(r, 'status');
  if (status !== 'finished')
    return b.skip(ref, `encounter status ${status ?? '(none)'} (only finished counts)`);
  const { start, end } = span(objectAt(r, 'period'), undefined);
  if (start === null) return b.skip(ref, 'encounter without a period');
  const setting = encounterSetting(stringAt(objectAt(r, 'class'), 'code'));
  let mapped = 0;
  for (const [i, type] of arrayAt(r, 'type').entries()) {
    const { mapped: cs, other } = codings(type);
    b.unmappedCodings(ref, `type[${i}]`, other);
    for (const c of cs) {
      b.code(ref, 'type', c, start, { end, setting });
      mapped++;
    }
  }
  const pc = patientClassCode(setting);
  if (pc !== null) b.code(ref, 'class', { system: 'PATIENTCLASS', code: pc }, start, { end, setting });
  // Encounter diagnoses: the referenced Condition's codes on the encounter's dates, as a claim or
  // an ADT DG1 segment carries them (two outpatient visits with an advanced-illness diagnosis).
  for (const d of arrayAt(r, 'diagnosis').filter(isObject)) {
    const conditionId = referencedId(d['condition'], 'Condition');
    const target = conditionId === null ? undefined : conditions.get(conditionId);
    if (target === undefined) {
      b.unmapped(
        ref,
        `diagnosis ${JSON.stringify(d['condition'] ?? null)}: no such Condition of the patient`,
      );
      continue;
    }
    const { mapped: cs } = codings(target['code']);
    for (const c of cs) b.code(ref, `diagnosis:${conditionId}`, c, start, { end, setting });
  }
  const disposition = objectAt(objectAt(r, 'hospitalization') ?? {}, 'dischargeDisposition');
  if (disposition !== null) {
    const { mapped: cs, other } = codings(disposition);
    b.unmappedCodings(ref, 'dischargeDisposition', other);
    for (const c of cs) b.code(ref, 'dischargeDisposition', c, end ?? start, { setting });
  }
  if (mapped === 0 && pc === null && disposition === null && arrayAt(r, 'diagnosis').length === 0)
    b.unmapped(ref, 'encounter without a mappable type');
}

function condition(b: Builder, r: FhirResource, ref: string): void {
  const verification = rawCodes(r['verificationStatus']);
  if (verification.includes('refuted') || verification.includes('entered-in-error'))
    return b.skip(ref, `condition verificationStatus ${verification.join(',')}`);
  const onset = span(objectAt(r, 'onsetPeriod'), r['onsetDateTime']).start ?? fhirDay(r['recordedDate']);
  if (onset === null) return b.skip(ref, 'condition without onset or recordedDate');
  const abatement = span(objectAt(r, 'abatementPeriod'), r['abatementDateTime']).end;
  const { mapped, other } = codings(r['code']);
  b.unmappedCodings(ref, 'code', other);
  for (const c of mapped) b.code(ref, 'code', c, onset, { end: abatement });
  if (arrayAt(r, 'bodySite').length > 0)
    b.unmapped(ref, 'bodySite (laterality) is not carried: gapstream facts have no body site');
}

function procedure(b: Builder, r: FhirResource, ref: string): void {
  const status = stringAt(r, 'status');
  if (status !== 'completed')
    return b.skip(ref, `procedure status ${status ?? '(none)'} (only completed counts)`);
  const { start, end } = span(objectAt(r, 'performedPeriod'), r['performedDateTime']);
  if (start === null) return b.skip(ref, 'procedure without a performed date');
  const { mapped, other } = codings(r['code']);
  b.unmappedCodings(ref, 'code', other);
  for (const c of mapped) b.code(ref, 'code', c, start, { end });
}

function observation(
  b: Builder,
  r: FhirResource,
  ref: string,
  settings: Map<string, EncounterSetting>,
): void {
  const rawStatus = stringAt(r, 'status');
  const status = observationStatus(rawStatus);
  const { start, end } = span(
    objectAt(r, 'effectivePeriod'),
    r['effectiveDateTime'] ?? r['effectiveInstant'],
  );
  // effective.latest(): the end of a period, else the dateTime.
  const latest = end;
  if (start === null || latest === null) return b.skip(ref, 'observation without an effective date');
  const usable = status === 'final' || status === 'corrected';
  const recordedAt = Date.parse(stringAt(r, 'issued') ?? '') || 0;
  const result = (part: string, code: string, o: Json): void => {
    const value = quantityValue(o);
    const f: ResultFact = {
      kind: 'result',
      id: `${b.recordId}|${ref}|${part}|LOINC|${code}`,
      recordId: b.recordId,
      system: 'LOINC',
      code,
      date: latest,
      value,
      hasResult: hasValue(o),
      status,
      recordedAt,
      source: b.source(ref),
    };
    b.push(f);
  };
  const { mapped, other } = codings(r['code']);
  b.unmappedCodings(ref, 'code', other);
  const components = arrayAt(r, 'component').filter(isObject);
  for (const c of mapped) {
    if (c.system === 'LOINC' && c.code === LOINC_BP_PANEL && components.length > 0) {
      for (const [i, comp] of components.entries()) {
        const cc = codings(comp['code']);
        b.unmappedCodings(ref, `component[${i}]`, cc.other);
        for (const k of cc.mapped) {
          if (k.system === 'LOINC') result(`component[${i}]`, k.code, comp);
          else b.unmapped(ref, `component[${i}]: ${k.system} ${k.code} is not a LOINC result`);
        }
      }
    } else if (c.system === 'LOINC') {
      result('code', c.code, r);
    } else if (usable) {
      // A symptom or finding coded outside LOINC: an event over the effective period.
      b.code(ref, 'code', c, start, { end });
    } else {
      b.skip(ref, `observation status ${rawStatus ?? '(none)'}: coded finding not recorded`);
    }
  }
  // The coded answer is the fact itself only where the question asks what is present (the
  // device in "Medical equipment used"); other answers (Yes/No, housing status) are not events.
  const answer = objectAt(r, 'valueCodeableConcept');
  if (answer !== null && mapped.some((c) => c.system === 'LOINC' && ANSWER_IS_THE_FACT.has(c.code))) {
    const { mapped: values, other: otherValues } = codings(answer);
    if (!usable) b.skip(ref, `observation status ${rawStatus ?? '(none)'}: coded answer not recorded`);
    else {
      b.unmappedCodings(ref, 'valueCodeableConcept', otherValues);
      for (const v of values) b.code(ref, 'value', v, start, { end });
    }
  }
  // A reading taken in an ED or inpatient encounter: the setting is on file for its day.
  const encounterId = referencedId(r['encounter'], 'Encounter');
  const setting = encounterId === null ? undefined : settings.get(encounterId);
  const pc = setting === undefined ? null : patientClassCode(setting);
  if (pc !== null)
    b.code(ref, `encounter:${encounterId}`, { system: 'PATIENTCLASS', code: pc }, latest, {
      setting: setting!,
    });
}

function request(b: Builder, r: FhirResource, ref: string): void {
  const status = stringAt(r, 'status');
  if (status !== 'active' && status !== 'completed' && status !== 'on-hold')
    return b.skip(ref, `${r.resourceType} status ${status ?? '(none)'} (active/completed orders only)`);
  if (doNotPerform(r)) return b.skip(ref, `${r.resourceType} doNotPerform`);
  const date = fhirDay(r['authoredOn']);
  if (date === null) return b.skip(ref, `${r.resourceType} without authoredOn`);
  const { mapped, other } = codings(r['code'] ?? r['codeCodeableConcept']);
  b.unmappedCodings(ref, 'code', other);
  for (const c of mapped) b.code(ref, 'code', c, date);
}

/**
 * The facts of one test patient. `resources` may hold other patients' resources (flat test
 * exports): only those about `opts.patientId`, and resources about nobody (Medication), count.
 */
export function fhirPatientToFacts(resources: readonly FhirResource[], opts: ConvertOptions): Conversion {
  const b = new Builder(opts.patientId);
  const mine = resources.filter((r) => {
    const p = patientOf(r);
    return p === null || p === opts.patientId;
  });
  const own = mine.filter((r) => patientOf(r) === opts.patientId);
  const settings = encounterSettings(own);
  const conditions = new Map(
    own.filter((r) => r.resourceType === 'Condition' && r.id !== undefined).map((r) => [r.id!, r]),
  );
  for (const r of mine) {
    const ref = `${r.resourceType}/${r.id ?? '(no id)'}`;
    b.report.resources[r.resourceType] = (b.report.resources[r.resourceType] ?? 0) + 1;
    switch (r.resourceType) {
      case 'Patient':
        patient(b, r, ref);
        break;
      case 'Encounter':
        encounter(b, r, ref, conditions);
        break;
      case 'Condition':
        condition(b, r, ref);
        break;
      case 'Procedure':
        procedure(b, r, ref);
        break;
      case 'Observation':
        observation(b, r, ref, settings);
        break;
      case 'DeviceRequest':
      case 'ServiceRequest':
        request(b, r, ref);
        break;
      case 'MeasureReport':
      case 'Group':
        // Expected results and test-group bookkeeping, not patient data.
        break;
      default:
        b.unmapped(ref, `${r.resourceType}: no gapstream fact kind (medications are not modelled)`);
    }
  }
  if (!b.facts.some((f) => f.kind === 'demographics'))
    b.skip(`Patient/${opts.patientId}`, 'no Patient resource');
  const e = opts.enrollment;
  if (e) {
    const f: EnrollmentFact = {
      kind: 'enrollment',
      id: `${b.recordId}|enrollment|${e.sourceFile}|${e.start}`,
      recordId: b.recordId,
      start: e.start,
      end: e.end,
      sourceFile: e.sourceFile,
      contractId: e.contractId,
      lineOfBusiness: e.lineOfBusiness,
      pcpNpi: e.pcpNpi,
      pcpTin: e.pcpTin,
      recordedAt: 0,
      source: b.source(`roster/${opts.patientId}`),
    };
    b.push(f);
  }
  return { facts: b.facts, report: b.report };
}
