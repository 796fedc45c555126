import { describe, expect, it } from 'vitest';
import { buildAck } from './ack.ts';
import { buildBatchAck } from './batch-ack.ts';
import { readHl7Header } from './header.ts';
import { parseMsh } from './msh.ts';

const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

describe('buildBatchAck', () => {
  it('answers a BHS: sender/receiver swapped as sent, new BHS-11, received BHS-11 in BHS-12, BTS count', () => {
    const header = readHl7Header('BHS|^~\\&|EHR^1.2^ISO|CLINIC|GAP|VBC|20260101||||B-1');
    const ack = buildAck(parseMsh('MSH|^~\\&|EHR|CLINIC|GAP|VBC|2026||ADT^A04|M1|P|2.5.1'), 'AA', {
      controlId: 'A1',
      now,
    });
    const text = buildBatchAck(header, [ack, ack], { controlId: 'BA-1', now });
    const segs = text.split('\r');
    expect(segs[0]).toBe('BHS|^~\\&|GAP|VBC|EHR^1.2^ISO|CLINIC|20260102030405+0000||||BA-1|B-1');
    expect(segs.filter((s) => s.startsWith('MSA|'))).toEqual(['MSA|AA|M1', 'MSA|AA|M1']);
    expect(text.endsWith('BTS|2\r')).toBe(true);
  });

  it('keeps the header delimiters, and uses defaults when the header was unreadable', () => {
    expect(buildBatchAck(readHl7Header('FHS#^~\\&#A#F'), [], { controlId: 'X^1', now })).toBe(
      'BHS#^~\\&###A#F#20260102030405+0000####X\\S\\1\rBTS#0\r',
    );
    expect(buildBatchAck(undefined, [], { controlId: 'X', now })).toBe(
      'BHS|^~\\&|||||20260102030405+0000||||X\rBTS|0\r',
    );
  });
});
