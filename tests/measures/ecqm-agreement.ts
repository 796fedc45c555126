/**
 * The eCQM test cases on which gapstream's status disagrees with the expected MeasureReport,
 * each with why (docs/ecqm-agreement.md). ecqm.corpus.test.ts fails when a case not listed here
 * disagrees or a listed one now agrees, so this list is the exact current agreement.
 */
import type { GapStatus } from '../../processors/contracts/types.ts';
import type { EcqmMeasureId } from './ecqm-cases.ts';

/** Which value-set index a run evaluated with. */
export type ValueSetRun = 'starter' | 'ecqm';

export type DisagreementKind =
  /** Our measure spec or fact model deliberately differs from the eCQM logic (named). */
  | 'spec-difference'
  /** A code the eCQM value set has and our starter set lacks (named). */
  | 'missing-code'
  /** The engine does not do what our spec says. */
  | 'engine-bug'
  /** Our measure spec (contracts/measures) gets the eCQM wrong: a bug to fix there. */
  | 'spec-bug'
  /** The expected report does not follow from the exported test data. */
  | 'test-data';

export interface ExpectedDisagreement {
  measure: EcqmMeasureId;
  /** Test patient id. */
  caseId: string;
  /** README name, for reading. */
  name: string;
  /** The runs it disagrees in. */
  runs: ValueSetRun[];
  expected: GapStatus;
  got: GapStatus;
  kind: DisagreementKind;
  why: string;
}

// Reasons shared by several cases (each entry adds what is particular to its case).
const DEMENTIA_MEDS =
  'spec difference (advanced illness by Dementia Medications): AIFrailLTCF counts an active dementia MedicationRequest (here RxNorm 312836 rivastigmine) as advanced illness; gapstream has no medication facts, so frailty alone';
const HOSPICE_ASSESSMENT =
  'spec difference (hospice assessment): Hospice counts an Observation LOINC 45755-6 "Hospice care [MDS]" answered Yes (SNOMED 373066001); gapstream keeps no coded answers, and no value set holds an assessment code with its answer';
const HOUSING_STATUS =
  'spec difference (long-term care): AIFrailLTCF reads the most recent housing-status assessment (LOINC 71802-3 = SNOMED 160734000 lives in nursing home); long-term-care-66 is a claims proxy (LTC place of service / nursing-facility visits on 2 dates)';
const PREVALENCE =
  'spec difference (diagnosis dating): the eCQM uses the prevalence interval of an active condition, so onset 2024-12-31 without abatement overlaps the MP; gapstream keeps a diagnosis as a fact dated at onset, before the window';
const RESULT_DATE =
  'spec difference (assessment dating): PalliativeCare counts an assessment whose effective period overlaps the MP; a gapstream result is one fact dated at the end of its effective period (2026-01-01 here, after the MP)';

export const EXPECTED_DISAGREEMENTS: readonly ExpectedDisagreement[] = [
  // CMS122 ------------------------------------------------------------------------------------
  {
    measure: 'CMS122',
    caseId: 'ede0ee7a-18ab-4ba7-934c-23618f1270ea',
    name: 'DENEXPass FrailtyDeviceRequestNotPerformedFalse',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty device order SNOMED 183240000) does not exclude`,
  },
  {
    measure: 'CMS122',
    caseId: 'cade5021-b1bf-43e9-a0a4-659c05b386d0',
    name: 'DENEXPass FrailtyDeviceUsed',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (medical equipment used = SNOMED 262177002) does not exclude`,
  },
  {
    measure: 'CMS122',
    caseId: 'e61be907-af68-493f-a6bc-3d93ef8b6c6e',
    name: 'DENEXPass FrailtyDxOverlapsMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty diagnosis SNOMED 217083007) does not exclude`,
  },
  {
    measure: 'CMS122',
    caseId: '9cba6cfa-9671-4850-803d-e286c7d59ee7',
    name: 'DENEXPass FrailtyEncOverlapsMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty encounter CPT 99509) does not exclude`,
  },
  {
    measure: 'CMS122',
    caseId: '3b62b0a8-44f2-4365-bcb9-7cadef5bab2e',
    name: 'DENEXPass FrailtySymptomOverlapsMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty symptom ICD-10 R26.89) does not exclude`,
  },
  {
    measure: 'CMS122',
    caseId: '96cfe7f0-b4e1-4e2e-a48d-ef64fb64343d',
    name: 'DENEXPass HospiceObsIsYes',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: HOSPICE_ASSESSMENT,
  },
  {
    measure: 'CMS122',
    caseId: '12ccd41a-83aa-405a-83b3-c756564c4de5',
    name: 'DENEXPass LivingInNursingHome',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: HOUSING_STATUS,
  },
  {
    measure: 'CMS122',
    caseId: '6f0553ac-e12a-4af5-ad27-05339f4b4ec0',
    name: 'DENEXPass PalliativeCareSurveyOverlapsAfterMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${RESULT_DATE}; the starter run also lacks LOINC 71007-9`,
  },
  {
    measure: 'CMS122',
    caseId: '5ed37c9e-85a3-4819-8051-3d960159cae0',
    name: 'NUMFail HbA1cLessThan9',
    runs: ['starter', 'ecqm'],
    expected: 'closed',
    got: 'open',
    kind: 'test-data',
    why: 'the description says 8.9% but the exported HbA1c (corrected, 2024-12-31..2025-01-01T00:00Z) has valueCodeableConcept Yes and no Quantity, the same shape NUMPass HbA1cGreaterThan9 has with numerator 1; gapstream counts a non-numeric latest result as no value (poor control) in both',
  },
  // CMS125 ------------------------------------------------------------------------------------
  {
    measure: 'CMS125',
    caseId: '7a09940e-c3c8-49a7-bf09-eaf9df116dfb',
    name: 'DENEXPass 66yoInNursingHomeOnDec31OfMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: HOUSING_STATUS,
  },
  {
    measure: 'CMS125',
    caseId: '0ced1e0c-9c92-4582-a4b1-e44f130e436f',
    name: 'DENEXPass DementiaMedsDuringMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty device order SNOMED 183240000) does not exclude`,
  },
  {
    measure: 'CMS125',
    caseId: '24557438-17c9-405c-88dc-0c0bfda17d27',
    name: 'DENEXPass FrailtyDeviceRequestNoPerformedModExt',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty device order SNOMED 183240000) does not exclude`,
  },
  {
    measure: 'CMS125',
    caseId: 'd4540640-2561-4ebd-b7c6-15878a4dc582',
    name: 'DENEXPass FrailtyDeviceRequestNotPerformedFalse',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty device order SNOMED 183240000) does not exclude`,
  },
  {
    measure: 'CMS125',
    caseId: '5e3f01ad-1eda-4cb7-8d37-1146beae59e9',
    name: 'DENEXPass FrailtyDxOverlapsMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty diagnosis SNOMED 217083007) does not exclude`,
  },
  {
    measure: 'CMS125',
    caseId: 'da85601e-ce6f-4351-b639-1e58c725bf2f',
    name: 'DENEXPass FrailtyEncOverlapsMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty encounter CPT 99509) does not exclude`,
  },
  {
    measure: 'CMS125',
    caseId: '8278ae07-69ec-469c-ae01-e933d051f764',
    name: 'DENEXPass FrailtyObsDuringMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (medical equipment used = SNOMED 262177002) does not exclude`,
  },
  {
    measure: 'CMS125',
    caseId: 'f38ce16a-658f-4aa0-b4a6-fac61d2e58a8',
    name: 'DENEXPass FrailtySymptomOverlapsMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty symptom ICD-10 R26.89) does not exclude`,
  },
  {
    measure: 'CMS125',
    caseId: '01c88972-84e2-4594-835b-924481b9990a',
    name: 'DENEXPass HospiceDiagnosisOverlapsMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${PREVALENCE} (hospice diagnosis SNOMED 170935008)`,
  },
  {
    measure: 'CMS125',
    caseId: 'bbb391da-9572-4954-be95-3ea00eb31c91',
    name: 'DENEXPass HospiceObsValueIsYes',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: HOSPICE_ASSESSMENT,
  },
  {
    measure: 'CMS125',
    caseId: '73f77133-4d08-438a-ac81-6bb858a74c31',
    name: 'DENEXPass PalliativeCareDiagnosisDuringMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${PREVALENCE} (palliative care diagnosis SNOMED 441874000)`,
  },
  {
    measure: 'CMS125',
    caseId: '7e5d94fa-3630-43b6-9b6e-b75c0fba7cd0',
    name: 'DENEXPass UniMastDxRandLQualOnJan1OfMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: 'spec difference (laterality): two "Unilateral Mastectomy, Unspecified Laterality" diagnoses (SNOMED 248802009) with bodySite right and left; gapstream facts carry no body site, so mastectomy-left/right cannot see them',
  },
  // CMS130 ------------------------------------------------------------------------------------
  {
    measure: 'CMS130',
    caseId: 'f9ef1fd1-cced-47ad-a47b-d9c20254511c',
    name: 'DENEXPass DementiaStartsDuringMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty device order SNOMED 183240000) does not exclude`,
  },
  {
    measure: 'CMS130',
    caseId: 'edf3fc1c-3f97-40b2-af56-a3565e76d040',
    name: 'DENEXPass FrailtyDeviceRequestNotPerformedFalse',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty device order SNOMED 183240000) does not exclude`,
  },
  {
    measure: 'CMS130',
    caseId: 'fede210f-db17-4e0a-9bcd-5dc383f0fb93',
    name: 'DENEXPass HospiceDiagnosisOverlapsMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${PREVALENCE} (hospice diagnosis SNOMED 170935008)`,
  },
  {
    measure: 'CMS130',
    caseId: '0f930f59-9061-4b28-b2e5-21cc5ab6b613',
    name: 'DENEXPass HospiceObsValueIsYes',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: HOSPICE_ASSESSMENT,
  },
  {
    measure: 'CMS130',
    caseId: '59128a5c-f9da-4cb3-9e98-97ee67380533',
    name: 'DENEXPass LivingInNursingHome',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: HOUSING_STATUS,
  },
  {
    measure: 'CMS130',
    caseId: 'a989a58f-82c5-4221-addb-5e29c2514df7',
    name: 'DENEXPass PalliativeCareDiagnosis',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${PREVALENCE} (palliative care diagnosis SNOMED 305686008)`,
  },
  {
    measure: 'CMS130',
    caseId: '007ec5f1-08cf-474a-a472-f6a92cca4b79',
    name: 'DENEXPass PalliativeCareSurveyOverlapsAfterMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${RESULT_DATE}; the starter run also lacks LOINC 71007-9`,
  },
  // CMS165 ------------------------------------------------------------------------------------
  {
    measure: 'CMS165',
    caseId: '598f05e7-83b4-4609-9795-e9ac75f57f36',
    name: 'DENEXFail AdvIllnessDxBefore2Yrs',
    runs: ['starter', 'ecqm'],
    expected: 'open',
    got: 'excluded',
    kind: 'spec-difference',
    why: 'spec difference (diagnosis dating): the dementia diagnosis (onset 2023-12-31) is an encounter diagnosis of a 2025-05-01 visit; AIFrailLTCF dates advanced illness by the condition onset (too early), gapstream dates a diagnosis by the encounter or claim that carries it (claims have no onset), so it falls in the year before the MP',
  },
  {
    measure: 'CMS165',
    caseId: '2c55811b-1571-43e5-919c-f90bf763b3d4',
    name: 'DENEXPass DementiaDoNotPerformIsFalse',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty device order SNOMED 183240000) does not exclude at 67`,
  },
  {
    measure: 'CMS165',
    caseId: '59d7f239-7614-4e6e-a973-fe107aee5749',
    name: 'DENEXPass DementiaNoDoNotPerform',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty device order SNOMED 183240000) does not exclude at 67`,
  },
  {
    measure: 'CMS165',
    caseId: '1905549a-1783-4195-95b9-b0879cb81d96',
    name: 'DENEXPass DementiaStartsDuringMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty device order SNOMED 183240000) does not exclude at 67`,
  },
  {
    measure: 'CMS165',
    caseId: '474b2964-23a1-4c77-ad16-8a21543b2ed3',
    name: 'DENEXPass FrailtyDeviceUsed',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (medical equipment used = SNOMED 262177002) does not exclude at 67`,
  },
  {
    measure: 'CMS165',
    caseId: '5421e420-8d42-4628-ba47-9abaf9ebfaa8',
    name: 'DENEXPass FrailtyDxOverlapsMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty diagnosis SNOMED 217083007) does not exclude at 67`,
  },
  {
    measure: 'CMS165',
    caseId: '9f063f76-a97a-4bba-9f6a-35e7a429a72c',
    name: 'DENEXPass FrailtyEncOverlapsMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty encounter CPT 99509) does not exclude at 67`,
  },
  {
    measure: 'CMS165',
    caseId: '7c59efb5-56ab-4a25-af83-bd81daeee026',
    name: 'DENEXPass FrailtyObsDuringMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (medical equipment used = SNOMED 262177002) does not exclude at 67`,
  },
  {
    measure: 'CMS165',
    caseId: '686e2c47-b08f-465c-ab31-1712dd72028b',
    name: 'DENEXPass FrailtySymptomOverlapsMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${DEMENTIA_MEDS} (frailty symptom ICD-10 R26.89) does not exclude at 67`,
  },
  {
    measure: 'CMS165',
    caseId: '352a05d3-750c-45bd-a170-a8a8822b7697',
    name: 'DENEXPass HospiceObsValueIsYes',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: HOSPICE_ASSESSMENT,
  },
  {
    measure: 'CMS165',
    caseId: 'f9bf76c5-7b85-4fd7-b883-b7c14e8b1801',
    name: 'DENEXPass LivingInNursingHome',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: HOUSING_STATUS,
  },
  {
    measure: 'CMS165',
    caseId: 'cdfb5385-a466-4d41-9dce-cc50f88d0666',
    name: 'DENEXPass PalliativeCareSurveyOverlapsAfterMP',
    runs: ['starter', 'ecqm'],
    expected: 'excluded',
    got: 'open',
    kind: 'spec-difference',
    why: `${RESULT_DATE}; the starter run also lacks LOINC 71007-9`,
  },
];
