import { describe, expect, it } from 'vitest';
import { formatHl7Time, isValidTimeZone, parseHl7Time } from './time.ts';

const iso = (v: string, zone = 'UTC'): string | undefined => {
  const t = parseHl7Time(v, zone);
  return t?.kind === 'instant' ? new Date(t.epochMillis).toISOString() : undefined;
};

describe('parseHl7Time', () => {
  it('uses the offset in the value', () => {
    expect(iso('20240102030405-0500', 'Europe/Paris')).toBe('2024-01-02T08:04:05.000Z');
    expect(iso('20240102030405+0130')).toBe('2024-01-02T01:34:05.000Z');
    expect(iso('202401020304+0000')).toBe('2024-01-02T03:04:00.000Z');
  });

  it('uses the zone when there is no offset, DST included (America/New_York)', () => {
    expect(iso('20240115120000', 'America/New_York')).toBe('2024-01-15T17:00:00.000Z'); // EST
    expect(iso('20240715120000', 'America/New_York')).toBe('2024-07-15T16:00:00.000Z'); // EDT
    // spring-forward gap: 02:30 does not exist → shifted forward (03:30 EDT)
    expect(iso('20240310023000', 'America/New_York')).toBe('2024-03-10T07:30:00.000Z');
    // fall-back fold: 01:30 happens twice → the earlier (EDT)
    expect(iso('20241103013000', 'America/New_York')).toBe('2024-11-03T05:30:00.000Z');
    expect(iso('20241103030000', 'America/New_York')).toBe('2024-11-03T08:00:00.000Z');
  });

  it('reports precision', () => {
    const p = (v: string): string | undefined => parseHl7Time(v, 'UTC')?.precision;
    expect(p('2024010203')).toBe('hour');
    expect(p('202401020304')).toBe('minute');
    expect(p('20240102030405')).toBe('second');
    expect(p('20240102030405.1234')).toBe('fraction');
    expect(iso('20240102030405.1234')).toBe('2024-01-02T03:04:05.123Z');
    expect(iso('20240102030405.5-0100')).toBe('2024-01-02T04:04:05.500Z');
  });

  it('keeps dates as dates', () => {
    expect(parseHl7Time('19800101', 'America/New_York')).toEqual({
      kind: 'date',
      date: '1980-01-01',
      precision: 'day',
    });
    expect(parseHl7Time('198002', 'UTC')).toEqual({ kind: 'date', date: '1980-02', precision: 'month' });
    expect(parseHl7Time('1980', 'UTC')).toEqual({ kind: 'date', date: '1980', precision: 'year' });
    expect(parseHl7Time('20240229-0500', 'UTC')).toEqual({
      kind: 'date',
      date: '2024-02-29',
      precision: 'day',
    });
  });

  it('rejects invalid values', () => {
    for (const v of [
      '',
      'abc',
      '2024013',
      '20241301',
      '20230229',
      '20240100',
      '2024010224',
      '202401020360',
      '20240102030460',
      '20240102030405.',
      '20240102030405.12345',
      '2024010203.5',
      '20240102030405+05',
      '20240102030405+2500',
      '20240102x',
      '2024-01-02',
    ])
      expect(parseHl7Time(v, 'UTC'), v).toBeUndefined();
  });

  it('validates zones and formats UTC', () => {
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(formatHl7Time(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))).toBe('20240102030405+0000');
  });
});
