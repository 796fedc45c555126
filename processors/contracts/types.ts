/**
 * The shapes of "contracts as code" (docs/contracts.md): contracts, measure specs, value sets,
 * and the per-person facts the engine evaluates. Plain data, loaded from contracts/ and
 * validated by processors/contracts/schema.ts; nothing here does I/O.
 */

/** Calendar date `YYYY-MM-DD` (all measure logic is day-granular). */
export type IsoDate = string;

/** Canonical code systems; loaders map HL7 names, FHIR URLs and OIDs onto these. */
export const CODE_SYSTEMS = [
  'CPT',
  'HCPCS',
  'LOINC',
  'ICD10CM',
  'ICD10PCS',
  'SNOMEDCT',
  'CVX',
  /** CMS place-of-service codes (claim line POS), e.g. 32 nursing facility. */
  'POS',
  /** CCLF claim type codes (CLM_TYPE_CD), e.g. 50 hospice. */
  'CLAIMTYPE',
  /** HL7 table 0004 patient class (PV1-2), e.g. E emergency, I inpatient. */
  'PATIENTCLASS',
] as const;
export type CodeSystem = (typeof CODE_SYSTEMS)[number];

export interface ValueSetCode {
  system: CodeSystem;
  /** Normalized: upper case, ICD-10 without the dot. */
  code: string;
  display?: string | null;
}

export interface ValueSet {
  /** Short id used by measure specs, e.g. `mammography`. */
  id: string;
  /** VSAC OID or canonical URL when the set mirrors a published one. */
  oid?: string | null;
  name: string;
  /** Where the codes come from (a published value set, a fee schedule, ...). */
  source: string;
  codes: ValueSetCode[];
}

// ---------------------------------------------------------------------------------------------
// Windows and conditions

export type Anchor = 'mp-start' | 'mp-end';

/** A date relative to the measurement period, e.g. `mp-start - 2y3m`. */
export interface DateExpr {
  anchor: Anchor;
  years: number;
  months: number;
  days: number;
}

/** Inclusive date window; `from: null` means "any time before `to`" (history, e.g. colectomy). */
export interface WindowSpec {
  from: DateExpr | null;
  to: DateExpr;
}

/** Where a fact happened, for rules like "readings taken in the ED or inpatient do not count". */
export type EncounterSetting = 'ambulatory' | 'emergency' | 'inpatient' | 'other';

/** Evidence of any of the value sets inside a window. */
export interface Criterion {
  valueSets: string[];
  window: WindowSpec;
  /** Distinct service dates required (e.g. two advanced-illness encounters). Default 1. */
  minDistinctDates?: number;
  /** Age in whole years on the evidence date (e.g. hrHPV counts from 30). */
  ageAtEvidence?: { min?: number; max?: number };
  /** Results only: require a final/corrected status and a value (eCQM "final with a result"). */
  requireResult?: boolean;
  /** Only facts in these settings (e.g. an inpatient stay with an advanced-illness diagnosis). */
  settings?: EncounterSetting[];
}

/** A boolean tree over evidence; exactly one key is set. */
export type Condition =
  | { allOf: Condition[] }
  | { anyOf: Condition[] }
  | { evidence: Criterion }
  /** Age at the end of the measurement period. */
  | { age: { min?: number; max?: number } }
  /** A death date on or before the end of the measurement period. */
  | { deceased: true }
  /** A named shared exclusion (contracts/measures/exclusions.yaml). */
  | { ref: string };

export interface NamedCondition {
  name: string;
  condition: Condition;
}

// ---------------------------------------------------------------------------------------------
// Measures

export interface ResultComparison {
  op: '<' | '<=' | '>' | '>=';
  value: number;
}

export type NumeratorSpec =
  /** Met when the condition holds (screenings). */
  | { kind: 'evidence'; condition: Condition }
  /**
   * The most recent result in the window decides (HbA1c). `codedResults` maps CPT II codes from
   * claims to a representative value inside the range the code stands for.
   */
  | {
      kind: 'latest-result';
      valueSets: string[];
      window: WindowSpec;
      met: ResultComparison;
      /** What no result (or a result without a value) means: CMS122 counts it as poor control. */
      missing: 'met' | 'not-met';
      codedResults?: Record<string, number>;
    }
  /**
   * CMS165: on the most recent day in the window with both a systolic and a diastolic reading,
   * the lowest of each must be below its limit; readings on a day with an excluded setting
   * (ED, inpatient) do not count.
   */
  | {
      kind: 'blood-pressure';
      window: WindowSpec;
      systolic: { valueSets: string[]; below: number; codedResults?: Record<string, number> };
      diastolic: { valueSets: string[]; below: number; codedResults?: Record<string, number> };
      excludeSettings: EncounterSetting[];
    };

export interface MeasureSpec {
  /** e.g. `CMS125`. */
  id: string;
  /** Version of this definition (semver-like; the eCQM version it follows is in `basis`). */
  version: string;
  title: string;
  /** What the logic follows, e.g. `CMS125v12 (eCQM 2024, QI-Core)`. */
  basis: string;
  /**
   * `proportion`: a gap is open when the numerator is not met. `inverse` (CMS122 poor control):
   * the numerator is the bad outcome, so a gap is open when it IS met.
   */
  scoring: 'proportion' | 'inverse';
  population: {
    age: { min: number; max: number; at: Anchor };
    sex?: 'F' | 'M';
    /** Denominator criteria beyond age/sex (qualifying diagnosis, encounter). */
    qualifying?: Condition;
    /** Continuous enrollment, applied when the contract's enrollment source is a roster. */
    enrollment?: { window: WindowSpec; allowedGapDays: number; maxGaps: number };
  };
  numerator: NumeratorSpec;
  /** Evaluated in order; the first that holds names the exclusion. */
  exclusions: NamedCondition[];
}

// ---------------------------------------------------------------------------------------------
// Attribution

export type AttributionUnit = 'visits' | 'allowed';
export type TieBreak = 'most-recent' | 'amount' | 'npi';

export interface ClaimsAttributionSpec {
  /** Look-back ending at the anchor: 12 months before mp-start (prospective) or the MP (retrospective). */
  window: WindowSpec;
  unit: AttributionUnit;
  /** Value sets of qualifying services (e.g. primary-care E&M, AWV). */
  qualifyingValueSets: string[];
  /** Tried in order (MSSP step 1 then step 2); empty `specialties` means any provider. */
  steps: { name: string; specialties: string[] }[];
  tieBreak: TieBreak[];
}

export interface AttributionSpec {
  /** `roster`: payer roster as given; `claims`: plurality; `roster-then-claims`: roster wins when present. */
  method: 'roster' | 'claims' | 'roster-then-claims';
  /** Prospective lists are fixed from prior-period data; retrospective ones use the period itself. */
  timing: 'prospective' | 'retrospective';
  claims?: ClaimsAttributionSpec;
}

// ---------------------------------------------------------------------------------------------
// Contracts

export interface ContractMeasureRef {
  id: string;
  version: string;
  /** Contract-specific overrides (merged over the library spec, e.g. another age band). */
  overrides?: {
    population?: Partial<MeasureSpec['population']>;
    numerator?: NumeratorSpec;
    exclusions?: string[];
  };
}

export interface Contract {
  id: string;
  /** Version of this contract definition; several versions coexist, `effective` decides. */
  version: string;
  name: string;
  payer: string;
  lineOfBusiness: string;
  /** When this version applies (inclusive; `to: null` = open-ended). */
  effective: { from: IsoDate; to: IsoDate | null };
  /** Fixed measurement period, or each calendar year. */
  measurementPeriod: { kind: 'fixed'; start: IsoDate; end: IsoDate } | { kind: 'calendar-year' };
  /** The organization's providers under this contract: attribution to anyone else is "not ours". */
  providers: { tins: string[]; npis: string[] };
  /** Which roster lines belong to this contract (all given conditions must hold). */
  roster?: { sourceFile?: string; contractId?: string; lineOfBusiness?: string } | null;
  /** Whether measures apply continuous-enrollment rules (needs a roster with spans). */
  requireEnrollment: boolean;
  attribution: AttributionSpec;
  measures: ContractMeasureRef[];
  /** Value sets this contract adds or replaces (ids → file paths relative to contracts/). */
  valueSets?: string[];
}

/** A contract version with its measures resolved against the library (what the engine runs). */
export interface ResolvedContract extends Omit<Contract, 'measures'> {
  measures: MeasureSpec[];
}

// ---------------------------------------------------------------------------------------------
// Facts: what per-person state keeps (only what active measures and attribution need)

export interface FactSource {
  topic: string;
  partition: number | null;
  offset: number | null;
  /** The source's own id: claim id + line, clinical event id, roster file + line. */
  ref: string;
}

interface FactBase {
  /** Stable id: a later fact with the same id replaces the earlier (corrections, re-sent claims). */
  id: string;
  /** Identity record the fact was filed under; merges and splits move facts by record. */
  recordId: string;
  source: FactSource;
}

/** A coded event: procedure, diagnosis, encounter type, claim type, place of service. */
export interface CodeFact extends FactBase {
  kind: 'code';
  system: CodeSystem;
  code: string;
  date: IsoDate;
  /** Spans (hospice stays): last day, inclusive. */
  end: IsoDate | null;
  setting: EncounterSetting | null;
}

/** A lab or vital-sign result. */
export interface ResultFact extends FactBase {
  kind: 'result';
  system: CodeSystem;
  code: string;
  date: IsoDate;
  value: number | null;
  /** A result exists even when it is not numeric (e.g. FIT "negative"); defaults to `value !== null`. */
  hasResult?: boolean;
  /** HL7 OBX-11 mapped: final, corrected, preliminary, cancelled (W/D/X), ... */
  status: 'final' | 'corrected' | 'preliminary' | 'cancelled' | 'other';
  /** When it was recorded (corrections win over finals; later recording wins otherwise). */
  recordedAt: number;
}

/** A qualifying service by a provider (attribution input). */
export interface VisitFact extends FactBase {
  kind: 'visit';
  system: CodeSystem;
  code: string;
  date: IsoDate;
  npi: string;
  tin: string | null;
  specialty: string | null;
  amount: number;
}

/** A roster line: enrollment span and, for roster attribution, the assigned PCP. */
export interface EnrollmentFact extends FactBase {
  kind: 'enrollment';
  start: IsoDate;
  end: IsoDate | null;
  sourceFile: string;
  contractId: string | null;
  lineOfBusiness: string | null;
  pcpNpi: string | null;
  pcpTin: string | null;
  /** File date order: a later roster supersedes an earlier one for the same member. */
  recordedAt: number;
}

/** Demographics from a source (the most recent wins per field). */
export interface DemographicsFact extends FactBase {
  kind: 'demographics';
  birthDate: IsoDate | null;
  sex: 'F' | 'M' | null;
  deathDate: IsoDate | null;
  recordedAt: number;
}

export type Fact = CodeFact | ResultFact | VisitFact | EnrollmentFact | DemographicsFact;

// ---------------------------------------------------------------------------------------------
// Results

export type GapStatus = 'open' | 'closed' | 'excluded' | 'not-in-denominator';

/** A pointer to the fact that decided a status, enough to find the source record. */
export interface EvidenceRef {
  factId: string;
  recordId: string;
  system: string | null;
  code: string | null;
  date: IsoDate | null;
  value: number | null;
  source: FactSource;
}

export interface MeasureResult {
  measure: string;
  measureVersion: string;
  status: GapStatus;
  inDenominator: boolean;
  numeratorMet: boolean;
  /** Name of the exclusion that applied. */
  exclusion: string | null;
  /** Short, PHI-free reason: `mammography 2025-03-02`, `no qualifying evidence`, `excluded: hospice`. */
  reason: string;
  evidence: EvidenceRef[];
  /** Closed gaps: the last day the deciding evidence still counts for a period ending then (prospective). */
  dueBy: IsoDate | null;
}

export interface AttributionResult {
  attributed: boolean;
  npi: string | null;
  tin: string | null;
  /** `roster`, `claims:<step>`, or `none`. */
  method: string;
  reason: string;
  evidence: EvidenceRef[];
}
