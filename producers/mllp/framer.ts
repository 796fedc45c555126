/**
 * MLLP frame decoder (HL7 v2.3.1 Appendix C, MLLP Release 1): `<VT> message <FS><CR>`, VT = 0x0B,
 * FS = 0x1C, CR = 0x0D (domain-facts.md §2.1). Pure: fed the bytes of one connection in any
 * chunking (split or coalesced TCP reads), it calls back once per complete frame.
 *
 * Memory: a frame is buffered only up to `maxFrameBytes`. Past that the framer keeps only the
 * first `headBytes` (enough for the MSH segment, so the NAK can echo MSH-10) and discards the rest
 * as it arrives until the end block, then reports the oversize frame: a 50 MB frame never sits in
 * memory.
 */

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

/** Why the byte stream is not MLLP; the connection is closed after it (as senders expect). */
export type FramingErrorKind =
  /** Bytes other than whitespace between frames (data outside a frame, or a missing start block). */
  | 'DATA_OUTSIDE_FRAME'
  /** A start block inside a frame (the previous frame's end block is missing). */
  | 'START_BLOCK_IN_FRAME'
  /** FS not followed by CR. */
  | 'BAD_END_BLOCK';

export interface FramerEvents {
  /** A complete frame's payload (without VT and FS CR). */
  frame(payload: Buffer): void;
  /** A frame over the limit ended: its first bytes, and its full size. */
  oversize(head: Buffer, totalBytes: number): void;
  /** The stream is not MLLP; no further callbacks follow. */
  error(kind: FramingErrorKind, atByte: number): void;
}

const enum State {
  Between,
  InFrame,
  AfterFs,
  Failed,
}

export class MllpFramer {
  private state = State.Between;
  private parts: Buffer[] = [];
  private size = 0;
  private oversized = false;
  private consumed = 0;

  constructor(
    private readonly events: FramerEvents,
    private readonly maxFrameBytes: number,
    private readonly headBytes = 64 * 1024,
  ) {}

  /** Bytes of the frame being read that are held in memory now. */
  get bufferedBytes(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }

  /** True when a frame has started and not yet ended (for truncation detection at close). */
  get inFrame(): boolean {
    return this.state === State.InFrame || this.state === State.AfterFs;
  }

  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n && this.state !== State.Failed) {
      switch (this.state) {
        case State.Between: {
          const b = chunk[i]!;
          if (b === VT) {
            this.state = State.InFrame;
            this.parts = [];
            this.size = 0;
            this.oversized = false;
            i++;
          } else if (b === CR || b === 0x0a || b === 0x20 || b === 0x09) {
            // Some senders put a newline after FS CR or keep-alive whitespace: tolerated.
            i++;
          } else return this.fail('DATA_OUTSIDE_FRAME', i);
          break;
        }
        case State.InFrame: {
          // Scan for FS (end) or VT (error) in one pass over the chunk.
          let j = i;
          while (j < n && chunk[j] !== FS && chunk[j] !== VT) j++;
          if (j > i) this.append(chunk.subarray(i, j));
          if (j === n) return this.count(n);
          if (chunk[j] === VT) return this.fail('START_BLOCK_IN_FRAME', j);
          this.state = State.AfterFs;
          i = j + 1;
          break;
        }
        case State.AfterFs: {
          if (chunk[i] !== CR) return this.fail('BAD_END_BLOCK', i);
          i++;
          this.state = State.Between;
          this.emit();
          break;
        }
      }
    }
    this.count(n);
  }

  private count(n: number): void {
    this.consumed += n;
  }

  private append(bytes: Buffer): void {
    this.size += bytes.length;
    if (this.oversized) return;
    if (this.size > this.maxFrameBytes) {
      // Keep only the head (copied: the socket's chunk must not be retained), drop the rest.
      const held = Buffer.concat([...this.parts, bytes]);
      this.parts = [Buffer.from(held.subarray(0, Math.min(this.headBytes, held.length)))];
      this.oversized = true;
      return;
    }
    this.parts.push(bytes);
  }

  private emit(): void {
    const parts = this.parts;
    this.parts = [];
    if (this.oversized) {
      this.events.oversize(parts[0] ?? Buffer.alloc(0), this.size);
      return;
    }
    // Copy once: the payload must not pin the socket's (possibly large, shared) read buffers.
    this.events.frame(parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts, this.size));
  }

  private fail(kind: FramingErrorKind, at: number): void {
    this.state = State.Failed;
    this.parts = [];
    this.events.error(kind, this.consumed + at);
  }
}
