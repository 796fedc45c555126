/**
 * Pure mappings of the care-gap sinks (the sinks' `toRows`) and their inverses for the report
 * readers. Columns: tables.ts; DDL: sinks/clickhouse/migrations/0006_care_gaps.sql. Errors name
 * change ids only, never record contents.
 */
import { BadRecordError } from '../../runtime/errors.ts';
import type { StepContext } from '../../runtime/runner/step.ts';
import { dateTimeText } from '../claims/columns.ts';
import type {
  ATTRIBUTION_CHANGE_COLUMNS,
  ATTRIBUTION_STATUS_COLUMNS,
  GAP_CHANGE_COLUMNS,
  GAP_STATUS_COLUMNS,
} from './tables.ts';

// The value types are the processor's own (processors/gaps/reconcile.ts), as decoded by the codec.
export type {
  AttributionChangeValue,
  ChangeTrigger,
  GapChangeStatus,
  GapChangeValue,
} from '../../processors/gaps/reconcile.ts';
import type {
  AttributionChangeValue,
  ChangeTrigger,
  GapChangeStatus,
  GapChangeValue,
} from '../../processors/gaps/reconcile.ts';
import type { EvidenceRef, IsoDate } from '../../processors/contracts/types.ts';

/** A row of `gap_changes` (column → JSONEachRow value). */
export type GapChangeRow = Record<(typeof GAP_CHANGE_COLUMNS)[number], unknown> & {
  change_id: string;
  contract_id: string;
  contract_version: string;
  measure_id: string;
  measure_version: string;
  person_id: string;
  period_start: string;
  period_end: string;
  old_status: GapChangeStatus | null;
  new_status: GapChangeStatus;
  numerator_met: 0 | 1;
  exclusion: string | null;
  reason: string;
  evidence_json: string;
  due_by: string | null;
  attributed_npi: string | null;
  attributed_tin: string | null;
  trigger: ChangeTrigger;
  as_of: string;
  at_ms: number;
  at: string;
  source_partition: number;
  source_offset: number;
  published_at: string;
};

/** A row of `gap_status` (one version of a key's status). */
export type GapStatusRow = Record<(typeof GAP_STATUS_COLUMNS)[number], unknown> & {
  contract_id: string;
  measure_id: string;
  period_start: string;
  person_id: string;
  /** Above 2^53: a bigint, written as a JSON string. */
  version: bigint;
  period_end: string;
  status: GapChangeStatus;
  old_status: GapChangeStatus | null;
  numerator_met: 0 | 1;
  exclusion: string | null;
  reason: string;
  evidence_json: string;
  due_by: string | null;
  attributed_npi: string | null;
  attributed_tin: string | null;
  contract_version: string;
  measure_version: string;
  trigger: ChangeTrigger;
  as_of: string;
  at_ms: number;
  at: string;
  change_id: string;
};

/** A row of `attribution_changes`. */
export type AttributionChangeRow = Record<(typeof ATTRIBUTION_CHANGE_COLUMNS)[number], unknown> & {
  change_id: string;
  contract_id: string;
  contract_version: string;
  person_id: string;
  period_start: string;
  period_end: string;
  old_attributed: 0 | 1 | null;
  attributed: 0 | 1;
  old_npi: string | null;
  npi: string | null;
  tin: string | null;
  method: string;
  reason: string;
  evidence_json: string;
  trigger: ChangeTrigger;
  as_of: string;
  at_ms: number;
  at: string;
  source_partition: number;
  source_offset: number;
  published_at: string;
};

/** A row of `attribution_status`. */
export type AttributionStatusRow = Record<(typeof ATTRIBUTION_STATUS_COLUMNS)[number], unknown> & {
  contract_id: string;
  period_start: string;
  person_id: string;
  version: bigint;
  period_end: string;
  attributed: 0 | 1;
  npi: string | null;
  tin: string | null;
  method: string;
  reason: string;
  evidence_json: string;
  contract_version: string;
  trigger: ChangeTrigger;
  as_of: string;
  at_ms: number;
  at: string;
  change_id: string;
};

/** What one gap.change.v1 record lands: its history row and a version of its key's status. */
export interface GapChangeRows {
  change: GapChangeRow;
  status: GapStatusRow;
}

/** What one attribution.change.v1 record lands. */
export interface AttributionChangeRows {
  change: AttributionChangeRow;
  status: AttributionStatusRow;
}

/** Versions per millisecond: the low 20 bits hold the source offset (mod 2^20) as a tie-breaker. */
const OFFSET_BITS = 20n;
const OFFSET_MASK = (1n << OFFSET_BITS) - 1n;

/**
 * Version of a status row: `at * 2^20 + (offset mod 2^20)`. A later change wins; of two changes of
 * one key in the same millisecond, the later on the topic (a person's changes share a partition,
 * the topic being keyed by person id). A replay of the same record has the same version. Fits in
 * UInt64 until the year 2527; above 2^53, hence a bigint.
 */
export function statusVersion(at: number, sourceOffset: number): bigint {
  return (BigInt(at) << OFFSET_BITS) + (BigInt(sourceOffset) & OFFSET_MASK);
}

/**
 * Evidence as stored: the Avro record's fields in schema order, nothing else the value may carry.
 * Ids, codes, dates, result values and source references; never names.
 */
export function evidenceJson(evidence: readonly EvidenceRef[]): string {
  return JSON.stringify(
    evidence.map((e) => ({
      factId: e.factId,
      recordId: e.recordId,
      system: e.system ?? null,
      code: e.code ?? null,
      date: e.date ?? null,
      value: e.value ?? null,
      source: {
        topic: e.source.topic,
        partition: e.source.partition ?? null,
        offset: e.source.offset ?? null,
        ref: e.source.ref,
      },
    })),
  );
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

interface ChangeCommon {
  changeId: string;
  contractId: string;
  personId: string;
  periodStart: string;
  periodEnd: string;
  at: number;
}

function check(
  topic: string,
  value: ChangeCommon,
  keys: Record<string, string>,
  dates: Record<string, string | null>,
): void {
  const bad = (code: string, what: string): BadRecordError =>
    new BadRecordError(code, `${topic} change ${value.changeId} ${what}.`);
  if (value.changeId === '')
    throw new BadRecordError('CARE_GAP_ROW_CHANGE_ID', `${topic} change has an empty changeId.`);
  if (!Number.isSafeInteger(value.at) || value.at < 0)
    throw bad('CARE_GAP_ROW_AT', 'has an `at` that is not epoch milliseconds >= 0');
  for (const [name, v] of Object.entries(keys))
    if (v === '') throw bad('CARE_GAP_ROW_KEY', `has an empty ${name}`);
  for (const [name, v] of Object.entries(dates))
    if (v !== null && !isIsoDate(v))
      throw bad('CARE_GAP_ROW_DATE', `has a ${name} that is not a YYYY-MM-DD date`);
}

function checkGap(value: GapChangeValue): void {
  check(
    'gap.change.v1',
    value,
    { contractId: value.contractId, measureId: value.measureId, personId: value.personId },
    {
      periodStart: value.periodStart,
      periodEnd: value.periodEnd,
      dueBy: value.dueBy ?? null,
      asOf: value.asOf,
    },
  );
}

function checkAttribution(value: AttributionChangeValue): void {
  check(
    'attribution.change.v1',
    value,
    { contractId: value.contractId, personId: value.personId },
    { periodStart: value.periodStart, periodEnd: value.periodEnd, asOf: value.asOf },
  );
}

const flag = (b: boolean): 0 | 1 => (b ? 1 : 0);

/** `gap.change.v1` → a `gap_changes` row (the history) and a `gap_status` row (latest wins). */
export function gapChangeRows(value: GapChangeValue, ctx: StepContext): GapChangeRows {
  checkGap(value);
  const at = dateTimeText(value.at);
  const shared = {
    contract_id: value.contractId,
    measure_id: value.measureId,
    period_start: value.periodStart,
    person_id: value.personId,
    period_end: value.periodEnd,
    old_status: value.oldStatus ?? null,
    numerator_met: flag(value.numeratorMet),
    exclusion: value.exclusion ?? null,
    reason: value.reason,
    evidence_json: evidenceJson(value.evidence ?? []),
    due_by: value.dueBy ?? null,
    attributed_npi: value.attributedNpi ?? null,
    attributed_tin: value.attributedTin ?? null,
    contract_version: value.contractVersion,
    measure_version: value.measureVersion,
    trigger: value.trigger,
    as_of: value.asOf,
    at_ms: value.at,
    at,
    change_id: value.changeId,
  };
  return {
    change: {
      change_id: shared.change_id,
      contract_id: shared.contract_id,
      contract_version: shared.contract_version,
      measure_id: shared.measure_id,
      measure_version: shared.measure_version,
      person_id: shared.person_id,
      period_start: shared.period_start,
      period_end: shared.period_end,
      old_status: shared.old_status,
      new_status: value.newStatus,
      numerator_met: shared.numerator_met,
      exclusion: shared.exclusion,
      reason: shared.reason,
      evidence_json: shared.evidence_json,
      due_by: shared.due_by,
      attributed_npi: shared.attributed_npi,
      attributed_tin: shared.attributed_tin,
      trigger: shared.trigger,
      as_of: shared.as_of,
      at_ms: shared.at_ms,
      at,
      source_partition: ctx.source.partition,
      source_offset: ctx.source.offset,
      published_at: dateTimeText(ctx.timestamp),
    },
    status: {
      ...shared,
      version: statusVersion(value.at, ctx.source.offset),
      status: value.newStatus,
    },
  };
}

/** `attribution.change.v1` → an `attribution_changes` row and an `attribution_status` row. */
export function attributionChangeRows(
  value: AttributionChangeValue,
  ctx: StepContext,
): AttributionChangeRows {
  checkAttribution(value);
  const at = dateTimeText(value.at);
  const evidence = evidenceJson(value.evidence ?? []);
  return {
    change: {
      change_id: value.changeId,
      contract_id: value.contractId,
      contract_version: value.contractVersion,
      person_id: value.personId,
      period_start: value.periodStart,
      period_end: value.periodEnd,
      old_attributed:
        value.oldAttributed === null || value.oldAttributed === undefined ? null : flag(value.oldAttributed),
      attributed: flag(value.attributed),
      old_npi: value.oldNpi ?? null,
      npi: value.npi ?? null,
      tin: value.tin ?? null,
      method: value.method,
      reason: value.reason,
      evidence_json: evidence,
      trigger: value.trigger,
      as_of: value.asOf,
      at_ms: value.at,
      at,
      source_partition: ctx.source.partition,
      source_offset: ctx.source.offset,
      published_at: dateTimeText(ctx.timestamp),
    },
    status: {
      contract_id: value.contractId,
      period_start: value.periodStart,
      person_id: value.personId,
      version: statusVersion(value.at, ctx.source.offset),
      period_end: value.periodEnd,
      attributed: flag(value.attributed),
      npi: value.npi ?? null,
      tin: value.tin ?? null,
      method: value.method,
      reason: value.reason,
      evidence_json: evidence,
      contract_version: value.contractVersion,
      trigger: value.trigger,
      as_of: value.asOf,
      at_ms: value.at,
      at,
      change_id: value.changeId,
    },
  };
}

// ---- Reading back -------------------------------------------------------------------------

/** One line of `gap_rates`: a contract's measure in a period, for one attributed provider. */
export interface GapRate {
  contractId: string;
  measureId: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  /** Null for statuses without an attributed provider. */
  attributedTin: string | null;
  attributedNpi: string | null;
  /** Eligible and not excluded: OPEN or CLOSED. */
  denominator: number;
  /** Numerator criteria met (inverse measures: the bad outcome) among the denominator. */
  numerator: number;
  exclusions: number;
  openGaps: number;
  closedGaps: number;
  notInDenominator: number;
  /** numerator / denominator; null without a denominator. */
  rate: number | null;
}

/** The current status of one person on one measure (a `gap_status` row, latest version). */
export interface GapMember {
  contractId: string;
  measureId: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  personId: string;
  status: GapChangeStatus;
  numeratorMet: boolean;
  exclusion: string | null;
  reason: string;
  evidence: EvidenceRef[];
  dueBy: IsoDate | null;
  attributedTin: string | null;
  attributedNpi: string | null;
  contractVersion: string;
  measureVersion: string;
  /** Epoch ms of the change that set this status. */
  at: number;
  changeId: string;
}

const num = (v: unknown): number => Number(v);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** `gap_rates` row (64-bit integers may be JSON strings) → {@link GapRate}. */
export function gapRateFromRow(row: Readonly<Record<string, unknown>>): GapRate {
  const rate = row['rate'];
  return {
    contractId: String(row['contract_id']),
    measureId: String(row['measure_id']),
    periodStart: String(row['period_start']),
    periodEnd: String(row['period_end']),
    attributedTin: strOrNull(row['attributed_tin']),
    attributedNpi: strOrNull(row['attributed_npi']),
    denominator: num(row['denominator']),
    numerator: num(row['numerator']),
    exclusions: num(row['exclusions']),
    openGaps: num(row['open_gaps']),
    closedGaps: num(row['closed_gaps']),
    notInDenominator: num(row['not_in_denominator']),
    rate: rate === null || rate === undefined ? null : Number(rate),
  };
}

/** `evidence_json` → evidence; `[]` for an empty or non-array text. */
export function parseEvidence(json: unknown): EvidenceRef[] {
  if (typeof json !== 'string' || json === '') return [];
  const parsed = JSON.parse(json) as unknown;
  return Array.isArray(parsed) ? (parsed as EvidenceRef[]) : [];
}

/** `gap_status` / `gap_status_latest` row → {@link GapMember}. */
export function gapMemberFromRow(row: Readonly<Record<string, unknown>>): GapMember {
  return {
    contractId: String(row['contract_id']),
    measureId: String(row['measure_id']),
    periodStart: String(row['period_start']),
    periodEnd: String(row['period_end']),
    personId: String(row['person_id']),
    status: row['status'] as GapChangeStatus,
    numeratorMet: num(row['numerator_met']) === 1,
    exclusion: strOrNull(row['exclusion']),
    reason: String(row['reason']),
    evidence: parseEvidence(row['evidence_json']),
    dueBy: strOrNull(row['due_by']),
    attributedTin: strOrNull(row['attributed_tin']),
    attributedNpi: strOrNull(row['attributed_npi']),
    contractVersion: String(row['contract_version']),
    measureVersion: String(row['measure_version']),
    at: num(row['at_ms']),
    changeId: String(row['change_id']),
  };
}
