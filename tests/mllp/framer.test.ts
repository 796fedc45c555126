import { describe, expect, it } from 'vitest';
import { MllpFramer, type FramingErrorKind } from '../../producers/mllp/framer.ts';
import { frame, hl7 } from './helpers.ts';

function collect(max = 1 << 20): {
  framer: MllpFramer;
  frames: string[];
  oversize: { head: Buffer; total: number }[];
  errors: FramingErrorKind[];
} {
  const frames: string[] = [];
  const oversize: { head: Buffer; total: number }[] = [];
  const errors: FramingErrorKind[] = [];
  const framer = new MllpFramer(
    {
      frame: (p) => frames.push(p.toString('latin1')),
      oversize: (head, total) => oversize.push({ head, total }),
      error: (k) => errors.push(k),
    },
    max,
  );
  return { framer, frames, oversize, errors };
}

describe('MLLP framer', () => {
  const a = hl7({ controlId: 'A' });
  const b = hl7({ controlId: 'B' });
  const stream = Buffer.concat([frame(a), frame(b)]);

  it('reassembles frames split at every byte boundary', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const { framer, frames, errors } = collect();
      framer.push(stream.subarray(0, cut));
      framer.push(stream.subarray(cut));
      expect(errors).toEqual([]);
      expect(frames).toEqual([a, b]);
    }
  });

  it('reads one byte at a time and coalesced frames in one chunk', () => {
    const one = collect();
    for (const byte of stream) one.framer.push(Buffer.from([byte]));
    expect(one.frames).toEqual([a, b]);
    const all = collect();
    all.framer.push(Buffer.concat([stream, stream]));
    expect(all.frames).toEqual([a, b, a, b]);
  });

  it('tolerates newlines between frames', () => {
    const c = collect();
    c.framer.push(Buffer.concat([frame(a), Buffer.from('\r\n'), frame(b), Buffer.from('\n')]));
    expect(c.frames).toEqual([a, b]);
    expect(c.errors).toEqual([]);
  });

  it('reports garbage outside a frame, a missing end block and a bad trailer', () => {
    const g = collect();
    g.framer.push(Buffer.from('GET / HTTP/1.1\r\n'));
    expect(g.errors).toEqual(['DATA_OUTSIDE_FRAME']);
    const noStart = collect();
    noStart.framer.push(Buffer.from(a + '\x1c\r'));
    expect(noStart.errors).toEqual(['DATA_OUTSIDE_FRAME']);
    const twoStarts = collect();
    twoStarts.framer.push(Buffer.concat([Buffer.from('\x0b' + a), frame(b)]));
    expect(twoStarts.errors).toEqual(['START_BLOCK_IN_FRAME']);
    expect(twoStarts.frames).toEqual([]);
    const badEnd = collect();
    badEnd.framer.push(Buffer.from('\x0b' + a + '\x1cX'));
    expect(badEnd.errors).toEqual(['BAD_END_BLOCK']);
    // After an error nothing more is emitted.
    badEnd.framer.push(frame(b));
    expect(badEnd.frames).toEqual([]);
  });

  it('knows a truncated frame (connection ends inside it)', () => {
    const t = collect();
    t.framer.push(frame(a).subarray(0, 20));
    expect(t.framer.inFrame).toBe(true);
    expect(t.frames).toEqual([]);
  });

  it('rejects a 50 MB frame without holding it, keeping only the head', () => {
    const c = collect(1024 * 1024);
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    c.framer.push(Buffer.from('\x0b' + a));
    let maxHeld = 0;
    for (let sent = 0; sent < 50 * 1024 * 1024; sent += chunk.length) {
      c.framer.push(chunk);
      maxHeld = Math.max(maxHeld, c.framer.bufferedBytes);
    }
    c.framer.push(Buffer.from('\x1c\r'));
    expect(maxHeld).toBeLessThanOrEqual(1024 * 1024);
    expect(c.oversize).toHaveLength(1);
    expect(c.oversize[0]!.total).toBe(a.length + 50 * 1024 * 1024);
    expect(c.oversize[0]!.head.subarray(0, 3).toString()).toBe('MSH');
    expect(c.oversize[0]!.head.length).toBeLessThanOrEqual(64 * 1024);
    // The next frame is read normally.
    c.framer.push(frame(b));
    expect(c.frames).toEqual([b]);
  });
});
