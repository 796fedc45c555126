/**
 * Date arithmetic of contracts and measures: leap years, month-end clamping, ages on and around
 * birthdays (Feb 29 included), windows and measurement periods.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addToDate,
  ageOn,
  compareDates,
  daysBetween,
  emptyWindowExample,
  formatWindow,
  isIsoDate,
  isLeapYear,
  parseDateExpr,
  parseWindow,
  periodFor,
  windowDates,
} from './dates.ts';

const calendarYear = { measurementPeriod: { kind: 'calendar-year' as const } };
const mp2026 = { start: '2026-01-01', end: '2026-12-31' };

/** Any date from 1900 to 2100. */
const anyDate = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('isIsoDate / isLeapYear', () => {
  it('accepts real calendar dates only', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2026-13-01')).toBe(false);
    expect(isIsoDate('2026-04-31')).toBe(false);
    expect(isIsoDate('2026-4-1')).toBe(false);
    expect(isIsoDate(20260101)).toBe(false);
  });

  it('follows the Gregorian rule (every 4 years, not centuries, but every 400)', () => {
    expect([1900, 2000, 2023, 2024, 2100].map(isLeapYear)).toEqual([false, true, false, true, false]);
  });
});

describe('addToDate', () => {
  it('clamps month arithmetic to the end of the month', () => {
    expect(addToDate('2024-02-29', { years: 1 })).toBe('2025-02-28');
    expect(addToDate('2024-02-29', { years: 4 })).toBe('2028-02-29');
    expect(addToDate('2024-02-29', { years: -1 })).toBe('2023-02-28');
    expect(addToDate('2024-01-31', { months: 1 })).toBe('2024-02-29');
    expect(addToDate('2025-01-31', { months: 1 })).toBe('2025-02-28');
    expect(addToDate('2026-03-31', { months: -1 })).toBe('2026-02-28');
    expect(addToDate('2026-05-31', { months: 1 })).toBe('2026-06-30');
  });

  it('applies years and months before days', () => {
    expect(addToDate('2026-01-01', { months: 6, days: -1 })).toBe('2026-06-30');
    expect(addToDate('2026-01-01', { years: -2, months: -3 })).toBe('2023-10-01');
    expect(addToDate('2026-01-01', { months: -12, days: 0 })).toBe('2025-01-01');
    expect(addToDate('2025-02-28', { days: 1 })).toBe('2025-03-01');
    expect(addToDate('2024-02-28', { days: 1 })).toBe('2024-02-29');
    expect(addToDate('2026-12-31', { days: 1 })).toBe('2027-01-01');
    expect(addToDate('2026-03-15', {})).toBe('2026-03-15');
  });

  it('crosses year boundaries in both directions', () => {
    expect(addToDate('2026-11-15', { months: 3 })).toBe('2027-02-15');
    expect(addToDate('2026-02-15', { months: -3 })).toBe('2025-11-15');
    expect(addToDate('2026-01-01', { years: -9 })).toBe('2017-01-01');
  });

  it('rejects a non-date', () => {
    expect(() => addToDate('2025-02-29', { days: 1 })).toThrow(/not a date/);
  });

  it('adding then subtracting days is the identity (property)', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -5000, max: 5000 }), (d, n) => {
        expect(addToDate(addToDate(d, { days: n }), { days: -n })).toBe(d);
        expect(daysBetween(d, addToDate(d, { days: n }))).toBe(n);
      }),
    );
  });

  it('month arithmetic never overflows into the next month (property)', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -120, max: 120 }), (d, n) => {
        const r = addToDate(d, { months: n });
        expect(isIsoDate(r)).toBe(true);
        const months = (y: string): number => Number(y.slice(0, 4)) * 12 + Number(y.slice(5, 7));
        expect(months(r) - months(d)).toBe(n);
      }),
    );
  });
});

describe('daysBetween / compareDates', () => {
  it('counts calendar days, leap days included', () => {
    expect(daysBetween('2024-12-31', '2025-01-01')).toBe(1);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(daysBetween('2025-01-01', '2026-01-01')).toBe(365);
    expect(daysBetween('2026-03-01', '2026-02-01')).toBe(-28);
    expect(daysBetween('2026-03-01', '2026-03-01')).toBe(0);
  });

  it('orders dates', () => {
    expect(compareDates('2026-01-01', '2026-01-02')).toBeLessThan(0);
    expect(compareDates('2026-01-02', '2026-01-01')).toBeGreaterThan(0);
    expect(compareDates('2026-01-01', '2026-01-01')).toBe(0);
  });
});

describe('ageOn', () => {
  it('goes up on the birthday, not the day before', () => {
    expect(ageOn('1968-05-01', '2026-04-30')).toBe(57);
    expect(ageOn('1968-05-01', '2026-05-01')).toBe(58);
    expect(ageOn('1968-05-01', '2026-12-31')).toBe(58);
    expect(ageOn('1951-12-31', '2026-12-30')).toBe(74);
    expect(ageOn('1951-12-31', '2026-12-31')).toBe(75);
  });

  it('counts a Feb 29 birthday as Mar 1 in non-leap years', () => {
    expect(ageOn('2000-02-29', '2025-02-28')).toBe(24);
    expect(ageOn('2000-02-29', '2025-03-01')).toBe(25);
    expect(ageOn('2000-02-29', '2024-02-28')).toBe(23);
    expect(ageOn('2000-02-29', '2024-02-29')).toBe(24);
  });

  it('is 0 on the birth date and negative before it', () => {
    expect(ageOn('2026-03-01', '2026-03-01')).toBe(0);
    expect(ageOn('2026-03-01', '2026-02-28')).toBe(-1);
  });

  it('never decreases as the date moves on (property)', () => {
    fc.assert(
      fc.property(anyDate, anyDate, fc.integer({ min: 0, max: 800 }), (birth, d, n) => {
        expect(ageOn(birth, addToDate(d, { days: n }))).toBeGreaterThanOrEqual(ageOn(birth, d));
      }),
    );
  });
});

describe('window grammar', () => {
  it('parses anchors with signed terms', () => {
    expect(parseDateExpr('mp-start - 2y3m')).toEqual({ anchor: 'mp-start', years: -2, months: -3, days: 0 });
    expect(parseDateExpr('mp-start + 6m - 1d')).toEqual({
      anchor: 'mp-start',
      years: 0,
      months: 6,
      days: -1,
    });
    expect(parseDateExpr('mp-end')).toEqual({ anchor: 'mp-end', years: 0, months: 0, days: 0 });
    expect(parseDateExpr('mp-end+1y-1y')).toEqual({ anchor: 'mp-end', years: 0, months: 0, days: 0 });
  });

  it('parses mp, ranges and open starts', () => {
    expect(parseWindow('mp')).toEqual(parseWindow('mp-start .. mp-end'));
    expect(parseWindow('any .. mp-end').from).toBeNull();
    expect(formatWindow(parseWindow('mp-start - 2y3m .. mp-end'))).toBe('mp-start - 2y3m .. mp-end');
    expect(formatWindow(parseWindow('any .. mp-start + 6m - 1d'))).toBe('any .. mp-start + 6m - 1d');
  });

  it('says what is wrong', () => {
    expect(() => parseWindow('mp-start')).toThrow(
      `"mp-start" is not a window: expected mp, '<expr> .. <expr>' or 'any .. <expr>' (e.g. 'mp-start - 2y .. mp-end')`,
    );
    expect(() => parseWindow('start .. mp-end')).toThrow('"start" must start with mp-start or mp-end');
    expect(() => parseWindow('mp-start - 2w .. mp-end')).toThrow(
      `"mp-start - 2w": cannot read "- 2w"; expected terms like + 6m, - 2y3m or - 1d (units y, m, d)`,
    );
    expect(() => parseWindow('mp-start 2y .. mp-end')).toThrow(/cannot read "2y"/);
  });

  it('finds windows that are empty for some anchor', () => {
    expect(emptyWindowExample(parseWindow('mp-start .. mp-start - 1d'))).toEqual({
      anchor: '2023-01-01',
      from: '2023-01-01',
      to: '2022-12-31',
    });
    // Jan 1 + 1m = Feb 1 is after Jan 1 + 30d = Jan 31.
    expect(emptyWindowExample(parseWindow('mp-start + 1m .. mp-start + 30d'))?.anchor).toBe('2023-01-01');
    expect(emptyWindowExample(parseWindow('mp-start - 12m .. mp-start - 1d'))).toBeNull();
    expect(emptyWindowExample(parseWindow('mp-end - 1y .. mp-start'))).toBeNull();
  });
});

describe('periods and windows', () => {
  it('periodFor: the calendar year containing the date, or the fixed period', () => {
    expect(periodFor(calendarYear, '2026-07-04')).toEqual(mp2026);
    expect(periodFor(calendarYear, '2024-02-29')).toEqual({ start: '2024-01-01', end: '2024-12-31' });
    const fixed = { measurementPeriod: { kind: 'fixed' as const, start: '2025-07-01', end: '2026-06-30' } };
    expect(periodFor(fixed, '2030-01-01')).toEqual({ start: '2025-07-01', end: '2026-06-30' });
  });

  it('windowDates resolves both ends against the period', () => {
    expect(windowDates(parseWindow('mp-start - 2y3m .. mp-end'), mp2026)).toEqual({
      from: '2023-10-01',
      to: '2026-12-31',
    });
    expect(windowDates(parseWindow('mp-start - 12m .. mp-start - 1d'), mp2026)).toEqual({
      from: '2025-01-01',
      to: '2025-12-31',
    });
    expect(windowDates(parseWindow('any .. mp-start + 6m - 1d'), mp2026)).toEqual({
      from: null,
      to: '2026-06-30',
    });
    expect(windowDates(parseWindow('mp'), { start: '2024-03-01', end: '2025-02-28' })).toEqual({
      from: '2024-03-01',
      to: '2025-02-28',
    });
  });
});
