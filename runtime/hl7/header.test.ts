import { describe, expect, it } from 'vitest';
import { Hl7ParseError } from './errors.ts';
import { readHl7Header } from './header.ts';
import { parseMsh } from './msh.ts';

describe('readHl7Header', () => {
  it.each([
    'MSH|^~\\&|EPIC^1.2.3^ISO|CLINIC|GAP|VBC|20240102030405-0500||ORU^R01^ORU_R01|C-77|P^T|2.5.1|||al|NE||UNICODE UTF-8~8859/1',
    'MSH|^~\\&|^1.2.3^ISO|A\\F\\B|""||2024||ADT^A04|1|P|2.3||||||~ 8859/1 ',
    'MSH#^~\\&%#A#F#R#F#2024##ADT^A04^ADT_A01#X\\S\\1#D#2.7.1',
    'MSH|^~\\&|A|F|R|F|2024||ADT^A04|1|P|2.5\rPID|1||X',
  ])('agrees with parseMsh on a valid MSH: %s', (text) => {
    expect(readHl7Header(text)).toEqual(parseMsh(text));
  });

  it('reads an MSH whose required fields are empty (to answer it), where parseMsh throws 101', () => {
    const text = 'MSH|^~\\&|EHR|CLINIC|GAP|VBC|2024||ADT^A04||P|2.5.1|||AL';
    expect(() => parseMsh(text)).toThrow(Hl7ParseError);
    expect(readHl7Header(text)).toMatchObject({
      sendingApplication: 'EHR',
      triggerEvent: 'A04',
      controlId: undefined,
      acceptAckType: 'AL',
      fields: [
        'MSH',
        '|',
        '^~\\&',
        'EHR',
        'CLINIC',
        'GAP',
        'VBC',
        '2024',
        '',
        'ADT^A04',
        '',
        'P',
        '2.5.1',
        '',
        '',
        'AL',
      ],
    });
  });

  it('reads a BHS or FHS with MSH numbering (BHS-11 batch control id)', () => {
    const h = readHl7Header('BHS|^~\\&|EHR|CLINIC|GAP|VBC|20240101||||B-1');
    expect(h.fields[0]).toBe('BHS');
    expect(h).toMatchObject({ sendingApplication: 'EHR', receivingFacility: 'VBC' });
    expect(h.fields[11]).toBe('B-1');
  });

  it('throws 102 at MSH-2 for unusable delimiters, like parseMsh', () => {
    for (const text of ['MSH|^~|A|F', 'MSHA^~\\&|A']) {
      let caught: unknown;
      try {
        readHl7Header(text);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(Hl7ParseError);
      expect((caught as Hl7ParseError).hl7Code).toBe('102');
    }
  });
});
