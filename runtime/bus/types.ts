/**
 * The bus port: what processors and producers see of Kafka. Two adapters implement it, Kafka
 * (kafkajs) and embedded (in-process, durable local log), and both pass the same contract suite
 * (bus-contract.ts). Keys are strings and values are bytes (Confluent-framed Avro above this layer).
 */

/** Record headers; values are strings (trace context, content type, source info). */
export type Headers = Record<string, string>;

/** A record to write. `partition` is normally left out: it is derived from the key (partitioner.ts). */
export interface OutRecord {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers?: Headers;
  partition?: number;
}

/** A record read from a topic-partition. `offset` is its position; the next one to read is offset+1. */
export interface InRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Headers;
  /** Append time, epoch milliseconds. */
  timestamp: number;
}

/** Where a written record landed. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Log compaction (latest value per key), as for state changelogs. */
  compacted?: boolean;
  /** Keep every record forever (retention.ms = -1): a topic that is replayed from its start. */
  retainForever?: boolean;
}

/** A consumer position in Kafka's sense: the offset of the next record to read. */
/** One partition of one topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface Producer {
  /** Resolves only once every record is durable (Kafka acks=all; embedded: fsynced log). */
  send(records: readonly OutRecord[]): Promise<RecordMetadata[]>;
  close(): Promise<void>;
}

/** Operations inside one transaction: everything is visible together or not at all. */
export interface Transaction {
  send(records: readonly OutRecord[]): Promise<void>;
  /** Commits consumer positions as part of the transaction (read-process-write). */
  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;
}

export interface TransactionalProducer {
  /** Runs `work` in a transaction: commits when it resolves, aborts when it throws (and rethrows). */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: readonly string[];
  /** Where a group with no committed position starts. Default true (earliest). */
  fromBeginning?: boolean;
  /** Upper bound of records handed to one handler call. */
  maxBatchSize?: number;
}

/** Records of one partition, in offset order. */
export interface Batch {
  topic: string;
  partition: number;
  records: InRecord[];
  /** End offset of the partition when the batch was fetched: lag = highWatermark - (last offset + 1). */
  highWatermark: number;
}

/**
 * A group member. The handler runs for one partition batch at a time; batches of a partition
 * come in order and the next one waits for the handler. If the handler throws, the consumer
 * re-reads from the last committed position (at-least-once), after a back-off.
 * Consumers always read committed data only (read_committed).
 */
export interface Consumer {
  run(handler: (batch: Batch) => Promise<void>): Promise<void>;
  /** Commits positions outside a transaction (at-least-once consumers such as sinks). */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Called when the partitions owned by this member change (state must be re-restored). */
  onAssignmentChange(listener: () => void): void;
  /** The partitions this member holds now (empty before the first assignment). */
  assignment(): TopicPartition[];
  stop(): Promise<void>;
}

export interface Bus {
  readonly kind: 'kafka' | 'embedded';
  /** Creates missing topics; existing ones are left as they are. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** Number of partitions of an existing topic. */
  partitionCount(topic: string): Promise<number>;
  producer(): Promise<Producer>;
  transactionalProducer(transactionalId: string): Promise<TransactionalProducer>;
  consumer(options: ConsumerOptions): Promise<Consumer>;
  /** The next offset to be written, per partition (high watermark of committed data). */
  endOffsets(topic: string): Promise<TopicPartitionOffset[]>;
  /** The first offset still stored, per partition (above 0 once retention deleted history). */
  startOffsets?(topic: string): Promise<TopicPartitionOffset[]>;
  /** A group's committed positions for a topic (partitions with none are left out). */
  committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]>;
  /**
   * Reads one partition from `fromOffset` up to the end offset as of the call, without a group:
   * used to restore state stores from changelogs.
   */
  readPartition(topic: string, partition: number, fromOffset?: number): AsyncIterable<InRecord>;
  close(): Promise<void>;
}
