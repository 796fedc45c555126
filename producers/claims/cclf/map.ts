/**
 * CCLF record → output value mapping (claim.line.v1 for CCLF1-7, roster.member.v1 for CCLF8, a
 * crosswalk value for CCLF9). The mapping table with its reasons is in docs/claims-cclf.md.
 * Mappers receive the record's field values already checked and converted by parse.ts (dates
 * `YYYY-MM-DD` or null, amounts exact decimal strings or null, everything else trimmed or null)
 * and push problems for the code-level rules they own (ICD shape and version).
 */
import { normalizeIcd10 } from '../../../processors/normalize/codes.ts';
import type { ClaimLineValue, ParseProblem, RosterMemberValue } from '../types.ts';
import { normalizeIcd10Pcs, stripLeadingZeros } from './fields.ts';
import { CCLF1, CCLF2, CCLF3, CCLF4, CCLF5, CCLF6, CCLF7, CCLF8, CCLF9, type CclfLayout } from './layouts.ts';

/**
 * One row of CCLF9, the beneficiary identifier crosswalk. There is no topic for it yet; the
 * proposed `member.xref.v1` schema is in docs/claims-cclf.md.
 */
export interface MemberCrosswalkValue {
  sourceFile: string;
  sourceFileSha256: string | null;
  lineNumber: number;
  sourceFormat: 'CCLF9';
  /** HICN_MBI_XREF_IND as delivered: `M` MBI crosswalk, `H` HICN crosswalk. */
  crosswalkIndicator: string;
  /** CRNT_NUM, the identifier to roll forward to. */
  currentId: string;
  /** PRVS_NUM, the identifier claims may still carry. */
  previousId: string;
  /** MBI when the indicator is M, HICN when H, else OTHER. */
  idType: 'MBI' | 'HICN' | 'OTHER';
  previousIdEffectiveDate: string | null;
  previousIdObsoleteDate: string | null;
}

/** Output of the CCLF parser: the shared ParsedRecord topics plus the proposed crosswalk. */
export type CclfRecord =
  | { topic: 'claim.line.v1'; value: ClaimLineValue }
  | { topic: 'roster.member.v1'; value: RosterMemberValue }
  | { topic: 'member.xref.v1'; value: MemberCrosswalkValue };

/** Per-line context handed to a mapper. */
export interface MapContext {
  sourceFile: string;
  sourceFileSha256: string | null;
  lineNumber: number;
  problems: ParseProblem[];
}

/** Field values of one record, by field index of its layout. */
export type Values = (string | null)[];

export type Mapper = (v: Values, ctx: MapContext) => CclfRecord | null;

/**
 * Field indexes of each layout that a mapper reads. parse.ts slices only these plus checked and
 * required fields: unread, unchecked text fields cost nothing (a CCLF5 line has 52 fields).
 */
export const USED_FIELDS = new Map<CclfLayout, Set<number>>();

function keys<const N extends readonly string[]>(layout: CclfLayout, names: N): Record<N[number], number> {
  const out = {} as Record<string, number>;
  let used = USED_FIELDS.get(layout);
  if (used === undefined) USED_FIELDS.set(layout, (used = new Set()));
  for (const n of names) {
    const i = layout.fields.findIndex((f) => f.name === n);
    if (i < 0) throw new Error(`CCLF mapping: ${layout.kind} has no field ${n}`);
    out[n] = i;
    used.add(i);
  }
  return out;
}

function idx(layout: CclfLayout, name: string): number {
  return keys(layout, [name] as const)[name] as number;
}

/** A claim line with every schema field present (defaults), so all values share one shape. */
function claimLine(ctx: MapContext, sourceFormat: string, claimId: string, memberId: string): ClaimLineValue {
  return {
    sourceFile: ctx.sourceFile,
    sourceFileSha256: ctx.sourceFileSha256,
    lineNumber: ctx.lineNumber,
    sourceFormat,
    claimId,
    claimLineNumber: null,
    claimControlNumber: null,
    claimTypeCode: null,
    adjustmentTypeCode: null,
    claimEffectiveDate: null,
    frequencyCode: null,
    memberId,
    memberIdType: 'MBI',
    fromDate: null,
    thruDate: null,
    serviceFromDate: null,
    serviceThruDate: null,
    placeOfService: null,
    procedureCode: null,
    procedureModifiers: [],
    diagnosisCodes: [],
    icdProcedureCodes: [],
    revenueCode: null,
    ndcCode: null,
    renderingNpi: null,
    billingNpi: null,
    billingTin: null,
    billingCcn: null,
    providerSpecialtyCode: null,
    nonPaymentReasonCode: null,
    allowedAmount: null,
    paidAmount: null,
  };
}

/**
 * ICD version gate: DGNS_PRCDR_ICD_IND `9` means ICD-9 (CCLF IP v36; `0` or blank ICD-10).
 * claim.line.v1 carries ICD-10 only, so an ICD-9 line is refused rather than mislabelled.
 */
function icd10Only(v: Values, i: number, ctx: MapContext): boolean {
  if (v[i] === '9') {
    ctx.problems.push({
      line: ctx.lineNumber,
      field: 'DGNS_PRCDR_ICD_IND',
      code: 'ICD_VERSION',
      message: 'expected ICD-10 (indicator 0 or blank); ICD-9 codes do not fit claim.line.v1',
    });
    return false;
  }
  return true;
}

/**
 * normalizeIcd10 memoized: claims repeat a few thousand distinct codes millions of times. Bounded
 * (cleared when full) so memory stays flat.
 */
const icdCache = new Map<string, string | null>();
function icd10(raw: string): string | null {
  let c = icdCache.get(raw);
  if (c === undefined) {
    c = normalizeIcd10(raw);
    if (icdCache.size >= 50_000) icdCache.clear();
    icdCache.set(raw, c);
  }
  return c;
}

/** Diagnosis codes of the given fields, normalized (processors/normalize/codes.ts), de-duplicated in order. */
function diagnoses(
  v: Values,
  fields: readonly number[],
  names: readonly string[],
  ctx: MapContext,
): string[] {
  const out: string[] = [];
  for (let k = 0; k < fields.length; k++) {
    const raw = v[fields[k] as number];
    if (raw === null || raw === undefined) continue;
    const code = icd10(raw);
    if (code === null) {
      ctx.problems.push({
        line: ctx.lineNumber,
        field: names[k],
        code: 'BAD_CODE',
        message: 'expected an ICD-10-CM code (letter, digit, then 1-5 letters/digits, no point)',
      });
    } else if (!out.includes(code)) out.push(code);
  }
  return out;
}

function modifiers(v: Values, fields: readonly number[]): string[] {
  const out: string[] = [];
  for (const i of fields) {
    const m = v[i];
    if (m !== null && m !== undefined) out.push(m.toUpperCase());
  }
  return out;
}

function upper(s: string | null | undefined): string | null {
  return s === null || s === undefined ? null : s.toUpperCase();
}

function lineNum(s: string | null | undefined): number | null {
  return s === null || s === undefined ? null : Number(s);
}

function adj(s: string | null | undefined): string | null {
  return s === null || s === undefined ? null : stripLeadingZeros(s);
}

function mdfrFields(layout: CclfLayout): number[] {
  return [1, 2, 3, 4, 5].map((n) => idx(layout, `HCPCS_${n}_MDFR_CD`));
}

function mapCclf1(): Mapper {
  const k = keys(CCLF1, [
    'CUR_CLM_UNIQ_ID',
    'PRVDR_OSCAR_NUM',
    'BENE_MBI_ID',
    'CLM_TYPE_CD',
    'CLM_FROM_DT',
    'CLM_THRU_DT',
    'PRNCPL_DGNS_CD',
    'CLM_MDCR_NPMT_RSN_CD',
    'CLM_PMT_AMT',
    'FAC_PRVDR_NPI_NUM',
    'ATNDG_PRVDR_NPI_NUM',
    'CLM_ADJSMT_TYPE_CD',
    'CLM_EFCTV_DT',
    'CLM_BILL_FREQ_CD',
    'DGNS_PRCDR_ICD_IND',
    'CLM_BLG_PRVDR_OSCAR_NUM',
    'CLM_BLG_PRVDR_NPI_NUM',
    'CLM_CNTL_NUM',
  ] as const);
  const dx = [k.PRNCPL_DGNS_CD];
  const dxNames = ['PRNCPL_DGNS_CD'];
  return (v, ctx) => {
    if (!icd10Only(v, k.DGNS_PRCDR_ICD_IND, ctx)) return null;
    const r = claimLine(ctx, 'CCLF1', v[k.CUR_CLM_UNIQ_ID] as string, v[k.BENE_MBI_ID] as string);
    r.claimControlNumber = v[k.CLM_CNTL_NUM] ?? null;
    r.claimTypeCode = v[k.CLM_TYPE_CD] ?? null;
    r.adjustmentTypeCode = adj(v[k.CLM_ADJSMT_TYPE_CD]);
    r.claimEffectiveDate = v[k.CLM_EFCTV_DT] ?? null;
    r.frequencyCode = v[k.CLM_BILL_FREQ_CD] ?? null;
    r.fromDate = v[k.CLM_FROM_DT] ?? null;
    r.thruDate = v[k.CLM_THRU_DT] ?? null;
    r.diagnosisCodes = diagnoses(v, dx, dxNames, ctx);
    // Institutional claims have no rendering provider; the attending physician is the closest.
    r.renderingNpi = v[k.ATNDG_PRVDR_NPI_NUM] ?? null;
    // CLM_BLG_PRVDR_* arrived with IP v36; older records only have the facility fields.
    r.billingNpi = v[k.CLM_BLG_PRVDR_NPI_NUM] ?? v[k.FAC_PRVDR_NPI_NUM] ?? null;
    r.billingCcn = v[k.CLM_BLG_PRVDR_OSCAR_NUM] ?? v[k.PRVDR_OSCAR_NUM] ?? null;
    r.nonPaymentReasonCode = v[k.CLM_MDCR_NPMT_RSN_CD] ?? null;
    r.paidAmount = v[k.CLM_PMT_AMT] ?? null;
    return { topic: 'claim.line.v1', value: r };
  };
}

function mapCclf2(): Mapper {
  const k = keys(CCLF2, [
    'CUR_CLM_UNIQ_ID',
    'CLM_LINE_NUM',
    'BENE_MBI_ID',
    'CLM_TYPE_CD',
    'CLM_LINE_FROM_DT',
    'CLM_LINE_THRU_DT',
    'CLM_LINE_PROD_REV_CTR_CD',
    'CLM_LINE_HCPCS_CD',
    'PRVDR_OSCAR_NUM',
    'CLM_FROM_DT',
    'CLM_THRU_DT',
    'CLM_LINE_CVRD_PD_AMT',
    'CLM_FAC_PRVDR_OSCAR_NUM',
  ] as const);
  const mdfr = mdfrFields(CCLF2);
  return (v, ctx) => {
    const r = claimLine(ctx, 'CCLF2', v[k.CUR_CLM_UNIQ_ID] as string, v[k.BENE_MBI_ID] as string);
    r.claimLineNumber = lineNum(v[k.CLM_LINE_NUM]);
    r.claimTypeCode = v[k.CLM_TYPE_CD] ?? null;
    r.fromDate = v[k.CLM_FROM_DT] ?? null;
    r.thruDate = v[k.CLM_THRU_DT] ?? null;
    r.serviceFromDate = v[k.CLM_LINE_FROM_DT] ?? null;
    r.serviceThruDate = v[k.CLM_LINE_THRU_DT] ?? null;
    r.revenueCode = v[k.CLM_LINE_PROD_REV_CTR_CD] ?? null;
    r.procedureCode = upper(v[k.CLM_LINE_HCPCS_CD]);
    r.procedureModifiers = modifiers(v, mdfr);
    r.billingCcn = v[k.CLM_FAC_PRVDR_OSCAR_NUM] ?? v[k.PRVDR_OSCAR_NUM] ?? null;
    r.paidAmount = v[k.CLM_LINE_CVRD_PD_AMT] ?? null;
    return { topic: 'claim.line.v1', value: r };
  };
}

function mapCclf3(): Mapper {
  const k = keys(CCLF3, [
    'CUR_CLM_UNIQ_ID',
    'BENE_MBI_ID',
    'CLM_TYPE_CD',
    'CLM_PRCDR_CD',
    'PRVDR_OSCAR_NUM',
    'CLM_FROM_DT',
    'CLM_THRU_DT',
    'DGNS_PRCDR_ICD_IND',
    'CLM_BLG_PRVDR_OSCAR_NUM',
  ] as const);
  return (v, ctx) => {
    if (!icd10Only(v, k.DGNS_PRCDR_ICD_IND, ctx)) return null;
    const pcs = normalizeIcd10Pcs(v[k.CLM_PRCDR_CD] as string);
    if (pcs === null) {
      ctx.problems.push({
        line: ctx.lineNumber,
        field: 'CLM_PRCDR_CD',
        code: 'BAD_CODE',
        message: 'expected an ICD-10-PCS code (7 letters/digits, no I or O)',
      });
      return null;
    }
    const r = claimLine(ctx, 'CCLF3', v[k.CUR_CLM_UNIQ_ID] as string, v[k.BENE_MBI_ID] as string);
    r.claimTypeCode = v[k.CLM_TYPE_CD] ?? null;
    r.fromDate = v[k.CLM_FROM_DT] ?? null;
    r.thruDate = v[k.CLM_THRU_DT] ?? null;
    r.icdProcedureCodes = [pcs];
    r.billingCcn = v[k.CLM_BLG_PRVDR_OSCAR_NUM] ?? v[k.PRVDR_OSCAR_NUM] ?? null;
    return { topic: 'claim.line.v1', value: r };
  };
}

function mapCclf4(): Mapper {
  const k = keys(CCLF4, [
    'CUR_CLM_UNIQ_ID',
    'BENE_MBI_ID',
    'CLM_TYPE_CD',
    'CLM_DGNS_CD',
    'PRVDR_OSCAR_NUM',
    'CLM_FROM_DT',
    'CLM_THRU_DT',
    'DGNS_PRCDR_ICD_IND',
    'CLM_BLG_PRVDR_OSCAR_NUM',
  ] as const);
  const dx = [k.CLM_DGNS_CD];
  const dxNames = ['CLM_DGNS_CD'];
  return (v, ctx) => {
    if (!icd10Only(v, k.DGNS_PRCDR_ICD_IND, ctx)) return null;
    const codes = diagnoses(v, dx, dxNames, ctx);
    if (codes.length === 0) return null;
    const r = claimLine(ctx, 'CCLF4', v[k.CUR_CLM_UNIQ_ID] as string, v[k.BENE_MBI_ID] as string);
    r.claimTypeCode = v[k.CLM_TYPE_CD] ?? null;
    r.fromDate = v[k.CLM_FROM_DT] ?? null;
    r.thruDate = v[k.CLM_THRU_DT] ?? null;
    r.diagnosisCodes = codes;
    r.billingCcn = v[k.CLM_BLG_PRVDR_OSCAR_NUM] ?? v[k.PRVDR_OSCAR_NUM] ?? null;
    return { topic: 'claim.line.v1', value: r };
  };
}

/** Fields both Part B line files (CCLF5 physician, CCLF6 DME) carry under the same names. */
const PART_B_COMMON = [
  'CUR_CLM_UNIQ_ID',
  'CLM_LINE_NUM',
  'BENE_MBI_ID',
  'CLM_TYPE_CD',
  'CLM_FROM_DT',
  'CLM_THRU_DT',
  'CLM_POS_CD',
  'CLM_LINE_FROM_DT',
  'CLM_LINE_THRU_DT',
  'CLM_LINE_HCPCS_CD',
  'CLM_LINE_CVRD_PD_AMT',
  'CLM_ADJSMT_TYPE_CD',
  'CLM_EFCTV_DT',
  'CLM_CNTL_NUM',
  'CLM_LINE_ALOWD_CHRG_AMT',
] as const;

/**
 * The part of a Part B line mapping that CCLF5 and CCLF6 share: claim identity and version,
 * dates, place of service, HCPCS and amounts. Each file then adds its own provider fields.
 */
function partBLine(layout: CclfLayout): (v: Values, ctx: MapContext) => ClaimLineValue {
  const k = keys(layout, PART_B_COMMON);
  return (v, ctx) => {
    const r = claimLine(ctx, layout.kind, v[k.CUR_CLM_UNIQ_ID] as string, v[k.BENE_MBI_ID] as string);
    r.claimLineNumber = lineNum(v[k.CLM_LINE_NUM]);
    r.claimControlNumber = v[k.CLM_CNTL_NUM] ?? null;
    r.claimTypeCode = v[k.CLM_TYPE_CD] ?? null;
    r.adjustmentTypeCode = adj(v[k.CLM_ADJSMT_TYPE_CD]);
    r.claimEffectiveDate = v[k.CLM_EFCTV_DT] ?? null;
    r.fromDate = v[k.CLM_FROM_DT] ?? null;
    r.thruDate = v[k.CLM_THRU_DT] ?? null;
    r.serviceFromDate = v[k.CLM_LINE_FROM_DT] ?? null;
    r.serviceThruDate = v[k.CLM_LINE_THRU_DT] ?? null;
    r.placeOfService = v[k.CLM_POS_CD] ?? null;
    r.procedureCode = upper(v[k.CLM_LINE_HCPCS_CD]);
    r.allowedAmount = v[k.CLM_LINE_ALOWD_CHRG_AMT] ?? null;
    r.paidAmount = v[k.CLM_LINE_CVRD_PD_AMT] ?? null;
    return r;
  };
}

function mapCclf5(): Mapper {
  const common = partBLine(CCLF5);
  const k = keys(CCLF5, [
    'CLM_PRVDR_SPCLTY_CD',
    'CLM_RNDRG_PRVDR_TAX_NUM',
    'RNDRG_PRVDR_NPI_NUM',
    'DGNS_PRCDR_ICD_IND',
    'CLM_RNDRG_PRVDR_NPI_NUM',
  ] as const);
  const mdfr = mdfrFields(CCLF5);
  // Line diagnosis first, then the claim's 12 header diagnoses (IP v36 field order).
  const dxNames = ['CLM_LINE_DGNS_CD', ...Array.from({ length: 12 }, (_, n) => `CLM_DGNS_${n + 1}_CD`)];
  const dx = dxNames.map((n) => idx(CCLF5, n));
  return (v, ctx) => {
    if (!icd10Only(v, k.DGNS_PRCDR_ICD_IND, ctx)) return null;
    const r = common(v, ctx);
    r.procedureModifiers = modifiers(v, mdfr);
    r.diagnosisCodes = diagnoses(v, dx, dxNames, ctx);
    r.renderingNpi = v[k.RNDRG_PRVDR_NPI_NUM] ?? v[k.CLM_RNDRG_PRVDR_NPI_NUM] ?? null;
    r.billingTin = v[k.CLM_RNDRG_PRVDR_TAX_NUM] ?? null;
    r.providerSpecialtyCode = v[k.CLM_PRVDR_SPCLTY_CD] ?? null;
    return { topic: 'claim.line.v1', value: r };
  };
}

function mapCclf6(): Mapper {
  const common = partBLine(CCLF6);
  const k = keys(CCLF6, ['PAYTO_PRVDR_NPI_NUM', 'CLM_BLG_PRVDR_NPI_NUM'] as const);
  return (v, ctx) => {
    const r = common(v, ctx);
    r.procedureModifiers = [];
    r.billingNpi = v[k.CLM_BLG_PRVDR_NPI_NUM] ?? v[k.PAYTO_PRVDR_NPI_NUM] ?? null;
    return { topic: 'claim.line.v1', value: r };
  };
}

/** NCPDP provider id qualifier 01 = NPI (CCLF7 PRVDR_SRVC_ID_QLFYR_CD / PRVDR_PRSBNG_ID_QLFYR_CD). */
const NPI_QUALIFIER = '01';

function mapCclf7(): Mapper {
  const k = keys(CCLF7, [
    'CUR_CLM_UNIQ_ID',
    'BENE_MBI_ID',
    'CLM_LINE_NDC_CD',
    'CLM_TYPE_CD',
    'CLM_LINE_FROM_DT',
    'PRVDR_SRVC_ID_QLFYR_CD',
    'CLM_SRVC_PRVDR_GNRC_ID_NUM',
    'PRVDR_PRSBNG_ID_QLFYR_CD',
    'CLM_PRSBNG_PRVDR_GNRC_ID_NUM',
    'CLM_ADJSMT_TYPE_CD',
    'CLM_EFCTV_DT',
  ] as const);
  return (v, ctx) => {
    const r = claimLine(ctx, 'CCLF7', v[k.CUR_CLM_UNIQ_ID] as string, v[k.BENE_MBI_ID] as string);
    r.claimTypeCode = v[k.CLM_TYPE_CD] ?? null;
    r.adjustmentTypeCode = adj(v[k.CLM_ADJSMT_TYPE_CD]);
    r.claimEffectiveDate = v[k.CLM_EFCTV_DT] ?? null;
    // A fill is a one-day event: the fill date is both the claim and the service date.
    r.fromDate = v[k.CLM_LINE_FROM_DT] ?? null;
    r.serviceFromDate = r.fromDate;
    r.ndcCode = v[k.CLM_LINE_NDC_CD] ?? null;
    if (v[k.PRVDR_PRSBNG_ID_QLFYR_CD] === NPI_QUALIFIER)
      r.renderingNpi = v[k.CLM_PRSBNG_PRVDR_GNRC_ID_NUM] ?? null;
    if (v[k.PRVDR_SRVC_ID_QLFYR_CD] === NPI_QUALIFIER) r.billingNpi = v[k.CLM_SRVC_PRVDR_GNRC_ID_NUM] ?? null;
    // CLM_LINE_BENE_PMT_AMT is what the beneficiary paid, not the plan: it is not paidAmount.
    return { topic: 'claim.line.v1', value: r };
  };
}

/** CMS BENE_SEX_CD → HL7 table 0001 (roster.member.v1 `sex` doc: 1 M, 2 F, 0 U). */
function sex(code: string | null | undefined): string {
  return code === '1' ? 'M' : code === '2' ? 'F' : 'U';
}

function mapCclf8(): Mapper {
  const k = keys(CCLF8, [
    'BENE_MBI_ID',
    'BENE_ZIP_CD',
    'BENE_DOB',
    'BENE_SEX_CD',
    'BENE_DEATH_DT',
    'BENE_1ST_NAME',
    'BENE_MIDL_NAME',
    'BENE_LAST_NAME',
    'GEO_ZIP5_CD',
    'GEO_ZIP4_CD',
  ] as const);
  return (v, ctx) => {
    const zip5 = v[k.GEO_ZIP5_CD] ?? v[k.BENE_ZIP_CD] ?? null;
    const zip4 = v[k.GEO_ZIP4_CD] ?? null;
    const postal =
      zip5 !== null && /^\d{5}$/.test(zip5)
        ? zip4 !== null && /^\d{4}$/.test(zip4)
          ? zip5 + zip4
          : zip5
        : null;
    const value: RosterMemberValue = {
      sourceFile: ctx.sourceFile,
      sourceFileSha256: ctx.sourceFileSha256,
      lineNumber: ctx.lineNumber,
      sourceFormat: 'CCLF8',
      contractId: null,
      memberId: v[k.BENE_MBI_ID],
      memberIdType: 'MBI',
      familyName: v[k.BENE_LAST_NAME] ?? null,
      givenName: v[k.BENE_1ST_NAME] ?? null,
      middleName: v[k.BENE_MIDL_NAME] ?? null,
      birthDate: v[k.BENE_DOB] ?? null,
      sex: sex(v[k.BENE_SEX_CD]),
      deathDate: v[k.BENE_DEATH_DT] ?? null,
      postalCode: postal,
      phone: null,
      mrn: null,
      mrnAssigningAuthority: null,
      pcpNpi: null,
      pcpTin: null,
      effectiveDate: null,
      termDate: null,
      product: null,
      // CCLF covers Medicare fee-for-service beneficiaries assigned/aligned to the ACO.
      lineOfBusiness: 'MEDICARE',
    };
    return { topic: 'roster.member.v1', value };
  };
}

function mapCclf9(): Mapper {
  const k = keys(CCLF9, [
    'HICN_MBI_XREF_IND',
    'CRNT_NUM',
    'PRVS_NUM',
    'PRVS_ID_EFCTV_DT',
    'PRVS_ID_OBSLT_DT',
  ] as const);
  return (v, ctx) => {
    const ind = (v[k.HICN_MBI_XREF_IND] as string).toUpperCase();
    const value: MemberCrosswalkValue = {
      sourceFile: ctx.sourceFile,
      sourceFileSha256: ctx.sourceFileSha256,
      lineNumber: ctx.lineNumber,
      sourceFormat: 'CCLF9',
      crosswalkIndicator: ind,
      currentId: v[k.CRNT_NUM] as string,
      previousId: v[k.PRVS_NUM] as string,
      idType: ind === 'M' ? 'MBI' : ind === 'H' ? 'HICN' : 'OTHER',
      previousIdEffectiveDate: v[k.PRVS_ID_EFCTV_DT] ?? null,
      previousIdObsoleteDate: v[k.PRVS_ID_OBSLT_DT] ?? null,
    };
    return { topic: 'member.xref.v1', value };
  };
}

/** The mapper of each data file. */
export const MAPPERS = {
  CCLF1: mapCclf1(),
  CCLF2: mapCclf2(),
  CCLF3: mapCclf3(),
  CCLF4: mapCclf4(),
  CCLF5: mapCclf5(),
  CCLF6: mapCclf6(),
  CCLF7: mapCclf7(),
  CCLF8: mapCclf8(),
  CCLF9: mapCclf9(),
} as const;
