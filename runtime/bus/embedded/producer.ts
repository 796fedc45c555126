/**
 * Producers of the embedded bus: plain (each `send` is one durable commit) and transactional
 * (everything a transaction sends, records and group offsets, is one commit, written only when
 * the work succeeds; an aborted transaction writes nothing, so read_committed holds trivially).
 */
import { GapstreamError } from '../../errors.ts';
import type {
  OutRecord,
  Producer,
  RecordMetadata,
  TopicPartitionOffset,
  Transaction,
  TransactionalProducer,
} from '../types.ts';
import type { LogCommit, LogOffsetCommit, LogRecord } from './log-codec.ts';

/** What producers need from their bus. */
export interface ProducerHost {
  /** Validates records and resolves their partitions (null keys via `nextRoundRobin`). Throws on bad input. */
  prepareRecords(records: readonly OutRecord[], nextRoundRobin: () => number): LogRecord[];
  /** Validates group offsets. Throws on bad input. */
  prepareOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): LogOffsetCommit[];
  /** Writes one commit durably and applies it; resolves with the records' metadata. */
  append(commit: LogCommit): Promise<RecordMetadata[]>;
  /** True while `epoch` is the newest producer epoch of `transactionalId`. */
  isCurrentEpoch(transactionalId: string, epoch: number): boolean;
  /** Throws BUS_CLOSED once the bus is closing. */
  assertAcceptingProducers(): void;
}

function closedError(what: string): GapstreamError {
  return new GapstreamError('PRODUCER_CLOSED', `${what} is closed: create a new producer`);
}

/** Tracks calls in flight so that close() can wait for them. */
class InFlight {
  private readonly calls = new Set<Promise<unknown>>();

  track<T>(call: Promise<T>): Promise<T> {
    this.calls.add(call);
    const forget = (): void => {
      this.calls.delete(call);
    };
    call.then(forget, forget);
    return call;
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.calls]);
  }
}

/** A plain producer: each `send` is one atomic, durable commit. */
export class EmbeddedProducer implements Producer {
  private closed = false;
  private roundRobin = 0;
  private readonly inFlight = new InFlight();

  constructor(private readonly host: ProducerHost) {}

  send(records: readonly OutRecord[]): Promise<RecordMetadata[]> {
    return this.inFlight.track(
      (async () => {
        if (this.closed) throw closedError('this producer');
        const prepared = this.host.prepareRecords(records, () => this.roundRobin++);
        if (prepared.length === 0) return [];
        return this.host.append({ topics: [], records: prepared, offsets: [] });
      })(),
    );
  }

  /** Waits for sends in flight (they complete), then refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.inFlight.drain();
  }
}

/**
 * A transactional producer. A newer producer with the same transactional id fences this one:
 * its later transactions fail with `PRODUCER_FENCED`, as in Kafka, where the broker bumps the
 * producer epoch on `initTransactions`. Epochs live in memory only: one process owns the data dir
 * (LOCK), so there is no zombie in another process to fence across restarts.
 */
export class EmbeddedTransactionalProducer implements TransactionalProducer {
  private closed = false;
  private active = false;
  private roundRobin = 0;
  private readonly inFlight = new InFlight();

  constructor(
    private readonly host: ProducerHost,
    private readonly transactionalId: string,
    private readonly epoch: number,
  ) {}

  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.inFlight.track(this.runTransaction(work));
  }

  /** Waits for a transaction in flight to finish (commit or abort), then refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.inFlight.drain();
  }

  private assertUsable(): void {
    if (this.closed) throw closedError(`transactional producer "${this.transactionalId}"`);
    if (!this.host.isCurrentEpoch(this.transactionalId, this.epoch)) {
      throw new GapstreamError(
        'PRODUCER_FENCED',
        `transactional producer "${this.transactionalId}" was fenced by a newer producer with the same transactional id: ` +
          'this instance can no longer commit; its open transaction was aborted (another instance owns this work now)',
      );
    }
  }

  private async runTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    this.assertUsable();
    if (this.active) {
      // Kafka allows one open transaction per producer (kafkajs throws the same way).
      throw new GapstreamError(
        'TRANSACTION_IN_PROGRESS',
        `transactional producer "${this.transactionalId}" already has an open transaction: await it before starting another`,
      );
    }
    this.active = true;
    const records: LogRecord[] = [];
    const offsets: LogOffsetCommit[] = [];
    let open = true;
    const assertOpen = (): void => {
      if (!open) {
        throw new GapstreamError(
          'TRANSACTION_CLOSED',
          `a transaction of "${this.transactionalId}" was used after it ended: use the tx only inside work()`,
        );
      }
      this.assertUsable();
    };
    const tx: Transaction = {
      send: (out) =>
        new Promise<void>((resolve) => {
          assertOpen();
          records.push(...this.host.prepareRecords(out, () => this.roundRobin++));
          resolve();
        }),
      sendOffsets: (groupId, positions) =>
        new Promise<void>((resolve) => {
          assertOpen();
          offsets.push(...this.host.prepareOffsets(groupId, positions));
          resolve();
        }),
    };
    try {
      let result: T;
      try {
        result = await work(tx);
      } finally {
        // Abort (work threw) drops the buffer: nothing was written, nothing becomes visible.
        open = false;
      }
      this.assertUsable();
      if (records.length > 0 || offsets.length > 0) await this.host.append({ topics: [], records, offsets });
      return result;
    } finally {
      this.active = false;
    }
  }
}
