/**
 * Example Health's PCP roster (payers/example-commercial-roster.yaml): CSV with a header, dates
 * YYYY-MM-DD, open-ended terms as 9999-12-31. The mapping has no MRN column, so the roster links
 * to the EMR only through name, birth date, sex, zip and phone (identity matching).
 */
import { nameCase } from './person.ts';
import type { RosterRecord, SynthMember } from './types.ts';

/** File name of the roster delivered in the as-of month: `EXH_ROSTER_YYYYMM01.csv`. */
export function rosterFileName(asOf: string): string {
  return `EXH_ROSTER_${asOf.slice(0, 4)}${asOf.slice(5, 7)}01.csv`;
}

export const ROSTER_HEADER =
  'Member ID,Last Name,First Name,Middle Initial,DOB,Gender,Zip,Phone,PCP NPI,PCP TIN,Eff Date,Term Date,Product,LOB\n';

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One roster line. */
export function rosterLine(m: SynthMember, r: RosterRecord): string {
  const d = r.demo;
  return (
    [
      m.memberId ?? '',
      nameCase(d.family, 'upper'),
      nameCase(d.given, 'upper', d.givenAsTyped),
      d.middle === null ? '' : d.middle.charAt(0).toUpperCase(),
      d.birthDate,
      d.sex,
      d.postalCode,
      d.phone ?? '',
      r.pcp.npi,
      r.pcp.tin,
      r.effective,
      r.term ?? '9999-12-31',
      r.product,
      'COM',
    ]
      .map(csvField)
      .join(',') + '\n'
  );
}
