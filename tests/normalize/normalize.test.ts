import { describe, expect, it } from 'vitest';
import { BadRecordError } from '../../runtime/errors.ts';
import { parseHl7 } from '../../runtime/hl7/index.ts';
import {
  normalizeHl7,
  type NormalizeResult,
  type NormalizeSource,
} from '../../processors/normalize/normalize.ts';
import { isValidNpi, normalizeIcd10 } from '../../processors/normalize/codes.ts';
import { createNormalizeStep } from '../../processors/normalize/step.ts';
import { createLocalCodec } from '../../schemas/codec.ts';
import { ADT_A04_FULL, ADT_A08_DELETE, ORU_MULTI, msg, testProfiles } from './fixtures.ts';

const profiles = testProfiles();
const SRC: NormalizeSource = {
  idPrefix: 'hl7.raw.v1/3/42',
  topic: 'hl7.raw.v1',
  partition: 3,
  offset: 42,
  timestamp: 1_709_000_000_000,
  receivedAt: null,
};
const run = (text: string): NormalizeResult => normalizeHl7(parseHl7(text), profiles, SRC);
const body = (r: NormalizeResult, kind: string, n = 0): Record<string, unknown> =>
  Object.values(r.events.filter((e) => e.value.kind === kind)[n]!.value.payload)[0]!;
const refusal = (text: string): { code: string; hl7Code: string; message: string } => {
  try {
    run(text);
  } catch (e) {
    expect(e).toBeInstanceOf(BadRecordError);
    return e as BadRecordError & { hl7Code: string };
  }
  throw new Error('not refused');
};

describe('ADT mapping', () => {
  it('A08: "" deletes (clearedFields), empty leaves unchanged (null, not cleared)', () => {
    const r = run(ADT_A08_DELETE);
    const p = r.events[0]!;
    expect(p.key).toBe('LAKESIDE|900001');
    expect(p.value.patientIdentifiers).toEqual([
      { value: '900001', assigningAuthority: 'LAKESIDE', idType: 'MR' },
      { value: '1AB2CD3EF45', assigningAuthority: 'CMS', idType: 'MB' },
    ]);
    expect(body(r, 'PATIENT')).toEqual({
      familyName: 'TESTER',
      givenName: 'PAT',
      middleName: null,
      birthDate: '1970-02-15',
      sex: null,
      postalCode: null,
      phone: null,
      deathDate: null,
      deceased: null,
      // The event itself says which nulls are deletes (sent as "") and which are "not sent".
      clearedFields: ['middleName', 'sex', 'postalCode', 'phone', 'deathDate', 'deceased'],
    });
    // The same update with PID-8 left empty: sex is null too, but not a delete.
    const unchanged = run(ADT_A08_DELETE.replace('|19700215|""|', '|19700215||'));
    expect(body(unchanged, 'PATIENT')).toMatchObject({ sex: null });
    expect(unchanged.events[0]!.clearedFields).not.toContain('sex');
    expect(unchanged.events[0]!.clearedFields).toContain('middleName');
    // middle name, sex, postal code, phone, death date and indicator were sent as "" -> delete.
    expect(p.clearedFields.sort()).toEqual([
      'deathDate',
      'deceased',
      'middleName',
      'phone',
      'postalCode',
      'sex',
    ]);
    // Typed NPI in PV1-7 (XCN.13 = NPI, valid check digit); admit time in the profile zone (Chicago, CST = -6).
    expect(body(r, 'ENCOUNTER')).toMatchObject({
      attendingNpi: '1234567893',
      visitNumber: 'V1001',
      location: 'CLINIC^101^A^LAKESIDE',
      admitAt: Date.UTC(2024, 2, 1, 17),
      triggerEvent: 'A08',
    });
    expect(p.value.recordedAt).toBe(Date.UTC(2024, 2, 1, 17, 59));
    expect(p.value.eventId).toBe('hl7.raw.v1/3/42/3');
  });

  it('A04: diagnoses normalized, procedure, coverage with member id per profile (IN1-36)', () => {
    const r = run(ADT_A04_FULL);
    expect(r.events.map((e) => e.value.kind)).toEqual([
      'PATIENT',
      'ENCOUNTER',
      'DIAGNOSIS',
      'DIAGNOSIS',
      'DIAGNOSIS',
      'PROCEDURE',
      'COVERAGE',
    ]);
    expect(body(r, 'PATIENT')).toMatchObject({
      familyName: 'SAMPLE',
      birthDate: '1985-12-31',
      phone: '2175550101',
      postalCode: '62704',
    });
    // Untyped PV1-7 repetitions: 9999999999 fails the NPI check digit, 1234567893 passes.
    expect(body(r, 'ENCOUNTER')).toMatchObject({ attendingNpi: '1234567893' });
    // EVN-6 (no offset) in America/Chicago.
    expect(r.events[1]!.value.occurredAt).toBe(Date.UTC(2024, 2, 1, 17, 30));
    expect(body(r, 'DIAGNOSIS', 0)).toEqual({
      code: { system: 'I10', code: 'E119', display: 'Type 2 diabetes mellitus without complications' },
      diagnosisType: 'F',
      priority: 1,
    });
    expect(body(r, 'DIAGNOSIS', 1)).toMatchObject({
      code: { system: 'I10', code: 'I10' },
      diagnosisType: 'W',
      priority: null,
    });
    // ICD-9 is kept as sent.
    expect(body(r, 'DIAGNOSIS', 2)).toMatchObject({ code: { system: 'I9', code: '250.00' } });
    expect(body(r, 'PROCEDURE')).toMatchObject({
      code: { system: 'C4', code: '99214' },
      performedAt: Date.UTC(2024, 2, 1, 17, 30),
    });
    expect(body(r, 'COVERAGE')).toEqual({
      planId: 'MAPD01',
      payerId: 'PAYER9',
      payerName: 'Example Health Plan',
      groupNumber: 'GRP77',
      memberId: 'POL-123456',
      planType: 'HMO',
      effectiveDate: '2024-01-01',
      expirationDate: '2024-12-31',
    });
    expect(r.dq).toEqual([]);
  });

  it('the default profile reads the member id from IN1-49', () => {
    const r = normalizeHl7(parseHl7(ADT_A04_FULL.replace('|LAKESIDE|', '|OTHER|')), profiles, SRC);
    expect(body(r, 'COVERAGE')).toMatchObject({ memberId: 'MEMB-IN1-49' });
    expect(r.profile.id).toBe('default');
  });

  it('A40: one MERGE per PID/MRG group', () => {
    const r = run(
      msg(
        'MSH|^~\\&|EHR|LAKESIDE|GS|ACO|20240301120000||ADT^A40^ADT_A39|CTL-A40|P|2.5.1',
        'EVN|A40|20240301120000',
        'PID|1||900010^^^LAKESIDE^MR',
        'MRG|900011^^^LAKESIDE^MR',
        'PID|1||900020^^^LAKESIDE^MR',
        'MRG|900021^^^LAKESIDE^MR~900022^^^LAKESIDE^MR',
      ),
    );
    expect(
      r.events.map((e) => [
        e.key,
        (body(r, 'MERGE', r.events.indexOf(e)).priorIdentifiers as { value: string }[]).map((i) => i.value),
      ]),
    ).toEqual([
      ['LAKESIDE|900010', ['900011']],
      ['LAKESIDE|900020', ['900021', '900022']],
    ]);
  });

  it('A11 emits the cancelled encounter only; A28 with PV1-2 N emits no encounter', () => {
    const a11 = run(ADT_A04_FULL.replace('ADT^A04^ADT_A01', 'ADT^A11^ADT_A09'));
    expect(a11.events.map((e) => e.value.kind)).toEqual(['PATIENT', 'ENCOUNTER']);
    expect(body(a11, 'ENCOUNTER')).toMatchObject({ triggerEvent: 'A11' });
    const a28 = run(
      msg(
        'MSH|^~\\&|EHR|LAKESIDE|GS|ACO|20240301120000||ADT^A28^ADT_A05|C28|P|2.5.1',
        'PID|1||900030^^^LAKESIDE^MR||NEW^PERSON',
        'PV1|1|N',
      ),
    );
    expect(a28.events.map((e) => e.value.kind)).toEqual(['PATIENT']);
  });
});

describe('ORU^R01 mapping', () => {
  const r = run(ORU_MULTI);
  const obs = r.events.filter((e) => e.value.kind === 'OBSERVATION');

  it('several patients and orders, keyed per patient', () => {
    expect(r.events.filter((e) => e.value.kind === 'PATIENT').map((e) => e.key)).toEqual([
      'LAKESIDE|900003',
      'LAKESIDE|900004',
    ]);
    expect(obs.map((e) => e.key)).toEqual([
      ...Array(8).fill('LAKESIDE|900003'),
      'LAKESIDE|900004',
      'LAKESIDE|900004',
    ]);
  });

  it('value types NM, SN, CWE, DT, TX, ST; local code mapped to LOINC; unit mapped', () => {
    const v = obs.map((e) => Object.values(e.value.payload)[0]!);
    expect(v[0]).toMatchObject({
      code: { system: 'LN', code: '4548-4' },
      valueNumber: 7.2,
      unit: '%',
      referenceRange: '4.0-5.6',
      abnormalFlags: ['H'],
      status: 'F',
      fillerOrderNumber: 'F-100',
      effectiveAt: Date.UTC(2024, 2, 2, 13, 45),
    });
    expect(v[1]).toMatchObject({
      code: { system: 'LN', code: '2345-7', display: 'Glucose' },
      valueNumber: 130,
      unit: 'mg/dL',
    });
    // OBX-14 empty -> OBR-7 (Chicago).
    expect(v[1]!.effectiveAt).toBe(Date.UTC(2024, 2, 2, 13, 30));
    expect(v[2]).toMatchObject({ valueType: 'SN', valueString: '<0.5', valueNumber: 0.5, comparator: '<' });
    expect(v[3]).toMatchObject({
      valueType: 'SN',
      valueString: '120/80',
      valueNumber: null,
      comparator: null,
    });
    expect(v[4]).toMatchObject({ valueType: 'CWE', valueString: 'YEL^Yellow^99LK', status: 'P' });
    expect(v[5]).toMatchObject({ valueType: 'DT', valueString: '20240101' });
    expect(v[6]).toMatchObject({ valueType: 'TX', valueString: 'Line one\nLine & two' });
    expect(v[7]).toMatchObject({ code: { system: '99LK', code: 'LOCAL1' }, valueString: 'abc' });
  });

  it('a correction carries the identity of the result it replaces: filler order + code + sub-id, status C', () => {
    const c = Object.values(obs[8]!.value.payload)[0]!;
    expect(c).toMatchObject({
      status: 'C',
      fillerOrderNumber: 'F-200',
      code: { system: 'LN', code: '13457-7' },
      subId: null,
      valueNumber: 99,
    });
    // OBR-7 with its own offset.
    expect(c.effectiveAt).toBe(Date.UTC(2024, 2, 2, 12));
    expect(Object.values(obs[9]!.value.payload)[0]).toMatchObject({ status: 'X', subId: '2' });
  });

  it('missing mappings and required fields become DQ events, not silent drops', () => {
    const dq = r.dq.map((d) => [d.value.rule, d.value.severity, d.value.location]);
    expect(dq).toEqual([
      ['CODE_UNMAPPED', 'WARNING', 'OBX[8]-3'],
      ['REQUIRED_FIELD_MISSING', 'ERROR', 'OBX[9]-11'],
    ]);
    const d = r.dq[0]!.value;
    expect(d).toMatchObject({
      feedProfile: 'lakeside',
      messageControlId: 'CTL-ORU-1',
      messageType: 'ORU^R01',
      sourceTopic: 'hl7.raw.v1',
      sourcePartition: 3,
      sourceOffset: 42,
      occurredAt: SRC.timestamp,
    });
    expect(d.detail).not.toContain('abc');
  });
});

describe('rejections (dead letters) with code, HL7 0357 code and control id, never PHI', () => {
  it.each([
    [
      'MSH|^~\\&|X|LAKESIDE|||20240101||SIU^S12|C1|P|2.5.1\rPID|1||1^^^LAKESIDE^MR||SECRETNAME',
      'NORMALIZE_UNSUPPORTED_MESSAGE_TYPE',
      '200',
    ],
    [
      'MSH|^~\\&|X|LAKESIDE|||20240101||ADT^A02|C1|P|2.5.1\rPID|1||1^^^LAKESIDE^MR||SECRETNAME',
      'NORMALIZE_UNSUPPORTED_EVENT',
      '201',
    ],
    ['MSH|^~\\&|X|LAKESIDE|||20240101||ADT^A01|C1|P|2.5.1\rEVN|A01', 'NORMALIZE_MISSING_SEGMENT', '100'],
    [
      'MSH|^~\\&|X|LAKESIDE|||20240101||ADT^A01|C1|P|2.5.1\rPID|1||||SECRETNAME',
      'NORMALIZE_NO_PATIENT_ID',
      '101',
    ],
    [
      'MSH|^~\\&|X|LAKESIDE|||20240101||ADT^A01|C1|P|2.5.1\rPID|1||1^^^OTHER^PI||SECRETNAME',
      'NORMALIZE_MRN_NOT_FOUND',
      '204',
    ],
    [
      'MSH|^~\\&|X|LAKESIDE|||20240101||ORU^R01|C1|P|2.5.1\rOBR|1||F1|1-8^X^LN\rOBX|1|ST|1-8^X^LN||SECRETNAME||||||F',
      'NORMALIZE_MISSING_SEGMENT',
      '100',
    ],
    [
      'MSH|^~\\&|X|LAKESIDE|||20240101||ADT^A40|C1|P|2.5.1\rPID|1||1^^^LAKESIDE^MR||SECRETNAME',
      'NORMALIZE_MISSING_SEGMENT',
      '100',
    ],
  ])('%#: %s', (text, code, hl7Code) => {
    const e = refusal(text);
    expect(e.code).toBe(code);
    expect(e.hl7Code).toBe(hl7Code);
    expect(e.message).toContain('C1');
    expect(e.message).not.toContain('SECRETNAME');
  });
});

describe('codes', () => {
  it('ICD-10-CM: upper case without the dot; malformed -> null', () => {
    expect(normalizeIcd10('e11.65')).toBe('E1165');
    expect(normalizeIcd10(' S03.4XXA ')).toBe('S034XXA');
    expect(normalizeIcd10('250.00')).toBeNull();
  });
  it('NPI check digit (CMS example 123456789 -> 3)', () => {
    expect(isValidNpi('1234567893')).toBe(true);
    expect(isValidNpi('1234567890')).toBe(false);
    expect(isValidNpi('9999999999')).toBe(false);
  });
});

describe('the step', () => {
  const step = createNormalizeStep({ profiles });
  const ctx = {
    source: { topic: 'hl7.raw.v1', partition: 1, offset: 7 },
    key: null,
    timestamp: 1_709_000_000_000,
  };

  it('is deterministic and its outputs encode with the topic schemas', async () => {
    const raw = { messageBytes: Buffer.from(ORU_MULTI, 'latin1'), receivedAt: 1 };
    const a = step.process(raw, ctx);
    expect(step.process(raw, ctx)).toEqual(a);
    expect(new Set(a.map((o) => o.topic))).toEqual(new Set(['clinical.event.v1', 'dq.event.v1']));
    const codec = await createLocalCodec();
    for (const o of a) await codec.encode(o.topic, o.value);
    expect(new Set(a.map((o) => (o.value as { eventId: string }).eventId)).size).toBe(a.length);
  });

  it('refuses garbage with the parser error (a dead letter)', () => {
    expect(() => step.process({ messageBytes: Buffer.from('hello') }, ctx)).toThrow(BadRecordError);
  });
});
