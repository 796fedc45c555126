/**
 * Pure mappings of the identity sinks (CONVENTIONS.md §5: the sink's `toRows`) and their inverses
 * for the query helpers. Columns: tables.ts; DDL: sinks/clickhouse/migrations/0005_identity.sql.
 * Errors name event ids only, never record contents.
 */
import { BadRecordError } from '../../runtime/errors.ts';
import type { StepContext } from '../../runtime/runner/step.ts';
import { dateTimeText } from '../claims/columns.ts';
import type { IDENTITY_LINK_COLUMNS, IDENTITY_REVIEW_COLUMNS } from './tables.ts';
import { reviewKey } from '../../processors/identity/index-state.ts';
import type { LinkKind, LinkMethod } from '../../processors/identity/identity-index.ts';
import type { Contribution } from '../../processors/identity/model.ts';
import type { LinkValue } from '../../processors/identity/resolve-step.ts';

// The value types are the identity processor's own (it writes identity.link.v1).
export type IdentityLinkKind = LinkKind;
export type IdentityLinkMethod = LinkMethod;
export type MatchContribution = Contribution;
/** A decoded `identity.link.v1` value (the Avro codec has checked its shape). */
export type IdentityLinkValue = LinkValue;

/** A row of `identity_links` (column → JSONEachRow value). */
export type IdentityLinkRow = Record<(typeof IDENTITY_LINK_COLUMNS)[number], unknown> & {
  event_id: string;
  request_id: string;
  at_ms: number;
  at: string;
  kind: IdentityLinkKind;
  method: IdentityLinkMethod;
  record_id: string;
  person_id: string;
  other_person_id: string | null;
  other_record_id: string | null;
  score: number | null;
  contributions_json: string;
  moved_record_ids: string[];
  reason: string | null;
  decided_by: string | null;
  source_partition: number;
  source_offset: number;
  published_at: string;
};

/** Review state. */
export type ReviewStatus = 'OPEN' | 'CLOSED';

/** A row of `identity_reviews` (one version of a pair's state). */
export type IdentityReviewRow = Record<(typeof IDENTITY_REVIEW_COLUMNS)[number], unknown> & {
  review_key: string;
  version: number;
  status: ReviewStatus;
  record_id: string;
  candidate_record_id: string;
  person_id: string;
  candidate_person_id: string | null;
  score: number | null;
  reason: string | null;
  contributions_json: string;
  opened_at: string | null;
  closed_at: string | null;
  decided_by: string | null;
  at_ms: number;
  event_id: string;
};

/** The review queue's key of a pair: the index's own (both record ids sorted, joined by `~`). */
export { reviewKey } from '../../processors/identity/index-state.ts';

/** Versions per millisecond: 512 for the status, 512 positions of an event in its request. */
const VERSIONS_PER_MS = 1024;
const CLOSED_RANK = 512;
const MAX_POSITION = 511;

/**
 * Position of an event in its request: event ids are `<requestId>#<n>`
 * (schemas/identity.link.v1.avsc); 0 when the id has another shape.
 */
export function eventPosition(eventId: string, requestId: string): number {
  const prefix = `${requestId}#`;
  if (!eventId.startsWith(prefix)) return 0;
  const rest = eventId.slice(prefix.length);
  return /^\d{1,9}$/.test(rest) ? Number(rest) : 0;
}

/**
 * Version of a review row: later events win; in the same millisecond a CLOSE wins over an OPEN,
 * then the later position in the request. `at * 1024 + 511` stays below 2^53 until the year 2248.
 */
export function reviewVersion(at: number, status: ReviewStatus, position: number): number {
  return (
    at * VERSIONS_PER_MS +
    (status === 'CLOSED' ? CLOSED_RANK : 0) +
    Math.min(Math.max(position, 0), MAX_POSITION)
  );
}

function checkAt(value: IdentityLinkValue): void {
  if (!Number.isSafeInteger(value.at) || value.at < 0)
    throw new BadRecordError(
      'IDENTITY_ROW_AT',
      `identity.link.v1 event ${value.eventId} has an \`at\` that is not epoch milliseconds >= 0.`,
    );
}

/** Contributions as stored: field, level and weight only, whatever else the value carries. */
export function contributionsJson(contributions: readonly MatchContribution[]): string {
  return JSON.stringify(contributions.map((c) => ({ field: c.field, level: c.level, weight: c.weight })));
}

/** `identity.link.v1` → `identity_links` (every event). */
export function identityLinkRow(value: IdentityLinkValue, ctx: StepContext): IdentityLinkRow {
  checkAt(value);
  return {
    event_id: value.eventId,
    request_id: value.requestId,
    at_ms: value.at,
    at: dateTimeText(value.at),
    kind: value.kind,
    method: value.method,
    record_id: value.recordId,
    person_id: value.personId,
    other_person_id: value.otherPersonId ?? null,
    other_record_id: value.otherRecordId ?? null,
    score: value.score ?? null,
    contributions_json: contributionsJson(value.contributions ?? []),
    moved_record_ids: value.movedRecordIds ?? [],
    reason: value.reason ?? null,
    decided_by: value.decidedBy ?? null,
    source_partition: ctx.source.partition,
    source_offset: ctx.source.offset,
    published_at: dateTimeText(ctx.timestamp),
  };
}

/**
 * `identity.link.v1` → `identity_reviews`: a version of the pair's state for REVIEW_OPENED and
 * REVIEW_CLOSED, null for every other kind. A CLOSED version carries what the closing event says
 * (record ids, decider, reason); what the OPEN said stays in `identity_links`.
 */
export function identityReviewRow(value: IdentityLinkValue): IdentityReviewRow | null {
  if (value.kind !== 'REVIEW_OPENED' && value.kind !== 'REVIEW_CLOSED') return null;
  checkAt(value);
  if (value.otherRecordId === null || value.otherRecordId === undefined)
    throw new BadRecordError(
      'IDENTITY_ROW_REVIEW_PAIR',
      `identity.link.v1 ${value.kind} event ${value.eventId} has no otherRecordId: a review needs a pair.`,
    );
  const status: ReviewStatus = value.kind === 'REVIEW_OPENED' ? 'OPEN' : 'CLOSED';
  const at = dateTimeText(value.at);
  return {
    review_key: reviewKey(value.recordId, value.otherRecordId),
    version: reviewVersion(value.at, status, eventPosition(value.eventId, value.requestId)),
    status,
    record_id: value.recordId,
    candidate_record_id: value.otherRecordId,
    person_id: value.personId,
    candidate_person_id: value.otherPersonId ?? null,
    score: value.score ?? null,
    reason: value.reason ?? null,
    contributions_json: contributionsJson(value.contributions ?? []),
    opened_at: status === 'OPEN' ? at : null,
    closed_at: status === 'CLOSED' ? at : null,
    decided_by: value.decidedBy ?? null,
    at_ms: value.at,
    event_id: value.eventId,
  };
}

// ---- Reading back -------------------------------------------------------------------------

/** One audit-trail entry: the `identity.link.v1` event as landed, plus where it was read from. */
export interface AuditEntry extends IdentityLinkValue {
  sourcePartition: number;
  sourceOffset: number;
}

/** One pair of the review queue, as its latest version says. */
export interface ReviewEntry {
  reviewKey: string;
  status: ReviewStatus;
  recordId: string;
  candidateRecordId: string;
  personId: string;
  candidatePersonId: string | null;
  score: number | null;
  reason: string | null;
  contributions: MatchContribution[];
  /** Epoch ms (second precision) when the pair was opened; null on a CLOSED version. */
  openedAt: number | null;
  /** Epoch ms (second precision) when the pair was closed; null while OPEN. */
  closedAt: number | null;
  decidedBy: string | null;
  /** Epoch ms of the event that wrote this version. */
  at: number;
  eventId: string;
  version: number;
}

/** `YYYY-MM-DD hh:mm:ss` (UTC, as ClickHouse prints a DateTime('UTC')) → epoch ms. */
export function parseDateTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

function parseContributions(json: unknown): MatchContribution[] {
  if (typeof json !== 'string' || json === '') return [];
  const parsed = JSON.parse(json) as unknown;
  return Array.isArray(parsed) ? (parsed as MatchContribution[]) : [];
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const dateOrNull = (v: unknown): number | null =>
  typeof v === 'string' && v !== '' ? parseDateTime(v) : null;

/** `identity_links` row (as selected: 64-bit integers may be JSON strings) → audit entry. */
export function auditEntryFromRow(row: Readonly<Record<string, unknown>>): AuditEntry {
  return {
    eventId: String(row['event_id']),
    requestId: String(row['request_id']),
    at: num(row['at_ms']),
    kind: row['kind'] as IdentityLinkKind,
    method: row['method'] as IdentityLinkMethod,
    recordId: String(row['record_id']),
    personId: String(row['person_id']),
    otherPersonId: strOrNull(row['other_person_id']),
    otherRecordId: strOrNull(row['other_record_id']),
    score: numOrNull(row['score']),
    contributions: parseContributions(row['contributions_json']),
    movedRecordIds: (row['moved_record_ids'] as string[] | undefined) ?? [],
    reason: strOrNull(row['reason']),
    decidedBy: strOrNull(row['decided_by']),
    sourcePartition: num(row['source_partition']),
    sourceOffset: num(row['source_offset']),
  };
}

/** `identity_reviews` / `identity_reviews_latest` row → review entry. */
export function reviewEntryFromRow(row: Readonly<Record<string, unknown>>): ReviewEntry {
  return {
    reviewKey: String(row['review_key']),
    status: row['status'] as ReviewStatus,
    recordId: String(row['record_id']),
    candidateRecordId: String(row['candidate_record_id']),
    personId: String(row['person_id']),
    candidatePersonId: strOrNull(row['candidate_person_id']),
    score: numOrNull(row['score']),
    reason: strOrNull(row['reason']),
    contributions: parseContributions(row['contributions_json']),
    openedAt: dateOrNull(row['opened_at']),
    closedAt: dateOrNull(row['closed_at']),
    decidedBy: strOrNull(row['decided_by']),
    at: num(row['at_ms']),
    eventId: String(row['event_id']),
    version: num(row['version']),
  };
}

/** Contributions for people: `field:level(+w)`, strongest first as given (`given:nickname(+6.9)`). */
export function summarizeContributions(contributions: readonly MatchContribution[]): string {
  return contributions
    .map((c) => {
      const w = Math.round(c.weight * 10) / 10;
      return `${c.field}:${c.level}(${w >= 0 ? '+' : ''}${w})`;
    })
    .join(' ');
}
