/**
 * The in-memory state of the embedded bus, built only by applying log commits in order: at
 * recovery (replay) and after each durable append. Because both paths run the same `apply` on
 * the same decoded bytes, live state and replayed state cannot differ, offsets included.
 *
 * LIMIT: every record of every topic stays in memory for the life of the process (values are
 * views into the frames they were written or read in), and the log is never trimmed. The
 * embedded mode is for demos, small clinics and tests; size it as "the whole log fits in RAM"
 * (roughly the size of bus.log). Beyond that, run on Kafka.
 *
 * Compaction: topics flagged `compacted` are recorded as such but not compacted here: the log
 * keeps every record. Readers that restore state from a changelog read everything and let the
 * latest value per key win, which gives the same state as a compacted topic would.
 */
import { GapstreamError } from '../../errors.ts';
import type { Headers, RecordMetadata, TopicPartitionOffset } from '../types.ts';
import type { LogCommit } from './log-codec.ts';

/** A record as kept in memory; its offset is its index in the partition. */
export interface StoredRecord {
  timestamp: number;
  key: string | null;
  value: Buffer | null;
  headers: Headers;
}

/** A topic and its partitions (record arrays; offsets start at 0 and are never trimmed). */
export interface TopicState {
  name: string;
  compacted: boolean;
  partitions: StoredRecord[][];
}

/** Topics, records and committed group offsets. */
export class BusState {
  readonly topics = new Map<string, TopicState>();
  /** group → topic → partition → committed offset (next to read). */
  private readonly committed = new Map<string, Map<string, Map<number, number>>>();

  /**
   * Applies one commit: topic creations (existing topics are left unchanged), then records
   * (each gets the next offset of its partition), then group offsets. Returns the records'
   * metadata in input order. Throws `EMBEDDED_LOG_CORRUPT` on a record or offset for a topic or
   * partition that does not exist, which only a damaged or hand-edited log can contain: live
   * appends are validated before they are queued.
   */
  apply(commit: LogCommit): RecordMetadata[] {
    for (const t of commit.topics) {
      if (this.topics.has(t.topic)) continue;
      if (t.partitions < 1) throw corrupt(`topic "${t.topic}" created with ${t.partitions} partitions`);
      const partitions: StoredRecord[][] = [];
      for (let p = 0; p < t.partitions; p++) partitions.push([]);
      this.topics.set(t.topic, { name: t.topic, compacted: t.compacted, partitions });
    }
    const metadata: RecordMetadata[] = [];
    for (const r of commit.records) {
      const records = this.topics.get(r.topic)?.partitions[r.partition];
      if (records === undefined)
        throw corrupt(`record for unknown topic-partition ${r.topic}/${r.partition}`);
      metadata.push({ topic: r.topic, partition: r.partition, offset: records.length });
      records.push({ timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });
    }
    for (const o of commit.offsets) {
      if (this.topics.get(o.topic)?.partitions[o.partition] === undefined) {
        throw corrupt(
          `offset commit of group "${o.group}" for unknown topic-partition ${o.topic}/${o.partition}`,
        );
      }
      let byTopic = this.committed.get(o.group);
      if (byTopic === undefined)
        this.committed.set(o.group, (byTopic = new Map<string, Map<number, number>>()));
      let byPartition = byTopic.get(o.topic);
      if (byPartition === undefined) byTopic.set(o.topic, (byPartition = new Map<number, number>()));
      byPartition.set(o.partition, o.offset);
    }
    return metadata;
  }

  /** A group's committed offset for one partition, if any. */
  committedOffset(group: string, topic: string, partition: number): number | undefined {
    return this.committed.get(group)?.get(topic)?.get(partition);
  }

  /** A group's committed offsets for a topic, by partition; partitions with none left out. */
  committedOffsets(group: string, topic: string): TopicPartitionOffset[] {
    const byPartition = this.committed.get(group)?.get(topic);
    if (byPartition === undefined) return [];
    return [...byPartition.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([partition, offset]) => ({ topic, partition, offset }));
  }
}

function corrupt(what: string): GapstreamError {
  return new GapstreamError('EMBEDDED_LOG_CORRUPT', `bus log is inconsistent: ${what}`);
}
