/**
 * The synthetic population's shapes: a member, the source records it produces (HL7 messages,
 * claims, a roster line, a CMS demographics row) and the flat events those records stand for.
 * Records are what the writers turn into files; events are the same facts without any file
 * format, for benchmarks that feed the engine directly (`generateMembers`).
 */
import type { CodeSystem, EncounterSetting, GapStatus } from '../../processors/contracts/types.ts';
import type { Code } from './codes.ts';
import type { ContractId, MeasureId } from './contracts.ts';
import type { Demographics, Person } from './person.ts';
import type { Provider } from './providers.ts';

// ---------------------------------------------------------------------------------------------
// Source records

/** One diagnosis on an HL7 message (DG1). */
export interface Hl7Diagnosis {
  code: Code;
  date: string;
}

/** One procedure on an HL7 message (PR1): CPT (HL7 table 0396 `C4`) or HCPCS. */
export interface Hl7Procedure {
  code: Code;
  system: 'C4' | 'HCPCS';
  date: string;
}

/** One OBX. `value` null: sent without a result (OBX-5 empty). */
export interface Hl7Result {
  code: Code;
  valueType: 'NM' | 'CWE' | 'TX';
  value: string | null;
  unit: string | null;
  range: string | null;
  flag: string | null;
  /** OBX-11: F final, C corrected (replaces the final of the same order and OBX-3). */
  status: 'F' | 'C';
}

/** One OBR (with its ORC) and its OBX. */
export interface Hl7Order {
  placer: string;
  filler: string;
  service: Code;
  /** OBR-24 diagnostic service section: CH chemistry, HM hematology, VS vitals, MG mammography, CP cytopathology. */
  section: string;
  /** Specimen collection / observation date and time (OBR-7, OBX-14). */
  date: string;
  time: string;
  ordering: Provider;
  status: 'F' | 'C';
  results: Hl7Result[];
}

/** A visit as PV1 describes it. */
export interface Hl7Visit {
  /** PV1-2: O outpatient, E emergency (HL7 table 0004). */
  patientClass: 'O' | 'E';
  location: string;
  provider: Provider;
  number: string;
  date: string;
  time: string;
}

/** One HL7 v2.5.1 message of the EMR feed (MSH-4 NORTHCLINIC). */
export interface Hl7Record {
  type: 'hl7';
  trigger: 'ADT^A04' | 'ADT^A08' | 'ORU^R01';
  controlId: string;
  /** MSH-7 (local time, America/Chicago per feeds/example-northclinic.yaml). */
  date: string;
  time: string;
  /** PID as this message sent it (a few messages carry a corruption). */
  demo: Demographics;
  /** PID-3 carries the MBI as a second repetition (authority CMS). */
  withMbi: boolean;
  visit: Hl7Visit | null;
  diagnoses: Hl7Diagnosis[];
  procedures: Hl7Procedure[];
  orders: Hl7Order[];
  /** PID-29/30 (ADT^A08 death notice). */
  deathDate: string | null;
  /** IN1 with the payer member id in IN1-36 (the feed profile's member id location). */
  coverage: boolean;
}

/** One service line of a professional claim. */
export interface ClaimLine {
  code: Code;
  date: string;
  /** CMS place of service: 11 office, 22 outpatient hospital, 23 emergency room, 24 ASC. */
  pos: string;
  /** Medicare allowed amount (CCLF5); 0 for CPT II. */
  allowed: number;
  /** Billed charge (837P SV102); 0 for CPT II. */
  charge: number;
  /** 1-based pointers into the claim's diagnoses. */
  dxPointers: number[];
}

/** A professional claim: CCLF5 lines for Medicare, an 837P claim for the commercial payer. */
export interface ProfessionalClaim {
  type: 'claim';
  kind: 'professional';
  claimId: string;
  provider: Provider;
  from: string;
  thru: string;
  dx: Code[];
  lines: ClaimLine[];
}

/** A Part A hospice claim (CCLF1 claim type 50, revenue line in CCLF2, diagnoses in CCLF4). */
export interface HospiceClaim {
  type: 'claim';
  kind: 'hospice';
  claimId: string;
  from: string;
  thru: string;
  dx: Code[];
  days: number;
  payment: number;
}

/** A line of the payer's roster (EXH_ROSTER_YYYYMMDD.csv). */
export interface RosterRecord {
  type: 'roster';
  demo: Demographics;
  pcp: Provider;
  effective: string;
  term: string | null;
  product: string;
}

/** A CCLF8 beneficiary demographics row. */
export interface Cclf8Record {
  type: 'cclf8';
  demo: Demographics;
  deathDate: string | null;
  hospice: { from: string; thru: string } | null;
  /** BENE_MDCR_STUS_CD: 10 aged, 11 aged with ESRD, 20 disabled, 21 disabled with ESRD. */
  medicareStatus: string;
  partABegin: string;
}

export type SynthRecord = Hl7Record | ProfessionalClaim | HospiceClaim | RosterRecord | Cclf8Record;

// ---------------------------------------------------------------------------------------------
// Events (file-format-free facts, shaped like processors/contracts/types.ts Fact kinds)

export type EventSource = 'hl7' | 'claims' | 'roster';

/** A coded event: diagnosis, procedure, encounter class, claim type, place of service. */
export interface CodeEvent {
  kind: 'code';
  source: EventSource;
  system: CodeSystem;
  /** Normalized: upper case, ICD-10 without the dot. */
  code: string;
  date: string;
  end: string | null;
  setting: EncounterSetting | null;
  /** The record it came from: control id, claim id + line. */
  ref: string;
}

/** A result (OBX). */
export interface ResultEvent {
  kind: 'result';
  source: 'hl7';
  system: 'LOINC';
  code: string;
  date: string;
  value: number | null;
  /** Coded or text answer when not numeric. */
  text: string | null;
  status: 'final' | 'corrected';
  /** Message time (MSH-7) as `YYYY-MM-DDTHH:MM`: a correction is recorded after its final. */
  recordedAt: string;
  /** Filler order number + OBX-3: a correction has the same key as the final it replaces. */
  key: string;
  ref: string;
}

/** A primary care service by a provider (claims attribution input). */
export interface VisitEvent {
  kind: 'visit';
  source: 'claims';
  system: 'CPT' | 'HCPCS';
  code: string;
  date: string;
  npi: string;
  tin: string;
  /** CMS specialty (CCLF5); null for 837P, which carries a taxonomy instead. */
  specialty: string | null;
  /** Medicare allowed amount; 0 for 837P (a submitted claim has no allowed amount). */
  amount: number;
  ref: string;
}

/** A roster enrollment span with its PCP. */
export interface EnrollmentEvent {
  kind: 'enrollment';
  source: 'roster';
  start: string;
  end: string | null;
  pcpNpi: string;
  pcpTin: string;
  ref: string;
}

/** Demographics from a source. */
export interface DemographicsEvent {
  kind: 'demographics';
  source: EventSource;
  birthDate: string;
  sex: 'F' | 'M';
  deathDate: string | null;
  ref: string;
}

export type SynthEvent = CodeEvent | ResultEvent | VisitEvent | EnrollmentEvent | DemographicsEvent;

// ---------------------------------------------------------------------------------------------
// Members and truth

/** How the member's attribution was constructed (truth/members.csv `scenario`). */
export type AttributionScenario =
  // Medicare (MSSP, plurality of allowed charges in the period, PCPs first)
  | 'mssp-ours'
  | 'mssp-outside'
  | 'mssp-outside-more-dollars-fewer-visits'
  | 'mssp-ours-more-dollars-fewer-visits'
  | 'mssp-pcp-outside-np-ours'
  // Commercial (roster, else plurality of visits in the 12 months before the period)
  | 'roster-ours'
  | 'roster-outside'
  | 'roster-late-start-within-45-days'
  | 'roster-enrollment-gap'
  | 'no-roster-claims-ours'
  | 'no-roster-claims-outside'
  | 'no-roster-no-prior-visits';

/** One expected gap row (truth/gaps.csv). */
export interface TruthGap {
  measureId: MeasureId;
  status: GapStatus;
  scenario: string;
}

/** A generated member with everything known about them. */
export interface SynthMember {
  /** 0-based position in the population. */
  index: number;
  contractId: ContractId;
  /** The contract version in effect on the as-of date (its measure list is the truth's). */
  contractVersion: string;
  mrn: string;
  mbi: string | null;
  memberId: string | null;
  /** True demographics. */
  person: Person;
  /** Age at the end of the measurement period. */
  age: number;
  deathDate: string | null;
  attribution: {
    attributed: boolean;
    /** The NPI the member is attributed to (ours or not); null when nobody. */
    npi: string | null;
    tin: string | null;
    scenario: AttributionScenario;
  };
  /** Member-level exclusion built in, if any. */
  exclusion: 'hospice' | 'deceased' | 'palliative-care' | null;
  diabetes: boolean;
  hypertension: boolean;
  /** Scenario drawn per measure group (breast, colorectal, diabetes, bp, cervical, awv). */
  scenarios: Record<string, string>;
  gaps: TruthGap[];
  records: SynthRecord[];
  events: SynthEvent[];
}
