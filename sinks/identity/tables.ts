/**
 * The identity tables (migration 0005_identity.sql): the audit trail of every identity.link.v1
 * event and the review queue. Column names in DDL order; `sinks/identity/rows.test.ts` checks them
 * against the migration, and the row types in rows.ts have exactly these keys.
 */

/** Table and view names. */
export const IDENTITY_TABLES = {
  links: 'identity_links',
  reviews: 'identity_reviews',
  /** One row per pair: its latest version (argMax by `version`). */
  reviewsLatest: 'identity_reviews_latest',
  /** Values looked up on servers without query parameters (see identity-sinks.ts). */
  lookups: 'identity_lookups',
} as const;

/** Topic the identity sinks read (schemas/identity.link.v1.avsc). */
export { IDENTITY_LINK_TOPIC } from '../../processors/identity/route.ts';

/** `identity_links` columns, in DDL order. */
export const IDENTITY_LINK_COLUMNS = [
  'event_id',
  'request_id',
  'at_ms',
  'at',
  'kind',
  'method',
  'record_id',
  'person_id',
  'other_person_id',
  'other_record_id',
  'score',
  'contributions_json',
  'moved_record_ids',
  'reason',
  'decided_by',
  'source_partition',
  'source_offset',
  'published_at',
] as const;

/** `identity_reviews` columns, in DDL order (the view `identity_reviews_latest` has the same set). */
export const IDENTITY_REVIEW_COLUMNS = [
  'review_key',
  'version',
  'status',
  'record_id',
  'candidate_record_id',
  'person_id',
  'candidate_person_id',
  'score',
  'reason',
  'contributions_json',
  'opened_at',
  'closed_at',
  'decided_by',
  'at_ms',
  'event_id',
] as const;
