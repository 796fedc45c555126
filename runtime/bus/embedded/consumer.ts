/**
 * A consumer (group member) of the embedded bus: the fetch loop that hands partition batches to
 * the handler, its positions, and its error back-off.
 */
import { describeError, GapstreamError } from '../../errors.ts';
import type { Batch, Consumer, InRecord, TopicPartitionOffset } from '../types.ts';
import type { EmbeddedBusLogger } from './config.ts';
import type { GroupCoordinator, GroupMember, TopicPartition } from './groups.ts';
import type { BusState, StoredRecord } from './state.ts';

/** First retry delay after a handler error; doubles per consecutive failure of a partition. */
export const RETRY_BASE_MS = 100;
/** Longest retry delay. */
export const RETRY_MAX_MS = 5000;

/**
 * Delay before the `failures`-th consecutive retry of a partition: 100 ms, 200 ms, … capped at
 * 5 s. No jitter: jitter spreads many clients hitting one server, and there is no server here.
 */
export function retryDelayMs(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, failures - 1));
}

/** What a consumer needs from its bus. */
export interface ConsumerHost {
  readonly state: BusState;
  readonly coordinator: GroupCoordinator;
  readonly logger: EmbeddedBusLogger;
  /** Validates and durably writes group offsets. */
  commitOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** The consumer started running (receives append notifications; keeps the process alive). */
  started(consumer: EmbeddedConsumer): void;
  /** The consumer stopped. */
  stopped(consumer: EmbeddedConsumer): void;
}

/** Resolved consumer options. */
export interface EmbeddedConsumerOptions {
  groupId: string;
  topics: readonly string[];
  fromBeginning: boolean;
  maxBatchSize: number;
}

/** Wakes a waiting loop: on appends, assignment changes, stop, or a timeout. */
class Signal {
  private waiters: (() => void)[] = [];

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  wait(timeoutMs: number | null): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
      if (timeoutMs !== null) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== done);
          resolve();
        }, timeoutMs);
      }
    });
  }
}

interface Cursor {
  topic: string;
  partition: number;
  /** Next offset to hand out. */
  position: number;
  /** Where this assignment started: the fallback on error when the group has committed nothing. */
  startedAt: number;
  failures: number;
  retryAt: number;
}

/** Copies a stored record out: a handler may mutate what it gets without touching the log's copy. */
export function toInRecord(topic: string, partition: number, offset: number, r: StoredRecord): InRecord {
  return {
    topic,
    partition,
    offset,
    key: r.key,
    value: r.value === null ? null : Buffer.from(r.value),
    headers: { ...r.headers },
    timestamp: r.timestamp,
  };
}

type Status = 'idle' | 'running' | 'stopping' | 'stopped';

/**
 * A member of a consumer group. `run` joins the group (so listeners registered before `run`
 * see the first assignment, as with kafkajs), then loops in the background: one handler call at
 * a time, partitions served in turn, waiting on append notifications when nothing is unread.
 */
export class EmbeddedConsumer implements Consumer, GroupMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  private status: Status = 'idle';
  private handler: ((batch: Batch) => Promise<void>) | null = null;
  private paused = true;
  private generation = 0;
  private cursors: Cursor[] = [];
  private nextCursor = 0;
  private readonly listeners: (() => void)[] = [];
  private readonly signal = new Signal();
  private inflight: Promise<void> | null = null;
  private loopDone: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly host: ConsumerHost,
    private readonly options: EmbeddedConsumerOptions,
  ) {
    this.memberId = host.coordinator.newMemberId(options.groupId);
    this.topics = [...options.topics];
  }

  /**
   * Joins the group and starts the background loop; resolves once the first assignment is in.
   * A join waits for the handlers of the group's other members to finish their current call
   * (eager rebalance), so do not await run() of a member of group G inside a handler of G.
   */
  async run(handler: (batch: Batch) => Promise<void>): Promise<void> {
    if (this.status !== 'idle') {
      throw new GapstreamError(
        this.status === 'running' ? 'CONSUMER_ALREADY_RUNNING' : 'CONSUMER_STOPPED',
        `consumer ${this.memberId} of group "${this.options.groupId}" is ${this.status}: run() may be called once; create a new consumer to run again`,
      );
    }
    this.host.started(this); // throws if the bus is closing
    this.status = 'running';
    this.handler = handler;
    this.loopDone = this.loop();
    await this.host.coordinator.join(this.options.groupId, this);
  }

  /** Durably commits positions for this consumer's group. */
  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.status === 'stopped' || this.status === 'stopping') {
      // A member that left must not move the offsets of partitions that now belong to another.
      throw new GapstreamError(
        'CONSUMER_STOPPED',
        `consumer ${this.memberId} of group "${this.options.groupId}" is stopped: it can no longer commit`,
      );
    }
    await this.host.commitOffsets(this.options.groupId, offsets);
  }

  onAssignmentChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Waits for the handler call in flight, then leaves the group (the others rebalance).
   * Idempotent. Do not await it from inside this consumer's own handler: it waits for that call.
   */
  stop(): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    if (this.status === 'idle') {
      this.status = 'stopped';
      this.stopping = Promise.resolve();
      return this.stopping;
    }
    this.status = 'stopping';
    this.signal.notify();
    this.stopping = (async () => {
      try {
        await this.loopDone;
        await this.host.coordinator.leave(this.options.groupId, this);
      } finally {
        this.status = 'stopped';
        this.host.stopped(this);
      }
    })();
    return this.stopping;
  }

  /** The partitions this member owns now (not part of the port: diagnostics and tests). */
  assignment(): TopicPartition[] {
    return this.cursors.map((c) => ({ topic: c.topic, partition: c.partition }));
  }

  /** New records were applied to the log: look again. */
  notifyAppend(): void {
    this.signal.notify();
  }

  quiesce(): Promise<void> {
    this.paused = true;
    this.signal.notify();
    return this.inflight ?? Promise.resolve();
  }

  assign(partitions: TopicPartition[], generation: number): void {
    this.generation = generation;
    const { state } = this.host;
    this.cursors = partitions.map(({ topic, partition }) => {
      const committed = state.committedOffset(this.options.groupId, topic, partition);
      const end = state.topics.get(topic)?.partitions[partition]?.length ?? 0;
      const position = committed ?? (this.options.fromBeginning ? 0 : end);
      return { topic, partition, position, startedAt: position, failures: 0, retryAt: 0 };
    });
    this.nextCursor = 0;
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.host.logger.error(
          { groupId: this.options.groupId, memberId: this.memberId, code: describeError(err).code, err },
          'bus consumer: an assignment listener threw; it is not retried',
        );
      }
    }
    if (this.status === 'running') {
      this.paused = false;
      this.signal.notify();
    }
  }

  private async loop(): Promise<void> {
    try {
      await this.loopUntilStopped();
    } catch (err) {
      // deliver() never throws, so this is a bug; log it rather than leave an unhandled rejection.
      this.host.logger.error(
        { groupId: this.options.groupId, memberId: this.memberId, code: describeError(err).code, err },
        'bus consumer: the fetch loop failed; this member stops taking batches',
      );
    }
  }

  private async loopUntilStopped(): Promise<void> {
    while (this.status === 'running') {
      if (this.paused) {
        await this.signal.wait(null);
        continue;
      }
      const work = this.pickWork(Date.now());
      if (work.kind === 'wait') {
        await this.signal.wait(work.ms);
        continue;
      }
      this.inflight = this.deliver(work.cursor, work.records);
      await this.inflight;
      this.inflight = null;
    }
  }

  /** The next partition (in turn) with unread records and no pending back-off. */
  private pickWork(
    now: number,
  ): { kind: 'batch'; cursor: Cursor; records: StoredRecord[] } | { kind: 'wait'; ms: number | null } {
    let soonest: number | null = null;
    const n = this.cursors.length;
    for (let i = 0; i < n; i++) {
      const index = (this.nextCursor + i) % n;
      const cursor = this.cursors[index]!;
      const log = this.host.state.topics.get(cursor.topic)?.partitions[cursor.partition];
      if (log === undefined || cursor.position >= log.length) continue;
      if (cursor.retryAt > now) {
        soonest = soonest === null ? cursor.retryAt - now : Math.min(soonest, cursor.retryAt - now);
        continue;
      }
      this.nextCursor = (index + 1) % n;
      return {
        kind: 'batch',
        cursor,
        records: log.slice(cursor.position, cursor.position + this.options.maxBatchSize),
      };
    }
    return { kind: 'wait', ms: soonest };
  }

  /** One handler call. Never rejects: a failure rewinds the partition and schedules a retry. */
  private async deliver(cursor: Cursor, stored: StoredRecord[]): Promise<void> {
    const generation = this.generation;
    const first = cursor.position;
    const batch: Batch = {
      topic: cursor.topic,
      partition: cursor.partition,
      records: stored.map((r, i) => toInRecord(cursor.topic, cursor.partition, first + i, r)),
      highWatermark:
        this.host.state.topics.get(cursor.topic)?.partitions[cursor.partition]?.length ??
        first + stored.length,
    };
    try {
      await this.handler!(batch);
      // A rebalance waits for this call, so the generation cannot have moved; checked anyway so
      // that a position from an old assignment can never leak into a new one.
      if (generation === this.generation) {
        cursor.position = first + stored.length;
        cursor.failures = 0;
      }
    } catch (err) {
      if (generation !== this.generation) return;
      // At-least-once: re-read from the group's committed position (which the handler may have
      // advanced by committing part of the batch), or, with nothing committed, from where this
      // assignment started (never "the end now", which would skip the failed records).
      const committed = this.host.state.committedOffset(this.options.groupId, cursor.topic, cursor.partition);
      cursor.position = committed ?? cursor.startedAt;
      cursor.failures++;
      const delay = retryDelayMs(cursor.failures);
      cursor.retryAt = Date.now() + delay;
      this.host.logger.warn(
        {
          groupId: this.options.groupId,
          memberId: this.memberId,
          topic: cursor.topic,
          partition: cursor.partition,
          offset: first,
          retryFrom: cursor.position,
          retryInMs: delay,
          failures: cursor.failures,
          code: describeError(err).code,
          err,
        },
        'bus consumer: handler failed; the partition will be re-read from its committed position',
      );
    }
  }
}
