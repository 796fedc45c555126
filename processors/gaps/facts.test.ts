import { describe, expect, it } from 'vitest';
import { buildValueSetIndex } from '../contracts/value-sets.ts';
import type { Fact, ResultFact } from '../contracts/types.ts';
import { extractFacts, localDay, type DecodedPersonEvent } from './facts.ts';
import { addFacts, emptyState } from './state.ts';
import { applyInput, keptCodes } from './step.ts';
import type { ContractCatalog } from './reconcile.ts';

const valueSets = buildValueSetIndex([
  { id: 'hba1c-lab', name: 'hba1c-lab', source: 'test', codes: [{ system: 'LOINC', code: '4548-4' }] },
  { id: 'diabetes', name: 'diabetes', source: 'test', codes: [{ system: 'ICD10CM', code: 'E119' }] },
  { id: 'office-visit', name: 'office-visit', source: 'test', codes: [{ system: 'CPT', code: '99214' }] },
  {
    id: 'hospice-claim',
    name: 'hospice-claim',
    source: 'test',
    codes: [{ system: 'CLAIMTYPE', code: '50' }],
  },
]);
const catalog = { valueSets } as unknown as ContractCatalog;

const T0 = Date.UTC(2026, 2, 1, 15, 0);
let offset = 0;
function clinical(
  kind: string,
  branch: string,
  payload: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): DecodedPersonEvent {
  offset++;
  return {
    personId: 'P1',
    recordId: 'MR|NORTHCLINIC|1',
    kind: 'CLINICAL_EVENT',
    sourceTopic: 'clinical.event.v1',
    sourcePartition: 0,
    sourceOffset: offset,
    at: T0,
    source: {
      eventId: `ev-${offset}`,
      kind,
      sourceSystem: 'EPIC',
      sourceMessageControlId: `MSG${offset}`,
      occurredAt: T0,
      recordedAt: T0,
      payload: { [`org.gapstream.v1.${branch}`]: payload },
      ...extra,
    },
  };
}

const obx = (
  status: string,
  value: number,
  recordedAt: number,
  effectiveAt = T0,
  comparator: string | null = null,
): DecodedPersonEvent =>
  clinical(
    'OBSERVATION',
    'ObservationPayload',
    {
      code: { system: 'LN', code: '4548-4', display: null },
      valueNumber: value,
      valueString: null,
      comparator,
      status,
      effectiveAt,
      fillerOrderNumber: 'F100',
      subId: '1',
    },
    { recordedAt },
  );

function claimLine(fields: Record<string, unknown>): DecodedPersonEvent {
  offset++;
  return {
    personId: 'P1',
    recordId: 'MBI|CMS|1EG4TE5MK73',
    kind: 'CLAIM_LINE',
    sourceTopic: 'claim.line.v1',
    sourcePartition: 1,
    sourceOffset: offset,
    at: T0,
    source: {
      claimId: 'C1',
      claimLineNumber: 1,
      lineNumber: 7,
      serviceFromDate: '2026-02-01',
      fromDate: '2026-02-01',
      thruDate: '2026-02-01',
      procedureCode: null,
      diagnosisCodes: [],
      icdProcedureCodes: [],
      adjustmentTypeCode: '0',
      frequencyCode: null,
      ...fields,
    },
  };
}

describe('extractFacts', () => {
  it('a corrected result replaces its final in any arrival order', () => {
    const final = extractFacts(obx('F', 9.4, T0), valueSets);
    const corrected = extractFacts(obx('C', 7.1, T0 + 60_000), valueSets);
    expect(final[0]!.id).toBe(corrected[0]!.id);
    for (const order of [
      [final, corrected],
      [corrected, final],
    ]) {
      const s = emptyState();
      for (const facts of order) addFacts(s, facts);
      const kept = Object.values(s.facts) as ResultFact[];
      expect(kept).toHaveLength(1);
      expect(kept[0]).toMatchObject({ status: 'corrected', value: 7.1, system: 'LOINC', code: '4548-4' });
    }
  });

  it('a recheck of the same code in the same order is a second reading, not a replacement', () => {
    const first = extractFacts(obx('F', 9.4, T0), valueSets);
    const recheck = extractFacts(obx('F', 8.1, T0, T0 + 15 * 60_000), valueSets);
    const s = emptyState();
    addFacts(s, [...first, ...recheck]);
    expect(
      Object.values(s.facts)
        .map((f) => (f as ResultFact).value)
        .sort(),
    ).toEqual([8.1, 9.4]);
  });

  it('an SN comparator puts the value on its side of the limit (">9" is above 9)', () => {
    const [gt] = extractFacts(obx('F', 9, T0, T0, '>'), valueSets) as ResultFact[];
    const [lt] = extractFacts(obx('F', 7, T0, T0, '<'), valueSets) as ResultFact[];
    expect(gt!.value! > 9).toBe(true);
    expect(lt!.value! < 7).toBe(true);
  });

  it('demographics merge by field: a message without a birth date keeps the one known', () => {
    const demo = (birthDate: string | null, sex: string | null, at: number): Fact[] =>
      extractFacts(
        clinical('PATIENT', 'PatientPayload', { birthDate, sex, deathDate: null }, { recordedAt: at }),
        valueSets,
      );
    for (const order of [
      [demo('1960-03-01', 'F', T0), demo(null, 'F', T0 + 1000)],
      [demo(null, 'F', T0 + 1000), demo('1960-03-01', 'F', T0)],
    ]) {
      const s = emptyState();
      for (const f of order) addFacts(s, f);
      expect(Object.values(s.facts)).toMatchObject([
        { kind: 'demographics', birthDate: '1960-03-01', sex: 'F' },
      ]);
    }
  });

  it('dates HL7 times in the feed time zone: 21:30 on Dec 31 in Chicago is Dec 31', () => {
    const evening = Date.UTC(2027, 0, 1, 3, 30); // 2026-12-31T21:30-06:00
    expect(localDay(evening, 'UTC')).toBe('2027-01-01');
    expect(localDay(evening, 'America/Chicago')).toBe('2026-12-31');
    // A date-only HL7 value arrives as UTC midnight of the date: it stays that date.
    expect(localDay(Date.UTC(2017, 0, 1), 'America/Chicago')).toBe('2017-01-01');
    const [f] = extractFacts(obx('F', 7.2, T0, evening), valueSets, () => 'America/Chicago');
    expect(f).toMatchObject({ date: '2026-12-31' });
  });

  it('keeps only codes some value set uses, with ICD-10 dots removed', () => {
    const dx = (code: string): Fact[] =>
      extractFacts(
        clinical('DIAGNOSIS', 'DiagnosisPayload', { code: { system: 'I10', code, display: null } }),
        valueSets,
      );
    expect(dx('E11.9')).toMatchObject([
      { kind: 'code', system: 'ICD10CM', code: 'E119', date: '2026-03-01' },
    ]);
    expect(dx('J45.909')).toEqual([]);
  });

  it('an emergency encounter becomes a setting fact even without a value-set code', () => {
    const facts = extractFacts(
      clinical('ENCOUNTER', 'EncounterPayload', { patientClass: 'E', admitAt: T0, dischargeAt: null }),
      valueSets,
    );
    expect(facts).toMatchObject([{ kind: 'code', system: 'PATIENTCLASS', code: 'E', setting: 'emergency' }]);
    const outpatient = extractFacts(
      clinical('ENCOUNTER', 'EncounterPayload', { patientClass: 'O', admitAt: T0, dischargeAt: null }),
      valueSets,
    );
    expect(outpatient).toEqual([]);
  });

  it('a claim line gives its codes and a visit with provider and allowed amount', () => {
    const facts = extractFacts(
      claimLine({
        procedureCode: '99214',
        diagnosisCodes: ['E119', 'Z0000'],
        renderingNpi: '1234567893',
        billingTin: '123456789',
        providerSpecialtyCode: '08',
        allowedAmount: '112.40',
        placeOfService: '11',
      }),
      valueSets,
    );
    expect(facts.map((f) => `${f.kind}:${'code' in f ? f.code : ''}`).sort()).toEqual([
      'code:99214',
      'code:E119',
      'visit:99214',
    ]);
    expect(facts.find((f) => f.kind === 'visit')).toMatchObject({
      npi: '1234567893',
      tin: '123456789',
      specialty: '08',
      amount: 112.4,
      date: '2026-02-01',
      source: { topic: 'claim.line.v1', ref: 'C1#1' },
    });
  });

  it('a cancelled claim line carries no evidence; a hospice claim is a dated span', () => {
    expect(extractFacts(claimLine({ procedureCode: '99214', adjustmentTypeCode: '1' }), valueSets)).toEqual(
      [],
    );
    const hospice = extractFacts(
      claimLine({
        claimTypeCode: '50',
        fromDate: '2026-01-10',
        thruDate: '2026-02-20',
        serviceFromDate: null,
      }),
      valueSets,
    );
    expect(hospice).toMatchObject([
      { system: 'CLAIMTYPE', code: '50', date: '2026-01-10', end: '2026-02-20' },
    ]);
  });

  it('a roster line gives an enrollment span and demographics', () => {
    offset++;
    const facts = extractFacts(
      {
        personId: 'P1',
        recordId: 'MB|PAYER|X1',
        kind: 'ROSTER_MEMBER',
        sourceTopic: 'roster.member.v1',
        sourcePartition: 0,
        sourceOffset: offset,
        at: T0,
        source: {
          sourceFile: 'EXH_ROSTER_20260101.csv',
          lineNumber: 3,
          memberId: 'X1',
          birthDate: '1970-03-01',
          sex: 'F',
          deathDate: null,
          pcpNpi: '1234567893',
          pcpTin: '123456789',
          effectiveDate: '2025-01-01',
          termDate: null,
          contractId: null,
          lineOfBusiness: 'COMMERCIAL',
        },
      },
      valueSets,
    );
    expect(facts).toMatchObject([
      {
        kind: 'enrollment',
        start: '2025-01-01',
        end: null,
        pcpNpi: '1234567893',
        sourceFile: 'EXH_ROSTER_20260101.csv',
      },
      { kind: 'demographics', birthDate: '1970-03-01', sex: 'F' },
    ]);
  });
});

describe('identity moves', () => {
  const merge = (key: string): DecodedPersonEvent => ({
    personId: key,
    recordId: 'MR|NORTHCLINIC|2',
    kind: 'IDENTITY',
    sourceTopic: 'identity.link.v1',
    sourcePartition: 0,
    sourceOffset: 9,
    at: T0,
    source: {
      eventId: 'identity.request.v1/0/9#0',
      kind: 'MERGE',
      personId: 'P1',
      otherPersonId: 'P2',
      movedRecordIds: ['MR|NORTHCLINIC|2'],
    },
  });

  it('the absorbed person hands the moved records facts over; the survivor waits for them', () => {
    const absorbed = emptyState();
    const moved = extractFacts(obx('F', 8, T0), valueSets).map((f) => ({
      ...f,
      recordId: 'MR|NORTHCLINIC|2',
    }));
    const stays = extractFacts(obx('F', 8, T0), valueSets).map((f) => ({
      ...f,
      id: 'other',
      recordId: 'MR|X|3',
    }));
    addFacts(absorbed, [...moved, ...stays]);
    const out = applyInput(absorbed, 'P2', merge('P2'), catalog);
    expect(out.transfers).toMatchObject([
      { personId: 'P1', fromPersonId: 'P2', recordIds: ['MR|NORTHCLINIC|2'] },
    ]);
    expect(JSON.parse(out.transfers[0]!.facts)).toEqual(moved);
    expect(Object.keys(absorbed.facts)).toEqual(['other']);

    const survivor = emptyState();
    expect(applyInput(survivor, 'P1', merge('P1'), catalog).transfers).toEqual([]);
    applyInput(survivor, 'P1', out.transfers[0]!, catalog);
    expect(Object.values(survivor.facts)).toEqual(moved);
  });

  it('facts that arrive after their record moved on are forwarded to where it went', () => {
    const b = emptyState();
    const moved = extractFacts(obx('F', 8, T0), valueSets).map((f) => ({
      ...f,
      recordId: 'MR|NORTHCLINIC|2',
    }));
    // B is merged into C before A's hand-over of record 2 reaches B.
    const mergeBintoC: DecodedPersonEvent = {
      ...merge('B'),
      source: {
        eventId: 'identity.request.v1/0/10#0',
        kind: 'MERGE',
        personId: 'C',
        otherPersonId: 'B',
        movedRecordIds: ['MR|NORTHCLINIC|2'],
      },
    };
    expect(applyInput(b, 'B', mergeBintoC, catalog).transfers[0]).toMatchObject({
      personId: 'C',
      facts: '[]',
    });
    const late = {
      personId: 'B',
      fromPersonId: 'A',
      linkEventId: 'identity.request.v1/0/9#0',
      recordIds: ['MR|NORTHCLINIC|2'],
      facts: JSON.stringify(moved),
      at: T0,
    };
    const out = applyInput(b, 'B', late, catalog);
    expect(b.facts).toEqual({});
    expect(out.transfers).toMatchObject([{ personId: 'C', fromPersonId: 'B' }]);
    expect(JSON.parse(out.transfers[0]!.facts)).toEqual(moved);
    // A split that brings the record back from C is taken in.
    const back = applyInput(
      b,
      'B',
      { ...late, fromPersonId: 'C', linkEventId: 'identity.request.v1/0/11#0' },
      catalog,
    );
    expect(back.transfers).toEqual([]);
    expect(Object.values(b.facts)).toEqual(moved);
  });
});

describe('keptCodes', () => {
  it('keeps codes only a contract version of its own value sets holds', () => {
    const own = buildValueSetIndex([
      {
        id: 'hba1c-lab',
        name: 'hba1c-lab',
        source: 'licensed',
        codes: [{ system: 'LOINC', code: '17856-6' }],
      },
    ]);
    const withOwn = {
      valueSets,
      contracts: [
        { id: 'c', version: '1' },
        { id: 'c', version: '2' },
      ],
      valueSetsFor: (_id: string, version: string) => (version === '2' ? own : valueSets),
    } as unknown as ContractCatalog;
    expect(keptCodes(withOwn).setsOf('LOINC', '17856-6')).toEqual(['hba1c-lab']);
    expect(keptCodes(withOwn).setsOf('ICD10CM', 'E119')).toEqual(['diabetes']);
    expect(keptCodes(withOwn).setsOf('CPT', '00000')).toEqual([]);
    expect(keptCodes({ ...withOwn, valueSetsFor: () => valueSets })).toBe(valueSets);
  });
});
