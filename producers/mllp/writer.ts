/**
 * Group commit in front of `Producer.send`: records handed in while a send is in flight wait and
 * go out together in the next send, so 32 connections each waiting for their ACK cost one durable
 * round trip (one Kafka acks=all request, or one fsync) instead of 32. One send at a time keeps
 * the arrival order (the Kafka producer is idempotent with one request in flight).
 */
import type { OutRecord, Producer } from '../../runtime/bus/types.ts';

interface Pending {
  records: readonly OutRecord[];
  resolve(): void;
  reject(err: unknown): void;
}

export class GroupCommitWriter {
  private queue: Pending[] = [];
  private sending = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly producer: Producer,
    private readonly maxRecordsPerSend = 1000,
  ) {}

  /** Resolves when every record is durable; rejects when the send they were part of failed. */
  write(records: readonly OutRecord[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (!this.sending) void this.loop();
    });
  }

  /** Resolves when nothing is queued or being sent. */
  drained(): Promise<void> {
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async loop(): Promise<void> {
    this.sending = true;
    while (this.queue.length > 0) {
      const group: Pending[] = [];
      let count = 0;
      while (
        this.queue.length > 0 &&
        (group.length === 0 || count + this.queue[0]!.records.length <= this.maxRecordsPerSend)
      ) {
        const p = this.queue.shift()!;
        group.push(p);
        count += p.records.length;
      }
      try {
        await this.producer.send(group.flatMap((p) => p.records));
        for (const p of group) p.resolve();
      } catch (err) {
        for (const p of group) p.reject(err);
      }
    }
    this.sending = false;
    for (const f of this.idle.splice(0)) f();
  }
}
