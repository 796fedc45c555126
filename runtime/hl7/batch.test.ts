import { describe, expect, it } from 'vitest';
import { splitHl7Messages } from './batch.ts';
import { Hl7ParseError } from './errors.ts';
import { parseHl7 } from './message.ts';

const m = (id: string): string => `MSH|^~\\&|A|F|R|F|2024||ADT^A04|${id}|P|2.5\rPID|1||${id}^^^H^MR`;

describe('splitHl7Messages', () => {
  it('returns one message unchanged (CR-terminated)', () => {
    expect(splitHl7Messages(m('1'))).toEqual({ messages: [m('1') + '\r'] });
  });

  it('splits messages back to back with any line endings', () => {
    const out = splitHl7Messages([m('1'), m('2'), m('3')].join('\r\n').replaceAll('\r', '\n') + '\n\n');
    expect(out.messages.map((t) => parseHl7(t).get('MSH-10'))).toEqual(['1', '2', '3']);
    expect(out.batch).toBeUndefined();
  });

  it('splits an FHS/BHS/BTS/FTS batch and checks the counts', () => {
    const text = [
      'FHS|^~\\&|A|F||||20240101',
      'BHS|^~\\&|A|F',
      m('1'),
      m('2'),
      'BTS|2',
      'BHS|^~\\&|A|F',
      m('3'),
      'BTS|1',
      'FTS|2',
    ].join('\r');
    const out = splitHl7Messages(text);
    expect(out.messages).toHaveLength(3);
    expect(out.batch).toEqual({
      fhs: 'FHS|^~\\&|A|F||||20240101',
      bhs: 'BHS|^~\\&|A|F',
      declaredCount: 3,
      batches: 2,
    });
    expect(parseHl7(out.messages[2] as string).get('PID-3')).toBe('3');
  });

  it('accepts a batch without counts and FTS counting messages when there is no BHS', () => {
    expect(splitHl7Messages(['FHS|^~\\&', m('1'), m('2'), 'FTS|2'].join('\r')).messages).toHaveLength(2);
    expect(splitHl7Messages(['BHS|^~\\&', m('1'), 'BTS'].join('\r')).batch).toEqual({
      bhs: 'BHS|^~\\&',
      batches: 1,
    });
  });

  it('rejects count mismatches with 100 at BTS-1 / FTS-1', () => {
    const bts = (): unknown => splitHl7Messages(['BHS|^~\\&', m('1'), m('2'), 'BTS|3'].join('\r'));
    expect(bts).toThrow(Hl7ParseError);
    try {
      bts();
    } catch (e) {
      expect(e).toMatchObject({ hl7Code: '100', segment: 'BTS', field: 1 });
    }
    expect(() => splitHl7Messages(['FHS|^~\\&', 'BHS|^~\\&', m('1'), 'BTS|1', 'FTS|4'].join('\r'))).toThrow(
      /FTS-1/,
    );
    expect(() => splitHl7Messages(['BHS|^~\\&', m('1'), 'BTS|x'].join('\r'))).toThrow(/BTS-1/);
  });

  it('keeps leading garbage as a message of its own so it is rejected, not dropped', () => {
    const out = splitHl7Messages('hello\r' + m('1'));
    expect(out.messages).toHaveLength(2);
    expect(() => parseHl7(out.messages[0] as string)).toThrow(Hl7ParseError);
  });
});
