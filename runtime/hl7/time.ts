/**
 * HL7 TS / DTM values: `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]` (HL7 v2.5.1 §2.A.22/2.A.75,
 * domain-facts §1.1). A value with a time is converted to UTC with the offset it carries, else
 * with the feed's IANA zone (Intl only, no tz library). A value that is only a date stays a date.
 */

/** Precision of an instant. */
export type Hl7TimePrecision = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'fraction';

/**
 * A parsed TS. Dates keep their precision: `date` is `YYYY`, `YYYY-MM` or `YYYY-MM-DD`
 * (ISO 8601 reduced precision, as FHIR `date`), `precision` says which.
 */
export type Hl7Time =
  | { kind: 'date'; date: string; precision: 'year' | 'month' | 'day' }
  | { kind: 'instant'; epochMillis: number; precision: Hl7TimePrecision };

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at instant `ms`, in milliseconds (cached per 15 minutes). */
function zoneOffset(ms: number, zone: string): number {
  const bucket = Math.floor(ms / 900_000);
  const key = `${zone}|${bucket}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  const at = bucket * 900_000;
  const parts = formatter(zone).formatToParts(new Date(at));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const off = wall - at;
  if (offsetCache.size > 50_000) offsetCache.clear();
  offsetCache.set(key, off);
  return off;
}

/**
 * Converts a wall-clock time in `zone` (given as if it were UTC) to an instant, like Temporal's
 * `disambiguation: 'compatible'`: in a fold (clocks go back) the earlier instant, in a gap
 * (clocks go forward) the wall time shifted forward by the gap.
 */
function wallToInstant(wall: number, zone: string): number {
  const before = zoneOffset(wall - 86_400_000, zone);
  const after = zoneOffset(wall + 86_400_000, zone);
  if (before === after) {
    const t = wall - before;
    // transition within the window is impossible when both sides agree, except odd zones:
    const o = zoneOffset(t, zone);
    return o === before ? t : wall - o;
  }
  const t1 = wall - before;
  const t2 = wall - after;
  const ok1 = zoneOffset(t1, zone) === before;
  const ok2 = zoneOffset(t2, zone) === after;
  if (ok1 && ok2) return Math.min(t1, t2);
  if (ok1) return t1;
  if (ok2) return t2;
  return t1; // gap: shift forward
}

/** True when `zone` is an IANA time zone Intl knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * Parses an HL7 TS/DTM (first component; a v2.3 `^precision` component is ignored by the
 * caller). Returns undefined for anything invalid (bad digits, month 13, Feb 30, hour 24,
 * offset without 4 digits, trailing characters). Throws RangeError for an unknown `zone`
 * (configuration, checked with `isValidTimeZone`).
 */
export function parseHl7Time(value: string, zone: string): Hl7Time | undefined {
  const v = value.trim();
  // split off the offset
  let body = v;
  let offsetMin: number | undefined;
  const sign = Math.max(v.indexOf('+'), v.indexOf('-'));
  if (sign >= 0) {
    const off = v.slice(sign + 1);
    if (off.length !== 4) return undefined;
    const hh = digits(off, 0, 2);
    const mm = digits(off, 2, 2);
    if (hh < 0 || mm < 0 || hh > 14 || mm > 59) return undefined;
    offsetMin = (hh * 60 + mm) * (v[sign] === '-' ? -1 : 1);
    body = v.slice(0, sign);
  }
  let frac = '';
  const dot = body.indexOf('.');
  if (dot >= 0) {
    frac = body.slice(dot + 1);
    body = body.slice(0, dot);
    if (body.length !== 14 || frac.length < 1 || frac.length > 4 || digits(frac, 0, frac.length) < 0)
      return undefined;
  }
  const len = body.length;
  if (len !== 4 && len !== 6 && len !== 8 && len !== 10 && len !== 12 && len !== 14) return undefined;
  const year = digits(body, 0, 4);
  if (year < 0) return undefined;
  const month = len >= 6 ? digits(body, 4, 2) : 1;
  if (month < 1 || month > 12) return undefined;
  const day = len >= 8 ? digits(body, 6, 2) : 1;
  if (day < 1 || day > daysIn(year, month)) return undefined;
  if (len <= 8) {
    if (len === 4) return { kind: 'date', date: pad(year, 4), precision: 'year' };
    if (len === 6) return { kind: 'date', date: `${pad(year, 4)}-${pad(month)}`, precision: 'month' };
    return { kind: 'date', date: `${pad(year, 4)}-${pad(month)}-${pad(day)}`, precision: 'day' };
  }
  const hour = digits(body, 8, 2);
  const minute = len >= 12 ? digits(body, 10, 2) : 0;
  const second = len >= 14 ? digits(body, 12, 2) : 0;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const ms = frac === '' ? 0 : Math.floor(Number(`0.${frac}`) * 1000 + 1e-6);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0..99 to 1900+; HL7 years are 4 digits, so fix it explicitly.
  const wallFixed = year < 100 ? new Date(wall).setUTCFullYear(year) : wall;
  const epochMillis =
    offsetMin !== undefined ? wallFixed - offsetMin * 60_000 : wallToInstant(wallFixed, zone);
  const precision: Hl7TimePrecision =
    frac !== '' ? 'fraction' : len === 14 ? 'second' : len === 12 ? 'minute' : 'hour';
  return { kind: 'instant', epochMillis, precision };
}

/** `YYYYMMDDHHMMSS+0000` in UTC (for MSH-7 of ACKs). */
export function formatHl7Time(d: Date): string {
  return (
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds()) +
    '+0000'
  );
}
