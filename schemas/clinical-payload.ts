/**
 * `clinical.event.v1` carries its per-kind data in a union of several records. avsc (like the
 * Avro JSON encoding, https://avro.apache.org/docs/1.11.1/specification/#json-encoding) writes
 * such a union as `{ "<branch full name>": value }`, because the branch cannot be guessed from a
 * plain object. This helper builds that wrapper from the event `kind`, so producers write
 * `payload: clinicalPayload('PATIENT', { familyName: 'DOE' })`; decoded events carry the same
 * wrapped shape.
 */

/** Event kinds, as in the ClinicalEventKind enum of schemas/clinical.event.v1.avsc. */
export type ClinicalEventKind =
  'PATIENT' | 'ENCOUNTER' | 'DIAGNOSIS' | 'OBSERVATION' | 'PROCEDURE' | 'COVERAGE' | 'MERGE';

/** Full name of the payload branch for each kind. */
export const CLINICAL_PAYLOAD_BRANCH = {
  PATIENT: 'org.gapstream.v1.PatientPayload',
  ENCOUNTER: 'org.gapstream.v1.EncounterPayload',
  DIAGNOSIS: 'org.gapstream.v1.DiagnosisPayload',
  OBSERVATION: 'org.gapstream.v1.ObservationPayload',
  PROCEDURE: 'org.gapstream.v1.ProcedurePayload',
  COVERAGE: 'org.gapstream.v1.CoveragePayload',
  MERGE: 'org.gapstream.v1.MergePayload',
} as const satisfies Record<ClinicalEventKind, string>;

/** Wrap a payload record for the `payload` union of `clinical.event.v1`. */
export function clinicalPayload<K extends ClinicalEventKind>(
  kind: K,
  value: Record<string, unknown>,
): { [B in (typeof CLINICAL_PAYLOAD_BRANCH)[K]]: Record<string, unknown> } {
  return { [CLINICAL_PAYLOAD_BRANCH[kind]]: value } as {
    [B in (typeof CLINICAL_PAYLOAD_BRANCH)[K]]: Record<string, unknown>;
  };
}
