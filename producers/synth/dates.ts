/**
 * Calendar dates as day numbers (days since 1970-01-01), without Date objects: the generator
 * does millions of date steps for a large population. Civil-from-days after H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms" (public domain).
 */

/** Day number of a civil date. */
export function dayOf(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date [y, m, d] of a day number. */
export function civil(n: number): [number, number, number] {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** `YYYY-MM-DD` of a day number. */
export function iso(n: number): string {
  const [y, m, d] = civil(n);
  return `${y}-${PAD2[m]}-${PAD2[d]}`;
}

/** Day number of `YYYY-MM-DD` (no validation beyond the shape: callers pass generated dates). */
export function day(isoDate: string): number {
  return dayOf(Number(isoDate.slice(0, 4)), Number(isoDate.slice(5, 7)), Number(isoDate.slice(8, 10)));
}

/** `YYYYMMDD` (HL7 DT, X12 D8) of `YYYY-MM-DD`. */
export function compact(isoDate: string): string {
  return isoDate.slice(0, 4) + isoDate.slice(5, 7) + isoDate.slice(8, 10);
}

/** True when `s` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  return iso(day(s)) === s;
}

/** The same month and day `years` later (29 February becomes 28 February in a common year). */
export function addYears(isoDate: string, years: number): string {
  const y = Number(isoDate.slice(0, 4)) + years;
  const m = Number(isoDate.slice(5, 7));
  let d = Number(isoDate.slice(8, 10));
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) d = 28;
  return `${y}-${PAD2[m]}-${PAD2[d]}`;
}

/** Whole years from `birth` to `on` (the age on that date). */
export function ageOn(birth: string, on: string): number {
  const by = Number(birth.slice(0, 4));
  const oy = Number(on.slice(0, 4));
  return oy - by - (on.slice(5) < birth.slice(5) ? 1 : 0);
}

/** Days in a month. */
export function daysInMonth(y: number, m: number): number {
  return dayOf(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - dayOf(y, m, 1);
}
