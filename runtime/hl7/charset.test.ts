import { describe, expect, it } from 'vitest';
import { decodeHl7Bytes, encodeHl7Text, sniffMsh18 } from './charset.ts';
import { Hl7ParseError } from './errors.ts';
import { parseHl7 } from './message.ts';

const msg = (msh18: string, pid5: string): string =>
  `MSH|^~\\&|A|F|R|F|20240101||ADT^A04|1|P|2.5.1||||||${msh18}\rPID|1||1^^^H^MR||${pid5}\r`;

function rejects(bytes: Buffer): Hl7ParseError {
  try {
    decodeHl7Bytes(bytes);
  } catch (e) {
    if (e instanceof Hl7ParseError) return e;
    throw e;
  }
  throw new Error('expected an Hl7ParseError');
}

describe('decodeHl7Bytes', () => {
  it('decodes UTF-8 with multibyte names', () => {
    const text = msg('UNICODE UTF-8', 'Müller-Łukasz^Zoë^山田');
    const out = decodeHl7Bytes(Buffer.from(text, 'utf8'));
    expect(out).toEqual({ text, charset: 'UNICODE UTF-8' });
    expect(parseHl7(out.text).get('PID-5.3')).toBe('山田');
  });

  it('decodes ISO-8859-1 bytes (0xE9 = é) and 8859/15 (0xA4 = €)', () => {
    const bytes = Buffer.from(msg('8859/1', 'Ren\u00e9^Andr\u00e9'), 'latin1');
    expect(bytes.includes(0xe9)).toBe(true);
    const out = decodeHl7Bytes(bytes);
    expect(out.charset).toBe('8859/1');
    expect(parseHl7(out.text).get('PID-5')).toBe('René');
    const b15 = Buffer.from(msg('8859/15', 'Cost\u00a4'), 'latin1');
    expect(parseHl7(decodeHl7Bytes(b15).text).get('PID-5')).toBe('Cost€');
  });

  it('rejects a message that declares UTF-8 but holds invalid bytes (wrong charset), no U+FFFD', () => {
    const bytes = Buffer.from(msg('UNICODE UTF-8', 'Ren\u00e9'), 'latin1');
    expect(rejects(bytes)).toMatchObject({ hl7Code: '102', segment: 'MSH', field: 18 });
  });

  it('rejects declared ASCII with 8-bit bytes', () => {
    expect(rejects(Buffer.from(msg('ASCII', 'Ren\u00e9'), 'latin1'))).toMatchObject({
      hl7Code: '102',
      field: 18,
    });
  });

  it('rejects an unknown charset with 103 (table 0211 value not found)', () => {
    const e = rejects(Buffer.from(msg('EBCDIC-37', 'X'), 'latin1'));
    expect(e).toMatchObject({ hl7Code: '103', field: 18 });
    expect(rejects(Buffer.from(msg('UNICODE UTF-16', 'X'), 'latin1')).hl7Code).toBe('103');
  });

  it('applies the default when MSH-18 is empty: ASCII, leniently UTF-8 then latin1', () => {
    expect(decodeHl7Bytes(Buffer.from(msg('', 'Plain'))).charset).toBe('ASCII');
    expect(decodeHl7Bytes(Buffer.from(msg('', 'Zoë'), 'utf8'))).toMatchObject({ charset: 'UNICODE UTF-8' });
    const l1 = decodeHl7Bytes(Buffer.from(msg('', 'Zoë'), 'latin1'));
    expect(l1.charset).toBe('8859/1');
    expect(l1.text).toContain('Zoë');
    // a configured default is strict
    expect(() =>
      decodeHl7Bytes(Buffer.from(msg('', 'Zoë'), 'latin1'), { defaultCharset: 'UNICODE UTF-8' }),
    ).toThrow(Hl7ParseError);
    expect(
      decodeHl7Bytes(Buffer.from(msg('', 'Zoë'), 'latin1'), { defaultCharset: '8859/1' }).text,
    ).toContain('Zoë');
    expect(() => decodeHl7Bytes(Buffer.from('x'), { defaultCharset: 'nope' })).toThrow(TypeError);
  });

  it('finds MSH-18 after batch headers, with repetitions and other delimiters', () => {
    expect(sniffMsh18(Buffer.from('FHS|^~\\&\rBHS|^~\\&\r' + msg('UNICODE UTF-8~8859/1', 'X')))).toBe(
      'UNICODE UTF-8',
    );
    expect(sniffMsh18(Buffer.from('MSH*%$!@*A*F*R*F*2024**ADT%A01*1*P*2.5******8859/1\r'))).toBe('8859/1');
    expect(sniffMsh18(Buffer.from('no msh here'))).toBeUndefined();
    expect(sniffMsh18(Buffer.from('MSH|^~\\&|A\r'))).toBe('');
  });
});

describe('encodeHl7Text', () => {
  it('encodes in the message charset', () => {
    expect(encodeHl7Text('é', '8859/1')).toEqual(Buffer.from([0xe9]));
    expect(encodeHl7Text('é', 'UNICODE UTF-8')).toEqual(Buffer.from([0xc3, 0xa9]));
    expect(encodeHl7Text('€', '8859/15')).toEqual(Buffer.from([0xa4]));
    expect(encodeHl7Text('aé', 'ASCII')).toEqual(Buffer.from('a?'));
  });
});
