import { BadRecordError } from '../errors.ts';

/**
 * HL7 table 0357 message error condition codes we use (HL7 v2.5.1 ch. 2, table 0357; code 104
 * added in v2.7). Source: ../shared/reference/domain-facts.md §2.2.
 */
export const Hl7ErrorCode = {
  SEGMENT_SEQUENCE: '100',
  REQUIRED_FIELD_MISSING: '101',
  DATA_TYPE: '102',
  TABLE_VALUE_NOT_FOUND: '103',
  VALUE_TOO_LONG: '104',
  UNSUPPORTED_MESSAGE_TYPE: '200',
  UNSUPPORTED_EVENT_CODE: '201',
  UNSUPPORTED_PROCESSING_ID: '202',
  UNSUPPORTED_VERSION_ID: '203',
  UNKNOWN_KEY_IDENTIFIER: '204',
  DUPLICATE_KEY_IDENTIFIER: '205',
  APPLICATION_RECORD_LOCKED: '206',
  APPLICATION_INTERNAL_ERROR: '207',
} as const;

/** One of the table 0357 codes above. */
export type Hl7ErrorCodeValue = (typeof Hl7ErrorCode)[keyof typeof Hl7ErrorCode];

/** Table 0357 display texts, used in ERR-3 (CWE text component) and in error messages. */
export const Hl7ErrorText: Readonly<Record<string, string>> = {
  '0': 'Message accepted',
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '104': 'Value too long',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '204': 'Unknown key identifier',
  '205': 'Duplicate key identifier',
  '206': 'Application record locked',
  '207': 'Application internal error',
};

/** Where in a message an error is: segment name, its 1-based position, the field number. */
export interface Hl7ErrorLocation {
  /** Segment id, e.g. `MSH`, `PID`. */
  segment?: string;
  /** 1-based position of the segment in the message (MSH = 1). */
  segmentIndex?: number;
  /** 1-based occurrence of this segment id in the message (ERR-2.2 / ERL.2 "segment sequence"). */
  segmentSequence?: number;
  /** Field number, HL7 numbering (MSH-1 is the field separator). */
  field?: number;
}

/** Error `code` (GapstreamError.code) of every Hl7ParseError; the HL7 code is in `hl7Code`. */
export const HL7_PARSE_ERROR = 'HL7_PARSE';

/**
 * A message (or file) that is not valid HL7 v2 as far as gapstream needs it. Carries the table
 * 0357 code for the ERR segment of the NAK and the location. The message names the location and
 * the rule, never a value from the message (values are PHI).
 */
export class Hl7ParseError extends BadRecordError {
  /** HL7 table 0357 code, e.g. '101'. */
  readonly hl7Code: string;
  readonly segment?: string;
  readonly segmentIndex?: number;
  readonly segmentSequence?: number;
  readonly field?: number;

  constructor(hl7Code: string, reason: string, location: Hl7ErrorLocation = {}, cause?: unknown) {
    super(HL7_PARSE_ERROR, formatMessage(hl7Code, reason, location), cause);
    this.name = 'Hl7ParseError';
    this.hl7Code = hl7Code;
    if (location.segment !== undefined) this.segment = location.segment;
    if (location.segmentIndex !== undefined) this.segmentIndex = location.segmentIndex;
    if (location.segmentSequence !== undefined) this.segmentSequence = location.segmentSequence;
    if (location.field !== undefined) this.field = location.field;
  }
}

function formatMessage(code: string, reason: string, loc: Hl7ErrorLocation): string {
  let where = '';
  if (loc.segment !== undefined) {
    where = loc.field !== undefined ? `${loc.segment}-${loc.field}` : loc.segment;
    if (loc.segmentIndex !== undefined) where += ` (segment ${loc.segmentIndex})`;
  } else if (loc.segmentIndex !== undefined) where = `segment ${loc.segmentIndex}`;
  const text = Hl7ErrorText[code] ?? 'Error';
  return `HL7 ${code} ${text}${where ? ` at ${where}` : ''}: ${reason}`;
}
