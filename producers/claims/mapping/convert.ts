/**
 * Field conversions of the mapping layer: dates to `YYYY-MM-DD`, amounts to exact decimal
 * strings (never through a float: money must stay exact), codes to their normalized forms.
 * Each returns the converted value, null for "no value", or {@link BAD} with the rule broken.
 */
import { normalizeIcd10 } from '../../../processors/normalize/codes.ts';
import { isoDateToEpochDays } from '../../../schemas/logical-types.ts';
import type { AmountFormat, DateFormat } from './schema.ts';
import type { TargetKind } from './targets.ts';

/** A conversion failure: the rule code and what was expected (never the value). */
export interface Bad {
  bad: true;
  code: string;
  expected: string;
}
const bad = (code: string, expected: string): Bad => ({ bad: true, code, expected });

const DATE_RE: Record<DateFormat, { re: RegExp; order: [number, number, number] }> = {
  // order: indexes of year, month, day capture groups
  'YYYY-MM-DD': { re: /^(\d{4})-(\d{2})-(\d{2})$/, order: [1, 2, 3] },
  YYYYMMDD: { re: /^(\d{4})(\d{2})(\d{2})$/, order: [1, 2, 3] },
  'MM/DD/YYYY': { re: /^(\d{2})\/(\d{2})\/(\d{4})$/, order: [3, 1, 2] },
  'M/D/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: [3, 1, 2] },
  MMDDYYYY: { re: /^(\d{2})(\d{2})(\d{4})$/, order: [3, 1, 2] },
  'MM-DD-YYYY': { re: /^(\d{2})-(\d{2})-(\d{4})$/, order: [3, 1, 2] },
};

/** Parse a date in `format` to `YYYY-MM-DD`; a non-calendar date (02/30) is BAD_DATE. */
export function convertDate(text: string, format: DateFormat): string | Bad {
  const { re, order } = DATE_RE[format];
  const m = re.exec(text);
  if (m) {
    const iso = `${m[order[0]]}-${m[order[1]]!.padStart(2, '0')}-${m[order[2]]!.padStart(2, '0')}`;
    if (isoDateToEpochDays(iso) !== undefined) return iso;
  }
  return bad('BAD_DATE', `a calendar date in format ${format}`);
}

/** Largest integer part of decimal(12,2) in claim.line.v1: 10 digits. */
const MAX_INT_DIGITS = 10;

/**
 * Parse an amount to an exact decimal string with two decimals (`-12.50`). `decimal` accepts
 * `-12.5`, `12`, `.5`, an optional leading `+`; `implied2` accepts signed digits meaning cents.
 * With `negativeParens`, `(12.50)` is -12.50. More than 2 decimals is BAD_AMOUNT (no rounding).
 */
export function convertAmount(text: string, format: AmountFormat, negativeParens: boolean): string | Bad {
  let t = text;
  let neg = false;
  if (negativeParens && t.startsWith('(') && t.endsWith(')')) {
    neg = true;
    t = t.slice(1, -1).trim();
  }
  const expected =
    format === 'implied2'
      ? 'an amount in cents without a decimal point (implied 2 decimals)'
      : 'a decimal amount with at most 2 decimals';
  const sign = /^[-+]/.exec(t)?.[0];
  if (sign) {
    if (neg) return bad('BAD_AMOUNT', expected);
    neg = sign === '-';
    t = t.slice(1);
  }
  let int: string;
  let frac: string;
  if (format === 'implied2') {
    if (!/^\d+$/.test(t)) return bad('BAD_AMOUNT', expected);
    const padded = t.padStart(3, '0');
    int = padded.slice(0, -2);
    frac = padded.slice(-2);
  } else {
    const m = /^(\d*)(?:\.(\d{0,2}))?$/.exec(t);
    if (!m || (m[1] === '' && !m[2])) return bad('BAD_AMOUNT', expected);
    int = m[1] || '0';
    frac = (m[2] ?? '').padEnd(2, '0');
  }
  int = int.replace(/^0+(?=\d)/, '');
  if (int.length > MAX_INT_DIGITS) return bad('BAD_AMOUNT', `${expected}, below 10^10`);
  const zero = /^0+$/.test(int + frac);
  return `${neg && !zero ? '-' : ''}${int}.${frac}`;
}

/** Convert one non-blank text by target kind (dates and amounts are handled by the caller). */
export function convertText(
  text: string,
  kind: TargetKind,
  symbols?: readonly string[],
): string | number | Bad {
  switch (kind) {
    case 'string':
      return text;
    case 'code':
      return text.toUpperCase();
    case 'int':
      // Avro int (32-bit): 9 digits always fit.
      return /^\d{1,9}$/.test(text)
        ? Number(text)
        : bad('BAD_NUMBER', 'an unsigned integer of up to 9 digits');
    case 'icd10':
      return (
        normalizeIcd10(text) ?? bad('BAD_CODE', 'an ICD-10-CM code (letter, digit, 1-5 more characters)')
      );
    case 'icd10pcs': {
      const c = text.toUpperCase().replace(/[.\s]/g, '');
      return /^[0-9A-HJ-NP-Z]{7}$/.test(c) ? c : bad('BAD_CODE', 'a 7-character ICD-10-PCS code');
    }
    case 'npi':
      return /^\d{10}$/.test(text) ? text : bad('BAD_CODE', 'a 10-digit NPI');
    case 'tin': {
      const c = text.replace(/-/g, '');
      return /^\d{9}$/.test(c) ? c : bad('BAD_CODE', 'a 9-digit TIN');
    }
    case 'postal': {
      const c = text.replace(/-/g, '');
      return /^\d{5}(\d{4})?$/.test(c) ? c : bad('BAD_CODE', 'a 5- or 9-digit ZIP code');
    }
    case 'phone': {
      const c = text.replace(/\D/g, '');
      return c.length >= 7 ? c : bad('BAD_CODE', 'a phone number with at least 7 digits');
    }
    case 'enum':
      return symbols?.includes(text) ? text : bad('BAD_CODE', `one of ${(symbols ?? []).join(', ')}`);
    case 'date':
    case 'amount':
      throw new Error(`convertText called for ${kind}`);
  }
}
