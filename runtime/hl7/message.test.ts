import { describe, expect, it } from 'vitest';
import { Hl7ParseError } from './errors.ts';
import { escapeHl7, formatSegment, parseHl7, unescapeHl7, DEFAULT_DELIMITERS } from './message.ts';

// Made-up people and facilities only.
const ADT = [
  'MSH|^~\\&|SENDAPP|SENDFAC|RECVAPP|RECVFAC|20240102030405||ADT^A04^ADT_A01|MSG0001|P|2.5.1',
  'EVN|A04|20240102030405',
  'PID|1||10001^^^HOSP&1.2.3&ISO^MR~20002^^^PAYER^MB||Testperson^Ann^B~Alias^Annie||19800101|F|||1 Main St^^Springfield^IL^62701||""|',
  'PV1|1|O|CLINIC^101^A||||1234567893^Doctor^Dana',
  'ZPI|custom^value|x',
].join('\r');

function err(fn: () => unknown): Hl7ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof Hl7ParseError) return e;
    throw e;
  }
  throw new Error('expected an Hl7ParseError');
}

describe('parseHl7 / get', () => {
  const m = parseHl7(ADT);

  it('reads fields, repetitions, components and subcomponents', () => {
    expect(m.get('PID-3')).toBe('10001');
    expect(m.get('PID-3.4')).toBe('HOSP');
    expect(m.get('PID-3.4.2')).toBe('1.2.3');
    expect(m.get('PID-3.5')).toBe('MR');
    expect(m.get('PID-3[2]')).toBe('20002');
    expect(m.get('PID-3[2].4')).toBe('PAYER');
    expect(m.get('PID-3[3]')).toBeUndefined();
    expect(m.get('PID-5[2].2')).toBe('Annie');
    expect(m.get('PID-11.3')).toBe('Springfield');
    expect(m.get('PV1-7.2')).toBe('Doctor');
    const pid = m.segment('PID');
    expect(pid?.field(3).repetitions).toHaveLength(2);
    expect(pid?.field(3).repetitions[0]?.components[3]).toEqual(['HOSP', '1.2.3', 'ISO']);
    expect(pid?.field(3).repetitions[0]?.subcomponent(4, 3)).toBe('ISO');
  });

  it('applies the MSH numbering rule', () => {
    expect(m.get('MSH-1')).toBe('|');
    expect(m.get('MSH-2')).toBe('^~\\&');
    expect(m.get('MSH-3')).toBe('SENDAPP');
    expect(m.get('MSH-9')).toBe('ADT');
    expect(m.get('MSH-9.2')).toBe('A04');
    expect(m.get('MSH-9.3')).toBe('ADT_A01');
    expect(m.get('MSH-10')).toBe('MSG0001');
    expect(m.get('MSH-12')).toBe('2.5.1');
    expect(m.segment('MSH')?.field(2).repetitions).toHaveLength(1);
    expect(m.segment('MSH')?.fieldCount).toBe(12);
    expect(m.segment('PID')?.fieldCount).toBe(14);
  });

  it('distinguishes the "" null from empty fields', () => {
    const pid = m.segment('PID');
    expect(pid?.field(13).isNull()).toBe(true);
    expect(pid?.field(13).value()).toBe('');
    expect(m.get('PID-13')).toBe('');
    expect(pid?.field(2).isEmpty()).toBe(true);
    expect(pid?.field(2).isNull()).toBe(false);
    expect(m.get('PID-2')).toBeUndefined();
    expect(pid?.field(99).isEmpty()).toBe(true);
    expect(
      parseHl7('MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rPID|1||^^~^|').segment('PID')?.field(3).isEmpty(),
    ).toBe(true);
  });

  it('keeps Z-segments, segment order and index', () => {
    expect(m.segments.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID', 'PV1', 'ZPI']);
    expect(m.get('ZPI-1.2')).toBe('value');
    expect(m.segment('PV1')?.index).toBe(4);
    expect(m.segmentsNamed('PID')).toHaveLength(1);
  });

  it('addresses repeated segments with SEG[k]', () => {
    const oru = parseHl7(
      'MSH|^~\\&|LAB|F|R|F|20240101||ORU^R01|9|P|2.5.1\rOBX|1|NM|1234-5^Glucose^LN||95|mg/dL|||||F\rOBX|2|ST|5678-9^Note^LN||high \\T\\ low||||||F\r',
    );
    expect(oru.get('OBX-5')).toBe('95');
    expect(oru.get('OBX[2]-5')).toBe('high & low');
    expect(oru.get('OBX[3]-5')).toBeUndefined();
    expect(oru.get('NTE-1')).toBeUndefined();
    expect(() => oru.get('OBX5')).toThrow(TypeError);
    expect(() => oru.get('obx-5')).toThrow(TypeError);
  });

  it('accepts CR, LF, CRLF, mixed endings and trailing blank lines', () => {
    const segs = ADT.split('\r');
    for (const text of [
      segs.join('\n'),
      segs.join('\r\n') + '\r\n\r\n',
      segs[0] + '\r\n' + segs[1] + '\n' + segs.slice(2).join('\r') + '\n\n  \n',
    ]) {
      const p = parseHl7(text);
      expect(p.segments.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID', 'PV1', 'ZPI']);
      expect(p.get('PID-3[2].4')).toBe('PAYER');
    }
    expect(parseHl7(ADT).toString()).toBe(ADT + '\r');
    expect(parseHl7('\ufeff\x0b' + ADT + '\x1c\r').segments).toHaveLength(5);
  });

  it('reads custom delimiters and the v2.7 truncation character', () => {
    const m2 = parseHl7('MSH*%$!@*APP*FAC*R*F*2024**ADT%A01*7*P*2.5\rPID*1**A1%%%H1@X$A2*');
    expect(m2.delimiters).toEqual({
      field: '*',
      component: '%',
      repetition: '$',
      escape: '!',
      subcomponent: '@',
    });
    expect(m2.get('MSH-1')).toBe('*');
    expect(m2.get('MSH-2')).toBe('%$!@');
    expect(m2.get('MSH-9.2')).toBe('A01');
    expect(m2.get('PID-3.4.2')).toBe('X');
    expect(m2.get('PID-3[2]')).toBe('A2');
    const m3 = parseHl7('MSH|^~\\&#|A|F|R|F|2024||ADT^A01|7|P|2.7\rNTE|1||50\\P\\ off');
    expect(m3.delimiters.truncation).toBe('#');
    expect(m3.get('MSH-2')).toBe('^~\\&#');
    expect(m3.get('NTE-3')).toBe('50# off');
  });

  it('rejects what is not a message, with 0357 codes and locations', () => {
    expect(err(() => parseHl7('PID|1||x')).hl7Code).toBe('100');
    expect(err(() => parseHl7('garbage')).hl7Code).toBe('100');
    const bad = err(() => parseHl7('MSH|^~\\&|A\rPID|1\rpid|2'));
    expect(bad).toMatchObject({ hl7Code: '100', segmentIndex: 3 });
    expect(err(() => parseHl7('MSH|^~|A'))).toMatchObject({ hl7Code: '102', segment: 'MSH', field: 2 });
    expect(err(() => parseHl7('MSH|^^\\&|A'))).toMatchObject({ hl7Code: '102', field: 2 });
    expect(err(() => parseHl7('MSHA^~\\&'))).toMatchObject({ hl7Code: '102', field: 1 });
    expect(err(() => parseHl7(ADT + '\r' + ADT))).toMatchObject({
      hl7Code: '100',
      segment: 'MSH',
      segmentIndex: 6,
    });
    // the message names the location, never a value
    expect(bad.message).not.toContain('pid|2');
  });
});

describe('escapes', () => {
  const d = DEFAULT_DELIMITERS;
  it('resolves every escape sequence', () => {
    expect(unescapeHl7('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f', d)).toBe('a|b^c&d~e\\f');
    expect(unescapeHl7('x\\P\\y', { ...d, truncation: '#' })).toBe('x#y');
    expect(unescapeHl7('x\\P\\y', d)).toBe('x\\P\\y');
    expect(unescapeHl7('\\X0D0A\\', d)).toBe('\r\n');
    expect(unescapeHl7('caf\\XC3A9\\', d)).toBe('café');
    expect(unescapeHl7('caf\\XE9\\', d)).toBe('café');
    expect(unescapeHl7('\\XZZ\\', d)).toBe('\\XZZ\\');
    expect(unescapeHl7('line1\\.br\\line2', d)).toBe('line1\nline2');
    expect(unescapeHl7('a\\.sp2\\b\\.sk3\\c', d)).toBe('a\n\nb   c');
    expect(unescapeHl7('\\H\\bold\\N\\\\.fi\\\\.nf\\\\.in2\\\\.ti-1\\\\.ce\\x', d)).toBe('boldx');
    expect(unescapeHl7('\\C2842\\abc\\M2442\\', d)).toBe('abc');
    expect(unescapeHl7('\\Zlocal\\ stays', d)).toBe('\\Zlocal\\ stays');
    expect(unescapeHl7('unterminated \\F', d)).toBe('unterminated \\F');
    expect(unescapeHl7('plain', d)).toBe('plain');
  });
  it('escapes the escape character first, then delimiters, CR and LF', () => {
    expect(escapeHl7('a|b^c&d~e\\f', d)).toBe('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f');
    expect(escapeHl7('\\F\\', d)).toBe('\\E\\F\\E\\');
    expect(escapeHl7('r1\r\nr2', d)).toBe('r1\\X0D\\\\.br\\r2');
    expect(escapeHl7('50#', { ...d, truncation: '#' })).toBe('50\\P\\');
    expect(escapeHl7('plain', d)).toBe('plain');
    for (const s of ['a|b^c&d~e\\f', '\\F\\', 'r1\r\nr2', '\\.br\\'])
      expect(unescapeHl7(escapeHl7(s, d), d)).toBe(s);
  });
  it('formatSegment escapes values and drops trailing empty fields', () => {
    expect(formatSegment('PID', ['1', undefined, [[['a|b', 'x'], ['c']], [['d']]], undefined], d)).toBe(
      'PID|1||a\\F\\b&x^c~d',
    );
  });
});
