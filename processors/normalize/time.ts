/**
 * HL7 TS/DTM values for the normalizer, through the runtime's `parseHl7Time` (the feed
 * profile's zone applies to values without an offset). What the normalizer needs on top:
 * the calendar date as sent, for date fields (a birth date is a local calendar date and is
 * never shifted by a zone conversion).
 */
import { parseHl7Time } from '../../runtime/hl7/index.ts';

/** A parsed TS: an instant (it had a time), or a date (it had none). */
export type Hl7Time =
  | { kind: 'instant'; epochMs: number; localDate: string }
  | { kind: 'date'; date: string; localDate: string | null };

/**
 * Parses `raw` (component 1 of a TS field) in `zone`; null when it is not a valid HL7 TS.
 * `localDate` is `YYYY-MM-DD` from the digits as sent (null for year or month precision);
 * `date` keeps reduced precision (`YYYY`, `YYYY-MM`) as the runtime gives it.
 */
export function readHl7Time(raw: string, zone: string): Hl7Time | null {
  const t = parseHl7Time(raw, zone);
  if (t === undefined) return null;
  if (t.kind === 'date')
    return { kind: 'date', date: t.date, localDate: t.precision === 'day' ? t.date : null };
  const v = raw.trim();
  return {
    kind: 'instant',
    epochMs: t.epochMillis,
    localDate: `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}`,
  };
}

/**
 * A date-only value where the schema holds only an instant (clinical.event.v1 occurredAt,
 * effectiveAt, performedAt...): UTC midnight of its first day, so `new Date(ms).toISOString()
 * .slice(0, 10)` gives the date back exactly whatever the reader's zone (docs/normalize.md).
 */
export function dateToInstant(date: string): number {
  const full = date.length === 4 ? `${date}-01-01` : date.length === 7 ? `${date}-01` : date;
  return Date.parse(`${full}T00:00:00Z`);
}
