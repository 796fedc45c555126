/**
 * The embedded bus: the Bus port in process, on one durable local log (`<dataDir>/bus.log`),
 * for the one-command demo, small clinics and tests. As far as a processor can tell it behaves
 * like our Kafka setup: no topic auto-creation, murmur2 partitioning, durable acknowledgements,
 * atomic transactions with fencing, read_committed consumers, consumer groups with eager
 * rebalances, at-least-once redelivery after a handler error.
 *
 * Layers: log-codec (frames) → log-file (recovery, group commit) → state (memory, applied in log
 * order) → groups / consumer / producer → this file, which validates input and wires them.
 * Limits: see state.ts (everything in memory, no compaction).
 */
import { mkdir, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GapstreamError } from '../../errors.ts';
import { partitionFor } from '../partitioner.ts';
import type {
  Bus,
  Consumer,
  ConsumerOptions,
  InRecord,
  OutRecord,
  Producer,
  RecordMetadata,
  TopicPartitionOffset,
  TopicSpec,
  TransactionalProducer,
} from '../types.ts';
import { type EmbeddedBusLogger, type EmbeddedBusOptions, resolveEmbeddedBusOptions } from './config.ts';
import { type ConsumerHost, EmbeddedConsumer, toInRecord } from './consumer.ts';
import { GroupCoordinator } from './groups.ts';
import { acquireDataDirLock, type DataDirLock } from './lock.ts';
import {
  decodePayload,
  encodeFrame,
  FRAME_HEADER_BYTES,
  type LogCommit,
  type LogOffsetCommit,
  type LogRecord,
} from './log-codec.ts';
import { LogFile, type RecoveryReport } from './log-file.ts';
import { EmbeddedProducer, EmbeddedTransactionalProducer, type ProducerHost } from './producer.ts';
import { BusState, type TopicState } from './state.ts';

/** The log file's name inside the data dir. */
export const LOG_FILE_NAME = 'bus.log';

/** Default `maxBatchSize` of a consumer. */
export const DEFAULT_MAX_BATCH_SIZE = 500;

/** Kafka's topic name rule: 1–249 of `[a-zA-Z0-9._-]`, not "." or "..". */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Partitions per topic accepted here (each partition is an in-memory array). */
const MAX_PARTITIONS = 10_000;

/** Runs `fn` and turns a synchronous throw into a rejection (for sync bodies behind async methods). */
function promised<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}

/** Array.isArray without narrowing a typed array to `any[]`. */
function isArray(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Buffer.isBuffer(v) ? 'a Buffer' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

/**
 * Opens (creating if needed) the embedded bus in `options.dataDir`: takes the dir's lock,
 * recovers the log (cutting a torn tail) and rebuilds topics, records and group offsets.
 * Throws `EMBEDDED_LOCKED` if a live process holds the dir, `CONFIG_INVALID` on bad options.
 *
 * @example
 * const bus = await createEmbeddedBus({ dataDir: '.local/data/bus' });
 * await bus.ensureTopics([{ topic: 'hl7.raw.v1', partitions: 3 }]);
 */
export async function createEmbeddedBus(options: EmbeddedBusOptions): Promise<EmbeddedBus> {
  const resolved = resolveEmbeddedBusOptions(options);
  const dataDir = resolve(resolved.dataDir);
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (err) {
    throw new GapstreamError(
      'EMBEDDED_DATA_DIR',
      `cannot create the embedded bus data dir ${dataDir} (${(err as NodeJS.ErrnoException).code ?? String(err)}): check the path and its permissions (GAPSTREAM_DATA_DIR)`,
      { cause: err },
    );
  }
  const lock = await acquireDataDirLock(dataDir, resolved.logger);
  try {
    const state = new BusState();
    const path = join(dataDir, LOG_FILE_NAME);
    const log = await LogFile.open({
      path,
      fsync: resolved.fsync,
      logger: resolved.logger,
      replay: (payload) => {
        state.apply(decodePayload(payload));
      },
    });
    if (resolved.fsync === 'always') await syncDirectory(dataDir);
    return new EmbeddedBus(dataDir, log, lock, state, resolved.logger);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/** Makes a newly created bus.log (a directory entry) durable, not only its contents. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some platforms (Windows) cannot open or sync a directory; the file data is still synced.
  }
}

/** The embedded Bus. Create with {@link createEmbeddedBus}. */
export class EmbeddedBus implements Bus, ConsumerHost, ProducerHost {
  readonly kind = 'embedded' as const;
  readonly coordinator: GroupCoordinator;
  private readonly running = new Set<EmbeddedConsumer>();
  private readonly epochs = new Map<string, number>();
  private keepAlive: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private closed = false;

  /** @internal Use {@link createEmbeddedBus}. */
  constructor(
    /** The data dir (absolute). */
    readonly dataDir: string,
    private readonly log: LogFile,
    private readonly lock: DataDirLock,
    /** @internal */
    readonly state: BusState,
    /** @internal */
    readonly logger: EmbeddedBusLogger,
  ) {
    this.coordinator = new GroupCoordinator((topic) => this.state.topics.get(topic)?.partitions.length ?? 0);
  }

  /** What recovery found when the bus was opened (frames replayed, bytes dropped). */
  get recovery(): RecoveryReport {
    return this.log.recovery;
  }

  /** Size of bus.log in bytes. */
  get logBytes(): number {
    return this.log.size;
  }

  /** Log counters since open: batches written, fsyncs, frames (group commit makes writes ≤ frames). */
  get logStats(): { readonly writes: number; readonly syncs: number; readonly frames: number } {
    return { ...this.log.stats };
  }

  ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    return promised(() => {
      this.assertNotClosing();
      const problems: string[] = [];
      const wanted = new Map<string, TopicSpec>();
      if (!isArray(specs))
        throw new GapstreamError(
          'INVALID_TOPIC_SPEC',
          `ensureTopics expects an array of topic specs, got ${describeValue(specs)}`,
        );
      specs.forEach((spec, i) => {
        const where = `topic spec #${i}`;
        if (
          typeof spec?.topic !== 'string' ||
          !TOPIC_NAME.test(spec.topic) ||
          spec.topic === '.' ||
          spec.topic === '..'
        ) {
          problems.push(
            `${where}: topic = ${describeValue(spec?.topic)} is invalid: expected 1 to 249 of a-z A-Z 0-9 . _ - (Kafka's rule)`,
          );
          return;
        }
        if (
          !Number.isSafeInteger(spec.partitions) ||
          spec.partitions < 1 ||
          spec.partitions > MAX_PARTITIONS
        ) {
          problems.push(
            `${where} ("${spec.topic}"): partitions = ${describeValue(spec.partitions)} is invalid: expected a whole number from 1 to ${MAX_PARTITIONS}`,
          );
          return;
        }
        if (spec.compacted !== undefined && typeof spec.compacted !== 'boolean') {
          problems.push(
            `${where} ("${spec.topic}"): compacted = ${describeValue(spec.compacted)} is invalid: expected true, false or absent`,
          );
          return;
        }
        const earlier = wanted.get(spec.topic);
        if (
          earlier !== undefined &&
          (earlier.partitions !== spec.partitions ||
            (earlier.compacted ?? false) !== (spec.compacted ?? false))
        ) {
          problems.push(`${where}: topic "${spec.topic}" is listed twice with different settings`);
          return;
        }
        wanted.set(spec.topic, spec);
      });
      if (problems.length > 0)
        throw new GapstreamError('INVALID_TOPIC_SPEC', `ensureTopics: ${problems.join('; ')}`);
      // Existing topics are left as they are (as Kafka's createTopics reports TOPIC_ALREADY_EXISTS).
      const missing = [...wanted.values()].filter((s) => !this.state.topics.has(s.topic));
      return missing.map((s) => ({
        topic: s.topic,
        partitions: s.partitions,
        compacted: s.compacted ?? false,
      }));
    }).then(async (topics) => {
      if (topics.length > 0) await this.append({ topics, records: [], offsets: [] });
    });
  }

  partitionCount(topic: string): Promise<number> {
    return promised(() => {
      this.assertOpen();
      return this.topicOrThrow(topic).partitions.length;
    });
  }

  producer(): Promise<Producer> {
    return promised(() => {
      this.assertAcceptingProducers();
      return new EmbeddedProducer(this);
    });
  }

  transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    return promised(() => {
      this.assertAcceptingProducers();
      if (typeof transactionalId !== 'string' || transactionalId === '') {
        throw new GapstreamError(
          'INVALID_TRANSACTIONAL_ID',
          `transactionalId = ${describeValue(transactionalId)} is invalid: expected a non-empty string`,
        );
      }
      // A new epoch fences every earlier producer with this id (Kafka's initTransactions).
      const epoch = (this.epochs.get(transactionalId) ?? 0) + 1;
      this.epochs.set(transactionalId, epoch);
      return new EmbeddedTransactionalProducer(this, transactionalId, epoch);
    });
  }

  consumer(options: ConsumerOptions): Promise<Consumer> {
    return promised(() => {
      this.assertNotClosing();
      const problems: string[] = [];
      const o: Partial<ConsumerOptions> = options ?? {};
      if (typeof o.groupId !== 'string' || o.groupId === '')
        problems.push(`groupId = ${describeValue(o.groupId)}: expected a non-empty string`);
      if (!Array.isArray(o.topics) || o.topics.length === 0 || o.topics.some((t) => typeof t !== 'string')) {
        problems.push(`topics = ${describeValue(o.topics)}: expected a non-empty array of topic names`);
      }
      if (o.fromBeginning !== undefined && typeof o.fromBeginning !== 'boolean')
        problems.push(`fromBeginning = ${describeValue(o.fromBeginning)}: expected a boolean`);
      if (o.maxBatchSize !== undefined && (!Number.isSafeInteger(o.maxBatchSize) || o.maxBatchSize < 1)) {
        problems.push(
          `maxBatchSize = ${describeValue(o.maxBatchSize)}: expected a whole number of at least 1`,
        );
      }
      if (problems.length > 0)
        throw new GapstreamError(
          'INVALID_CONSUMER_OPTIONS',
          `consumer options are invalid: ${problems.join('; ')}`,
        );
      const topics = [...new Set(o.topics)];
      for (const t of topics) this.topicOrThrow(t);
      return new EmbeddedConsumer(this, {
        groupId: o.groupId!,
        topics,
        fromBeginning: o.fromBeginning ?? true,
        maxBatchSize: o.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
      });
    });
  }

  /** The embedded log never deletes: every partition starts at 0. */
  async startOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    return (await this.endOffsets(topic)).map((e) => ({ ...e, offset: 0 }));
  }

  endOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    return promised(() => {
      this.assertOpen();
      return this.topicOrThrow(topic).partitions.map((records, partition) => ({
        topic,
        partition,
        offset: records.length,
      }));
    });
  }

  committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    return promised(() => {
      this.assertOpen();
      this.topicOrThrow(topic);
      return this.state.committedOffsets(groupId, topic);
    });
  }

  readPartition(topic: string, partition: number, fromOffset = 0): AsyncIterable<InRecord> {
    // The end is fixed now, at call time; errors surface on the first next(), as from an
    // async generator (which is what the Kafka adapter's reader is).
    let error: unknown = null;
    let records: TopicState['partitions'][number] = [];
    let end = 0;
    try {
      this.assertOpen();
      records = this.partitionOrThrow(topic, partition);
      if (!Number.isSafeInteger(fromOffset) || fromOffset < 0) {
        throw new GapstreamError(
          'INVALID_OFFSET',
          `readPartition(${topic}, ${partition}): fromOffset = ${describeValue(fromOffset)} is invalid: expected a whole number of at least 0`,
        );
      }
      end = records.length;
    } catch (err) {
      error = err;
    }
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<InRecord> => {
        let offset = fromOffset;
        return {
          next: () =>
            promised(() => {
              if (error !== null) throw error as Error;
              if (offset >= end) return { done: true, value: undefined };
              const value = toInRecord(topic, partition, offset, records[offset]!);
              offset++;
              return { done: false, value };
            }),
        };
      },
    };
  }

  /**
   * Stops every running consumer (each finishes its handler call), waits for queued writes,
   * closes the log and releases the lock. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await Promise.allSettled([...this.running].map((c) => c.stop()));
        await this.log.close();
      } finally {
        this.closed = true;
        this.clearKeepAlive();
        await this.lock.release();
      }
    })();
    return this.closing;
  }

  // ---- hosts of producers and consumers ------------------------------------------------------

  /** @internal Validates records and picks their partitions. */
  prepareRecords(records: readonly OutRecord[], nextRoundRobin: () => number): LogRecord[] {
    this.assertOpen();
    if (!isArray(records))
      throw new GapstreamError(
        'INVALID_RECORD',
        `send expects an array of records, got ${describeValue(records)}`,
      );
    const timestamp = Date.now();
    return records.map((r, i) => {
      const topic = this.topicOrThrow(r?.topic);
      const where = `record #${i} for topic "${topic.name}"`;
      if (r.key !== null && typeof r.key !== 'string')
        throw new GapstreamError(
          'INVALID_RECORD',
          `${where}: key is ${describeValue(r.key)}: expected a string or null`,
        );
      if (r.value !== null && !Buffer.isBuffer(r.value))
        throw new GapstreamError(
          'INVALID_RECORD',
          `${where}: value is ${describeValue(r.value)}: expected a Buffer or null`,
        );
      if (r.headers !== undefined && (typeof r.headers !== 'object' || r.headers === null)) {
        throw new GapstreamError(
          'INVALID_RECORD',
          `${where}: headers are ${describeValue(r.headers)}: expected an object of strings`,
        );
      }
      const count = topic.partitions.length;
      let partition: number;
      if (r.partition === undefined) {
        partition = partitionFor(r.key, count, nextRoundRobin);
      } else {
        if (!Number.isSafeInteger(r.partition) || r.partition < 0 || r.partition >= count) {
          throw new GapstreamError(
            'INVALID_PARTITION',
            `${where}: partition = ${describeValue(r.partition)} is out of range: the topic has partitions 0 to ${count - 1}`,
          );
        }
        partition = r.partition;
      }
      return {
        topic: topic.name,
        partition,
        timestamp,
        key: r.key,
        value: r.value,
        headers: r.headers ?? {},
      };
    });
  }

  /** @internal Validates group offsets. */
  prepareOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): LogOffsetCommit[] {
    this.assertOpen();
    if (typeof groupId !== 'string' || groupId === '')
      throw new GapstreamError(
        'INVALID_OFFSET',
        `groupId = ${describeValue(groupId)} is invalid: expected a non-empty string`,
      );
    if (!isArray(offsets))
      throw new GapstreamError('INVALID_OFFSET', `offsets must be an array, got ${describeValue(offsets)}`);
    return offsets.map((o) => {
      this.partitionOrThrow(o?.topic, o.partition);
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) {
        throw new GapstreamError(
          'INVALID_OFFSET',
          `offset of group "${groupId}" for ${o.topic}/${o.partition} = ${describeValue(o.offset)} is invalid: expected a whole number of at least 0`,
        );
      }
      return { group: groupId, topic: o.topic, partition: o.partition, offset: o.offset };
    });
  }

  /**
   * @internal Encodes, writes (group commit) and applies one commit. Decoding our own frame
   * before applying it means live state is built from exactly the bytes a replay will read.
   */
  append(commit: LogCommit): Promise<RecordMetadata[]> {
    return promised(() => {
      const frame = encodeFrame(commit);
      const decoded = decodePayload(frame.subarray(FRAME_HEADER_BYTES));
      return this.log.append(frame, () => {
        const metadata = this.state.apply(decoded);
        if (decoded.records.length > 0) for (const c of this.running) c.notifyAppend();
        return metadata;
      });
    });
  }

  /** @internal */
  commitOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    return promised(() => this.prepareOffsets(groupId, offsets)).then(async (prepared) => {
      if (prepared.length > 0) await this.append({ topics: [], records: [], offsets: prepared });
    });
  }

  /** @internal */
  isCurrentEpoch(transactionalId: string, epoch: number): boolean {
    return this.epochs.get(transactionalId) === epoch;
  }

  /** @internal */
  assertAcceptingProducers(): void {
    this.assertNotClosing();
  }

  /** @internal A consumer started running: it gets append notifications, and keeps the process alive. */
  started(consumer: EmbeddedConsumer): void {
    this.assertNotClosing();
    this.running.add(consumer);
    // Like a Kafka client's open sockets, a running consumer keeps the process alive while it
    // waits for records; nothing else here holds the event loop (no sockets, no timers).
    this.keepAlive ??= setInterval(() => {}, 1 << 30);
  }

  /** @internal */
  stopped(consumer: EmbeddedConsumer): void {
    this.running.delete(consumer);
    if (this.running.size === 0) this.clearKeepAlive();
  }

  // ---- helpers -------------------------------------------------------------------------------

  private clearKeepAlive(): void {
    if (this.keepAlive !== null) clearInterval(this.keepAlive);
    this.keepAlive = null;
  }

  private assertOpen(): void {
    if (this.closed)
      throw new GapstreamError(
        'BUS_CLOSED',
        `the embedded bus on ${this.dataDir} is closed: open a new one with createEmbeddedBus`,
      );
  }

  /** Refuses new consumers and producers once close() has begun; sends of existing ones still drain. */
  private assertNotClosing(): void {
    this.assertOpen();
    if (this.closing !== null)
      throw new GapstreamError(
        'BUS_CLOSED',
        `the embedded bus on ${this.dataDir} is closing: open a new one with createEmbeddedBus`,
      );
  }

  private topicOrThrow(topic: unknown): TopicState {
    const t = typeof topic === 'string' ? this.state.topics.get(topic) : undefined;
    if (t === undefined) {
      throw new GapstreamError(
        'UNKNOWN_TOPIC',
        `topic ${describeValue(topic)} does not exist on the embedded bus: create it with ensureTopics first (topic auto-creation is off, as in the Kafka configuration)`,
      );
    }
    return t;
  }

  private partitionOrThrow(topic: unknown, partition: unknown): TopicState['partitions'][number] {
    const t = this.topicOrThrow(topic);
    const records =
      typeof partition === 'number' && Number.isInteger(partition) ? t.partitions[partition] : undefined;
    if (records === undefined) {
      throw new GapstreamError(
        'INVALID_PARTITION',
        `partition ${describeValue(partition)} of topic "${t.name}" is out of range: the topic has partitions 0 to ${t.partitions.length - 1}`,
      );
    }
    return records;
  }
}
