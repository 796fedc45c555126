import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GapstreamError } from '../../errors.ts';
import {
  checkFrame,
  decodePayload,
  encodeFrame,
  FRAME_HEADER_BYTES,
  type LogCommit,
  MAX_PAYLOAD_BYTES,
} from './log-codec.ts';

function roundTrip(commit: LogCommit): LogCommit {
  const frame = encodeFrame(commit);
  const check = checkFrame(frame, 0);
  if (check.kind !== 'ok') throw new Error(`frame check failed: ${JSON.stringify(check)}`);
  expect(check.end).toBe(frame.length);
  return decodePayload(check.payload);
}

const empty: LogCommit = { topics: [], records: [], offsets: [] };

describe('log codec', () => {
  it('round-trips null keys and values, empty buffers, unicode headers and large values', () => {
    const large = Buffer.alloc(3 * 1024 * 1024, 7);
    const commit: LogCommit = {
      topics: [
        { topic: 'hl7.raw.v1', partitions: 3, compacted: false },
        { topic: 'gaps.state-changelog', partitions: 1, compacted: true },
      ],
      records: [
        { topic: 't', partition: 0, timestamp: 0, key: null, value: null, headers: {} },
        {
          topic: 't',
          partition: 1,
          timestamp: 1_700_000_000_123,
          key: '',
          value: Buffer.alloc(0),
          headers: { '': '' },
        },
        {
          topic: 't',
          partition: 2,
          timestamp: Number.MAX_SAFE_INTEGER,
          key: 'Zoë 🩺',
          value: large,
          headers: { 'x-naïve': 'ünï 😀', __proto__x: 'y' },
        },
      ],
      offsets: [{ group: 'gaps', topic: 't', partition: 4_000_000, offset: 2 ** 40 + 3 }],
    };
    const out = roundTrip(commit);
    // The large value is compared with Buffer#equals: a deep toEqual over 3 MiB takes seconds.
    expect(out.records[2]!.value!.equals(large)).toBe(true);
    const withoutLarge = (c: LogCommit): LogCommit => ({
      ...c,
      records: c.records.map((r) =>
        r.value === large || r.value?.length === large.length ? { ...r, value: null } : r,
      ),
    });
    expect(withoutLarge(out)).toEqual(withoutLarge(commit));
    expect(out.records[1]!.value).toEqual(Buffer.alloc(0));
  });

  it('keeps a header named __proto__ as a header', () => {
    const headers: Record<string, string> = JSON.parse('{"__proto__":"p","a":"b"}') as Record<string, string>;
    const out = roundTrip({
      ...empty,
      records: [{ topic: 't', partition: 0, timestamp: 1, key: 'k', value: null, headers }],
    });
    expect(Object.keys(out.records[0]!.headers)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(out.records[0]!.headers)).toBe(Object.prototype);
  });

  it('round-trips any commit (property)', () => {
    const str = fc.string({ unit: 'binary', maxLength: 20 });
    const safe = fc.maxSafeNat();
    const u32 = fc.integer({ min: 0, max: 0xfffffffe });
    const commit = fc.record({
      topics: fc.array(fc.record({ topic: str, partitions: u32, compacted: fc.boolean() }), { maxLength: 3 }),
      records: fc.array(
        fc.record({
          topic: str,
          partition: u32,
          timestamp: safe,
          key: fc.option(str, { nil: null }),
          value: fc.option(
            fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
            { nil: null },
          ),
          headers: fc.dictionary(str, str, { maxKeys: 4 }),
        }),
        { maxLength: 10 },
      ),
      offsets: fc.array(fc.record({ group: str, topic: str, partition: u32, offset: safe }), {
        maxLength: 5,
      }),
    });
    fc.assert(
      fc.property(commit, (c) => {
        expect(roundTrip(c)).toEqual(c);
      }),
      { numRuns: 300 },
    );
  });

  it('replaces lone surrogates the same way the partitioner encodes keys', () => {
    const out = roundTrip({
      ...empty,
      records: [{ topic: 't', partition: 0, timestamp: 1, key: 'a\uD800b', value: null, headers: {} }],
    });
    expect(out.records[0]!.key).toBe(Buffer.from('a\uD800b', 'utf8').toString('utf8'));
  });

  it('detects an incomplete frame, a bad CRC and an implausible length', () => {
    const frame = encodeFrame({ ...empty, topics: [{ topic: 't', partitions: 1, compacted: false }] });
    expect(checkFrame(frame.subarray(0, 5), 0).kind).toBe('incomplete');
    expect(checkFrame(frame.subarray(0, frame.length - 1), 0).kind).toBe('incomplete');
    const flipped = Buffer.from(frame);
    flipped[flipped.length - 1]! ^= 0xff;
    expect(checkFrame(flipped, 0)).toMatchObject({
      kind: 'corrupt',
      reason: expect.stringMatching(/CRC/) as unknown,
    });
    const zeros = Buffer.alloc(64);
    expect(checkFrame(zeros, 0).kind).toBe('corrupt');
    const huge = Buffer.from(frame);
    huge.writeUInt32LE(MAX_PAYLOAD_BYTES + 1, 0);
    expect(checkFrame(huge, 0).kind).toBe('corrupt');
  });

  it('refuses payloads of an unknown version or with trailing bytes, as corrupt (not a torn tail)', () => {
    const frame = encodeFrame(empty);
    const payload = Buffer.from(frame.subarray(FRAME_HEADER_BYTES));
    payload[0] = 9;
    expect(() => decodePayload(payload)).toThrow(/version 9/);
    const trailing = Buffer.concat([frame.subarray(FRAME_HEADER_BYTES), Buffer.from([0])]);
    try {
      decodePayload(trailing);
      expect.unreachable();
    } catch (err) {
      expect((err as GapstreamError).code).toBe('EMBEDDED_LOG_CORRUPT');
    }
  });

  it('rejects non-string header values and unsafe integers when encoding', () => {
    const bad = {
      ...empty,
      records: [
        {
          topic: 't',
          partition: 0,
          timestamp: 1,
          key: null,
          value: null,
          headers: { h: Buffer.from('x') as unknown as string },
        },
      ],
    };
    expect(() => encodeFrame(bad)).toThrow(/header "h".*must be strings/);
    expect(() =>
      encodeFrame({ ...empty, offsets: [{ group: 'g', topic: 't', partition: 0, offset: -1 }] }),
    ).toThrow(/offset = -1/);
  });
});
