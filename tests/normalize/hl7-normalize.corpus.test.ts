/**
 * Every public HL7 file (../shared/data/hl7, ~470 files, v2.1-2.8, malformed ones included)
 * through the normalizer: each message is either normalized into events or rejected with a
 * specific code — no crash, no unexplained drop. The outcome of every message is compared with
 * the committed table hl7-normalize.expectations.json (regenerate after a deliberate mapping
 * change with UPDATE_EXPECTATIONS=1 and review the diff). Every event and DQ event is encoded
 * with the local Avro codec, so it matches clinical.event.v1 / dq.event.v1. Field values of a
 * representative set were checked by hand against the files (see the second describe).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFeedProfiles, type FeedProfiles } from '../../processors/normalize/feed-profile.ts';
import type { NormalizeResult } from '../../processors/normalize/normalize.ts';
import { createLocalCodec, type Codec } from '../../schemas/codec.ts';
import { SHARED_DATA, sharedFiles } from '../support/shared-data.ts';
import { normalizeFile, type Outcome } from './corpus-outcomes.ts';

const TABLE = join(import.meta.dirname, 'hl7-normalize.expectations.json');
const ROOT = join(SHARED_DATA, 'hl7');

let profiles: FeedProfiles;
let codec: Codec;
beforeAll(async () => {
  profiles = loadFeedProfiles();
  codec = await createLocalCodec();
});

function results(rel: string): NormalizeResult[] {
  return normalizeFile(join(ROOT, rel), rel, profiles).results;
}

function payload(r: NormalizeResult, kind: string, n = 0): Record<string, unknown> {
  const e = r.events.filter((x) => x.value.kind === kind)[n];
  if (!e) throw new Error(`no ${kind} #${n}`);
  return Object.values(e.value.payload)[0]!;
}

describe('HL7 corpus through the normalizer', () => {
  it('gives every message of every file the outcome in the expectations table', async () => {
    const files = sharedFiles('hl7');
    expect(files.length).toBeGreaterThan(400);
    const actual: Record<string, Outcome[]> = {};
    let encoded = 0;
    for (const file of files) {
      const rel = relative(ROOT, file);
      const r = normalizeFile(file, rel, profiles);
      actual[rel] = r.outcomes;
      for (const res of r.results) {
        for (const e of res.events) await codec.encode('clinical.event.v1', e.value).then(() => encoded++);
        for (const d of res.dq) await codec.encode('dq.event.v1', d.value).then(() => encoded++);
      }
    }
    if (process.env.UPDATE_EXPECTATIONS === '1') writeFileSync(TABLE, JSON.stringify(actual, null, 1) + '\n');
    const expected = JSON.parse(readFileSync(TABLE, 'utf8')) as Record<string, Outcome[]>;
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    for (const rel of Object.keys(expected)) expect(actual[rel], rel).toEqual(expected[rel]);
    // Not a silent pass-through: a fair share of the corpus yields events, and every rejection has a code.
    const all = Object.values(actual).flat();
    const normalized = all.filter((o) => 'kinds' in o).length;
    const rejected = all.filter((o) => 'rejected' in o);
    expect(normalized).toBeGreaterThan(100);
    expect(rejected.every((o) => 'rejected' in o && o.rejected !== '' && o.hl7Code !== '')).toBe(true);
    expect(encoded).toBeGreaterThan(300);
    console.info(
      `hl7 normalize corpus: ${files.length} files, ${all.length} messages, ${normalized} normalized, ${rejected.length} rejected, ${encoded} events encoded`,
    );
  });
});

/**
 * Field values checked by hand against the files (default profile: UTC for times without an
 * offset, MRN = PID-3 typed MR/MRN/PI/PT, member id = IN1-49). What was checked, per file:
 */
describe('hand-checked field values on a representative set', () => {
  it('fhir-converter/ADT-A01-01.hl7 (v2.8 ADT^A01, every segment type)', () => {
    const [r] = results('fhir-converter/ADT-A01-01.hl7');
    const e = r!.events[0]!;
    // MRN: first PID-3 typed MR (PATID1234, CX.4 test1&2.16.1&HCD -> namespace test1); key = MSH-4 as received + MRN.
    expect(e.key).toBe('GHHSFacility^2.16.840.1.122848.1.30^ISO|PATID1234');
    // PID-3 (2 reps), then PID-2 and PID-4 (backward-compatible fields).
    expect(e.value.patientIdentifiers.map((i) => i.value)).toEqual([
      'PATID1234',
      '123456789',
      '1234567',
      'PATID567',
    ]);
    expect(e.value.patientIdentifiers[1]).toEqual({
      value: '123456789',
      assigningAuthority: 'USSSA',
      idType: 'SS',
    });
    // PID-5: the second repetition has name type L (legal) -> Josh / (no given) / stanley.
    expect(payload(r!, 'PATIENT')).toMatchObject({
      familyName: 'Josh',
      givenName: null,
      middleName: 'stanley',
      birthDate: '1988-08-18',
      sex: 'M',
    });
    // EVN-2 20290801070624+0115 -> recordedAt; EVN-6 20210817151943.4+0200 -> encounter occurredAt.
    expect(e.value.recordedAt).toBe(Date.UTC(2029, 7, 1, 5, 51, 24));
    expect(r!.events[1]!.value.occurredAt).toBe(Date.UTC(2021, 7, 17, 13, 19, 43, 400));
    expect(payload(r!, 'ENCOUNTER')).toMatchObject({
      patientClass: 'P',
      visitNumber: '40007716',
      triggerEvent: 'A01',
    });
    // DG1-3 is SNOMED (SCT) even though DG1-2 says I9: CE.3 wins, code kept as sent.
    expect(payload(r!, 'DIAGNOSIS')).toEqual({
      code: { system: 'SCT', code: '422504002', display: 'Ischemic stroke(disorder)' },
      diagnosisType: 'A',
      priority: 1,
    });
    // IN1-2.1 plan, IN1-3.1 payer id, IN1-4 payer name, IN1-8 group.
    expect(payload(r!, 'COVERAGE')).toMatchObject({
      planId: 'BAV',
      payerId: 'IC-1.31',
      payerName: 'Blue Cross Blue Shield of Texas',
      groupNumber: 'PUBSUMB',
    });
  });

  it('fhir-converter/LAB-ORU-1.hl7 (v2.5.1 ORU^R01, two orders, statuses I/P/F)', () => {
    const [r] = results('fhir-converter/LAB-ORU-1.hl7');
    expect(r!.events.map((e) => e.value.kind).filter((k) => k === 'OBSERVATION')).toHaveLength(10);
    expect(payload(r!, 'PATIENT')).toMatchObject({
      familyName: 'DUCK',
      birthDate: '1924-10-10',
      postalCode: '999990000',
      phone: '8885551212',
    });
    // OBX|1|NM|11156-7^LEUKOCYTES^LN||||||||I  -> no value, status I, filler OBR-3 82503246.
    expect(payload(r!, 'OBSERVATION', 0)).toMatchObject({
      valueString: null,
      valueNumber: null,
      status: 'I',
      fillerOrderNumber: '82503246',
    });
    // OBX|2|NM|11273-0^ERYTHROCYTES^LN||4.06|tera.l-1||N|||P|||20141006062700+0700
    expect(payload(r!, 'OBSERVATION', 1)).toMatchObject({
      code: { system: 'LN', code: '11273-0', display: 'ERYTHROCYTES' },
      valueNumber: 4.06,
      unit: 'tera.l-1',
      abnormalFlags: ['N'],
      status: 'P',
      effectiveAt: Date.UTC(2014, 9, 5, 23, 27),
    });
    // Second order: filler 890775544.
    expect(payload(r!, 'OBSERVATION', 5)).toMatchObject({
      code: { code: '23761-0' },
      valueNumber: 72,
      unit: '%',
      fillerOrderNumber: '890775544',
    });
  });

  it('fhir-converter/ADT-A40-01.hl7 (v2.8 merge)', () => {
    const [r] = results('fhir-converter/ADT-A40-01.hl7');
    expect(r!.events).toHaveLength(1);
    expect(r!.events[0]!.key).toBe('Ntierprise Clinic|12345');
    expect(payload(r!, 'MERGE')).toEqual({
      priorIdentifiers: [{ value: '56789', assigningAuthority: 'BCBS', idType: 'MR' }],
      triggerEvent: 'A40',
    });
  });

  it('hapi-hl7v2/adt_a03.txt (v2.5 discharge, no MR-typed identifier, PR1 with a date only)', () => {
    const [r] = results('hapi-hl7v2/adt_a03.txt');
    // PID-3 types are PK/CF/SSN: keyed by the first identifier, with a MRN_NOT_FOUND DQ event.
    expect(r!.events[0]!.key).toBe('SANTER|5520255');
    expect(r!.dq.map((d) => d.value.rule)).toContain('MRN_NOT_FOUND');
    // PID-30 N -> deceased false.
    expect(payload(r!, 'PATIENT')).toMatchObject({
      familyName: 'ZZZ',
      birthDate: '1983-08-24',
      sex: 'F',
      deceased: false,
    });
    // PV1-45 200803031508 without offset, default profile zone UTC.
    expect(payload(r!, 'ENCOUNTER')).toMatchObject({
      patientClass: 'I',
      visitNumber: '2008003369',
      dischargeAt: Date.UTC(2008, 2, 3, 15, 8),
      triggerEvent: 'A03',
    });
    // PR1-5 20090224 is a date: UTC midnight of that date.
    expect(payload(r!, 'PROCEDURE')).toMatchObject({
      code: { system: null, code: '1111', display: 'Mastoplastica' },
      performedAt: Date.UTC(2009, 1, 24),
    });
  });

  it('fhir-converter/ADT04-23.hl7 (v2.3 registration, two IN1 without member id)', () => {
    const [r] = results('fhir-converter/ADT04-23.hl7');
    expect(payload(r!, 'PATIENT')).toMatchObject({
      familyName: 'BROS',
      givenName: 'MARIO',
      postalCode: 'A1B2C3',
      phone: '5555550123',
    });
    // PV1-44 20010101000000+0700.
    expect(payload(r!, 'ENCOUNTER')).toMatchObject({
      patientClass: 'O',
      location: 'ABCD^EFGH',
      admitAt: Date.UTC(2000, 11, 31, 17),
    });
    expect(payload(r!, 'COVERAGE', 0)).toMatchObject({ planId: 'PAR', memberId: null });
    expect(payload(r!, 'COVERAGE', 1)).toMatchObject({ planId: 'FRI', memberId: null });
    expect(r!.dq.filter((d) => d.value.rule === 'MEMBER_ID_MISSING').map((d) => d.value.location)).toEqual([
      'IN1[1]-49',
      'IN1[2]-49',
    ]);
  });
});
