/**
 * CMS CCLF (Claim and Claim Line Feed) record layouts, as data.
 *
 * Source: CCLF Information Packet (IP) v36 tables, 1-based inclusive positions, as transcribed in
 * ../shared/reference/domain-facts.md §3.1 (from SudeepGhantasala/cclf_file_specs_as_csvs,
 * `CCLF_IP_508_v36.xlsx`). Newer IP versions (v38, v43) append fields at the END of a record, so a
 * record longer than {@link CclfLayout.length} is accepted and the extra bytes ignored.
 *
 * `minLength` is the shortest record accepted. For CCLF1-6 it is the record length of the layout
 * before v36 appended the billing-provider fields (e.g. CCLF5 363 instead of 388), as declared by
 * the CCLF0 summaries of BCDA's synthetic sets (../shared/data/cclf/bcda-app, 2018); fields past
 * the end of such a record read as blank. A record shorter than `minLength` is a RECORD_LENGTH
 * problem.
 */

/**
 * Field kinds. `int`: unsigned digits (COBOL 9(n)); `amount`: signed money, COBOL `-9(n).99`
 * (leading sign, two decimals), converted exactly to a decimal string; `decimal`: signed
 * fixed-point number of another scale (`-9(18).9999` quantities), checked, not converted;
 * `date`: CCYY-MM-DD; `code`/`text`: trimmed, not checked.
 */
export type CclfFieldType = 'text' | 'code' | 'int' | 'date' | 'amount' | 'decimal';

/** One field of a fixed-width record. */
export interface CclfField {
  readonly name: string;
  /** 1-based first position. */
  readonly start: number;
  readonly length: number;
  readonly type: CclfFieldType;
  /** A blank value is a REQUIRED problem. */
  readonly required: boolean;
}

/** The CCLF files this module reads. CCLFA/B (BE and demo codes) are not read yet. */
export const CCLF_KINDS = [
  'CCLF0',
  'CCLF1',
  'CCLF2',
  'CCLF3',
  'CCLF4',
  'CCLF5',
  'CCLF6',
  'CCLF7',
  'CCLF8',
  'CCLF9',
] as const;
export type CclfKind = (typeof CCLF_KINDS)[number];

/** A fixed-width layout. */
export interface CclfLayout {
  readonly kind: CclfKind;
  readonly title: string;
  /** Record length of the IP v36 layout (last field's end). */
  readonly length: number;
  /** Shortest record accepted (see the module comment). */
  readonly minLength: number;
  readonly fields: readonly CclfField[];
  /** Fields by name. */
  readonly byName: Readonly<Record<string, CclfField>>;
}

type Spec = [name: string, start: number, length: number, type?: CclfFieldType, required?: 'required'];

function layout(kind: CclfKind, title: string, minLength: number, specs: Spec[]): CclfLayout {
  const fields: CclfField[] = specs.map(([name, start, length, type = 'text', required]) => ({
    name,
    start,
    length,
    type,
    required: required === 'required',
  }));
  // Layouts are hand-transcribed: refuse gaps/overlaps at load time rather than mis-slice data.
  let next = 1;
  for (const f of fields) {
    if (f.start !== next)
      throw new Error(`CCLF layout ${kind}: field ${f.name} starts at ${f.start}, expected ${next}`);
    next = f.start + f.length;
  }
  const byName: Record<string, CclfField> = {};
  for (const f of fields) byName[f.name] = f;
  return { kind, title, length: next - 1, minLength, fields, byName };
}

const R = 'required' as const;

/** CCLF1 Part A claims header (IP v36, record ends at 437). */
export const CCLF1 = layout('CCLF1', 'Part A Claims Header', 292, [
  ['CUR_CLM_UNIQ_ID', 1, 13, 'int', R],
  ['PRVDR_OSCAR_NUM', 14, 6, 'code'],
  ['BENE_MBI_ID', 20, 11, 'code', R],
  ['BENE_HIC_NUM', 31, 11, 'code'],
  ['CLM_TYPE_CD', 42, 2, 'int', R],
  ['CLM_FROM_DT', 44, 10, 'date', R],
  ['CLM_THRU_DT', 54, 10, 'date', R],
  ['CLM_BILL_FAC_TYPE_CD', 64, 1, 'code'],
  ['CLM_BILL_CLSFCTN_CD', 65, 1, 'code'],
  ['PRNCPL_DGNS_CD', 66, 7, 'code'],
  ['ADMTG_DGNS_CD', 73, 7, 'code'],
  ['CLM_MDCR_NPMT_RSN_CD', 80, 2, 'code'],
  ['CLM_PMT_AMT', 82, 17, 'amount'],
  ['CLM_NCH_PRMRY_PYR_CD', 99, 1, 'code'],
  ['PRVDR_FAC_FIPS_ST_CD', 100, 2, 'code'],
  ['BENE_PTNT_STUS_CD', 102, 2, 'code'],
  ['DGNS_DRG_CD', 104, 4, 'code'],
  ['CLM_OP_SRVC_TYPE_CD', 108, 1, 'code'],
  ['FAC_PRVDR_NPI_NUM', 109, 10, 'code'],
  ['OPRTG_PRVDR_NPI_NUM', 119, 10, 'code'],
  ['ATNDG_PRVDR_NPI_NUM', 129, 10, 'code'],
  ['OTHR_PRVDR_NPI_NUM', 139, 10, 'code'],
  ['CLM_ADJSMT_TYPE_CD', 149, 2, 'int'],
  ['CLM_EFCTV_DT', 151, 10, 'date'],
  ['CLM_IDR_LD_DT', 161, 10, 'date'],
  ['BENE_EQTBL_BIC_HICN_NUM', 171, 11, 'code'],
  ['CLM_ADMSN_TYPE_CD', 182, 2, 'code'],
  ['CLM_ADMSN_SRC_CD', 184, 2, 'code'],
  ['CLM_BILL_FREQ_CD', 186, 1, 'code'],
  ['CLM_QUERY_CD', 187, 1, 'code'],
  ['DGNS_PRCDR_ICD_IND', 188, 1, 'code'],
  ['CLM_MDCR_INSTNL_TOT_CHRG_AMT', 189, 15, 'amount'],
  // IP v36 fields 33-37 (IME/DSH/uncompensated-care amounts). domain-facts.md gives only their
  // combined range, so they are one opaque, unchecked span here; nothing downstream reads them.
  ['FIELDS_33_37', 204, 89, 'text'],
  ['CLM_BLG_PRVDR_OSCAR_NUM', 293, 20, 'code'],
  ['CLM_BLG_PRVDR_NPI_NUM', 313, 10, 'code'],
  ['CLM_OPRTG_PRVDR_NPI_NUM', 323, 10, 'code'],
  ['CLM_ATNDG_PRVDR_NPI_NUM', 333, 10, 'code'],
  ['CLM_OTHR_PRVDR_NPI_NUM', 343, 10, 'code'],
  ['CLM_CNTL_NUM', 353, 40, 'code'],
  ['CLM_ORG_CNTL_NUM', 393, 40, 'code'],
  ['CLM_CNTRCTR_NUM', 433, 5, 'code'],
]);

/** CCLF2 Part A revenue center detail (IP v36, record ends at 199). */
export const CCLF2 = layout('CCLF2', 'Part A Claims Revenue Center Detail', 179, [
  ['CUR_CLM_UNIQ_ID', 1, 13, 'int', R],
  ['CLM_LINE_NUM', 14, 10, 'int', R],
  ['BENE_MBI_ID', 24, 11, 'code', R],
  ['BENE_HIC_NUM', 35, 11, 'code'],
  ['CLM_TYPE_CD', 46, 2, 'int', R],
  ['CLM_LINE_FROM_DT', 48, 10, 'date'],
  ['CLM_LINE_THRU_DT', 58, 10, 'date'],
  ['CLM_LINE_PROD_REV_CTR_CD', 68, 4, 'code'],
  ['CLM_LINE_INSTNL_REV_CTR_DT', 72, 10, 'date'],
  ['CLM_LINE_HCPCS_CD', 82, 5, 'code'],
  ['BENE_EQTBL_BIC_HICN_NUM', 87, 11, 'code'],
  ['PRVDR_OSCAR_NUM', 98, 6, 'code'],
  ['CLM_FROM_DT', 104, 10, 'date', R],
  ['CLM_THRU_DT', 114, 10, 'date', R],
  ['CLM_LINE_SRVC_UNIT_QTY', 124, 24, 'decimal'],
  ['CLM_LINE_CVRD_PD_AMT', 148, 17, 'amount'],
  ['HCPCS_1_MDFR_CD', 165, 2, 'code'],
  ['HCPCS_2_MDFR_CD', 167, 2, 'code'],
  ['HCPCS_3_MDFR_CD', 169, 2, 'code'],
  ['HCPCS_4_MDFR_CD', 171, 2, 'code'],
  ['HCPCS_5_MDFR_CD', 173, 2, 'code'],
  ['CLM_REV_APC_HIPPS_CD', 175, 5, 'code'],
  ['CLM_FAC_PRVDR_OSCAR_NUM', 180, 20, 'code'],
]);

/** CCLF3 Part A procedure codes (IP v36, record ends at 114). */
export const CCLF3 = layout('CCLF3', 'Part A Procedure Code', 94, [
  ['CUR_CLM_UNIQ_ID', 1, 13, 'int', R],
  ['BENE_MBI_ID', 14, 11, 'code', R],
  ['BENE_HIC_NUM', 25, 11, 'code'],
  ['CLM_TYPE_CD', 36, 2, 'int', R],
  ['CLM_VAL_SQNC_NUM', 38, 2, 'int'],
  ['CLM_PRCDR_CD', 40, 7, 'code', R],
  ['CLM_PRCDR_PRFRM_DT', 47, 10, 'date'],
  ['BENE_EQTBL_BIC_HICN_NUM', 57, 11, 'code'],
  ['PRVDR_OSCAR_NUM', 68, 6, 'code'],
  ['CLM_FROM_DT', 74, 10, 'date', R],
  ['CLM_THRU_DT', 84, 10, 'date', R],
  ['DGNS_PRCDR_ICD_IND', 94, 1, 'code'],
  ['CLM_BLG_PRVDR_OSCAR_NUM', 95, 20, 'code'],
]);

/** CCLF4 Part A diagnosis codes (IP v36, record ends at 112). */
export const CCLF4 = layout('CCLF4', 'Part A Diagnosis Code', 92, [
  ['CUR_CLM_UNIQ_ID', 1, 13, 'int', R],
  ['BENE_MBI_ID', 14, 11, 'code', R],
  ['BENE_HIC_NUM', 25, 11, 'code'],
  ['CLM_TYPE_CD', 36, 2, 'int', R],
  ['CLM_PROD_TYPE_CD', 38, 1, 'code'],
  ['CLM_VAL_SQNC_NUM', 39, 2, 'int'],
  ['CLM_DGNS_CD', 41, 7, 'code', R],
  ['BENE_EQTBL_BIC_HICN_NUM', 48, 11, 'code'],
  ['PRVDR_OSCAR_NUM', 59, 6, 'code'],
  ['CLM_FROM_DT', 65, 10, 'date', R],
  ['CLM_THRU_DT', 75, 10, 'date', R],
  ['CLM_POA_IND', 85, 7, 'code'],
  ['DGNS_PRCDR_ICD_IND', 92, 1, 'code'],
  ['CLM_BLG_PRVDR_OSCAR_NUM', 93, 20, 'code'],
]);

/** CCLF5 Part B physician (carrier) lines (IP v36, record ends at 388). */
export const CCLF5 = layout('CCLF5', 'Part B Physicians', 363, [
  ['CUR_CLM_UNIQ_ID', 1, 13, 'int', R],
  ['CLM_LINE_NUM', 14, 10, 'int', R],
  ['BENE_MBI_ID', 24, 11, 'code', R],
  ['BENE_HIC_NUM', 35, 11, 'code'],
  ['CLM_TYPE_CD', 46, 2, 'int', R],
  ['CLM_FROM_DT', 48, 10, 'date', R],
  ['CLM_THRU_DT', 58, 10, 'date', R],
  ['RNDRG_PRVDR_TYPE_CD', 68, 3, 'code'],
  ['RNDRG_PRVDR_FIPS_ST_CD', 71, 2, 'code'],
  ['CLM_PRVDR_SPCLTY_CD', 73, 2, 'code'],
  ['CLM_FED_TYPE_SRVC_CD', 75, 1, 'code'],
  ['CLM_POS_CD', 76, 2, 'code'],
  ['CLM_LINE_FROM_DT', 78, 10, 'date'],
  ['CLM_LINE_THRU_DT', 88, 10, 'date'],
  ['CLM_LINE_HCPCS_CD', 98, 5, 'code'],
  ['CLM_LINE_CVRD_PD_AMT', 103, 15, 'amount'],
  ['CLM_LINE_PRMRY_PYR_CD', 118, 1, 'code'],
  ['CLM_LINE_DGNS_CD', 119, 7, 'code'],
  ['CLM_RNDRG_PRVDR_TAX_NUM', 126, 10, 'code'],
  ['RNDRG_PRVDR_NPI_NUM', 136, 10, 'code'],
  ['CLM_CARR_PMT_DNL_CD', 146, 2, 'code'],
  ['CLM_PRCSG_IND_CD', 148, 2, 'code'],
  ['CLM_ADJSMT_TYPE_CD', 150, 2, 'int'],
  ['CLM_EFCTV_DT', 152, 10, 'date'],
  ['CLM_IDR_LD_DT', 162, 10, 'date'],
  ['CLM_CNTL_NUM', 172, 40, 'code'],
  ['BENE_EQTBL_BIC_HICN_NUM', 212, 11, 'code'],
  ['CLM_LINE_ALOWD_CHRG_AMT', 223, 17, 'amount'],
  ['CLM_LINE_SRVC_UNIT_QTY', 240, 24, 'decimal'],
  ['HCPCS_1_MDFR_CD', 264, 2, 'code'],
  ['HCPCS_2_MDFR_CD', 266, 2, 'code'],
  ['HCPCS_3_MDFR_CD', 268, 2, 'code'],
  ['HCPCS_4_MDFR_CD', 270, 2, 'code'],
  ['HCPCS_5_MDFR_CD', 272, 2, 'code'],
  ['CLM_DISP_CD', 274, 2, 'code'],
  ['CLM_DGNS_1_CD', 276, 7, 'code'],
  ['CLM_DGNS_2_CD', 283, 7, 'code'],
  ['CLM_DGNS_3_CD', 290, 7, 'code'],
  ['CLM_DGNS_4_CD', 297, 7, 'code'],
  ['CLM_DGNS_5_CD', 304, 7, 'code'],
  ['CLM_DGNS_6_CD', 311, 7, 'code'],
  ['CLM_DGNS_7_CD', 318, 7, 'code'],
  ['CLM_DGNS_8_CD', 325, 7, 'code'],
  ['DGNS_PRCDR_ICD_IND', 332, 1, 'code'],
  ['CLM_DGNS_9_CD', 333, 7, 'code'],
  ['CLM_DGNS_10_CD', 340, 7, 'code'],
  ['CLM_DGNS_11_CD', 347, 7, 'code'],
  ['CLM_DGNS_12_CD', 354, 7, 'code'],
  ['HCPCS_BETOS_CD', 361, 3, 'code'],
  ['CLM_RNDRG_PRVDR_NPI_NUM', 364, 10, 'code'],
  ['CLM_RFRG_PRVDR_NPI_NUM', 374, 10, 'code'],
  ['CLM_CNTRCTR_NUM', 384, 5, 'code'],
]);

/** CCLF6 Part B DME lines (IP v36, record ends at 247). */
export const CCLF6 = layout('CCLF6', 'Part B DME', 227, [
  ['CUR_CLM_UNIQ_ID', 1, 13, 'int', R],
  ['CLM_LINE_NUM', 14, 10, 'int', R],
  ['BENE_MBI_ID', 24, 11, 'code', R],
  ['BENE_HIC_NUM', 35, 11, 'code'],
  ['CLM_TYPE_CD', 46, 2, 'int', R],
  ['CLM_FROM_DT', 48, 10, 'date', R],
  ['CLM_THRU_DT', 58, 10, 'date', R],
  ['CLM_FED_TYPE_SRVC_CD', 68, 1, 'code'],
  ['CLM_POS_CD', 69, 2, 'code'],
  ['CLM_LINE_FROM_DT', 71, 10, 'date'],
  ['CLM_LINE_THRU_DT', 81, 10, 'date'],
  ['CLM_LINE_HCPCS_CD', 91, 5, 'code'],
  ['CLM_LINE_CVRD_PD_AMT', 96, 15, 'amount'],
  ['CLM_PRMRY_PYR_CD', 111, 1, 'code'],
  ['PAYTO_PRVDR_NPI_NUM', 112, 10, 'code'],
  ['ORDRG_PRVDR_NPI_NUM', 122, 10, 'code'],
  ['CLM_CARR_PMT_DNL_CD', 132, 2, 'code'],
  ['CLM_PRCSG_IND_CD', 134, 2, 'code'],
  ['CLM_ADJSMT_TYPE_CD', 136, 2, 'int'],
  ['CLM_EFCTV_DT', 138, 10, 'date'],
  ['CLM_IDR_LD_DT', 148, 10, 'date'],
  ['CLM_CNTL_NUM', 158, 40, 'code'],
  ['BENE_EQTBL_BIC_HICN_NUM', 198, 11, 'code'],
  ['CLM_LINE_ALOWD_CHRG_AMT', 209, 17, 'amount'],
  ['CLM_DISP_CD', 226, 2, 'code'],
  ['CLM_BLG_PRVDR_NPI_NUM', 228, 10, 'code'],
  ['CLM_RFRG_PRVDR_NPI_NUM', 238, 10, 'code'],
]);

/** CCLF7 Part D prescription drug events (IP v36, record ends at 195). */
export const CCLF7 = layout('CCLF7', 'Part D', 195, [
  ['CUR_CLM_UNIQ_ID', 1, 13, 'int', R],
  ['BENE_MBI_ID', 14, 11, 'code', R],
  ['BENE_HIC_NUM', 25, 11, 'code'],
  ['CLM_LINE_NDC_CD', 36, 11, 'code'],
  ['CLM_TYPE_CD', 47, 2, 'int', R],
  ['CLM_LINE_FROM_DT', 49, 10, 'date', R],
  ['PRVDR_SRVC_ID_QLFYR_CD', 59, 2, 'code'],
  ['CLM_SRVC_PRVDR_GNRC_ID_NUM', 61, 20, 'code'],
  ['CLM_DSPNSNG_STUS_CD', 81, 1, 'code'],
  ['CLM_DAW_PROD_SLCTN_CD', 82, 1, 'code'],
  ['CLM_LINE_SRVC_UNIT_QTY', 83, 24, 'decimal'],
  ['CLM_LINE_DAYS_SUPLY_QTY', 107, 9, 'int'],
  ['PRVDR_PRSBNG_ID_QLFYR_CD', 116, 2, 'code'],
  ['CLM_PRSBNG_PRVDR_GNRC_ID_NUM', 118, 20, 'code'],
  ['CLM_LINE_BENE_PMT_AMT', 138, 13, 'amount'],
  ['CLM_ADJSMT_TYPE_CD', 151, 2, 'int'],
  ['CLM_EFCTV_DT', 153, 10, 'date'],
  ['CLM_IDR_LD_DT', 163, 10, 'date'],
  ['CLM_LINE_RX_SRVC_RFRNC_NUM', 173, 12, 'code'],
  ['CLM_LINE_RX_FILL_NUM', 185, 9, 'int'],
  ['CLM_PHRMCY_SRVC_TYPE_CD', 194, 2, 'code'],
]);

/** CCLF8 beneficiary demographics (IP v36, record ends at 549). */
export const CCLF8 = layout('CCLF8', 'Beneficiary Demographics', 549, [
  ['BENE_MBI_ID', 1, 11, 'code', R],
  ['BENE_HIC_NUM', 12, 11, 'code'],
  ['BENE_FIPS_STATE_CD', 23, 2, 'code'],
  ['BENE_FIPS_CNTY_CD', 25, 3, 'code'],
  ['BENE_ZIP_CD', 28, 5, 'code'],
  ['BENE_DOB', 33, 10, 'date'],
  ['BENE_SEX_CD', 43, 1, 'code'],
  ['BENE_RACE_CD', 44, 1, 'code'],
  ['BENE_AGE', 45, 3, 'int'],
  ['BENE_MDCR_STUS_CD', 48, 2, 'code'],
  ['BENE_DUAL_STUS_CD', 50, 2, 'code'],
  ['BENE_DEATH_DT', 52, 10, 'date'],
  ['BENE_RNG_BGN_DT', 62, 10, 'date'],
  ['BENE_RNG_END_DT', 72, 10, 'date'],
  ['BENE_1ST_NAME', 82, 30, 'text'],
  ['BENE_MIDL_NAME', 112, 15, 'text'],
  ['BENE_LAST_NAME', 127, 40, 'text'],
  ['BENE_ORGNL_ENTLMT_RSN_CD', 167, 1, 'code'],
  ['BENE_ENTLMT_BUYIN_IND', 168, 1, 'code'],
  ['BENE_PART_A_ENRLMT_BGN_DT', 169, 10, 'date'],
  ['BENE_PART_B_ENRLMT_BGN_DT', 179, 10, 'date'],
  ['BENE_LINE_1_ADR', 189, 45, 'text'],
  ['BENE_LINE_2_ADR', 234, 45, 'text'],
  ['BENE_LINE_3_ADR', 279, 40, 'text'],
  ['BENE_LINE_4_ADR', 319, 40, 'text'],
  ['BENE_LINE_5_ADR', 359, 40, 'text'],
  ['BENE_LINE_6_ADR', 399, 40, 'text'],
  ['GEO_ZIP_PLC_NAME', 439, 100, 'text'],
  ['GEO_USPS_STATE_CD', 539, 2, 'code'],
  ['GEO_ZIP5_CD', 541, 5, 'code'],
  ['GEO_ZIP4_CD', 546, 4, 'code'],
]);

/**
 * CCLF9 beneficiary identifier crosswalk (IP v36, record ends at 55). minLength 43: BENE_RRB_NUM
 * (44-55) is blanked by CMS since 2020 (domain-facts.md §3.1), and BCDA's samples carry records
 * with it trimmed; a record cut inside the id/date fields is still refused.
 */
export const CCLF9 = layout('CCLF9', 'Beneficiary XREF', 43, [
  ['HICN_MBI_XREF_IND', 1, 1, 'code', R],
  ['CRNT_NUM', 2, 11, 'code', R],
  ['PRVS_NUM', 13, 11, 'code', R],
  ['PRVS_ID_EFCTV_DT', 24, 10, 'date'],
  ['PRVS_ID_OBSLT_DT', 34, 10, 'date'],
  ['BENE_RRB_NUM', 44, 12, 'code'],
]);

/**
 * CCLF0 summary, fixed-width variant (domain-facts.md §3.1: File Number label 1-13, description
 * 15-34, total records count 36-55, record length 57-69). BCDA's samples write the same four
 * columns separated by `|` at other positions; the parser reads both (parse.ts).
 */
export const CCLF0 = layout('CCLF0', 'Summary statistics', 69, [
  ['FILE_NUM', 1, 13, 'code', R],
  ['FILLER_1', 14, 1, 'text'],
  ['FILE_DESC', 15, 20, 'text'],
  ['FILLER_2', 35, 1, 'text'],
  ['TOT_REC_CNT', 36, 20, 'int', R],
  ['FILLER_3', 56, 1, 'text'],
  ['REC_LEN', 57, 13, 'int', R],
]);

/** Every layout by kind. */
export const CCLF_LAYOUTS: Readonly<Record<CclfKind, CclfLayout>> = {
  CCLF0,
  CCLF1,
  CCLF2,
  CCLF3,
  CCLF4,
  CCLF5,
  CCLF6,
  CCLF7,
  CCLF8,
  CCLF9,
};
