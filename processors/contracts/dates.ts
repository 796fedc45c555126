/**
 * Day-granular date arithmetic for contracts and measures (docs/contracts.md): ISO `YYYY-MM-DD`
 * strings only, no time zones, no `Date` objects in the interface. Pure functions; the engine,
 * the loader and the contract tests share them so that a window means the same thing everywhere.
 *
 * The window grammar (`mp`, `'<expr> .. <expr>'`, `'any .. <expr>'`, expr = `mp-start` or
 * `mp-end` followed by `+ 2y3m` / `- 1d` terms) is parsed here too, so that the schema and any
 * tool that prints a window agree on it.
 */
import type { Anchor, Contract, DateExpr, IsoDate, WindowSpec } from './types.ts';

/** A measurement period: first and last day, inclusive. */
export interface Period {
  start: IsoDate;
  end: IsoDate;
}

/** A signed offset in calendar units (applied years+months first, then days). */
export interface DateOffset {
  years?: number;
  months?: number;
  days?: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Gregorian leap year. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month (`month` 1-12). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True for a real calendar date written `YYYY-MM-DD` (so `2025-02-29` and `2026-13-01` are not). */
export function isIsoDate(text: unknown): text is IsoDate {
  if (typeof text !== 'string') return false;
  const m = ISO_DATE.exec(text);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

function parts(date: IsoDate): [number, number, number] {
  const m = ISO_DATE.exec(date);
  if (m === null || !isIsoDate(date)) throw new RangeError(`not a date YYYY-MM-DD: ${JSON.stringify(date)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function format(y: number, m: number, d: number): IsoDate {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function toDayNumber(date: IsoDate): number {
  const [y, m, d] = parts(date);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return Math.round(t.getTime() / DAY_MS);
}

function fromDayNumber(n: number): IsoDate {
  const t = new Date(n * DAY_MS);
  return format(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** Negative, zero or positive as `a` is before, on or after `b`. */
export function compareDates(a: IsoDate, b: IsoDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Days from `a` to `b` (`daysBetween('2024-12-31', '2025-01-01') === 1`; negative when b is earlier). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return toDayNumber(b) - toDayNumber(a);
}

/**
 * Adds calendar years and months (together, as months), clamping the day to the end of the
 * resulting month, then days: `2024-02-29 + 1y = 2025-02-28`, `2024-01-31 + 1m = 2024-02-29`,
 * `2026-01-01 + 6m - 1d = 2026-06-30`. Same order as the eCQM/HEDIS "interval" arithmetic
 * (CQL `+ 1 year` on a date clamps to the month end).
 */
export function addToDate(date: IsoDate, offset: DateOffset): IsoDate {
  const [y, m, d] = parts(date);
  const totalMonths = (offset.years ?? 0) * 12 + (offset.months ?? 0);
  const index = y * 12 + (m - 1) + totalMonths;
  const ny = Math.floor(index / 12);
  const nm = index - ny * 12 + 1;
  const clamped = format(ny, nm, Math.min(d, daysInMonth(ny, nm)));
  const days = offset.days ?? 0;
  return days === 0 ? clamped : fromDayNumber(toDayNumber(clamped) + days);
}

/**
 * Age in whole years on `date`. Convention (as in most US state law and the CMS eCQM
 * `AgeInYearsAt` over dates): the age goes up on the birthday; someone born on February 29 has
 * their birthday on March 1 in non-leap years, so they are still 24 on 2025-02-28 and turn 25 on
 * 2025-03-01. Negative when `date` is before the birth date.
 */
export function ageOn(birthDate: IsoDate, date: IsoDate): number {
  const [by, bm, bd] = parts(birthDate);
  const [y, m, d] = parts(date);
  // This year's birthday as (month, day): Feb 29 moves to Mar 1 when the year has no Feb 29.
  const [hm, hd] = bm === 2 && bd === 29 && !isLeapYear(y) ? [3, 1] : [bm, bd];
  const before = m < hm || (m === hm && d < hd);
  return y - by - (before ? 1 : 0);
}

/** The date an expression stands for in a measurement period. */
export function resolveDateExpr(expr: DateExpr, period: Period): IsoDate {
  const base = expr.anchor === 'mp-start' ? period.start : period.end;
  return addToDate(base, expr);
}

/** Concrete, inclusive dates of a window in a period (`from: null` = no lower bound). */
export function windowDates(window: WindowSpec, period: Period): { from: IsoDate | null; to: IsoDate } {
  return {
    from: window.from === null ? null : resolveDateExpr(window.from, period),
    to: resolveDateExpr(window.to, period),
  };
}

/**
 * The measurement period of a contract containing `date`: the calendar year of `date`, or the
 * contract's fixed period (whatever `date` is).
 */
export function periodFor(contract: Pick<Contract, 'measurementPeriod'>, date: IsoDate): Period {
  const mp = contract.measurementPeriod;
  switch (mp.kind) {
    case 'fixed':
      return { start: mp.start, end: mp.end };
    case 'calendar-year': {
      const [y] = parts(date);
      return { start: format(y, 1, 1), end: format(y, 12, 31) };
    }
    default: {
      const never: never = mp;
      throw new Error(`unknown measurement period ${JSON.stringify(never)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Window grammar

const ANCHORS: readonly Anchor[] = ['mp-start', 'mp-end'];

/** Parses `mp-start - 2y3m`, `mp-end`, `mp-start + 6m - 1d`; throws a RangeError saying what is wrong. */
export function parseDateExpr(text: string): DateExpr {
  const src = text.trim();
  const anchor = ANCHORS.find((a) => src.startsWith(a));
  if (anchor === undefined)
    throw new RangeError(`"${src}" must start with mp-start or mp-end (e.g. mp-start - 2y3m)`);
  const expr: DateExpr = { anchor, years: 0, months: 0, days: 0 };
  let rest = src.slice(anchor.length);
  const term = /^\s*([+-])\s*((?:\d+[ymd])+)(?=\s|[+-]|$)/;
  while (rest.trim() !== '') {
    const m = term.exec(rest);
    if (m === null)
      throw new RangeError(
        `"${src}": cannot read "${rest.trim()}"; expected terms like + 6m, - 2y3m or - 1d (units y, m, d)`,
      );
    const sign = m[1] === '-' ? -1 : 1;
    for (const [, n, unit] of m[2]!.matchAll(/(\d+)([ymd])/g)) {
      const v = sign * Number(n);
      if (unit === 'y') expr.years += v;
      else if (unit === 'm') expr.months += v;
      else expr.days += v;
    }
    rest = rest.slice(m[0].length);
  }
  return expr;
}

/**
 * Parses a window: `mp` (= `mp-start .. mp-end`), `'<expr> .. <expr>'`, or `'any .. <expr>'`
 * (no lower bound). Throws a RangeError saying what is wrong.
 */
export function parseWindow(text: string): WindowSpec {
  const src = text.trim();
  if (src === 'mp') return { from: parseDateExpr('mp-start'), to: parseDateExpr('mp-end') };
  const sides = src.split('..');
  if (sides.length !== 2)
    throw new RangeError(
      `"${src}" is not a window: expected mp, '<expr> .. <expr>' or 'any .. <expr>' (e.g. 'mp-start - 2y .. mp-end')`,
    );
  const [from, to] = [sides[0]!.trim(), sides[1]!.trim()];
  return { from: from === 'any' ? null : parseDateExpr(from), to: parseDateExpr(to) };
}

/** `mp-start - 2y3m` (the canonical spelling of an expression). */
export function formatDateExpr(expr: DateExpr): string {
  let out: string = expr.anchor;
  const units: [number, string][] = [
    [expr.years, 'y'],
    [expr.months, 'm'],
    [expr.days, 'd'],
  ];
  // Group positive and negative terms: `+ 6m - 1d`.
  for (const sign of [1, -1]) {
    const text = units
      .filter(([n]) => n * sign > 0)
      .map(([n, u]) => `${Math.abs(n)}${u}`)
      .join('');
    if (text !== '') out += ` ${sign > 0 ? '+' : '-'} ${text}`;
  }
  return out;
}

/** `mp-start - 2y3m .. mp-end`, `any .. mp-end`. */
export function formatWindow(window: WindowSpec): string {
  return `${window.from === null ? 'any' : formatDateExpr(window.from)} .. ${formatDateExpr(window.to)}`;
}

/**
 * When both ends use the same anchor, an anchor date for which `from` falls after `to` (the window
 * is empty), or null when there is none. Month lengths vary, so every anchor day of a leap and a
 * non-leap year is tried (`mp-start + 1m .. mp-start + 30d` is empty only for some anchors).
 */
export function emptyWindowExample(
  window: WindowSpec,
): { anchor: IsoDate; from: IsoDate; to: IsoDate } | null {
  if (window.from === null || window.from.anchor !== window.to.anchor) return null;
  const first = toDayNumber('2023-01-01');
  const last = toDayNumber('2024-12-31');
  for (let n = first; n <= last; n++) {
    const anchor = fromDayNumber(n);
    const from = addToDate(anchor, window.from);
    const to = addToDate(anchor, window.to);
    if (from > to) return { anchor, from, to };
  }
  return null;
}
