import { describe, expect, it } from 'vitest';
import { Hl7ParseError } from './errors.ts';
import { parseMsh } from './msh.ts';

function rejects(text: string): Hl7ParseError {
  try {
    parseMsh(text);
  } catch (e) {
    if (e instanceof Hl7ParseError) return e;
    throw e;
  }
  throw new Error('expected an Hl7ParseError');
}

describe('parseMsh', () => {
  it('reads the routing fields', () => {
    const m = parseMsh(
      'MSH|^~\\&|EPIC^1.2.3^ISO|CLINIC|GAP|VBC|20240102030405-0500||ORU^R01^ORU_R01|C-77|P^T|2.5.1|||AL|NE||UNICODE UTF-8~8859/1\rPID|1',
    );
    expect(m).toMatchObject({
      sendingApplication: 'EPIC',
      sendingFacility: 'CLINIC',
      receivingApplication: 'GAP',
      receivingFacility: 'VBC',
      messageDateTime: '20240102030405-0500',
      messageCode: 'ORU',
      triggerEvent: 'R01',
      messageStructure: 'ORU_R01',
      controlId: 'C-77',
      processingId: 'P',
      versionId: '2.5.1',
      acceptAckType: 'AL',
      applicationAckType: 'NE',
      characterSets: ['UNICODE UTF-8', '8859/1'],
    });
    expect(m.fields[3]).toBe('EPIC^1.2.3^ISO');
    expect(m.fields[1]).toBe('|');
    expect(parseMsh('MSH|^~\\&|^1.2.3^ISO|F|R|F|2024||ADT^A01|1|P|2.3').sendingApplication).toBe('1.2.3');
  });

  it('rejects no MSH and garbage with 100', () => {
    expect(rejects('PID|1||x')).toMatchObject({ hl7Code: '100', segment: 'MSH' });
    expect(rejects('\u0000\u0001\u00ff garbage').hl7Code).toBe('100');
    expect(rejects('').hl7Code).toBe('100');
  });

  it('rejects garbled delimiters with 102', () => {
    expect(rejects('MSH|^~|A|F')).toMatchObject({ hl7Code: '102', field: 2 });
    expect(rejects('MSH')).toMatchObject({ hl7Code: '102', field: 1 });
  });

  it('rejects missing MSH-9/10/11/12 with 101 and the field', () => {
    expect(rejects('MSH|^~\\&|A|F|R|F|2024|||1|P|2.5')).toMatchObject({ hl7Code: '101', field: 9 });
    expect(rejects('MSH|^~\\&|A|F|R|F|2024||ADT^A01||P|2.5')).toMatchObject({ hl7Code: '101', field: 10 });
    expect(rejects('MSH|^~\\&|A|F|R|F|2024||ADT^A01|1||2.5')).toMatchObject({ hl7Code: '101', field: 11 });
    const e = rejects('MSH|^~\\&|A|F|R|F|2024||ADT^A01|1|P');
    expect(e).toMatchObject({ hl7Code: '101', field: 12, segment: 'MSH' });
    expect(e.message).toContain('MSH-12');
  });
});
