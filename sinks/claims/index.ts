/** The claims sinks and their tables (docs/clickhouse-store.md, migrations 0003 and 0004). */
export { claimsSinks, startClaimsSinks, FILE_MANIFEST_TOPIC, type ClaimsSinks } from './claims-sinks.ts';
export { latestManifest, LATEST_MANIFEST_SQL, type ManifestState } from './manifest.ts';
export { claimLineRow, fileManifestRow, memberXrefRow, rosterMemberRow } from './rows.ts';
export { CLAIM_LINE_COLUMNS, CLAIMS_TABLES } from './tables.ts';
