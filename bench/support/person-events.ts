/**
 * Builders of person.event.v1 values carrying a framed source record (the value the identity
 * resolver publishes: the source record encoded with its own topic's schema, then wrapped), shared
 * by the care-gaps stream tests (tests/gaps/care-gaps-stream.ts) and the care-gaps latency bench
 * (bench/care-gaps-latency.bench.ts).
 */
import type { Codec } from '../../schemas/codec.ts';
import { clinicalPayload } from '../../schemas/clinical-payload.ts';

let seq = 0;

/** A person.event.v1 value: `source` encoded with `sourceTopic`'s schema as its payload. */
export async function personEvent(
  codec: Codec,
  personId: string,
  recordId: string,
  kind: 'CLINICAL_EVENT' | 'CLAIM_LINE' | 'IDENTITY',
  sourceTopic: string,
  source: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  seq++;
  return {
    personId,
    recordId,
    kind,
    sourceTopic,
    sourcePartition: 0,
    sourceOffset: seq,
    payload: await codec.encode(sourceTopic, source),
    at: Date.now(),
  };
}

/** A clinical.event.v1 PATIENT event (demographics) from NORTHCLINIC for MRN `id`. */
export const patient = (id: string, birthDate: string, sex: string): Record<string, unknown> => ({
  eventId: `pat-${id}`,
  kind: 'PATIENT',
  sourceSystem: 'EPIC',
  sourceFacility: 'NORTHCLINIC',
  sourceMessageControlId: `M-${id}`,
  patientIdentifiers: [{ value: id, assigningAuthority: 'NORTHCLINIC', idType: 'MR' }],
  occurredAt: null,
  recordedAt: Date.now(),
  payload: clinicalPayload('PATIENT', {
    familyName: null,
    givenName: null,
    middleName: null,
    birthDate,
    sex,
    postalCode: null,
    phone: null,
    deathDate: null,
    deceased: null,
    clearedFields: [],
  }),
});

/**
 * A claim.line.v1 value (CCLF5 professional line) billed by our NPI 1234567893 / TIN 123456789,
 * family practice (specialty 08): procedure `proc` on `date` for member `member`.
 */
export const claim = (
  claimId: string,
  member: string,
  proc: string,
  date: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  sourceFile: 'P.A0001.ACO.ZC5Y26.D260301.T0100000',
  sourceFileSha256: null,
  lineNumber: 1,
  sourceFormat: 'CCLF5',
  claimId,
  claimLineNumber: 1,
  claimControlNumber: null,
  claimTypeCode: '71',
  adjustmentTypeCode: '0',
  claimEffectiveDate: null,
  frequencyCode: null,
  memberId: member,
  memberIdType: 'MBI',
  fromDate: date,
  thruDate: date,
  serviceFromDate: date,
  serviceThruDate: date,
  placeOfService: '11',
  procedureCode: proc,
  procedureModifiers: [],
  diagnosisCodes: [],
  icdProcedureCodes: [],
  revenueCode: null,
  ndcCode: null,
  renderingNpi: '1234567893',
  billingNpi: '1234567893',
  billingTin: '123456789',
  billingCcn: null,
  providerSpecialtyCode: '08',
  nonPaymentReasonCode: null,
  allowedAmount: '120.00',
  paidAmount: '96.00',
  ...extra,
});
