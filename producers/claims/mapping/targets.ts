/**
 * What a payer mapping may write: the fields of `claim.line.v1` and `roster.member.v1`
 * (schemas/*.avsc) with the kind of conversion each one gets. `sourceFile`, `sourceFileSha256`
 * and `lineNumber` are set by the parser, never by a mapping.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_DIR } from '../../../schemas/codec-core.ts';

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

/** Fields the parser sets itself; a mapping never does. */
const PARSER_FIELDS = new Set(['sourceFile', 'sourceFileSha256', 'lineNumber']);

interface AvroField {
  name: string;
  type: unknown;
  default?: unknown;
}

/**
 * Builds a target table from the Avro schema (the source of truth for names, enum symbols,
 * defaults and which fields are required) and the conversion kind of each field, which the
 * schema cannot say. A field missing on either side is a programming error, caught at load.
 */
function targetsFrom(
  topic: string,
  kinds: Readonly<Record<string, TargetKind>>,
  fallbacks: Readonly<Record<string, string>> = {},
): Readonly<Record<string, TargetField>> {
  const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, `${topic}.avsc`), 'utf8')) as {
    fields: AvroField[];
  };
  const out: Record<string, TargetField> = {};
  for (const field of schema.fields) {
    if (PARSER_FIELDS.has(field.name)) continue;
    const kind = kinds[field.name];
    if (kind === undefined)
      throw new Error(`${topic}.${field.name} has no conversion kind in mapping/targets.ts`);
    const type = field.type as { type?: string; symbols?: string[] } | unknown[];
    const nullable = Array.isArray(type) && type.includes('null');
    const target: TargetField = { kind };
    if (!Array.isArray(type) && type.type === 'array') target.array = true;
    if (!Array.isArray(type) && type.type === 'enum') target.symbols = type.symbols;
    const fallback = fallbacks[field.name] ?? (field.default as TargetField['fallback']);
    if (fallback !== undefined) target.fallback = fallback;
    else if (!nullable) target.schemaRequired = true;
    out[field.name] = target;
  }
  for (const name of Object.keys(kinds)) {
    if (out[name] === undefined)
      throw new Error(`mapping/targets.ts names ${topic}.${name}, which the schema does not have`);
  }
  return out;
}

/** claim.line.v1 fields a mapping may set (schemas/claim.line.v1.avsc). */
export const CLAIM_TARGETS: Readonly<Record<string, TargetField>> = targetsFrom(
  'claim.line.v1',
  {
    sourceFormat: 'enum',
    claimId: 'string',
    claimLineNumber: 'int',
    claimControlNumber: 'string',
    claimTypeCode: 'string',
    adjustmentTypeCode: 'string',
    claimEffectiveDate: 'date',
    frequencyCode: 'string',
    memberId: 'string',
    memberIdType: 'enum',
    fromDate: 'date',
    thruDate: 'date',
    serviceFromDate: 'date',
    serviceThruDate: 'date',
    placeOfService: 'string',
    procedureCode: 'code',
    procedureModifiers: 'code',
    diagnosisCodes: 'icd10',
    icdProcedureCodes: 'icd10pcs',
    revenueCode: 'string',
    ndcCode: 'string',
    renderingNpi: 'npi',
    billingNpi: 'npi',
    billingTin: 'tin',
    billingCcn: 'string',
    providerSpecialtyCode: 'string',
    nonPaymentReasonCode: 'string',
    allowedAmount: 'amount',
    paidAmount: 'amount',
  },
  { sourceFormat: 'PAYER_CSV' },
);

/** roster.member.v1 fields a mapping may set (schemas/roster.member.v1.avsc). */
export const ROSTER_TARGETS: Readonly<Record<string, TargetField>> = targetsFrom(
  'roster.member.v1',
  {
    sourceFormat: 'enum',
    contractId: 'string',
    memberId: 'string',
    memberIdType: 'enum',
    familyName: 'string',
    givenName: 'string',
    middleName: 'string',
    birthDate: 'date',
    sex: 'enum', // Avro default U (HL7 table 0001 "unknown")
    deathDate: 'date',
    postalCode: 'postal',
    phone: 'phone',
    mrn: 'string',
    mrnAssigningAuthority: 'string',
    pcpNpi: 'npi',
    pcpTin: 'tin',
    effectiveDate: 'date',
    termDate: 'date',
    product: 'string',
    lineOfBusiness: 'string',
  },
  { sourceFormat: 'PAYER_CSV' },
);

/** Target fields of a mapping kind. */
export function targetsOf(kind: 'claims' | 'roster'): Readonly<Record<string, TargetField>> {
  return kind === 'claims' ? CLAIM_TARGETS : ROSTER_TARGETS;
}
