/**
 * The FHIR → facts adapter of the eCQM agreement suite, on small hand-written resources:
 * encounter class → setting, BP panel split, status filtering, observations without a value.
 */
import { describe, expect, it } from 'vitest';
import type {
  CodeFact,
  Fact,
  MeasureSpec,
  ResolvedContract,
  ResultFact,
} from '../../processors/contracts/types.ts';
import { buildValueSetIndex } from '../../processors/contracts/value-sets.ts';
import { evaluatePerson } from '../../processors/gaps/evaluate.ts';
import {
  encounterSetting,
  fhirDay,
  fhirPatientToFacts,
  observationStatus,
  type FhirResource,
  type TestEnrollment,
} from './fhir-facts.ts';

const P = 'p1';
const subject = { reference: `Patient/${P}` };
const SCT = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const CPT = 'http://www.ama-assn.org/go/cpt';

const patient: FhirResource = { resourceType: 'Patient', id: P, gender: 'female', birthDate: '1950-03-04' };

function encounter(id: string, cls: string, opts: Partial<FhirResource> = {}): FhirResource {
  return {
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: cls },
    type: [{ coding: [{ system: CPT, code: '99213' }] }],
    subject,
    period: { start: '2025-03-01T10:00:00Z', end: '2025-03-01T10:30:00Z' },
    ...opts,
  };
}

function bpPanel(
  id: string,
  systolic: number,
  diastolic: number,
  opts: Partial<FhirResource> = {},
): FhirResource {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: LOINC, code: '85354-9' }] },
    subject,
    effectiveDateTime: '2025-03-01T10:05:00Z',
    component: [
      {
        code: { coding: [{ system: LOINC, code: '8480-6' }] },
        valueQuantity: { value: systolic, unit: 'mm[Hg]' },
      },
      {
        code: { coding: [{ system: LOINC, code: '8462-4' }] },
        valueQuantity: { value: diastolic, unit: 'mm[Hg]' },
      },
    ],
    ...opts,
  };
}

const convert = (resources: FhirResource[], enrollment?: TestEnrollment) =>
  fhirPatientToFacts([patient, ...resources], { patientId: P, enrollment: enrollment ?? null });

const codes = (facts: Fact[]): CodeFact[] => facts.filter((f): f is CodeFact => f.kind === 'code');
const results = (facts: Fact[]): ResultFact[] => facts.filter((f): f is ResultFact => f.kind === 'result');

describe('dates and statuses', () => {
  it('takes the calendar day as written; partial dates have none', () => {
    expect(fhirDay('2025-01-01T23:59:00.000Z')).toBe('2025-01-01');
    expect(fhirDay('2025-06-30')).toBe('2025-06-30');
    expect(fhirDay('2025-06')).toBeNull();
    expect(fhirDay(undefined)).toBeNull();
  });

  it('maps observation statuses: amended and corrected are corrections, entered-in-error cancels', () => {
    expect(observationStatus('final')).toBe('final');
    expect(observationStatus('amended')).toBe('corrected');
    expect(observationStatus('corrected')).toBe('corrected');
    expect(observationStatus('preliminary')).toBe('preliminary');
    expect(observationStatus('entered-in-error')).toBe('cancelled');
    expect(observationStatus('unknown')).toBe('other');
  });
});

describe('encounter class → setting', () => {
  it.each([
    ['EMER', 'emergency'],
    ['IMP', 'inpatient'],
    ['ACUTE', 'inpatient'],
    ['NONAC', 'inpatient'],
    ['PRENC', 'inpatient'],
    ['SS', 'inpatient'],
    ['AMB', 'ambulatory'],
    ['VR', 'other'],
    ['HH', 'other'],
  ] as const)('%s → %s', (cls, setting) => {
    expect(encounterSetting(cls)).toBe(setting);
    const { facts } = convert([encounter('e1', cls)]);
    const type = codes(facts).find((f) => f.system === 'CPT');
    expect(type).toMatchObject({ code: '99213', date: '2025-03-01', end: null, setting });
  });

  it('records an ED or inpatient class as a PATIENTCLASS fact even without a mappable type', () => {
    const { facts, report } = convert([
      encounter('ed', 'EMER', { type: [{ coding: [{ system: 'http://example.org/local', code: 'X' }] }] }),
      encounter('ip', 'IMP', {
        period: { start: '2025-04-01T08:00:00Z', end: '2025-04-03T12:00:00Z' },
        type: [],
      }),
      encounter('amb', 'AMB', { type: [] }),
    ]);
    expect(codes(facts).map((f) => [f.system, f.code, f.date, f.end, f.setting])).toEqual([
      ['PATIENTCLASS', 'E', '2025-03-01', null, 'emergency'],
      ['PATIENTCLASS', 'I', '2025-04-01', '2025-04-03', 'inpatient'],
    ]);
    expect(report.unmapped.map((u) => u.ref)).toEqual(['Encounter/ed', 'Encounter/amb']);
  });

  it('skips encounters that are not finished and counts them', () => {
    const { facts, report } = convert([encounter('e1', 'AMB', { status: 'in-progress' })]);
    expect(codes(facts)).toEqual([]);
    expect(report.skipped).toEqual([
      { ref: 'Encounter/e1', reason: 'encounter status in-progress (only finished counts)' },
    ]);
  });

  it('files encounter diagnoses on the encounter dates, and hospice discharge at the end of the stay', () => {
    const { facts } = convert([
      {
        resourceType: 'Condition',
        id: 'c1',
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'G30.9' }] },
        subject,
        onsetDateTime: '2024-06-01',
      },
      encounter('e1', 'IMP', {
        period: { start: '2025-02-01T08:00:00Z', end: '2025-02-05T08:00:00Z' },
        diagnosis: [{ condition: { reference: 'Condition/c1' } }],
        hospitalization: { dischargeDisposition: { coding: [{ system: SCT, code: '428361000124107' }] } },
      }),
    ]);
    expect(codes(facts).map((f) => [f.source.ref, f.system, f.code, f.date, f.end, f.setting])).toEqual([
      ['Condition/c1', 'ICD10CM', 'G309', '2024-06-01', null, null],
      ['Encounter/e1', 'CPT', '99213', '2025-02-01', '2025-02-05', 'inpatient'],
      ['Encounter/e1', 'PATIENTCLASS', 'I', '2025-02-01', '2025-02-05', 'inpatient'],
      ['Encounter/e1', 'ICD10CM', 'G309', '2025-02-01', '2025-02-05', 'inpatient'],
      ['Encounter/e1', 'SNOMEDCT', '428361000124107', '2025-02-05', null, 'inpatient'],
    ]);
  });
});

describe('blood pressure panels', () => {
  it('splits a panel into one systolic and one diastolic result', () => {
    const { facts } = convert([bpPanel('bp1', 139, 89)]);
    expect(results(facts).map((f) => [f.code, f.value, f.date, f.status, f.hasResult])).toEqual([
      ['8480-6', 139, '2025-03-01', 'final', true],
      ['8462-4', 89, '2025-03-01', 'final', true],
    ]);
    expect(new Set(results(facts).map((f) => f.id)).size).toBe(2);
  });

  it('puts the setting of the referenced ED encounter on the reading day', () => {
    const { facts } = convert([
      encounter('ed1', 'EMER', { type: [] }),
      bpPanel('bp1', 139, 89, {
        effectiveDateTime: '2025-03-02T00:10:00Z',
        encounter: { reference: 'Encounter/ed1' },
      }),
    ]);
    expect(codes(facts).filter((f) => f.source.ref === 'Observation/bp1')).toMatchObject([
      { system: 'PATIENTCLASS', code: 'E', date: '2025-03-02', setting: 'emergency' },
    ]);
  });

  it('makes the engine drop the reading taken in the ED (CMS165 rule)', () => {
    const spec: MeasureSpec = {
      id: 'BP',
      version: '1',
      title: 'test',
      basis: 'test',
      scoring: 'proportion',
      population: { age: { min: 18, max: 85, at: 'mp-end' } },
      numerator: {
        kind: 'blood-pressure',
        window: {
          from: { anchor: 'mp-start', years: 0, months: 0, days: 0 },
          to: { anchor: 'mp-end', years: 0, months: 0, days: 0 },
        },
        systolic: { valueSets: ['systolic-bp'], below: 140 },
        diastolic: { valueSets: ['diastolic-bp'], below: 90 },
        excludeSettings: ['emergency', 'inpatient'],
      },
      exclusions: [],
    };
    const contract: ResolvedContract = {
      id: 't',
      version: '1',
      name: 't',
      payer: 't',
      lineOfBusiness: 't',
      effective: { from: '2025-01-01', to: null },
      measurementPeriod: { kind: 'fixed', start: '2025-01-01', end: '2025-12-31' },
      providers: { tins: ['123456789'], npis: ['1234567893'] },
      roster: {},
      requireEnrollment: false,
      attribution: { method: 'roster', timing: 'retrospective' },
      measures: [spec],
    };
    const valueSets = buildValueSetIndex([
      { id: 'systolic-bp', name: 's', source: 't', codes: [{ system: 'LOINC', code: '8480-6' }] },
      { id: 'diastolic-bp', name: 'd', source: 't', codes: [{ system: 'LOINC', code: '8462-4' }] },
    ]);
    const enrollment: TestEnrollment = {
      start: '2025-01-01',
      end: '2025-12-31',
      pcpNpi: '1234567893',
      pcpTin: '123456789',
      sourceFile: 'roster',
      contractId: null,
      lineOfBusiness: null,
    };
    const period = { start: '2025-01-01', end: '2025-12-31' };
    const run = (resources: FhirResource[]) =>
      evaluatePerson(convert(resources, enrollment).facts, { contract, valueSets, period, asOf: period.end })
        .measures[0]!;
    const office = bpPanel('bp1', 139, 89);
    expect(run([office]).status).toBe('closed');
    const inEd = bpPanel('bp1', 139, 89, { encounter: { reference: 'Encounter/ed1' } });
    expect(run([encounter('ed1', 'EMER', { type: [] }), inEd]).status).toBe('open');
  });
});

describe('status filtering', () => {
  it('keeps completed procedures and active/completed orders that are to be performed', () => {
    const proc = (id: string, status: string): FhirResource => ({
      resourceType: 'Procedure',
      id,
      status,
      code: { coding: [{ system: SCT, code: '1209098000' }] },
      subject,
      performedPeriod: { start: '2024-05-01T09:00:00Z', end: '2024-05-01T10:00:00Z' },
    });
    const device = (id: string, status: string, doNotPerform?: boolean): FhirResource => ({
      resourceType: 'DeviceRequest',
      id,
      status,
      intent: 'order',
      codeCodeableConcept: { coding: [{ system: SCT, code: '183240000' }] },
      subject,
      authoredOn: '2025-11-01T23:59:00Z',
      ...(doNotPerform === undefined
        ? {}
        : {
            modifierExtension: [
              {
                url: 'http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-doNotPerform',
                valueBoolean: doNotPerform,
              },
            ],
          }),
    });
    const { facts, report } = convert([
      proc('pr-done', 'completed'),
      proc('pr-not', 'not-done'),
      device('dr-ok', 'completed', false),
      device('dr-none', 'active'),
      device('dr-dnp', 'completed', true),
      device('dr-draft', 'draft'),
      {
        resourceType: 'ServiceRequest',
        id: 'sr-draft',
        status: 'draft',
        intent: 'order',
        code: { coding: [{ system: SCT, code: '385763009' }] },
        subject,
        authoredOn: '2025-01-02',
      },
    ]);
    expect(codes(facts).map((f) => [f.source.ref, f.code, f.date])).toEqual([
      ['Procedure/pr-done', '1209098000', '2024-05-01'],
      ['DeviceRequest/dr-ok', '183240000', '2025-11-01'],
      ['DeviceRequest/dr-none', '183240000', '2025-11-01'],
    ]);
    expect(report.skipped.map((s) => s.ref)).toEqual([
      'Procedure/pr-not',
      'DeviceRequest/dr-dnp',
      'DeviceRequest/dr-draft',
      'ServiceRequest/sr-draft',
    ]);
  });

  it('drops refuted conditions and gives abated ones an end', () => {
    const { facts, report } = convert([
      {
        resourceType: 'Condition',
        id: 'c-ok',
        code: { coding: [{ system: SCT, code: '371125006' }] },
        subject,
        onsetDateTime: '2020-01-01T00:00:00Z',
        abatementDateTime: '2024-06-30T00:00:00Z',
      },
      {
        resourceType: 'Condition',
        id: 'c-refuted',
        verificationStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'refuted' }],
        },
        code: { coding: [{ system: SCT, code: '371125006' }] },
        subject,
        onsetDateTime: '2020-01-01',
      },
    ]);
    expect(codes(facts)).toMatchObject([
      { source: { ref: 'Condition/c-ok' }, date: '2020-01-01', end: '2024-06-30' },
    ]);
    expect(report.skipped.map((s) => s.ref)).toEqual(['Condition/c-refuted']);
  });

  it('keeps non-final results with their status (the engine decides), but no coded findings from them', () => {
    const { facts, report } = convert([
      {
        resourceType: 'Observation',
        id: 'o1',
        status: 'entered-in-error',
        code: { coding: [{ system: LOINC, code: '71007-9' }] },
        subject,
        effectivePeriod: { start: '2024-12-31T00:00:00Z', end: '2025-01-01T00:00:00Z' },
      },
      {
        resourceType: 'Observation',
        id: 'o2',
        status: 'preliminary',
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'R26.89' }] },
        subject,
        effectiveDateTime: '2025-01-01',
      },
    ]);
    expect(results(facts)).toMatchObject([{ code: '71007-9', status: 'cancelled', date: '2025-01-01' }]);
    expect(codes(facts)).toEqual([]);
    expect(report.skipped.map((s) => s.ref)).toEqual(['Observation/o2']);
  });
});

describe('observations without a numeric value', () => {
  const hba1c = (id: string, value: Partial<FhirResource>): FhirResource => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ code: 'laboratory' }] }],
    code: { coding: [{ system: LOINC, code: '4548-4' }] },
    subject,
    effectivePeriod: { start: '2025-05-01T08:00:00Z', end: '2025-05-02T08:00:00Z' },
    ...value,
  });

  it('a result with no value has no result; a coded value is a result without a number', () => {
    const { facts } = convert([
      hba1c('none', {}),
      hba1c('coded', { valueCodeableConcept: { coding: [{ system: SCT, code: '373066001' }] } }),
      hba1c('number', { valueQuantity: { value: 9.1, unit: '%' } }),
    ]);
    expect(results(facts).map((f) => [f.source.ref, f.value, f.hasResult, f.date])).toEqual([
      ['Observation/none', null, false, '2025-05-02'],
      ['Observation/coded', null, true, '2025-05-02'],
      ['Observation/number', 9.1, true, '2025-05-02'],
    ]);
  });

  it('records the device of "Medical equipment used" (98181-1), not other coded answers', () => {
    const { facts } = convert([
      {
        resourceType: 'Observation',
        id: 'equipment',
        status: 'final',
        code: { coding: [{ system: LOINC, code: '98181-1' }] },
        subject,
        effectivePeriod: { start: '2025-01-01T00:00:00Z', end: '2025-01-01T01:00:00Z' },
        valueCodeableConcept: { coding: [{ system: SCT, code: '262177002' }] },
      },
      {
        resourceType: 'Observation',
        id: 'housing',
        status: 'final',
        code: { coding: [{ system: LOINC, code: '71802-3' }] },
        subject,
        effectiveDateTime: '2025-01-01T00:00:00Z',
        valueCodeableConcept: { coding: [{ system: SCT, code: '160734000' }] },
      },
    ]);
    expect(codes(facts).map((f) => [f.source.ref, f.system, f.code])).toEqual([
      ['Observation/equipment', 'SNOMEDCT', '262177002'],
    ]);
  });
});

describe('patient, enrollment, ids and what is not mapped', () => {
  it('turns the patient into demographics and adds the roster line', () => {
    const enrollment: TestEnrollment = {
      start: '2025-01-01',
      end: '2025-12-31',
      pcpNpi: '1234567893',
      pcpTin: '123456789',
      sourceFile: 'ecqm-roster',
      contractId: null,
      lineOfBusiness: null,
    };
    const { facts } = fhirPatientToFacts(
      [{ ...patient, gender: 'male', deceasedDateTime: '2025-07-04T12:00:00Z' }],
      { patientId: P, enrollment },
    );
    expect(facts).toMatchObject([
      {
        kind: 'demographics',
        birthDate: '1950-03-04',
        sex: 'M',
        deathDate: '2025-07-04',
        recordId: 'ecqm|p1',
      },
      {
        kind: 'enrollment',
        start: '2025-01-01',
        end: '2025-12-31',
        pcpNpi: '1234567893',
        pcpTin: '123456789',
      },
    ]);
    expect(facts[0]!.source).toEqual({
      topic: 'ecqm-test',
      partition: null,
      offset: null,
      ref: 'Patient/p1',
    });
  });

  it('gives the same ids on every run and ignores other patients', () => {
    const other: FhirResource = encounter('x', 'AMB', { subject: { reference: 'Patient/p2' } });
    const a = convert([encounter('e1', 'AMB'), other]);
    const b = convert([encounter('e1', 'AMB'), other]);
    expect(a.facts.map((f) => f.id)).toEqual(b.facts.map((f) => f.id));
    expect(a.facts.every((f) => f.recordId === 'ecqm|p1')).toBe(true);
    expect(a.report.resources).toEqual({ Patient: 1, Encounter: 1 });
  });

  it('counts medications, coverage and codings without a gapstream code system as unmapped', () => {
    const { facts, report } = convert([
      {
        resourceType: 'MedicationRequest',
        id: 'm1',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: {
          coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '312836' }],
        },
        subject,
        authoredOn: '2025-01-01',
      },
      { resourceType: 'Coverage', id: 'cov', status: 'active', beneficiary: subject },
    ]);
    expect(facts.map((f) => f.kind)).toEqual(['demographics']);
    expect(report.unmapped.map((u) => u.ref)).toEqual(['MedicationRequest/m1', 'Coverage/cov']);
  });
});
