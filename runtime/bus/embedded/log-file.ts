/**
 * The append-only log file of the embedded bus: recovery on open, then appends with group commit.
 *
 * Group commit: appends are queued; one writer takes everything queued, writes it with a single
 * positional `writev`, `fdatasync`s once (fsync 'always'), and only then applies each entry to
 * memory and resolves its promise. So N concurrent producers pay for one fsync, and a promise
 * resolves only once its bytes are durable — which is what lets the MLLP listener ACK after the
 * write (CONVENTIONS.md §8). Entries are applied in file order, so memory always equals a replay
 * of the file.
 *
 * The file knows frames, not their meaning: the caller passes a `replay` callback for recovery
 * and an `apply` callback per append.
 */
import { constants, type FileHandle, open } from 'node:fs/promises';
import { GapstreamError } from '../../errors.ts';
import type { EmbeddedBusLogger } from './config.ts';
import { checkFrame } from './log-codec.ts';

/** Bytes read at a time during recovery: large enough for few syscalls, small enough to not matter. */
const RECOVERY_CHUNK_BYTES = 1024 * 1024;

interface PendingAppend {
  frame: Buffer;
  apply: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Options of {@link LogFile.open}. */
export interface LogFileOptions {
  path: string;
  fsync: 'always' | 'never';
  logger: EmbeddedBusLogger;
  /**
   * Called with each valid frame's payload, in file order, before `open` resolves. The payload
   * is a view into a read buffer that stays alive as long as the caller references it. If it
   * throws, open fails (the file is left as it is).
   */
  replay: (payload: Buffer, position: number) => void;
}

/** What recovery found. */
export interface RecoveryReport {
  frames: number;
  /** Bytes kept (the file size after recovery). */
  bytes: number;
  /** Bytes cut from the tail (a torn or corrupt last write), 0 for a clean file. */
  droppedBytes: number;
}

/** The bus log file. Create with {@link LogFile.open}. */
export class LogFile {
  private pending: PendingAppend[] = [];
  private draining: Promise<void> | null = null;
  private failure: GapstreamError | null = null;
  private closed = false;
  /** Counters for metrics and tests: batches written, fsyncs done, frames appended. */
  readonly stats = { writes: 0, syncs: 0, frames: 0 };

  private constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    private readonly fsync: 'always' | 'never',
    private position: number,
    /** What recovery found when the file was opened. */
    readonly recovery: RecoveryReport,
  ) {}

  /**
   * Opens (creating if needed) and recovers the log: replays every valid frame in order; at the
   * first invalid or incomplete frame, truncates the file there and logs how many bytes were
   * dropped. Such a tail is a write that was never acknowledged: a promise resolves only after
   * its whole frame is written and synced, and frames are written in order.
   */
  static async open(options: LogFileOptions): Promise<LogFile> {
    const fh = await open(options.path, constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      const recovery = await recover(fh, options);
      return new LogFile(fh, options.path, options.fsync, recovery.bytes, recovery);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Current size of the log in bytes (everything written, acknowledged or about to be). */
  get size(): number {
    return this.position;
  }

  /**
   * Appends one frame. Resolves with `apply()`'s result once the frame is written (and synced,
   * with fsync 'always') and every earlier frame has been applied. `apply` runs in file order.
   */
  append<T>(frame: Buffer, apply: () => T): Promise<T> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closed) {
      return Promise.reject(
        new GapstreamError(
          'BUS_CLOSED',
          `the embedded bus log ${this.path} is closed: open a new bus to write`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ frame, apply, resolve: resolve as (value: unknown) => void, reject });
      this.draining ??= this.drain();
    });
  }

  /** Waits for queued appends to finish, then closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining !== null) await this.draining;
    await this.fh.close();
  }

  private async drain(): Promise<void> {
    // Yield once so that appends issued in the same tick (Promise.all of many sends) join this
    // first batch instead of the first one going out alone.
    await Promise.resolve();
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          const bytes = await this.writeAll(batch.map((p) => p.frame));
          this.stats.writes++;
          if (this.fsync === 'always') {
            await this.fh.datasync();
            this.stats.syncs++;
          }
          this.position += bytes;
          this.stats.frames += batch.length;
        } catch (err) {
          // After a failed write or fsync the file's tail is unknown (and after a failed fsync
          // the kernel may have dropped the dirty pages: "fsyncgate"), so nothing more is
          // written through this handle. Reopening recovers: a partial frame fails its CRC and
          // is cut. A rejected entry may still turn out to be in the log (written, sync failed),
          // as with a Kafka produce that timed out: at-least-once, never lost-after-ack.
          this.failure = new GapstreamError(
            'EMBEDDED_LOG_FAILED',
            `writing the bus log ${this.path} failed (${(err as Error).message ?? String(err)}); the bus accepts no more writes: fix the cause (disk full?) and restart`,
            { cause: err },
          );
          for (const p of [...batch, ...this.pending]) p.reject(this.failure);
          this.pending = [];
          return;
        }
        for (const p of batch) {
          try {
            p.resolve(p.apply());
          } catch (err) {
            // Entries are validated before they are queued, so this is a bug; memory no longer
            // matches the file, so stop writing rather than build on a divergent state.
            this.failure ??= new GapstreamError(
              'EMBEDDED_LOG_FAILED',
              `applying a bus log entry failed: ${(err as Error).message}`,
              { cause: err },
            );
            p.reject(err);
          }
        }
      }
    } finally {
      this.draining = null;
    }
  }

  /** Writes all buffers at the end of the log, looping over short writes. Returns bytes written. */
  private async writeAll(buffers: Buffer[]): Promise<number> {
    let total = 0;
    for (const b of buffers) total += b.length;
    let position = this.position;
    let remaining = buffers;
    let left = total;
    while (left > 0) {
      const { bytesWritten } = await this.fh.writev(remaining, position);
      if (bytesWritten <= 0) throw new Error('writev wrote 0 bytes');
      position += bytesWritten;
      left -= bytesWritten;
      if (left === 0) break;
      // A short write (rare on regular files): skip what was written and continue.
      let skip = bytesWritten;
      const rest: Buffer[] = [];
      for (const b of remaining) {
        if (skip >= b.length) {
          skip -= b.length;
          continue;
        }
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
      remaining = rest;
    }
    return total;
  }
}

async function recover(fh: FileHandle, options: LogFileOptions): Promise<RecoveryReport> {
  const { size } = await fh.stat();
  let buf = Buffer.alloc(0);
  let bufStart = 0; // file position of buf[0]
  let cursor = 0; // position in buf of the next frame
  let readPos = 0; // next file position to read
  let frames = 0;
  let problem: string | null = null;

  for (;;) {
    const check = checkFrame(buf, cursor);
    if (check.kind === 'ok') {
      options.replay(check.payload, bufStart + cursor);
      frames++;
      cursor = check.end;
      continue;
    }
    if (check.kind === 'corrupt') {
      problem = check.reason;
      break;
    }
    // Incomplete in memory: read more, or stop at the end of the file.
    if (readPos >= size) {
      if (cursor < buf.length) problem = `incomplete frame (${buf.length - cursor} of ${check.needed} bytes)`;
      break;
    }
    const rest = buf.subarray(cursor);
    const want = Math.min(Math.max(RECOVERY_CHUNK_BYTES, check.needed - rest.length), size - readPos);
    const next = Buffer.allocUnsafe(rest.length + want);
    rest.copy(next, 0);
    let filled = rest.length;
    while (filled < next.length) {
      const { bytesRead } = await fh.read(next, filled, next.length - filled, readPos);
      if (bytesRead === 0) break;
      filled += bytesRead;
      readPos += bytesRead;
    }
    if (filled === rest.length) break; // file shrank under us; treat like EOF
    bufStart += cursor;
    buf = filled === next.length ? next : next.subarray(0, filled);
    cursor = 0;
  }

  const validEnd = bufStart + cursor;
  const droppedBytes = size - validEnd;
  if (droppedBytes > 0) {
    await fh.truncate(validEnd);
    await fh.datasync();
    options.logger.warn(
      { path: options.path, keptBytes: validEnd, droppedBytes, frames, reason: problem ?? 'unreadable tail' },
      'bus log: dropped an invalid tail at recovery (a write that was never acknowledged, e.g. torn by a crash)',
    );
  }
  return { frames, bytes: validEnd, droppedBytes };
}
