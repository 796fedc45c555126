/**
 * Dead-letter codes of the normalizer. Every refusal is a BadRecordError (the runner sends it to
 * deadletter.v1 and moves on) carrying an HL7 table 0357 code, so `gapstream inspect hl7` and
 * an interface analyst see the same vocabulary as an ERR-3 would carry. Reasons name the message
 * control id (MSH-10), segments and fields, never values (PHI).
 */
import { BadRecordError } from '../../runtime/errors.ts';

/** Normalizer error codes (GapstreamError.code) and their table 0357 code. */
export const NormalizeErrorCode = {
  /** MSH-9.1 is not ADT or ORU (e.g. ACK, SIU, VXU): nothing to normalize. 0357: 200. */
  UNSUPPORTED_MESSAGE_TYPE: 'NORMALIZE_UNSUPPORTED_MESSAGE_TYPE',
  /** ADT with a trigger outside A01/A03/A04/A08/A11/A13/A28/A31/A40, ORU other than R01. 0357: 201. */
  UNSUPPORTED_EVENT: 'NORMALIZE_UNSUPPORTED_EVENT',
  /** A segment the structure requires is missing (PID in ADT, MRG in A40, PID before OBR/OBX in ORU). 0357: 100. */
  MISSING_SEGMENT: 'NORMALIZE_MISSING_SEGMENT',
  /** No usable patient identifier (PID-3, PID-2, PID-4 all empty) or MRG-1 empty. 0357: 101. */
  NO_PATIENT_ID: 'NORMALIZE_NO_PATIENT_ID',
  /** The feed profile says `mrn.fallback: reject` and no PID-3 repetition is the MRN. 0357: 204. */
  MRN_NOT_FOUND: 'NORMALIZE_MRN_NOT_FOUND',
} as const;

export type NormalizeErrorCodeValue = (typeof NormalizeErrorCode)[keyof typeof NormalizeErrorCode];

/** A message the normalizer refuses; `hl7Code` is the table 0357 code. */
export class NormalizeError extends BadRecordError {
  readonly hl7Code: string;
  constructor(code: NormalizeErrorCodeValue, hl7Code: string, message: string) {
    super(code, message);
    this.name = 'NormalizeError';
    this.hl7Code = hl7Code;
  }
}
