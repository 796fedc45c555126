/**
 * CCLF file-type detection: by file name, by record content, and both together.
 */
import type { ParseProblem } from '../types.ts';
import { CCLF_LAYOUTS, type CclfKind } from './layouts.ts';

/** What a CCLF file name says. */
export interface CclfFileName {
  /** `P` production, `T` test. */
  environment: 'P' | 'T';
  /** ACO / entity id, e.g. A1234 (MSSP), D1234 (REACH). */
  entityId: string;
  /** The file, or `ZIP_SET` for the zip that carries a weekly/monthly set (`ZCY24`). */
  kind: CclfKind | 'CCLFA' | 'CCLFB' | 'ZIP_SET';
  /** `Y` regular delivery, `R` run-out. */
  run: 'Y' | 'R';
  /** Two-digit performance year. */
  year: string;
  /** Delivery date YYMMDD as written in the name. */
  date: string;
}

/*
 * CMS names a CCLF file `P.A1234.ACO.ZC1Y24.D240101.T0100000` (CCLF IP v36 §3, file naming):
 * environment, entity id, `ACO`, `ZC` + file number + Y/R + year, `D` + YYMMDD, `T` + HHMMSS + one
 * digit. BCDA's samples (../shared/data/cclf/bcda-app) add a `BCD` qualifier before the id and
 * drop `ACO` (`T.BCD.A0001.ZC8Y18.D181120.T1000009`); the zip of a whole set has no file number
 * (`T.BCD.A0001.ZCY18.D181120.T1000000`). Entity ids: one letter + four digits, or V + three
 * digits (BCDA's accepted forms), nothing else; `E`/`Z` instead of `T` and a `DNNNAAA` date are
 * the invalid names in BCDA's samples and are refused here too.
 */
const NAME = /^([PT])\.(?:BCD\.)?([A-Z]\d{4}|V\d{3})\.(?:ACO\.)?ZC([0-9AB]?)([YR])(\d{2})\.D(\d{6})\.T\d{7}$/;

/** Parse a CCLF file (or zip set) name; null when it is not one. Only the base name is read. */
export function parseCclfFileName(path: string): CclfFileName | null {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const m = NAME.exec(base);
  if (m === null) return null;
  const [, env, entityId, num, run, year, date] = m as unknown as [
    string,
    'P' | 'T',
    string,
    string,
    'Y' | 'R',
    string,
    string,
  ];
  const mm = Number(date.slice(2, 4));
  const dd = Number(date.slice(4, 6));
  if (mm < 1 || mm > 12 || dd < 1 || dd > 31) return null;
  const kind: CclfFileName['kind'] =
    num === '' ? 'ZIP_SET' : num === 'A' || num === 'B' ? `CCLF${num}` : (`CCLF${num}` as CclfKind);
  return { environment: env, entityId, kind, run, year, date };
}

/** True when a record of this length fits the layout (at least minLength; longer is accepted). */
export function lengthFits(kind: CclfKind, length: number): boolean {
  return length >= CCLF_LAYOUTS[kind].minLength;
}

/**
 * The kinds whose layout a record fits, by content. CCLF0 is recognized by its `File Number`
 * header or a `CCLFn` label; otherwise a data record fits a layout when its length is exactly that
 * layout's v36 length or its pre-v36 minimum (longer records are ambiguous by length alone, so a
 * content-only guess refuses them).
 */
export function detectByContent(firstLine: string): CclfKind[] {
  const line = firstLine.endsWith('\r') ? firstLine.slice(0, -1) : firstLine;
  if (/^File Number\b/i.test(line) || /^CCLF[0-9AB] *[|\s]/.test(line)) return ['CCLF0'];
  const out: CclfKind[] = [];
  for (const kind of Object.keys(CCLF_LAYOUTS) as CclfKind[]) {
    if (kind === 'CCLF0') continue;
    const l = CCLF_LAYOUTS[kind];
    if (line.length === l.length || line.length === l.minLength) out.push(kind);
  }
  return out;
}

/** Result of {@link detectCclfKind}. */
export type Detection =
  | { ok: true; kind: CclfKind; by: 'name' | 'content' | 'name+content' }
  | { ok: false; problem: ParseProblem };

/**
 * The file's kind from its name and (when given) its first record. The name wins when the
 * record fits its layout; a name whose layout the record does not fit, a name for a file this
 * module does not read (CCLFA/B, a zip set) or no name and no unique content match is
 * UNKNOWN_LAYOUT.
 */
export function detectCclfKind(path: string, firstLine?: string): Detection {
  const name = parseCclfFileName(path);
  const line =
    firstLine === undefined ? undefined : firstLine.endsWith('\r') ? firstLine.slice(0, -1) : firstLine;
  if (name !== null) {
    if (name.kind === 'ZIP_SET' || name.kind === 'CCLFA' || name.kind === 'CCLFB')
      return unknown(
        `the file name denotes ${name.kind === 'ZIP_SET' ? 'a zipped CCLF set (open it with readCclfZip)' : `${name.kind}, which this parser does not read yet`}; expected CCLF0-CCLF9`,
      );
    const kind = name.kind;
    if (line === undefined) return { ok: true, kind, by: 'name' };
    if (kind === 'CCLF0') {
      return detectByContent(line).includes('CCLF0')
        ? { ok: true, kind, by: 'name+content' }
        : unknown('the name says CCLF0 but the first line is neither the summary header nor a CCLFn row');
    }
    if (lengthFits(kind, line.length)) return { ok: true, kind, by: 'name+content' };
    return unknown(
      `the name says ${kind} but the first record is shorter than that layout's ${CCLF_LAYOUTS[kind].minLength} characters (CCLF IP v36)`,
    );
  }
  if (line === undefined)
    return unknown(
      'the file name does not follow the CCLF pattern (P|T.<id>.ACO.ZCnYyy.Dyymmdd.Thhmmssn) and no content was given',
    );
  const kinds = detectByContent(line);
  if (kinds.length === 1) return { ok: true, kind: kinds[0] as CclfKind, by: 'content' };
  return unknown(
    kinds.length === 0
      ? 'the file name does not follow the CCLF pattern and the record length matches no CCLF layout (CCLF IP v36)'
      : 'the file name does not follow the CCLF pattern and the record length matches more than one CCLF layout',
  );
}

function unknown(message: string): Detection {
  return { ok: false, problem: { line: 0, code: 'UNKNOWN_LAYOUT', message } };
}
