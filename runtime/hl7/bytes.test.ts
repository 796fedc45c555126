import { describe, expect, it } from 'vitest';
import { splitHl7Messages } from './batch.ts';
import { bytesFitCharset, hl7ByteSegments, sniffSegment, splitHl7Bytes } from './bytes.ts';

const m = (id: string): string => `MSH|^~\\&|A|F|R|F|2024||ADT^A04|${id}|P|2.5\rPID|1||${id}^^^H^MR\r`;

describe('hl7ByteSegments', () => {
  it('splits on CR, LF and CRLF with contiguous ranges (blank lines included)', () => {
    const b = Buffer.from('MSH|1\r\nPID|2\n\rNTE|3');
    const segs = [...hl7ByteSegments(b)];
    expect(segs.map((s) => s.id)).toEqual(['MSH', 'PID', '', 'NTE']);
    expect(segs.map((s) => [s.start, s.end, s.next])).toEqual([
      [0, 5, 7],
      [7, 12, 13],
      [13, 13, 14],
      [14, 19, 19],
    ]);
  });
});

describe('sniffSegment', () => {
  it('finds the first segment with an id, as a byte-exact latin1 view, without decoding the rest', () => {
    const b = Buffer.concat([
      Buffer.from('EVN|A04\rMSH|^~\\&|CAF\xc3\xa9|X\r', 'latin1'),
      Buffer.alloc(1 << 20, 0xff),
    ]);
    const found = sniffSegment(b, 'MSH')!;
    expect(found.start).toBe(8);
    expect(Buffer.from(found.text, 'latin1')).toEqual(Buffer.from('MSH|^~\\&|CAF\xc3\xa9|X', 'latin1'));
    expect(sniffSegment(b, 'PID')).toBeUndefined();
  });
});

describe('splitHl7Bytes', () => {
  it('cuts a batch at the boundaries splitHl7Messages uses, keeping the original bytes', () => {
    const text = [
      'FHS|^~\\&|A|F||||20240101||||F1',
      'BHS|^~\\&|A|F||||||||B1',
      m('1') + m('2') + 'BTS|2',
      'FTS|1',
      '',
    ];
    const crlf = Buffer.from(text.join('\r').replaceAll('\r', '\r\n'));
    const out = splitHl7Bytes(crlf);
    expect(out.messages.map((x) => x.toString())).toEqual(
      [m('1'), m('2')].map((x) => x.replaceAll('\r', '\r\n')),
    );
    expect(out.messages[0]!.buffer).toBe(crlf.buffer); // views, not copies
    expect(out.batch).toEqual({
      fhs: Buffer.from('FHS|^~\\&|A|F||||20240101||||F1'),
      bhs: Buffer.from('BHS|^~\\&|A|F||||||||B1'),
      batches: 1,
    });
    const asText = splitHl7Messages(text.join('\r'));
    expect(out.messages.map((x) => x.toString().replaceAll('\r\n', '\r'))).toEqual(asText.messages);
  });

  it('keeps blank lines inside a message and reports non-blank lines outside one as a message', () => {
    const b = Buffer.from(`BHS|^~\\&\r\rZZZ|junk\r${m('1')}\r \rBTS|1\r`);
    const out = splitHl7Bytes(b);
    expect(out.messages.map((x) => x.toString())).toEqual(['ZZZ|junk\r', `${m('1')}\r \r`]);
    expect(splitHl7Messages(b.toString()).messages).toHaveLength(2);
  });

  it('returns messages back to back without batch info', () => {
    expect(splitHl7Bytes(Buffer.from(m('1') + m('2')))).toEqual({
      messages: [Buffer.from(m('1')), Buffer.from(m('2'))],
    });
  });
});

describe('bytesFitCharset', () => {
  const latin1 = Buffer.from('caf\xe9', 'latin1');
  const utf8 = Buffer.from('café', 'utf8');
  it('is strict for ASCII and UTF-8, as decodeHl7Bytes is for a declared charset', () => {
    expect(bytesFitCharset(Buffer.from('cafe'), 'ASCII')).toBe(true);
    expect(bytesFitCharset(utf8, 'ASCII')).toBe(false);
    expect(bytesFitCharset(utf8, 'UNICODE UTF-8')).toBe(true);
    expect(bytesFitCharset(latin1, 'utf-8')).toBe(false);
    expect(bytesFitCharset(latin1, '8859/1')).toBe(true);
    expect(bytesFitCharset(latin1, '8859/15')).toBe(true);
  });
  it('throws TypeError for a charset decodeHl7Bytes does not support', () => {
    expect(() => bytesFitCharset(latin1, 'EBCDIC')).toThrow(TypeError);
  });
});
