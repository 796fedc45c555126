/**
 * The claims landing tables (migration 0003_claims_landing.sql): one column per Avro field of the
 * topic, named in snake_case, plus where the record was read from. Values land as delivered, every
 * version kept; final action is computed later (processors/claims/final-action-job.ts).
 */
import { col, ColumnKind as K, type Column } from './columns.ts';

/** Where a landed row was read from; not part of the value. */
export const SOURCE_COLUMNS: readonly Column[] = [
  { field: 'sourcePartition', column: 'source_partition', kind: K.UINT },
  { field: 'sourceOffset', column: 'source_offset', kind: K.UINT },
  { field: 'publishedAt', column: 'published_at', kind: K.DATETIME },
];

/** Every `claim.line.v1` field (schemas/claim.line.v1.avsc), in schema order. */
export const CLAIM_LINE_COLUMNS: readonly Column[] = [
  col('sourceFile', K.STRING),
  col('sourceFileSha256', K.EMPTY_AS_NULL),
  col('lineNumber', K.UINT),
  col('sourceFormat', K.STRING),
  col('claimId', K.STRING),
  col('claimLineNumber', K.NULLABLE_INT),
  col('claimControlNumber', K.NULLABLE_STRING),
  col('claimTypeCode', K.NULLABLE_STRING),
  col('adjustmentTypeCode', K.NULLABLE_STRING),
  col('claimEffectiveDate', K.DATE),
  col('frequencyCode', K.NULLABLE_STRING),
  col('memberId', K.STRING),
  col('memberIdType', K.STRING),
  col('fromDate', K.DATE),
  col('thruDate', K.DATE),
  col('serviceFromDate', K.DATE),
  col('serviceThruDate', K.DATE),
  col('placeOfService', K.NULLABLE_STRING),
  col('procedureCode', K.NULLABLE_STRING),
  col('procedureModifiers', K.STRINGS),
  col('diagnosisCodes', K.STRINGS),
  col('icdProcedureCodes', K.STRINGS),
  col('revenueCode', K.NULLABLE_STRING),
  col('ndcCode', K.NULLABLE_STRING),
  col('renderingNpi', K.NULLABLE_STRING),
  col('billingNpi', K.NULLABLE_STRING),
  col('billingTin', K.NULLABLE_STRING),
  col('billingCcn', K.NULLABLE_STRING),
  col('providerSpecialtyCode', K.NULLABLE_STRING),
  col('nonPaymentReasonCode', K.NULLABLE_STRING),
  col('allowedAmount', K.AMOUNT),
  col('paidAmount', K.AMOUNT),
];

/** Every `roster.member.v1` field (schemas/roster.member.v1.avsc), in schema order. */
export const ROSTER_MEMBER_COLUMNS: readonly Column[] = [
  col('sourceFile', K.STRING),
  col('sourceFileSha256', K.EMPTY_AS_NULL),
  col('lineNumber', K.UINT),
  col('sourceFormat', K.STRING),
  col('contractId', K.NULLABLE_STRING),
  col('memberId', K.STRING),
  col('memberIdType', K.STRING),
  col('familyName', K.NULLABLE_STRING),
  col('givenName', K.NULLABLE_STRING),
  col('middleName', K.NULLABLE_STRING),
  col('birthDate', K.DATE),
  col('sex', K.STRING),
  col('deathDate', K.DATE),
  col('postalCode', K.NULLABLE_STRING),
  col('phone', K.NULLABLE_STRING),
  col('mrn', K.NULLABLE_STRING),
  col('mrnAssigningAuthority', K.NULLABLE_STRING),
  col('pcpNpi', K.NULLABLE_STRING),
  col('pcpTin', K.NULLABLE_STRING),
  col('effectiveDate', K.DATE),
  col('termDate', K.DATE),
  col('product', K.NULLABLE_STRING),
  col('lineOfBusiness', K.NULLABLE_STRING),
];

/** Every `member.xref.v1` field (schemas/member.xref.v1.avsc), in schema order. */
export const MEMBER_XREF_COLUMNS: readonly Column[] = [
  col('sourceFile', K.STRING),
  col('sourceFileSha256', K.EMPTY_AS_NULL),
  col('lineNumber', K.UINT),
  col('sourceFormat', K.STRING),
  col('crosswalkIndicator', K.STRING),
  col('currentId', K.STRING),
  col('previousId', K.STRING),
  col('idType', K.STRING),
  col('previousIdEffectiveDate', K.DATE),
  col('previousIdObsoleteDate', K.DATE),
];

/**
 * Every `file.manifest.v1` field. `at` is kept twice: exact milliseconds (`at_ms`, for ordering)
 * and a second-precision `at` DateTime for people (18.16 has no DateTime64).
 */
export const FILE_MANIFEST_COLUMNS: readonly Column[] = [
  col('sha256', K.STRING),
  col('fileName', K.STRING),
  col('sizeBytes', K.UINT),
  col('format', K.STRING),
  col('event', K.STRING),
  col('status', K.STRING),
  col('linesCommitted', K.UINT),
  col('linesTotal', K.UINT),
  col('recordsPublished', K.UINT),
  col('badLines', K.UINT),
  col('problemCodes', K.STRINGS),
  col('watcherId', K.STRING),
  { field: 'at', column: 'at_ms', kind: K.UINT },
];

/** Table names. */
export const CLAIMS_TABLES = {
  claimLines: 'claim_lines',
  rosterMembers: 'roster_members',
  memberXref: 'member_xref',
  fileManifest: 'file_manifest',
} as const;
