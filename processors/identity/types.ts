/**
 * What the identity index sees of a person observation: the identifiers it is filed under and
 * the demographics that probabilistic matching compares. Every source (HL7 PID, payer roster,
 * claim line, CCLF9 crosswalk, a record-linkage test set) is mapped to this shape first.
 */

/** One source identifier. `system` is the assigning authority (facility, payer, "CMS"). */
export interface SourceId {
  /** Identifier kind: MR (facility MRN), MB (payer member id), MBI, SS, PI, ... (HL7 table 0203). */
  type: string;
  /** Assigning authority (CX.4, the payer, "CMS" for MBIs). */
  system: string;
  value: string;
}

/** Demographics as delivered (normalization happens in features.ts). Missing = null/undefined. */
export interface Demographics {
  given?: string | null;
  family?: string | null;
  middle?: string | null;
  /** ISO date YYYY-MM-DD. */
  birthDate?: string | null;
  /** HL7 table 0001 code: F, M, O, U, A, N. */
  sex?: string | null;
  /** House number and street name ("12 Main St"). */
  street?: string | null;
  /** Second address line (unit, building, locality). */
  street2?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  phone?: string | null;
  email?: string | null;
  ssn?: string | null;
}

/** One observation of a person: its primary identifier, other identifiers it carries, demographics. */
export interface IdentityInput extends Demographics {
  /** The identifier this observation is filed under; one index record per distinct primary id. */
  primary: SourceId;
  /** Further identifiers on the same observation (PID-3 repetitions, a roster's MRN column): deterministic links. */
  others?: SourceId[];
}

/** Index record id of a source identifier: `type|system|value` (identifiers are case-sensitive). */
export function recordIdOf(id: SourceId): string {
  return `${id.type}|${id.system}|${id.value}`;
}
