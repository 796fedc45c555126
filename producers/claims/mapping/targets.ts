/**
 * What a payer mapping may write: the fields of `claim.line.v1` and `roster.member.v1`
 * (schemas/*.avsc) with the kind of conversion each one gets. `sourceFile`, `sourceFileSha256`
 * and `lineNumber` are set by the parser, never by a mapping.
 */

/** How a target field's text is converted (see docs/claims-payer-mapping.md, "Target fields"). */
export type TargetKind =
  | 'string' // trimmed text
  | 'code' // trimmed, upper-cased text (procedure codes, modifiers)
  | 'int' // unsigned integer
  | 'date' // parsed with the column's date format to YYYY-MM-DD
  | 'amount' // exact decimal string with 2 decimals
  | 'icd10' // ICD-10-CM via normalizeIcd10
  | 'icd10pcs' // ICD-10-PCS: 7 letters/digits, upper case, no dot
  | 'npi' // 10 digits
  | 'tin' // 9 digits, dash removed
  | 'postal' // 5 or 9 digits, dash removed
  | 'phone' // digits only
  | 'enum'; // one of the schema's enum symbols

/** One target field. */
export interface TargetField {
  kind: TargetKind;
  /** Filled from several columns into an array (blanks and duplicates removed). */
  array?: boolean;
  /** Non-null in the Avro schema: a line without it cannot be emitted. */
  schemaRequired?: boolean;
  /** Enum symbols, for `enum`. */
  symbols?: readonly string[];
  /** Value when the mapping does not map the field (Avro default or null). */
  fallback?: string | null | readonly string[];
}

const MEMBER_ID_TYPES = ['MBI', 'HICN', 'PAYER_MEMBER_ID', 'MRN', 'OTHER'] as const;

/** claim.line.v1 fields a mapping may set (schemas/claim.line.v1.avsc). */
export const CLAIM_TARGETS: Readonly<Record<string, TargetField>> = {
  sourceFormat: {
    kind: 'enum',
    symbols: [
      'CCLF1',
      'CCLF2',
      'CCLF3',
      'CCLF4',
      'CCLF5',
      'CCLF6',
      'CCLF7',
      'CCLF8',
      'CCLF9',
      'X12_837P',
      'X12_837I',
      'PAYER_CSV',
    ],
    fallback: 'PAYER_CSV',
  },
  claimId: { kind: 'string', schemaRequired: true },
  claimLineNumber: { kind: 'int', fallback: null },
  claimControlNumber: { kind: 'string', fallback: null },
  claimTypeCode: { kind: 'string', fallback: null },
  adjustmentTypeCode: { kind: 'string', fallback: null },
  claimEffectiveDate: { kind: 'date', fallback: null },
  frequencyCode: { kind: 'string', fallback: null },
  memberId: { kind: 'string', schemaRequired: true },
  memberIdType: { kind: 'enum', symbols: MEMBER_ID_TYPES, schemaRequired: true },
  fromDate: { kind: 'date', fallback: null },
  thruDate: { kind: 'date', fallback: null },
  serviceFromDate: { kind: 'date', fallback: null },
  serviceThruDate: { kind: 'date', fallback: null },
  placeOfService: { kind: 'string', fallback: null },
  procedureCode: { kind: 'code', fallback: null },
  procedureModifiers: { kind: 'code', array: true, fallback: [] },
  diagnosisCodes: { kind: 'icd10', array: true, fallback: [] },
  icdProcedureCodes: { kind: 'icd10pcs', array: true, fallback: [] },
  revenueCode: { kind: 'string', fallback: null },
  ndcCode: { kind: 'string', fallback: null },
  renderingNpi: { kind: 'npi', fallback: null },
  billingNpi: { kind: 'npi', fallback: null },
  billingTin: { kind: 'tin', fallback: null },
  billingCcn: { kind: 'string', fallback: null },
  providerSpecialtyCode: { kind: 'string', fallback: null },
  nonPaymentReasonCode: { kind: 'string', fallback: null },
  allowedAmount: { kind: 'amount', fallback: null },
  paidAmount: { kind: 'amount', fallback: null },
};

/** roster.member.v1 fields a mapping may set (schemas/roster.member.v1.avsc). */
export const ROSTER_TARGETS: Readonly<Record<string, TargetField>> = {
  sourceFormat: { kind: 'enum', symbols: ['MSSP_ALR', 'CCLF8', 'PAYER_CSV', 'OTHER'], fallback: 'PAYER_CSV' },
  contractId: { kind: 'string', fallback: null },
  memberId: { kind: 'string', schemaRequired: true },
  memberIdType: { kind: 'enum', symbols: MEMBER_ID_TYPES, schemaRequired: true },
  familyName: { kind: 'string', fallback: null },
  givenName: { kind: 'string', fallback: null },
  middleName: { kind: 'string', fallback: null },
  birthDate: { kind: 'date', fallback: null },
  // Avro default U (HL7 table 0001 "unknown").
  sex: { kind: 'enum', symbols: ['F', 'M', 'O', 'U', 'A', 'N'], fallback: 'U' },
  deathDate: { kind: 'date', fallback: null },
  postalCode: { kind: 'postal', fallback: null },
  phone: { kind: 'phone', fallback: null },
  pcpNpi: { kind: 'npi', fallback: null },
  pcpTin: { kind: 'tin', fallback: null },
  effectiveDate: { kind: 'date', fallback: null },
  termDate: { kind: 'date', fallback: null },
  product: { kind: 'string', fallback: null },
  lineOfBusiness: { kind: 'string', fallback: null },
};

/** Target fields of a mapping kind. */
export function targetsOf(kind: 'claims' | 'roster'): Readonly<Record<string, TargetField>> {
  return kind === 'claims' ? CLAIM_TARGETS : ROSTER_TARGETS;
}
