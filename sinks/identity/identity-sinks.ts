/**
 * The identity sinks: `identity.link.v1` into `identity_links` (every event: the audit trail) and
 * `identity_reviews` (REVIEW_OPENED / REVIEW_CLOSED: the review queue), one sink (consumer group)
 * per table. Exactly-once results as for every sink (docs/runtime.md, "Sinks"): the runner writes,
 * then commits; both tables are ReplacingMergeTree keyed so that a replayed topic or a re-delivered
 * batch reads once. Plus the readers the CLI uses: {@link openReviews} and {@link auditTrail}.
 */
import { selectWithValues } from '../clickhouse/select-with-values.ts';
import type { SinkDeps, SinkSpec } from '../../runtime/runner/sink-runner.ts';
import { startSink } from '../../runtime/runner/sink-runner.ts';
import type { Store } from '../clickhouse/store.ts';
import {
  auditEntryFromRow,
  eventPosition,
  identityLinkRow,
  identityReviewRow,
  reviewEntryFromRow,
  type AuditEntry,
  type IdentityLinkRow,
  type IdentityLinkValue,
  type IdentityReviewRow,
  type ReviewEntry,
} from './rows.ts';
import {
  IDENTITY_LINK_COLUMNS,
  IDENTITY_LINK_TOPIC,
  IDENTITY_TABLES,
  IDENTITY_REVIEW_COLUMNS,
} from './tables.ts';

/** The two sink definitions, by what they land. */
export interface IdentitySinks {
  links: SinkSpec<IdentityLinkValue, IdentityLinkRow>;
  reviews: SinkSpec<IdentityLinkValue, IdentityReviewRow>;
}

/** The identity sinks writing through `store`. */
export function identitySinks(store: Store): IdentitySinks {
  return {
    links: {
      name: 'identity-links-clickhouse',
      input: IDENTITY_LINK_TOPIC,
      toRows: (value, ctx) => [identityLinkRow(value, ctx)],
      write: (rows) => store.insert(IDENTITY_TABLES.links, rows),
    },
    reviews: {
      name: 'identity-reviews-clickhouse',
      input: IDENTITY_LINK_TOPIC,
      toRows: (value) => {
        const row = identityReviewRow(value);
        return row === null ? [] : [row];
      },
      write: (rows) => store.insert(IDENTITY_TABLES.reviews, rows),
    },
  };
}

/** Starts both sinks (stops the first again if the second fails to start). */
export async function startIdentitySinks(
  store: Store,
  deps: SinkDeps,
): Promise<{ name: string; stop(): Promise<void> }[]> {
  const specs = identitySinks(store);
  const started: { name: string; stop(): Promise<void> }[] = [];
  try {
    started.push(await startSink(specs.links, deps));
    started.push(await startSink(specs.reviews, deps));
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
  return started;
}

// ---- Readers ------------------------------------------------------------------------------

/** Most rows a reader returns. */
export const MAX_READ_LIMIT = 10_000;

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_READ_LIMIT)
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_READ_LIMIT}`);
  return limit;
}

/**
 * Open pairs of the review queue, highest score first (then by key, so the order is stable).
 * Reads the latest version of every pair (identity_reviews_latest, argMax by version), so it is
 * right before merges.
 */
export async function openReviews(store: Store, options: { limit: number }): Promise<ReviewEntry[]> {
  const limit = checkLimit(options.limit);
  const rows = await store.query(
    `SELECT ${IDENTITY_REVIEW_COLUMNS.join(', ')} FROM ${IDENTITY_TABLES.reviewsLatest} WHERE status = 'OPEN' ORDER BY score DESC, review_key LIMIT ${limit}`,
  );
  return rows.map(reviewEntryFromRow);
}

/** The latest state of one pair (either order of the ids), or undefined when it was never reviewed. */
export async function reviewOf(
  store: Store,
  recordId: string,
  otherRecordId: string,
): Promise<ReviewEntry | undefined> {
  const key = recordId < otherRecordId ? `${recordId}~${otherRecordId}` : `${otherRecordId}~${recordId}`;
  const rows = await selectWithValues<Record<string, unknown>>(
    store,
    IDENTITY_TABLES.lookups,
    (ref) =>
      `SELECT ${IDENTITY_REVIEW_COLUMNS.join(', ')} FROM ${IDENTITY_TABLES.reviewsLatest} WHERE review_key = ${ref('key')}`,
    { key },
  );
  return rows.map(reviewEntryFromRow)[0];
}

/** What {@link auditTrail} looks for: events about a record, a person, or either (both given). */
export interface AuditQuery {
  /** Events whose record, other record or moved records include this id. */
  recordId?: string;
  /** Events whose person or other person is this id. */
  personId?: string;
  /** The latest this many events (default 1000). */
  limit?: number;
}

/**
 * The audit trail of a record and/or a person, oldest first: the latest `limit` events from
 * identity_links (FINAL), ordered by time, then request, then position in the request.
 */
export async function auditTrail(store: Store, query: AuditQuery): Promise<AuditEntry[]> {
  const limit = checkLimit(query.limit ?? 1000);
  const values: Record<string, string> = {};
  if (query.recordId !== undefined) values['record'] = query.recordId;
  if (query.personId !== undefined) values['person'] = query.personId;
  if (Object.keys(values).length === 0) throw new RangeError('auditTrail needs a recordId or a personId');
  const rows = await selectWithValues<Record<string, unknown>>(
    store,
    IDENTITY_TABLES.lookups,
    (ref) => {
      const where: string[] = [];
      if (values['record'] !== undefined) {
        const r = ref('record');
        where.push(`record_id = ${r}`, `other_record_id = ${r}`, `has(moved_record_ids, ${r})`);
      }
      if (values['person'] !== undefined) {
        const p = ref('person');
        where.push(`person_id = ${p}`, `other_person_id = ${p}`);
      }
      return `SELECT ${IDENTITY_LINK_COLUMNS.join(', ')} FROM ${IDENTITY_TABLES.links} FINAL WHERE ${where.join(' OR ')} ORDER BY at_ms DESC, event_id DESC LIMIT ${limit}`;
    },
    values,
  );
  return rows.map(auditEntryFromRow).sort(byTimeThenPosition);
}

function byTimeThenPosition(a: AuditEntry, b: AuditEntry): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.requestId !== b.requestId) return a.requestId < b.requestId ? -1 : 1;
  return eventPosition(a.eventId, a.requestId) - eventPosition(b.eventId, b.requestId);
}
