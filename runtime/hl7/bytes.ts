/**
 * Byte-level HL7 v2 access for callers that must keep the original bytes and must not decode a
 * whole frame first: the MLLP listener publishes each message byte for byte, keys it from its
 * bytes and reads only the head of an oversize frame. Everything here works on the raw bytes of
 * ASCII-compatible charsets (every charset `decodeHl7Bytes` supports except the multi-byte East
 * Asian ones, whose trail bytes can look like delimiters): segment ids and delimiters are single
 * ASCII bytes (domain-facts §1.1).
 *
 * Text returned from bytes is a latin1 view (one character per byte), so it is byte-exact: ids
 * and routing values compare and hash the same whatever the message's charset. Decode with
 * `decodeHl7Bytes` for display.
 *
 * Counterparts of the text functions: `splitHl7Bytes` ↔ `splitHl7Messages` (same message
 * boundaries, no trailer count check), `sniffSegment` + `readHl7Header` ↔ `parseMsh` (no
 * required-field check, so an ACK can still be built for a message that fails it).
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { canonicalCharset } from './charset.ts';

/** One segment (line) of a byte buffer. */
export interface Hl7ByteSegment {
  /** First three bytes as text (`''`…`'XY'` when the line is shorter), e.g. `MSH`. */
  id: string;
  /** Offset of the segment's first byte. */
  start: number;
  /** Offset of its terminator (CR or LF), or the buffer length. */
  end: number;
  /** Offset of the next segment (after CR, LF or CRLF). */
  next: number;
}

/**
 * The segments of `bytes`, split on CR, LF and CRLF (HL7 says CR; the others are accepted as
 * senders use them). Empty lines are yielded too (id `''`), so ranges stay contiguous.
 */
export function* hl7ByteSegments(bytes: Uint8Array): Generator<Hl7ByteSegment> {
  const n = bytes.length;
  let start = 0;
  while (start < n) {
    let end = start;
    while (end < n && bytes[end] !== 0x0d && bytes[end] !== 0x0a) end++;
    let next = end < n ? end + 1 : n;
    if (bytes[end] === 0x0d && bytes[end + 1] === 0x0a) next++;
    yield { id: latin1(bytes, start, Math.min(start + 3, end)), start, end, next };
    start = next;
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

/** A segment found by {@link sniffSegment}. */
export interface SniffedSegment {
  /** The segment without terminator, one character per byte (latin1): byte-exact. */
  text: string;
  /** Offset of its first byte (0: it is the first segment). */
  start: number;
}

/**
 * The first segment whose id is `id` (its first three bytes; no white space is skipped), read
 * without decoding the rest of the buffer. Undefined when there is none.
 */
export function sniffSegment(bytes: Uint8Array, id: string): SniffedSegment | undefined {
  for (const s of hl7ByteSegments(bytes))
    if (s.id === id) return { text: latin1(bytes, s.start, s.end), start: s.start };
  return undefined;
}

/** What {@link splitHl7Bytes} found. */
export interface Hl7ByteSplit {
  /** The messages, views of the input (no copy), byte for byte with their terminators. */
  messages: Buffer[];
  /** Present when the bytes held FHS/BHS/BTS/FTS segments. */
  batch?: {
    /** The (first) FHS segment, without terminator. */
    fhs?: Buffer;
    /** The (first) BHS segment, without terminator. */
    bhs?: Buffer;
    /** Number of BHS segments. */
    batches: number;
  };
}

const BATCH_IDS = new Set(['FHS', 'BHS', 'BTS', 'FTS']);

function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    if (c > 0x20 && c !== 0x1c) return false;
  }
  return true;
}

/**
 * Splits bytes into messages with the boundaries of `splitHl7Messages` (HL7 v2.5.1 §2.10.3
 * batch protocol, `[FHS] { [BHS] { MSH … } [BTS] } [FTS]`): a message runs from an MSH up to
 * the next MSH, FHS, BHS, BTS or FTS, blank lines included, so its bytes are exactly as
 * received. Non-blank lines outside a message (before the first MSH, after a trailer) form a
 * message of their own, which fails as having no MSH: garbage is reported, never dropped.
 * Unlike `splitHl7Messages`, BTS-1/FTS-1 counts are not checked and lines are not cleaned.
 */
export function splitHl7Bytes(bytes: Buffer): Hl7ByteSplit {
  const messages: Buffer[] = [];
  let open = -1;
  let fhs: Buffer | undefined;
  let bhs: Buffer | undefined;
  let batches = 0;
  let sawBatch = false;
  const close = (at: number): void => {
    if (open >= 0) messages.push(bytes.subarray(open, at));
    open = -1;
  };
  for (const s of hl7ByteSegments(bytes)) {
    if (s.id === 'MSH') {
      close(s.start);
      open = s.start;
    } else if (BATCH_IDS.has(s.id)) {
      close(s.start);
      sawBatch = true;
      if (s.id === 'FHS') fhs ??= bytes.subarray(s.start, s.end);
      if (s.id === 'BHS') {
        bhs ??= bytes.subarray(s.start, s.end);
        batches++;
      }
    } else if (open < 0 && !isBlank(bytes, s.start, s.end)) open = s.start;
  }
  close(bytes.length);
  if (!sawBatch) return { messages };
  const batch: NonNullable<Hl7ByteSplit['batch']> = { batches };
  if (fhs !== undefined) batch.fhs = fhs;
  if (bhs !== undefined) batch.bhs = bhs;
  return { messages, batch };
}

/**
 * True when `bytes` are valid in `charset` (an MSH-18 / table 0211 name) as `decodeHl7Bytes`
 * applies a *declared* charset: ASCII must have no byte above 0x7F and UTF-8 must be valid UTF-8
 * (else that function throws 102); every other supported charset accepts any bytes. Native
 * checks (node:buffer), no decoding. Throws TypeError for a charset `decodeHl7Bytes` does not
 * support (check with `canonicalCharset` first).
 */
export function bytesFitCharset(bytes: Uint8Array, charset: string): boolean {
  const canonical = canonicalCharset(charset);
  if (canonical === undefined)
    throw new TypeError(
      `charset "${charset}" is not a supported HL7 table 0211 charset; check it with canonicalCharset() first`,
    );
  if (canonical === 'ASCII') return isAscii(bytes);
  if (canonical === 'UNICODE UTF-8') return isUtf8(bytes);
  return true;
}
