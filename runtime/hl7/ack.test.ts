import { describe, expect, it } from 'vitest';
import { ackErrorFrom, ackMode, buildAck, shouldSendAck, type AckCode } from './ack.ts';
import { Hl7ParseError } from './errors.ts';
import { parseHl7 } from './message.ts';
import { parseMsh } from './msh.ts';

const now = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
const msh = (version: string, extra = ''): string =>
  `MSH|^~\\&|SENDAPP^1.2^ISO|SENDFAC|RECVAPP|RECVFAC|20240101||ADT^A04^ADT_A01|ORIG-1|P|${version}${extra}\rPID|1`;

describe('buildAck', () => {
  it('builds AA with swapped routing, same version and MSA-2 = original control id', () => {
    const ack = buildAck(parseMsh(msh('2.5.1')), 'AA', { controlId: 'ACK-1', now });
    expect(ack).toBe(
      'MSH|^~\\&|RECVAPP|RECVFAC|SENDAPP^1.2^ISO|SENDFAC|20240102030405+0000||ACK^A04^ACK|ACK-1|P|2.5.1\rMSA|AA|ORIG-1\r',
    );
    const m = parseHl7(ack);
    expect(m.get('MSH-5.2')).toBe('1.2');
    expect(m.get('MSA-2')).toBe('ORIG-1');
  });

  it.each<AckCode>(['AA', 'AE', 'AR', 'CA', 'CE', 'CR'])(
    '%s with ERR round-trips through parseHl7 (v2.5.1 shape)',
    (code) => {
      const ack = buildAck(parseMsh(msh('2.5.1', '|||AL|NE')), code, {
        controlId: 'A2',
        now,
        error: { hl7Code: '101', text: 'PID-3 | required', segment: 'PID', field: 3 },
      });
      const m = parseHl7(ack);
      expect(m.get('MSA-1')).toBe(code);
      expect(m.get('MSA-2')).toBe('ORIG-1');
      expect(m.get('MSA-3')).toBe('PID-3 | required'); // B in 2.5/2.6
      expect(m.get('ERR-1')).toBeUndefined();
      expect(m.get('ERR-2')).toBe('PID');
      expect(m.get('ERR-2.2')).toBe('1');
      expect(m.get('ERR-2.3')).toBe('3');
      expect(m.get('ERR-3')).toBe('101');
      expect(m.get('ERR-3.2')).toBe('Required field missing');
      expect(m.get('ERR-3.3')).toBe('HL70357');
      expect(m.get('ERR-4')).toBe('E');
      expect(m.get('ERR-8')).toBe('PID-3 | required');
    },
  );

  it('uses ERR-1 (ELD) only for v2.4 and earlier; no MSG.3 before 2.3.1', () => {
    const ack = buildAck(parseMsh(msh('2.3')), 'AE', {
      controlId: 'A3',
      now,
      error: {
        hl7Code: '204',
        text: 'Unknown patient',
        segment: 'PID',
        segmentSequence: 1,
        field: 3,
        severity: 'W',
      },
    });
    const m = parseHl7(ack);
    expect(m.get('MSH-9')).toBe('ACK');
    expect(m.get('MSH-9.2')).toBe('A04');
    expect(m.get('MSH-9.3')).toBeUndefined();
    expect(m.get('ERR-1')).toBe('PID');
    expect(m.get('ERR-1.3')).toBe('3');
    expect(m.get('ERR-1.4')).toBe('204');
    expect(m.get('ERR-1.4.2')).toBe('Unknown key identifier');
    expect(m.get('ERR-1.4.3')).toBe('HL70357');
    expect(m.get('ERR-3')).toBeUndefined();
    expect(m.get('MSA-3')).toBe('Unknown patient');
    expect(
      parseHl7(
        buildAck(parseMsh(msh('2.4')), 'AE', { controlId: 'x', now, error: { hl7Code: '207', text: 't' } }),
      ).get('ERR-1.4'),
    ).toBe('207');
  });

  it('leaves MSA-3 empty from v2.7 and keeps the truncation character', () => {
    const ack = buildAck(parseMsh(msh('2.7').replace('^~\\&', '^~\\&#')), 'CE', {
      controlId: 'A4',
      now,
      error: { hl7Code: '207', text: 'storage unavailable' },
    });
    const m = parseHl7(ack);
    expect(m.get('MSH-2')).toBe('^~\\&#');
    expect(m.get('MSA-3')).toBeUndefined();
    expect(m.get('ERR-2')).toBeUndefined();
    expect(m.get('ERR-3')).toBe('207');
    expect(m.get('ERR-8')).toBe('storage unavailable');
  });

  it('keeps custom delimiters and the message charset', () => {
    const m = parseHl7(
      buildAck(parseMsh('MSH*%$!@*A*F*R*F*2024**ADT%A01*9*T*2.5******UNICODE UTF-8'), 'AA', {
        controlId: 'a',
        now,
      }),
    );
    expect(m.delimiters.field).toBe('*');
    expect(m.get('MSH-3')).toBe('R');
    expect(m.get('MSH-11')).toBe('T');
    expect(m.get('MSH-18')).toBe('UNICODE UTF-8');
  });

  it('builds a minimal ACK when the MSH could not be parsed', () => {
    const err = new Hl7ParseError('100', 'the message does not start with an MSH segment', {
      segment: 'MSH',
      segmentIndex: 1,
    });
    const ack = buildAck(undefined, 'AR', { controlId: 'N1', now, error: ackErrorFrom(err) });
    const m = parseHl7(ack);
    expect(m.get('MSA-1')).toBe('AR');
    expect(m.get('MSA-2')).toBeUndefined();
    expect(m.get('MSH-12')).toBe('2.5.1');
    expect(m.get('ERR-3')).toBe('100');
    expect(m.get('ERR-2')).toBe('MSH');
  });
});

describe('ackMode', () => {
  const mode = (a: string, b: string): ReturnType<typeof ackMode> =>
    ackMode(parseMsh(msh('2.5.1', `|||${a}|${b}`)));
  it('original when MSH-15 and MSH-16 are empty, else enhanced per table 0155', () => {
    expect(mode('', '')).toEqual({ mode: 'original', sendAccept: 'always', sendApplication: 'always' });
    expect(mode('AL', 'NE')).toMatchObject({
      mode: 'enhanced',
      sendAccept: 'always',
      sendApplication: 'never',
    });
    expect(mode('NE', 'AL')).toMatchObject({
      mode: 'enhanced',
      sendAccept: 'never',
      sendApplication: 'always',
    });
    expect(mode('ER', 'SU')).toMatchObject({
      mode: 'enhanced',
      sendAccept: 'error',
      sendApplication: 'success',
    });
    expect(mode('SU', '')).toMatchObject({ mode: 'enhanced', sendAccept: 'success' });
    expect(mode('', 'AL')).toMatchObject({ mode: 'enhanced', sendAccept: 'always' });
  });
  it('shouldSendAck', () => {
    expect(shouldSendAck('error', 'CA')).toBe(false);
    expect(shouldSendAck('error', 'CE')).toBe(true);
    expect(shouldSendAck('success', 'CA')).toBe(true);
    expect(shouldSendAck('success', 'CR')).toBe(false);
    expect(shouldSendAck('never', 'CR')).toBe(false);
    expect(shouldSendAck('always', 'AE')).toBe(true);
  });
});
