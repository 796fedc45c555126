/**
 * Binary encoding of the embedded bus log (`<dataDir>/bus.log`).
 *
 * The file is a sequence of frames, one per atomic *commit*:
 *
 * ```
 * frame   = u32 payloadLength | u32 crc32(payload) | payload          (little-endian)
 * payload = u8 version (1)
 *           u32 n, n × topic    = str name | u32 partitions | u8 flags (bit 0: compacted)
 *           u32 n, n × record   = str topic | u32 partition | u64 timestamp | nstr key | nbytes value
 *                                 | u32 h, h × (str name | str value)
 *           u32 n, n × offset   = str group | str topic | u32 partition | u64 offset
 * str     = u32 byteLength | UTF-8 bytes
 * nstr    = str, or u32 0xFFFFFFFF for null (same for nbytes)
 * u64     = u32 low | u32 high (only safe integers, 0 … 2^53-1, are written)
 * ```
 *
 * Record offsets are *not* stored: they are assigned in log order when a commit is applied, so
 * replaying the log assigns exactly the offsets that were acknowledged. Binary rather than
 * JSON+base64 because every produced record passes through here (the hot path) and values are
 * already bytes (Confluent-framed Avro).
 */
import { crc32 } from 'node:zlib';
import { GapstreamError } from '../../errors.ts';
import type { Headers } from '../types.ts';

/** Bytes before a frame's payload: length and CRC. */
export const FRAME_HEADER_BYTES = 8;

/**
 * Largest payload accepted, in bytes (256 MiB). Bounds what a corrupted length field can make
 * recovery allocate, and keeps one commit well under Node's Buffer limit. Kafka's own default
 * request limit is 1 MiB; a transaction of a large batch stays far below this.
 */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** Format version written as the first payload byte; a reader refuses versions it does not know. */
export const LOG_FORMAT_VERSION = 1;

const NULL_LENGTH = 0xffffffff;
const TWO_32 = 0x1_0000_0000;

/** A record as stored in the log: where it goes, when, and what. Its offset is implied by log order. */
export interface LogRecord {
  topic: string;
  partition: number;
  /** Append time, epoch milliseconds. */
  timestamp: number;
  key: string | null;
  value: Buffer | null;
  headers: Headers;
}

/** A consumer group's committed position (the next offset to read) for one topic-partition. */
export interface LogOffsetCommit {
  group: string;
  topic: string;
  partition: number;
  offset: number;
}

/** A topic creation. Applying one for a topic that already exists changes nothing. */
export interface LogTopicCreation {
  topic: string;
  partitions: number;
  compacted: boolean;
}

/** One atomic commit: everything in it becomes visible together, after it is durable. */
export interface LogCommit {
  topics: LogTopicCreation[];
  records: LogRecord[];
  offsets: LogOffsetCommit[];
}

/** A commit that cannot be encoded (too large, a value out of range, a non-string header). */
function encodeError(message: string): GapstreamError {
  return new GapstreamError('EMBEDDED_ENCODE_FAILED', message);
}

/** A payload whose CRC matched but whose content does not parse: a bug or a foreign file, never a torn write. */
function decodeError(message: string): GapstreamError {
  return new GapstreamError('EMBEDDED_LOG_CORRUPT', `bus log payload cannot be decoded: ${message}`);
}

function strSize(s: string): number {
  return 4 + Buffer.byteLength(s, 'utf8');
}

function safeUint(what: string, n: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(n) || n < 0 || n > max) {
    throw encodeError(`${what} = ${String(n)} cannot be written: expected a whole number from 0 to ${max}`);
  }
  return n;
}

/** Exact payload size, so encoding allocates once and copies each value once. */
function payloadSize(commit: LogCommit): number {
  let size = 1 + 4 + 4 + 4;
  for (const t of commit.topics) size += strSize(t.topic) + 4 + 1;
  for (const r of commit.records) {
    size += strSize(r.topic) + 4 + 8 + 4 + 4 + 4;
    if (r.key !== null) size += Buffer.byteLength(r.key, 'utf8');
    if (r.value !== null) size += r.value.length;
    for (const name of Object.keys(r.headers)) {
      const v = r.headers[name];
      if (typeof v !== 'string') {
        throw encodeError(
          `header "${name}" of a record for topic "${r.topic}" is a ${typeof v}: header values must be strings`,
        );
      }
      size += strSize(name) + strSize(v);
    }
  }
  for (const o of commit.offsets) size += strSize(o.group) + strSize(o.topic) + 4 + 8;
  return size;
}

/**
 * Encodes a commit as one complete frame (header + payload) in a single Buffer, ready to append.
 * Throws `EMBEDDED_ENCODE_FAILED` if the commit is larger than {@link MAX_PAYLOAD_BYTES} or holds
 * values that cannot be represented.
 */
export function encodeFrame(commit: LogCommit): Buffer {
  const size = payloadSize(commit);
  if (size > MAX_PAYLOAD_BYTES) {
    throw encodeError(
      `a commit of ${size} bytes exceeds the embedded log limit of ${MAX_PAYLOAD_BYTES} bytes: send fewer or smaller records at a time`,
    );
  }
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + size);
  let pos = FRAME_HEADER_BYTES;

  const u8 = (n: number): void => {
    buf[pos++] = n;
  };
  const u32 = (n: number): void => {
    buf.writeUInt32LE(n, pos);
    pos += 4;
  };
  const u64 = (what: string, n: number): void => {
    safeUint(what, n);
    buf.writeUInt32LE(n % TWO_32, pos);
    buf.writeUInt32LE(Math.floor(n / TWO_32), pos + 4);
    pos += 8;
  };
  const str = (s: string): void => {
    // The length slot is filled after the write: Buffer#write returns the exact byte count
    // (lone surrogates become U+FFFD, 3 bytes, as Buffer.byteLength also counted them).
    const n = buf.write(s, pos + 4, 'utf8');
    buf.writeUInt32LE(n, pos);
    pos += 4 + n;
  };

  u8(LOG_FORMAT_VERSION);
  u32(commit.topics.length);
  for (const t of commit.topics) {
    str(t.topic);
    u32(safeUint('partitions', t.partitions, NULL_LENGTH - 1));
    u8(t.compacted ? 1 : 0);
  }
  u32(commit.records.length);
  for (const r of commit.records) {
    str(r.topic);
    u32(safeUint('partition', r.partition, NULL_LENGTH - 1));
    u64('timestamp', r.timestamp);
    if (r.key === null) u32(NULL_LENGTH);
    else str(r.key);
    if (r.value === null) u32(NULL_LENGTH);
    else {
      u32(r.value.length);
      r.value.copy(buf, pos);
      pos += r.value.length;
    }
    const names = Object.keys(r.headers);
    u32(names.length);
    for (const name of names) {
      str(name);
      str(r.headers[name]!);
    }
  }
  u32(commit.offsets.length);
  for (const o of commit.offsets) {
    str(o.group);
    str(o.topic);
    u32(safeUint('partition', o.partition, NULL_LENGTH - 1));
    u64('offset', o.offset);
  }
  if (pos !== buf.length) throw encodeError(`internal size mismatch: wrote ${pos} of ${buf.length} bytes`);

  buf.writeUInt32LE(size, 0);
  buf.writeUInt32LE(crc32(buf.subarray(FRAME_HEADER_BYTES)), 4);
  return buf;
}

/** Outcome of checking the bytes at one position of the log. */
export type FrameCheck =
  | { kind: 'ok'; payload: Buffer; end: number }
  /** The buffer ends inside the frame: more bytes may follow (or it is a torn tail at EOF). */
  | { kind: 'incomplete'; needed: number }
  | { kind: 'corrupt'; reason: string };

/**
 * Checks the frame that starts at `offset` of `buf`: header present, length plausible, payload
 * present and its CRC matching. The payload returned shares memory with `buf`.
 */
export function checkFrame(buf: Buffer, offset: number): FrameCheck {
  if (buf.length - offset < FRAME_HEADER_BYTES) return { kind: 'incomplete', needed: FRAME_HEADER_BYTES };
  const length = buf.readUInt32LE(offset);
  // A zero length is never written (a payload has at least its version byte); zeros are what a
  // file system can leave at the tail after a crash, so they are a torn tail, not a frame.
  if (length === 0 || length > MAX_PAYLOAD_BYTES)
    return { kind: 'corrupt', reason: `implausible frame length ${length}` };
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > buf.length) return { kind: 'incomplete', needed: FRAME_HEADER_BYTES + length };
  const payload = buf.subarray(offset + FRAME_HEADER_BYTES, end);
  const expected = buf.readUInt32LE(offset + 4);
  const actual = crc32(payload);
  if (actual !== expected)
    return { kind: 'corrupt', reason: `CRC mismatch (stored ${expected}, computed ${actual})` };
  return { kind: 'ok', payload, end };
}

/**
 * Decodes a payload (CRC already checked). Values are views into `payload`, not copies: the
 * caller keeps the payload alive as the records' storage. Throws `EMBEDDED_LOG_CORRUPT` on
 * malformed content.
 */
export function decodePayload(payload: Buffer): LogCommit {
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > payload.length)
      throw decodeError(`needs ${n} bytes at ${pos}, payload has ${payload.length}`);
  };
  const u8 = (): number => {
    need(1);
    return payload[pos++]!;
  };
  const u32 = (): number => {
    need(4);
    const n = payload.readUInt32LE(pos);
    pos += 4;
    return n;
  };
  const u64 = (): number => {
    need(8);
    const n = payload.readUInt32LE(pos) + payload.readUInt32LE(pos + 4) * TWO_32;
    pos += 8;
    if (!Number.isSafeInteger(n)) throw decodeError(`64-bit value at ${pos - 8} is beyond 2^53`);
    return n;
  };
  const bytesOf = (n: number): Buffer => {
    need(n);
    const b = payload.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const str = (): string => {
    const n = u32();
    need(n);
    const s = payload.toString('utf8', pos, pos + n);
    pos += n;
    return s;
  };
  const nstr = (): string | null => {
    const n = u32();
    if (n === NULL_LENGTH) return null;
    need(n);
    const s = payload.toString('utf8', pos, pos + n);
    pos += n;
    return s;
  };
  // Counts are checked against the bytes left so a corrupt count cannot make us allocate wildly.
  const count = (minItemBytes: number): number => {
    const n = u32();
    if (n * minItemBytes > payload.length - pos)
      throw decodeError(`count ${n} at ${pos - 4} exceeds the payload`);
    return n;
  };

  const version = u8();
  if (version !== LOG_FORMAT_VERSION) {
    throw decodeError(
      `format version ${version}, this build reads version ${LOG_FORMAT_VERSION} (was the data dir written by a newer gapstream?)`,
    );
  }
  const topics: LogTopicCreation[] = [];
  for (let i = count(9); i > 0; i--) {
    const topic = str();
    const partitions = u32();
    const flags = u8();
    topics.push({ topic, partitions, compacted: (flags & 1) === 1 });
  }
  const records: LogRecord[] = [];
  for (let i = count(28); i > 0; i--) {
    const topic = str();
    const partition = u32();
    const timestamp = u64();
    const key = nstr();
    const valueLength = u32();
    const value = valueLength === NULL_LENGTH ? null : bytesOf(valueLength);
    const entries: [string, string][] = [];
    for (let h = count(8); h > 0; h--) entries.push([str(), str()]);
    // fromEntries defines own properties, so a header named "__proto__" stays a header.
    const headers: Headers = Object.fromEntries(entries);
    records.push({ topic, partition, timestamp, key, value, headers });
  }
  const offsets: LogOffsetCommit[] = [];
  for (let i = count(20); i > 0; i--) {
    const group = str();
    const topic = str();
    const partition = u32();
    const offset = u64();
    offsets.push({ group, topic, partition, offset });
  }
  if (pos !== payload.length) throw decodeError(`${payload.length - pos} trailing bytes`);
  return { topics, records, offsets };
}
