/**
 * Codes the synthetic population uses, each chosen from the value set the measure names
 * (CMS eCQM 2024 expansions in ../shared/data/measures/ecqm-content-qicore-2024/valuesets and
 * domain-facts.md §5). Displays are short descriptions of our own, not the AMA CPT descriptors.
 * If gapstream's value sets (contracts/) leave one of these out, a closed gap turns open: check
 * this table first.
 */

/** A code with its display. */
export interface Code {
  code: string;
  display: string;
}

const c = (code: string, display: string): Code => ({ code, display });

/** CPT/HCPCS of services (claims SV1/CCLF5 HCPCS, HL7 PR1 with system C4 or HCPCS). */
export const CPT = {
  // office-visit (2.16.840.1.113883.3.464.1003.101.12.1001): qualifying encounters, primary care services.
  office2: c('99212', 'Office visit, established patient, straightforward'),
  office3: c('99213', 'Office visit, established patient, low complexity'),
  office4: c('99214', 'Office visit, established patient, moderate complexity'),
  office5: c('99215', 'Office visit, established patient, high complexity'),
  // annual-wellness-visit (2.16.840.1.113883.3.526.3.1240)
  awv: c('G0439', 'Annual wellness visit, subsequent'),
  // ED E&M (101.12.1010): not a primary care service
  ed: c('99284', 'Emergency department visit, moderate'),
  // mammography (claims side; the eCQM set is LOINC, below)
  mammogram: c('77067', 'Screening mammography, bilateral, with CAD'),
  // colonoscopy (108.12.1020)
  colonoscopy: c('45378', 'Colonoscopy, flexible, diagnostic'),
  // total colectomy (198.12.1019)
  colectomy: c('44150', 'Colectomy, total, abdominal'),
  // CPT II HbA1c (contracts/measures/CMS122.yaml codedResults): 3044F < 7, 3046F > 9
  a1cBelow7: c('3044F', 'Most recent HbA1c less than 7.0%'),
  a1cAbove9: c('3046F', 'Most recent HbA1c greater than 9.0%'),
  // CPT II blood pressure (CMS165.yaml codedResults)
  sys130: c('3074F', 'Most recent systolic BP less than 130'),
  sys140plus: c('3077F', 'Most recent systolic BP 140 or more'),
  dia80: c('3078F', 'Most recent diastolic BP less than 80'),
  dia90plus: c('3080F', 'Most recent diastolic BP 90 or more'),
} as const;

/** ICD-10-CM diagnoses (written with the dot; claims files drop it). */
export const DX = {
  diabetes: c('E11.9', 'Type 2 diabetes mellitus without complications'),
  hypertension: c('I10', 'Essential (primary) hypertension'),
  // exclusions
  palliative: c('Z51.5', 'Encounter for palliative care'),
  bilateralMastectomy: c('Z90.13', 'Acquired absence of bilateral breasts and nipples'),
  leftMastectomy: c('Z90.12', 'Acquired absence of left breast and nipple'),
  rightMastectomy: c('Z90.11', 'Acquired absence of right breast and nipple'),
  colonCancer: c('C18.9', 'Malignant neoplasm of colon, unspecified'),
  noCervix: c('Z90.710', 'Acquired absence of both cervix and uterus'),
  esrd: c('N18.6', 'End stage renal disease'),
  // hospice claim principal diagnosis
  lungCancer: c('C34.90', 'Malignant neoplasm of unspecified part of bronchus or lung'),
  // screening encounter diagnoses
  screenColon: c('Z12.11', 'Encounter for screening for malignant neoplasm of colon'),
  screenBreast: c('Z12.31', 'Encounter for screening mammogram for malignant neoplasm of breast'),
  generalExam: c('Z00.00', 'Encounter for general adult medical examination without abnormal findings'),
  injury: c('S93.401A', 'Sprain of unspecified ligament of right ankle, initial encounter'),
} as const;

/**
 * Everyday visit diagnoses, none of them in an exclusion, advanced-illness or frailty value set
 * (checked against the 2024 expansions: no C/N18/G30/I50/L89/M62/R26/R53/R54/W/Z74/Z99 codes).
 */
export const ROUTINE_DX: readonly Code[] = [
  c('J06.9', 'Acute upper respiratory infection, unspecified'),
  c('M54.50', 'Low back pain, unspecified'),
  c('E78.5', 'Hyperlipidemia, unspecified'),
  c('K21.9', 'Gastro-esophageal reflux disease without esophagitis'),
  c('J30.9', 'Allergic rhinitis, unspecified'),
  c('M25.561', 'Pain in right knee'),
  c('R05.9', 'Cough, unspecified'),
  c('L30.9', 'Dermatitis, unspecified'),
];

/** LOINC codes of results (HL7 OBX-3/OBR-4). */
export const LOINC = {
  // hba1c-lab (198.12.1013)
  a1c: c('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'),
  bpPanel: c('85354-9', 'Blood pressure panel with all children optional'),
  systolic: c('8480-6', 'Systolic blood pressure'),
  diastolic: c('8462-4', 'Diastolic blood pressure'),
  // fobt (198.12.1011)
  fit: c('29771-3', 'Hemoglobin.gastrointestinal [Presence] in Stool by Immunoassay'),
  // sdna-fit (108.12.1039)
  sdnaFit: c(
    '77353-1',
    'Noninvasive colorectal cancer DNA and occult blood screening [Interpretation] in Stool',
  ),
  // cervical-cytology (108.12.1017)
  cytology: c('10524-7', 'Microscopic observation [Identifier] in Cervix by Cyto stain'),
  // hpv-test (110.12.1059)
  hpv: c('71431-1', 'HPV high risk DNA [Presence] in Cervix by NAA with probe detection'),
  // mammography (108.12.1018)
  mammography: c('24606-6', 'MG Breast Screening'),
  radiologyReport: c('18782-3', 'Radiology Study observation (narrative)'),
} as const;

/** SNOMED CT answers for coded results (OBX-2 CWE). */
export const ANSWER = {
  negative: c('260385009', 'Negative'),
  notDetected: c('260415000', 'Not detected'),
  nilm: c('373887005', 'Negative for intraepithelial lesion or malignancy'),
} as const;

/** Medicare allowed amounts (CCLF5 CLM_LINE_ALOWD_CHRG_AMT), rough national fee-schedule levels. */
export const MEDICARE_ALLOWED: Readonly<Record<string, number>> = {
  '99212': 57,
  '99213': 92,
  '99214': 131,
  '99215': 184,
  G0439: 133,
  '99284': 120,
  '77067': 135,
  '45378': 390,
  '44150': 1650,
};

/** Commercial billed charges (837P CLM02/SV102). */
export const COMMERCIAL_CHARGE: Readonly<Record<string, number>> = {
  '99212': 110,
  '99213': 150,
  '99214': 220,
  '99215': 300,
  G0439: 210,
  '99284': 650,
  '77067': 280,
  '45378': 1200,
  '44150': 4800,
};

/**
 * Primary care services for the attribution self-check (office and preventive E&M, AWV): the
 * services the claims attribution counts. Everything else the generator bills (mammography,
 * colonoscopy, ED, CPT II) is outside this set on purpose.
 */
export const PRIMARY_CARE_CODES: ReadonlySet<string> = new Set([
  '99202',
  '99203',
  '99204',
  '99205',
  '99211',
  '99212',
  '99213',
  '99214',
  '99215',
  '99385',
  '99386',
  '99387',
  '99395',
  '99396',
  '99397',
  'G0402',
  'G0438',
  'G0439',
]);
