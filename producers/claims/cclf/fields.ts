/**
 * Field conversions for fixed-width CCLF records. Hand-written character loops instead of regular
 * expressions: they run once per field per line of multi-GB files (bench/cclf-parse.bench.ts).
 * Every converter returns {@link INVALID} for a value that breaks its rule, so the caller can name
 * the field and the rule without ever copying the value (patient data) into a problem.
 */

/** Returned by a converter when the value breaks its rule. */
export const INVALID = Symbol('invalid');
export type Invalid = typeof INVALID;

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitsAt(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * A CCLF date, `CCYY-MM-DD` (CCLF IP v36 date fields are X(10) in that form; domain-facts.md
 * §3.1), checked against the calendar. Blank gives null; the CMS placeholder dates 1000-01-01
 * and 9999-12-31 (IP §3.6, as cited by Tuva) give null as docs/schemas.md requires.
 */
export function cclfDate(raw: string): string | null | Invalid {
  const s = raw.trim();
  if (s === '') return null;
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return INVALID;
  const y = digitsAt(s, 0, 4);
  const m = digitsAt(s, 5, 7);
  const d = digitsAt(s, 8, 10);
  if (y < 0 || m < 1 || m > 12 || d < 1) return INVALID;
  if (s === '1000-01-01' || s === '9999-12-31') return null;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (DAYS[m] as number) + (leap ? 1 : 0)) return INVALID;
  return s;
}

/** Unsigned digits (COBOL `9(n)`), blank or space-padded; leading zeros kept as delivered. */
export function cclfInt(raw: string): string | null | Invalid {
  const s = raw.trim();
  if (s === '') return null;
  return allDigits(s) ? s : INVALID;
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return s.length > 0;
}

/** Largest integer part that fits the schemas' decimal(12,2): 10 digits. */
const MAX_INT_DIGITS = 10;

/**
 * A CCLF money amount, COBOL picture `-9(n).99` (leading sign, explicit point, two decimals; CCLF
 * IP v36, domain-facts.md §3.1), converted exactly to the schemas' decimal string: no leading
 * zeros, two fraction digits, `-` only when non-zero (`-000000000012.50` → `-12.50`). String
 * arithmetic only — never a float. A leading `+` and 0 or 1 fraction digits are also accepted
 * (padded); anything else, or more than 10 integer digits (decimal(12,2)), is INVALID.
 */
export function cclfAmount(raw: string): string | null | Invalid {
  const s = raw.trim();
  const n = s.length;
  if (n === 0) return null;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    i = 1;
  }
  // Skip leading zeros of the integer part.
  const intStart = i;
  while (i < n && s.charCodeAt(i) === 48) i++;
  const sigStart = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  const intEnd = i;
  if (intEnd === intStart && (i >= n || s.charCodeAt(i) !== 46)) return INVALID;
  let frac = '';
  if (i < n) {
    if (s.charCodeAt(i) !== 46) return INVALID;
    const f = s.slice(i + 1);
    if (f.length > 2 || (f.length > 0 && !allDigits(f))) return INVALID;
    frac = f;
  }
  if (intEnd === intStart && frac === '') return INVALID;
  if (intEnd - sigStart > MAX_INT_DIGITS) return INVALID;
  const intPart = sigStart === intEnd ? '0' : s.slice(sigStart, intEnd);
  const fracPart = frac.length === 2 ? frac : frac.length === 1 ? frac + '0' : '00';
  const zero = intPart === '0' && fracPart === '00';
  return (neg && !zero ? '-' : '') + intPart + '.' + fracPart;
}

/**
 * A signed fixed-point number of another scale (quantities, `-9(18).9999`): checked only
 * (leading sign, digits, optional point and digits); returned trimmed as delivered.
 */
export function cclfDecimal(raw: string): string | null | Invalid {
  const s = raw.trim();
  if (s === '') return null;
  let i = s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43 ? 1 : 0;
  let digits = 0;
  let point = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 && !point) point = true;
    else if (c >= 48 && c <= 57) digits++;
    else return INVALID;
  }
  return digits === 0 ? INVALID : s;
}

/**
 * ICD-10-PCS procedure code (CCLF3 CLM_PRCDR_CD): upper case without a point, exactly seven
 * characters of digits and letters other than I and O (CMS ICD-10-PCS Official Guidelines,
 * A.2/A.3). Returns null when not PCS-shaped.
 */
export function normalizeIcd10Pcs(code: string): string | null {
  const c = code.trim().toUpperCase().replace(/[.\s]/g, '');
  return /^[0-9A-HJ-NP-Z]{7}$/.test(c) ? c : null;
}

/** A two-digit-or-so numeric code with leading zeros removed (`00` → `0`, `02` → `2`). */
export function stripLeadingZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  return i === 0 ? s : s.slice(i);
}
