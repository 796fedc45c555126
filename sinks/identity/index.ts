/** The identity sinks, their tables and readers (docs/clickhouse-store.md, migration 0005). */
export {
  auditTrail,
  identitySinks,
  MAX_READ_LIMIT,
  openReviews,
  reviewOf,
  startIdentitySinks,
  type AuditQuery,
  type IdentitySinks,
} from './identity-sinks.ts';
export {
  auditEntryFromRow,
  contributionsJson,
  eventPosition,
  identityLinkRow,
  identityReviewRow,
  reviewEntryFromRow,
  reviewKey,
  reviewVersion,
  summarizeContributions,
  type AuditEntry,
  type IdentityLinkKind,
  type IdentityLinkMethod,
  type IdentityLinkRow,
  type IdentityLinkValue,
  type IdentityReviewRow,
  type MatchContribution,
  type ReviewEntry,
  type ReviewStatus,
} from './rows.ts';
export {
  IDENTITY_LINK_COLUMNS,
  IDENTITY_LINK_TOPIC,
  IDENTITY_REVIEW_COLUMNS,
  IDENTITY_TABLES,
} from './tables.ts';
