/**
 * The content manifest (`file.manifest.v1`, schemas/file.manifest.v1.avsc): one compacted
 * single-partition topic keyed by SHA-256, whose latest record per key is the state of a file
 * content. Progress records ride in the same Kafka transaction as the lines they count, so the
 * manifest is the exact resume point after a crash, and a content whose state is DONE is never
 * published again, whatever its name. ClickHouse keeps the full history (`file_manifest`).
 */
import type { Bus } from '../../runtime/bus/types.ts';
import type { Codec } from '../../schemas/codec.ts';

export const MANIFEST_TOPIC = 'file.manifest.v1';

export type ManifestEvent = 'STARTED' | 'PROGRESS' | 'COMPLETED' | 'QUARANTINED' | 'DUPLICATE';
export type ManifestStatus = 'IN_PROGRESS' | 'DONE' | 'QUARANTINED';

/** A `file.manifest.v1` value. */
export interface ManifestRecord {
  sha256: string;
  fileName: string;
  sizeBytes: number;
  format: string;
  event: ManifestEvent;
  status: ManifestStatus;
  /** Items of the deterministic parse (read-file.ts) whose records are committed. */
  linesCommitted: number;
  linesTotal: number;
  recordsPublished: number;
  badLines: number;
  problemCodes: string[];
  /** What decides the item sequence (validate-file.ts): a resume needs the same one. */
  parseFingerprint: string;
  watcherId: string;
  at: number;
}

/**
 * The latest manifest record per content, read from the topic. `catchUp` reads only what was
 * written since the previous call (committed data only), so it is cheap to call before each
 * decision.
 */
export class ManifestIndex {
  private readonly latest = new Map<string, ManifestRecord>();
  /** The COMPLETED record per content: later DUPLICATE records replace it as latest, not here. */
  private readonly completions = new Map<string, ManifestRecord>();
  private next = 0;

  constructor(
    private readonly bus: Bus,
    private readonly codec: Codec,
  ) {}

  get(sha256: string): ManifestRecord | undefined {
    return this.latest.get(sha256);
  }

  /** The record that completed the content (its first delivery), if any. */
  completed(sha256: string): ManifestRecord | undefined {
    return this.completions.get(sha256);
  }

  /** Reads the topic from the last position to its current end. */
  async catchUp(): Promise<void> {
    for await (const r of this.bus.readPartition(MANIFEST_TOPIC, 0, this.next)) {
      this.next = r.offset + 1;
      if (r.value === null || r.key === null) continue;
      const value = await this.codec.decode<ManifestRecord>(MANIFEST_TOPIC, r.value);
      this.latest.set(value.sha256, value);
      if (value.event === 'COMPLETED') this.completions.set(value.sha256, value);
    }
  }
}
