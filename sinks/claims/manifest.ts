/**
 * Reading the content manifest history (`file_manifest`) back: the latest state per file content,
 * through the `file_manifest_latest` view (migration 0003), on every server.
 */
import type { ManifestRecord } from '../../producers/claims/manifest.ts';
import type { Store } from '../clickhouse/store.ts';

/** The latest state of one delivered content: its latest manifest record plus the history's extent. */
export interface ManifestState extends Omit<ManifestRecord, 'parseFingerprint'> {
  /** Epoch ms of the first event. */
  firstAt: number;
  /** Events recorded for the content (every drop, progress step and duplicate). */
  events: number;
}

interface LatestRow {
  sha256: string;
  file_name: string;
  size_bytes: string | number;
  format: string;
  event: ManifestRecord['event'];
  status: ManifestRecord['status'];
  lines_committed: string | number;
  lines_total: string | number;
  records_published: string | number;
  bad_lines: string | number;
  problem_codes: string[];
  watcher_id: string;
  at_ms: string | number;
  first_at_ms: string | number;
  events: string | number;
}

/** SQL of {@link latestManifest}; usable as is from any ClickHouse client. */
export const LATEST_MANIFEST_SQL = 'SELECT * FROM file_manifest_latest ORDER BY sha256';

/** The latest state per content, ordered by SHA-256. */
export async function latestManifest(store: Store): Promise<ManifestState[]> {
  const rows = await store.query<LatestRow>(LATEST_MANIFEST_SQL);
  return rows.map((r) => ({
    sha256: r.sha256,
    fileName: r.file_name,
    sizeBytes: Number(r.size_bytes),
    format: r.format,
    event: r.event,
    status: r.status,
    linesCommitted: Number(r.lines_committed),
    linesTotal: Number(r.lines_total),
    recordsPublished: Number(r.records_published),
    badLines: Number(r.bad_lines),
    problemCodes: r.problem_codes,
    watcherId: r.watcher_id,
    at: Number(r.at_ms),
    firstAt: Number(r.first_at_ms),
    events: Number(r.events),
  }));
}
