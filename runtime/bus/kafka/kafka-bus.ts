import { randomUUID } from 'node:crypto';
import type {
  Admin,
  Consumer as KafkaConsumer,
  IHeaders,
  Kafka,
  KafkaMessage,
  Message,
  Producer as KafkaProducer,
} from 'kafkajs';
import { GapstreamError } from '../../errors.ts';
import { partitionFor } from '../partitioner.ts';
import { CoPartitionedAssigner } from './co-partitioned-assigner.ts';
import type {
  Batch,
  Bus,
  Consumer,
  ConsumerOptions,
  Headers,
  InRecord,
  OutRecord,
  Producer,
  RecordMetadata,
  TopicPartition,
  TopicPartitionOffset,
  TopicSpec,
  Transaction,
  TransactionalProducer,
} from '../types.ts';
import { createKafkaClient, type BusLogger, type KafkaSettings } from './kafka-client.ts';

export interface KafkaBusOptions extends KafkaSettings {
  replicationFactor: number;
  /** Consumer group session timeout (default 30 s). */
  sessionTimeoutMs?: number;
  logger: BusLogger;
  /** How long a state restore may wait for a partition to be read to its end. */
  restoreTimeoutMs?: number;
}

/**
 * The Kafka adapter of the bus port (kafkajs): idempotent producers with acks=all, consumer
 * groups reading committed data only, and transactions for read-process-write. Partitions are
 * chosen by our own partitioner (Java-compatible murmur2), as in the embedded adapter.
 */
export async function createKafkaBus(options: KafkaBusOptions): Promise<Bus> {
  const kafka = createKafkaClient(options, options.logger);
  const admin = kafka.admin();
  await admin.connect();
  const bus = new KafkaBus(kafka, admin, options);
  return bus;
}

class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly partitionCounts = new Map<string, number>();
  private readonly closers = new Set<() => Promise<void>>();
  private roundRobin = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly options: KafkaBusOptions,
  ) {}

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        replicationFactor: this.options.replicationFactor,
        configEntries: [
          ...(s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
          ...(s.retainForever ? [{ name: 'retention.ms', value: '-1' }] : []),
        ],
      })),
    });
  }

  async partitionCount(topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic);
    if (cached !== undefined) return cached;
    let count: number;
    try {
      const meta = await this.admin.fetchTopicMetadata({ topics: [topic] });
      count = meta.topics[0]?.partitions.length ?? 0;
    } catch (err) {
      throw new GapstreamError(
        'UNKNOWN_TOPIC',
        `topic ${topic} does not exist (create it with ensureTopics)`,
        { cause: err },
      );
    }
    if (count === 0)
      throw new GapstreamError(
        'UNKNOWN_TOPIC',
        `topic ${topic} does not exist (create it with ensureTopics)`,
      );
    this.partitionCounts.set(topic, count);
    return count;
  }

  /** kafkajs messages with explicit partitions, grouped per topic in input order. */
  private async toTopicMessages(
    records: readonly OutRecord[],
  ): Promise<{ topic: string; messages: Message[] }[]> {
    const byTopic = new Map<string, Message[]>();
    const counts = new Map<string, number>();
    for (const topic of new Set(records.map((r) => r.topic)))
      counts.set(topic, await this.partitionCount(topic));
    for (const r of records) {
      const count = counts.get(r.topic)!;
      const partition = r.partition ?? partitionFor(r.key, count, () => this.roundRobin++);
      if (partition < 0 || partition >= count) {
        throw new GapstreamError(
          'BAD_PARTITION',
          `partition ${partition} is out of range for topic ${r.topic} (${count} partitions)`,
        );
      }
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.value, headers: r.headers ?? {}, partition });
      byTopic.set(r.topic, list);
    }
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  async producer(): Promise<Producer> {
    // Idempotent with one request in flight: retries can neither duplicate nor reorder records.
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    const close = (): Promise<void> => producer.disconnect();
    this.closers.add(close);
    return {
      send: async (records) => {
        if (records.length === 0) return [];
        const topicMessages = await this.toTopicMessages(records);
        const results = await producer.sendBatch({ topicMessages, acks: -1 });
        return assignOffsets(records, topicMessages, results);
      },
      close: async () => {
        this.closers.delete(close);
        await close();
      },
    };
  }

  async transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    const producer: KafkaProducer = this.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    const close = (): Promise<void> => producer.disconnect();
    this.closers.add(close);
    let queue: Promise<unknown> = Promise.resolve();
    const run = async <T>(work: (tx: Transaction) => Promise<T>): Promise<T> => {
      const txn = await producer.transaction();
      try {
        const result = await work({
          send: async (records) => {
            // One produce request per chunk: a partition's record batch must stay under the
            // broker's message.max.bytes (1 MiB by default) — 500 state-changelog records of a few
            // kB each would not, and the transaction would fail on every retry.
            for (const chunk of byteChunks(records, MAX_REQUEST_BYTES)) {
              await txn.sendBatch({ topicMessages: await this.toTopicMessages(chunk), acks: -1 });
            }
          },
          sendOffsets: async (groupId, offsets) => {
            if (offsets.length === 0) return;
            await txn.sendOffsets({ consumerGroupId: groupId, topics: groupByTopic(offsets) });
          },
        });
        await txn.commit();
        return result;
      } catch (err) {
        if (txn.isActive()) await txn.abort().catch(() => undefined);
        throw err;
      }
    };
    return {
      // kafkajs allows one open transaction per producer: callers are queued.
      transaction: <T>(work: (tx: Transaction) => Promise<T>): Promise<T> => {
        const next = queue.then(() => run(work));
        queue = next.catch(() => undefined);
        return next;
      },
      close: async () => {
        this.closers.delete(close);
        await close();
      },
    };
  }

  async consumer(options: ConsumerOptions): Promise<Consumer> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      // Partition p of every subscribed topic on one member: stateful steps with a repartition topic need it.
      partitionAssigners: [CoPartitionedAssigner],
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((this.options.sessionTimeoutMs ?? 30_000) / 3)),
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5_000 },
    });
    await consumer.connect();
    for (const topic of options.topics)
      await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
    const listeners: (() => void)[] = [];
    let assigned: TopicPartition[] = [];
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      assigned = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      listeners.forEach((l) => l());
    });
    const maxBatch = options.maxBatchSize ?? 500;
    let failures = 0;
    const close = (): Promise<void> => consumer.disconnect();
    this.closers.add(close);

    return {
      run: async (handler) => {
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 1,
          eachBatch: async (payload) => {
            const { batch } = payload;
            const records = batch.messages.map((m) => toInRecord(batch.topic, batch.partition, m));
            for (let i = 0; i < records.length; i += maxBatch) {
              if (!payload.isRunning() || payload.isStale()) return;
              const chunk: Batch = {
                topic: batch.topic,
                partition: batch.partition,
                records: records.slice(i, i + maxBatch),
                highWatermark: Number(batch.highWatermark),
              };
              try {
                await handler(chunk);
                failures = 0;
              } catch (err) {
                // At-least-once: go back to the last committed position and retry after a capped back-off.
                failures++;
                this.options.logger.warn(
                  {
                    topic: batch.topic,
                    partition: batch.partition,
                    offset: chunk.records[0]?.offset,
                    err: describe(err),
                  },
                  'batch handler failed; will re-read from the committed offset',
                );
                await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)) * (0.5 + Math.random() / 2));
                const committed = await this.committedOffsets(options.groupId, batch.topic);
                const from = committed.find((c) => c.partition === batch.partition)?.offset;
                consumer.seek({
                  topic: batch.topic,
                  partition: batch.partition,
                  offset: String(from ?? chunk.records[0]!.offset),
                });
                return;
              }
              payload.resolveOffset(String(chunk.records[chunk.records.length - 1]!.offset));
              await payload.heartbeat();
            }
          },
        });
      },
      commit: async (offsets) => {
        await consumer.commitOffsets(
          offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
        );
      },
      onAssignmentChange: (listener) => {
        listeners.push(listener);
      },
      assignment: () => assigned,
      stop: async () => {
        this.closers.delete(close);
        await close();
      },
    };
  }

  async endOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    const offsets = await retryingRead(() => this.admin.fetchTopicOffsets(topic));
    return offsets
      .map((o) => ({ topic, partition: o.partition, offset: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async startOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    const offsets = await retryingRead(() => this.admin.fetchTopicOffsets(topic));
    return offsets
      .map((o) => ({ topic, partition: o.partition, offset: Number(o.low) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    const result = await retryingRead(() => this.admin.fetchOffsets({ groupId, topics: [topic] }));
    return (result[0]?.partitions ?? [])
      .filter((p) => Number(p.offset) >= 0)
      .map((p) => ({ topic, partition: p.partition, offset: Number(p.offset) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /**
   * Reads one partition to its end as of now with a throw-away group (kafkajs has no manual
   * assignment). The end is reached when the consumer's position passes the high watermark,
   * which kafkajs reports even for batches holding only transaction markers.
   */
  async *readPartition(topic: string, partition: number, fromOffset = 0): AsyncIterable<InRecord> {
    const end = (await this.endOffsets(topic)).find((o) => o.partition === partition)?.offset ?? 0;
    if (fromOffset >= end) return;
    const groupId = `gapstream-restore-${randomUUID()}`;
    const consumer: KafkaConsumer = this.kafka.consumer({
      groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
    });
    const buffered: InRecord[] = [];
    let done = false;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      wake?.();
      wake = undefined;
    };
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
        if (
          e.payload.topic === topic &&
          e.payload.partition === partition &&
          Number(e.payload.lastOffset) + 1 >= end
        ) {
          done = true;
          notify();
        }
      });
      let seeked = false;
      consumer.on(consumer.events.GROUP_JOIN, () => {
        if (!seeked && fromOffset > 0) consumer.seek({ topic, partition, offset: String(fromOffset) });
        seeked = true;
      });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (batch.partition !== partition) return;
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            if (offset >= fromOffset && offset < end) buffered.push(toInRecord(topic, partition, m));
          }
          notify();
          await Promise.resolve();
        },
      });
      const deadline = Date.now() + (this.options.restoreTimeoutMs ?? 120_000);
      for (;;) {
        while (buffered.length > 0) yield buffered.shift()!;
        if (done) break;
        if (Date.now() > deadline) {
          throw new GapstreamError(
            'RESTORE_TIMEOUT',
            `reading ${topic}[${partition}] to offset ${end} did not finish in time`,
            { retriable: true },
          );
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 500).unref();
        });
      }
      while (buffered.length > 0) yield buffered.shift()!;
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await this.admin.deleteGroups([groupId]).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    for (const close of [...this.closers]) await close().catch(() => undefined);
    this.closers.clear();
    await this.admin.disconnect();
  }
}

function toInRecord(topic: string, partition: number, m: KafkaMessage): InRecord {
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value,
    headers: headersToStrings(m.headers),
    timestamp: Number(m.timestamp),
  };
}

function headersToStrings(headers: IHeaders | undefined): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

function groupByTopic(
  offsets: readonly TopicPartitionOffset[],
): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push({ partition: o.partition, offset: String(o.offset) });
    byTopic.set(o.topic, list);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/** kafkajs returns a base offset per topic-partition; records of one partition are consecutive. */
function assignOffsets(
  records: readonly OutRecord[],
  topicMessages: { topic: string; messages: Message[] }[],
  results: { topicName: string; partition: number; baseOffset?: string }[],
): RecordMetadata[] {
  const next = new Map<string, number>();
  for (const r of results) next.set(`${r.topicName}/${r.partition}`, Number(r.baseOffset ?? -1));
  const cursor = new Map(topicMessages.map((t) => [t.topic, 0]));
  return records.map((r) => {
    const i = cursor.get(r.topic)!;
    cursor.set(r.topic, i + 1);
    const partition = topicMessages.find((t) => t.topic === r.topic)!.messages[i]!.partition!;
    const key = `${r.topic}/${partition}`;
    const offset = next.get(key)!;
    next.set(key, offset + 1);
    return { topic: r.topic, partition, offset };
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Bytes of keys and values per produce request inside a transaction (well under 1 MiB). */
const MAX_REQUEST_BYTES = 512 * 1024;

/** Splits records into runs whose keys and values add up to at most `max` bytes (at least one record each). */
export function byteChunks(records: readonly OutRecord[], max: number): OutRecord[][] {
  const chunks: OutRecord[][] = [];
  let current: OutRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = (r.value?.length ?? 0) + (r.key === null ? 0 : Buffer.byteLength(r.key));
    if (current.length > 0 && bytes + size > max) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * An admin read retried while Kafka says to (e.g. NOT_LEADER_FOR_PARTITION for a few seconds
 * after a broker restart, while leaders are elected and kafkajs's metadata is stale).
 */
async function retryingRead<T>(read: () => Promise<T>, deadlineMs = 30_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await read();
    } catch (err) {
      const retriable = (err as { retriable?: boolean }).retriable === true;
      if (!retriable || Date.now() + delay > until) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
