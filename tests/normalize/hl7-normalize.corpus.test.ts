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

  it('fhir-converter/LRI_2.0-NG_CBC_Typ_Message.hl7 (v2.5.1 ORU^R01, UTF-8 BOM, NM / CWE / TX, -0800)', () => {
    const [r] = results('fhir-converter/LRI_2.0-NG_CBC_Typ_Message.hl7');
    // 28 OBX, one PID, OBR-24 empty (no PROCEDURE), every OBX-3 typed LN: no DQ event at all.
    expect(r!.events.map((e) => e.value.kind).filter((k) => k === 'OBSERVATION')).toHaveLength(28);
    expect(r!.events.map((e) => e.value.kind)).not.toContain('PROCEDURE');
    expect(r!.dq).toEqual([]);
    // The BOM does not leak into MSH-3; PID-3 PATID1234^^^NIST MPI^MR is the MRN.
    const e = r!.events[0]!.value;
    expect(r!.events[0]!.key).toBe('NIST Lab Facility|PATID1234');
    expect(e.sourceSystem).toBe('NIST Test Lab APP');
    expect(e.sourceMessageControlId).toBe('NIST-LRI-NG-002.00');
    expect(e.patientIdentifiers).toEqual([
      { value: 'PATID1234', assigningAuthority: 'NIST MPI', idType: 'MR' },
    ]);
    // MSH-7 20110531140551-0500 (no EVN).
    expect(e.recordedAt).toBe(Date.UTC(2011, 4, 31, 19, 5, 51));
    expect(payload(r!, 'PATIENT')).toMatchObject({
      familyName: 'Jones',
      givenName: 'William',
      middleName: 'A',
      birthDate: '1961-06-15',
      sex: 'M',
      postalCode: null,
      phone: null,
    });
    // OBX|1|NM|26453-1^Erythrocytes [#/volume] in Blood^LN^^^^^^…||4.41|10*6/uL^million per microliter^UCUM|
    //   4.3 to 6.2|N|||F|||20110103143428-0800 ; filler OBR-3 R-991133^NIST Lab Filler.
    const at = Date.UTC(2011, 0, 3, 22, 34, 28);
    expect(payload(r!, 'OBSERVATION', 0)).toMatchObject({
      code: { system: 'LN', code: '26453-1', display: 'Erythrocytes [#/volume] in Blood' },
      valueType: 'NM',
      valueString: '4.41',
      valueNumber: 4.41,
      comparator: null,
      unit: '10*6/uL',
      referenceRange: '4.3 to 6.2',
      abnormalFlags: ['N'],
      status: 'F',
      effectiveAt: at,
      fillerOrderNumber: 'R-991133',
      subId: null,
    });
    expect(r!.events.find((x) => x.value.kind === 'OBSERVATION')!.value.occurredAt).toBe(at);
    // OBX|4|NM|26464-8^Leukocytes…||105600|{cells}/uL^…|4300 to 10800|HH
    expect(payload(r!, 'OBSERVATION', 3)).toMatchObject({
      code: { system: 'LN', code: '26464-8' },
      valueNumber: 105600,
      unit: '{cells}/uL',
      referenceRange: '4300 to 10800',
      abnormalFlags: ['HH'],
    });
    // OBX|20|CWE|38892-6^Anisocytosis…||260348001^Present ++ out of ++++^SCT^^^^^^Moderate Anisocytosis|||A
    // CWE value: its components joined with ^ (CWE.9 original text is the 9th component), no number.
    expect(payload(r!, 'OBSERVATION', 19)).toMatchObject({
      code: { system: 'LN', code: '38892-6', display: 'Anisocytosis [Presence] in Blood' },
      valueType: 'CWE',
      valueString: '260348001^Present ++ out of ++++^SCT^^^^^^Moderate Anisocytosis',
      valueNumber: null,
      unit: null,
      abnormalFlags: ['A'],
      status: 'F',
    });
    // OBX|26|TX|6742-1^Erythrocyte morphology finding…||Many spherocytes present.|||A
    expect(payload(r!, 'OBSERVATION', 25)).toMatchObject({
      code: { system: 'LN', code: '6742-1' },
      valueType: 'TX',
      valueString: 'Many spherocytes present.',
      valueNumber: null,
      abnormalFlags: ['A'],
      effectiveAt: at,
    });
    expect(payload(r!, 'OBSERVATION', 27)).toMatchObject({
      code: { code: '11125-2' },
      valueString: 'Platelets show defective granulation.',
    });
  });

  it('fhir-converter/ORU-R01-RMGEAD.hl7 (v2.4 ORU^R01, SN result, OBX-3 with a non-LOINC system, +0600)', () => {
    const [r] = results('fhir-converter/ORU-R01-RMGEAD.hl7');
    // PID-3 555-44-4444 has no CX.5 type: keyed by the first identifier + MRN_NOT_FOUND.
    expect(r!.events[0]!.key).toBe('ELAB-3|555-44-4444');
    expect(r!.events[0]!.value.patientIdentifiers).toEqual([
      { value: '555-44-4444', assigningAuthority: null, idType: null },
    ]);
    // MSH-7 20020215093000+0600.
    expect(r!.events[0]!.value.recordedAt).toBe(Date.UTC(2002, 1, 15, 3, 30));
    // PID-5 EVERYWOMAN^EVE^E^^^^L; PID-11.5 35292; PID-13 (206)3345232 -> digits only.
    expect(payload(r!, 'PATIENT')).toMatchObject({
      familyName: 'EVERYWOMAN',
      givenName: 'EVE',
      middleName: 'E',
      birthDate: '1962-03-20',
      sex: 'F',
      postalCode: '35292',
      phone: '2063345232',
    });
    // OBX|1|SN|1554-5^GLUCOSE^POST 12H CFST:MCNC:PT:SER/PLAS:QN||^182|mg/dl|70_105|H|||F
    // OBX-3.3 names a system that is not LN and there is no LN alternate: kept as received +
    // CODE_UNMAPPED. SN ^182: no comparator, no separator -> 182. No OBX-14: OBR-7
    // 20020215073000+0600. Filler OBR-3 1045813^GHH LAB. OBR-24 empty: no PROCEDURE.
    expect(payload(r!, 'OBSERVATION')).toMatchObject({
      code: { system: 'POST 12H CFST:MCNC:PT:SER/PLAS:QN', code: '1554-5', display: 'GLUCOSE' },
      valueType: 'SN',
      valueString: '182',
      valueNumber: 182,
      comparator: null,
      unit: 'mg/dl',
      referenceRange: '70_105',
      abnormalFlags: ['H'],
      status: 'F',
      effectiveAt: Date.UTC(2002, 1, 15, 1, 30),
      fillerOrderNumber: '1045813',
      subId: null,
    });
    expect(r!.events.map((e) => e.value.kind).sort()).toEqual(['OBSERVATION', 'PATIENT']);
    expect(r!.dq.map((d) => d.value.rule).sort()).toEqual(['CODE_UNMAPPED', 'MRN_NOT_FOUND']);
    expect(r!.dq.find((d) => d.value.rule === 'CODE_UNMAPPED')!.value.location).toBe('OBX[1]-3');
  });

  it('python-hl7/sample_msh_L319.hl7 (v2.3 ADT^A01, three IN1, "" in PV1 / DG1 / IN1, ICD-9)', () => {
    const [r] = results('python-hl7/sample_msh_L319.hl7');
    // PID-3 2148790^^^MSH_MRN^MR~162840^^^MSH_EMPI^CM: first MR-typed rep is the MRN.
    expect(r!.events[0]!.key).toBe('HNA500|2148790');
    // PID-3 (2 reps), then PID-2, then PID-4 (3 reps).
    const ids = r!.events[0]!.value.patientIdentifiers;
    expect(ids.map((i) => i.value)).toEqual(['2148790', '162840', '2148790', '3722', '184737', 'Q2147670']);
    expect(ids[1]).toEqual({ value: '162840', assigningAuthority: 'MSH_EMPI', idType: 'CM' });
    expect(ids[5]).toEqual({ value: 'Q2147670', assigningAuthority: 'MSQ_MRN', idType: null });
    // No EVN: MSH-7 20131017140041, default profile zone UTC.
    expect(r!.events[0]!.value.recordedAt).toBe(Date.UTC(2013, 9, 17, 14, 0, 41));
    // PID-5 has one rep (type CURRENT, not L): it is used. PID-13 first rep 3472444150^HOME.
    expect(payload(r!, 'PATIENT')).toMatchObject({
      familyName: 'RUFUSS',
      givenName: 'MELLODIAL',
      middleName: null,
      birthDate: '1952-11-29',
      sex: 'F',
      postalCode: '10454',
      phone: '3472444150',
      deathDate: null,
      deceased: null,
      clearedFields: [],
    });
    // PV1-19 01, PV1-3 MBN1^MBN1^06, PV1-44 20140210225300; PV1-45 "" is a delete, not a time
    // (no TIMESTAMP_INVALID); PV1-7 03525^FARP^YONAN has no NPI. occurredAt: no EVN-6 -> PV1-44.
    expect(payload(r!, 'ENCOUNTER')).toMatchObject({
      visitNumber: '01',
      patientClass: 'I',
      location: 'MBN1^MBN1^06',
      attendingNpi: null,
      admitAt: Date.UTC(2014, 1, 10, 22, 53),
      dischargeAt: null,
      triggerEvent: 'A01',
    });
    expect(r!.events.find((x) => x.value.kind === 'ENCOUNTER')!.value.occurredAt).toBe(
      Date.UTC(2014, 1, 10, 22, 53),
    );
    // DG1|0001|I9|440.21^ATHEROSCLEROSIS W/INT CLAUDCTN^I9|…|""|A|…|9 : ICD-9 kept as sent; DG1-5 "".
    expect(payload(r!, 'DIAGNOSIS')).toEqual({
      code: { system: 'I9', code: '440.21', display: 'ATHEROSCLEROSIS W/INT CLAUDCTN' },
      diagnosisType: 'A',
      priority: 9,
    });
    expect(r!.events.find((x) => x.value.kind === 'DIAGNOSIS')!.value.occurredAt).toBeNull();
    // IN1-2.1 / IN1-3.1 / IN1-4 / IN1-8 / IN1-15 / IN1-12 / IN1-13; "" fields carry no value.
    expect(payload(r!, 'COVERAGE', 0)).toEqual({
      planId: 'A10A',
      payerId: 'A10',
      payerName: 'HIP COMP MCAID',
      groupNumber: null,
      memberId: null,
      planType: 'C',
      effectiveDate: null,
      expirationDate: null,
    });
    expect(payload(r!, 'COVERAGE', 1)).toMatchObject({
      planId: 'GMED',
      payerId: null,
      payerName: 'MEDICAID',
      planType: 'X',
    });
    expect(payload(r!, 'COVERAGE', 2)).toMatchObject({
      planId: 'SLFJ',
      payerId: null,
      payerName: 'SELF-PAY',
      planType: 'P',
    });
    expect(r!.dq.map((d) => d.value.rule).sort()).toEqual([
      'MEMBER_ID_MISSING',
      'MEMBER_ID_MISSING',
      'MEMBER_ID_MISSING',
      'NPI_NOT_FOUND',
    ]);
    expect(r!.dq.filter((d) => d.value.rule === 'MEMBER_ID_MISSING').map((d) => d.value.location)).toEqual([
      'IN1[1]-49',
      'IN1[2]-49',
      'IN1[3]-49',
    ]);
  });

  it('hapi-hl7v2/from_tests/NewPipeParserTest_str_L989.hl7 (v2.3 ADT^A31, MSH-18 8859/1, CRLF, PV1 class N)', () => {
    const [r] = results('hapi-hl7v2/from_tests/NewPipeParserTest_str_L989.hl7');
    // MSH-4 empty; PID-3 M07869D^^^ADMISSION^^ISSTLUC has no CX.5 type -> first identifier.
    expect(r!.events).toHaveLength(1);
    const e = r!.events[0]!;
    expect(e.key).toBe('|M07869D');
    expect(e.value.sourceMessageControlId).toBe('EJ557600005480760');
    expect(e.value.patientIdentifiers).toEqual([
      { value: 'M07869D', assigningAuthority: 'ADMISSION', idType: null },
    ]);
    // EVN-2 20080627101943+0100.
    expect(e.value.recordedAt).toBe(Date.UTC(2008, 5, 27, 9, 19, 43));
    // PID-7 19701004000000+0100: the calendar date as sent (not shifted to 1970-10-03 UTC).
    expect(payload(r!, 'PATIENT')).toMatchObject({
      familyName: 'DUPONT',
      givenName: 'JEAN',
      middleName: null,
      birthDate: '1970-10-04',
      sex: 'M',
      clearedFields: [],
    });
    // A31 with PV1-2 N: no ENCOUNTER, and no SEGMENT_MISSING.
    expect(r!.dq.map((d) => d.value.rule)).toEqual(['MRN_NOT_FOUND']);
  });

  it('hapi-hl7v2/from_tests/IsEmptyTest_str_L52.hl7 (v2.3 ADT^A08 without PV1, PID-2 "", deceased)', () => {
    const [r] = results('hapi-hl7v2/from_tests/IsEmptyTest_str_L52.hl7');
    expect(r!.events.map((e) => e.value.kind)).toEqual(['PATIENT']);
    // A08 is not in the SEGMENT_MISSING list: no PV1 is fine.
    expect(r!.dq).toEqual([]);
    const e = r!.events[0]!;
    expect(e.key).toBe('fake|708010');
    // PID-3 708010^^^MRN^MR, PID-2 "" (a delete marker, not an identifier), PID-4 PENSION NO^^^DSS^PE.
    expect(e.value.patientIdentifiers).toEqual([
      { value: '708010', assigningAuthority: 'MRN', idType: 'MR' },
      { value: 'PENSION NO', assigningAuthority: 'DSS', idType: 'PE' },
    ]);
    // EVN-2 20130923023038.
    expect(e.value.recordedAt).toBe(Date.UTC(2013, 8, 23, 2, 30, 38));
    // PID-5 SURNAME^GIVEN^^^MRS^^L; PID-11 …^BRISBANE^^4000^""^P (component "" is not a field delete);
    // PID-13 12345678^PRN^^^^^12345678; PID-29 20130923; PID-30 Y.
    expect(payload(r!, 'PATIENT')).toEqual({
      familyName: 'SURNAME',
      givenName: 'GIVEN',
      middleName: null,
      birthDate: '1938-12-16',
      sex: 'F',
      postalCode: '4000',
      phone: '12345678',
      deathDate: '2013-09-23',
      deceased: true,
      clearedFields: [],
    });
  });

  it('hapi-hl7v2/from_tests/AbstractMessageTest_str_L49.hl7 (v2.2 ADT^A01, no EVN, date-only discharge)', () => {
    const [r] = results('hapi-hl7v2/from_tests/AbstractMessageTest_str_L49.hl7');
    // MSH-4 empty, PID-3 T12345 untyped.
    expect(r!.events[0]!.key).toBe('|T12345');
    expect(r!.events[0]!.value.patientIdentifiers).toEqual([
      { value: 'T12345', assigningAuthority: null, idType: null },
    ]);
    expect(r!.dq.map((d) => d.value.rule)).toEqual(['MRN_NOT_FOUND']);
    // MSH-7 19951002185200.
    expect(r!.events[0]!.value.recordedAt).toBe(Date.UTC(1995, 9, 2, 18, 52));
    expect(payload(r!, 'PATIENT')).toMatchObject({
      familyName: 'TEST',
      givenName: 'PATIENT',
      middleName: 'P',
      birthDate: '1960-10-02',
      sex: 'M',
    });
    // Trigger from MSH-9.2 A01. PV1-3 NER, PV1-2 and PV1-19 empty; PV1-44 19951002174900;
    // PV1-45 19951006 is a date only -> UTC midnight. occurredAt: no EVN-6, A01 -> PV1-44.
    expect(payload(r!, 'ENCOUNTER')).toMatchObject({
      patientClass: null,
      visitNumber: null,
      location: 'NER',
      admitAt: Date.UTC(1995, 9, 2, 17, 49),
      dischargeAt: Date.UTC(1995, 9, 6),
      triggerEvent: 'A01',
    });
    expect(r!.events.find((x) => x.value.kind === 'ENCOUNTER')!.value.occurredAt).toBe(
      Date.UTC(1995, 9, 2, 17, 49),
    );
  });
});
