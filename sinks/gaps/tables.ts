/**
 * The care-gap tables (migration 0006_care_gaps.sql): the history of every gap.change.v1 and
 * attribution.change.v1 record, the current status per key, and the report views. Column names in
 * DDL order; `sinks/gaps/rows.test.ts` checks them against the migration, and the row types in
 * rows.ts have exactly these keys.
 */

/** Table and view names. */
export const CARE_GAP_TABLES = {
  gapChanges: 'gap_changes',
  gapStatus: 'gap_status',
  /** One row per (contract, measure, period, person): its latest version (argMax by `version`). */
  gapStatusLatest: 'gap_status_latest',
  /** Rates per contract, measure, period and attributed provider, from gap_status_latest. */
  gapRates: 'gap_rates',
  /** Open gaps per attributed provider. */
  gapWorklist: 'gap_worklist',
  attributionChanges: 'attribution_changes',
  attributionStatus: 'attribution_status',
  /** One row per (contract, period, person): its latest version. */
  attributionStatusLatest: 'attribution_status_latest',
  /** Values looked up on servers without query parameters (see readers.ts). */
  lookups: 'gap_lookups',
} as const;

/** Topic of the gap processor's change stream (schemas/gap.change.v1.avsc). */
export const GAP_CHANGE_TOPIC = 'gap.change.v1';

/** Topic of the attribution processor's change stream (schemas/attribution.change.v1.avsc). */
export const ATTRIBUTION_CHANGE_TOPIC = 'attribution.change.v1';

/** `gap_changes` columns, in DDL order. */
export const GAP_CHANGE_COLUMNS = [
  'change_id',
  'contract_id',
  'contract_version',
  'measure_id',
  'measure_version',
  'person_id',
  'period_start',
  'period_end',
  'old_status',
  'new_status',
  'numerator_met',
  'exclusion',
  'reason',
  'evidence_json',
  'due_by',
  'attributed_npi',
  'attributed_tin',
  'trigger',
  'as_of',
  'at_ms',
  'at',
  'source_partition',
  'source_offset',
  'published_at',
] as const;

/** `gap_status` columns, in DDL order (the view `gap_status_latest` has the same set). */
export const GAP_STATUS_COLUMNS = [
  'contract_id',
  'measure_id',
  'period_start',
  'person_id',
  'version',
  'period_end',
  'status',
  'old_status',
  'numerator_met',
  'exclusion',
  'reason',
  'evidence_json',
  'due_by',
  'attributed_npi',
  'attributed_tin',
  'contract_version',
  'measure_version',
  'trigger',
  'as_of',
  'at_ms',
  'at',
  'change_id',
] as const;

/** `attribution_changes` columns, in DDL order. */
export const ATTRIBUTION_CHANGE_COLUMNS = [
  'change_id',
  'contract_id',
  'contract_version',
  'person_id',
  'period_start',
  'period_end',
  'old_attributed',
  'attributed',
  'old_npi',
  'npi',
  'tin',
  'method',
  'reason',
  'evidence_json',
  'trigger',
  'as_of',
  'at_ms',
  'at',
  'source_partition',
  'source_offset',
  'published_at',
] as const;

/** `attribution_status` columns, in DDL order (the view `attribution_status_latest` has the same set). */
export const ATTRIBUTION_STATUS_COLUMNS = [
  'contract_id',
  'period_start',
  'person_id',
  'version',
  'period_end',
  'attributed',
  'npi',
  'tin',
  'method',
  'reason',
  'evidence_json',
  'contract_version',
  'trigger',
  'as_of',
  'at_ms',
  'at',
  'change_id',
] as const;

/** `gap_rates` columns, in view order. */
export const GAP_RATE_COLUMNS = [
  'contract_id',
  'measure_id',
  'period_start',
  'period_end',
  'attributed_tin',
  'attributed_npi',
  'denominator',
  'numerator',
  'exclusions',
  'open_gaps',
  'closed_gaps',
  'not_in_denominator',
  'rate',
] as const;

/** `gap_worklist` columns, in view order. */
export const GAP_WORKLIST_COLUMNS = [
  'contract_id',
  'measure_id',
  'period_start',
  'period_end',
  'attributed_tin',
  'attributed_npi',
  'person_id',
  'reason',
  'due_by',
  'at',
  'at_ms',
  'contract_version',
  'measure_version',
  'change_id',
] as const;
