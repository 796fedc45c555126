/**
 * X12 837 5010 parser: envelope validation (ISA/IEA, GS/GE, ST/SE) and the 837P (005010X222A1)
 * / 837I (005010X223A2/A3) loops that feed `claim.line.v1`, one value per service line.
 *
 * Pure and streaming: `push(chunk)` may be called with any split of the file (bytes or text),
 * `end()` closes it. Records of a transaction set (ST..SE) are released only when its SE
 * arrives with the right segment count and control number, so a truncated or miscounted
 * transaction publishes nothing; a claim with a problem (bad date, bad code, ICD-9 qualifier...)
 * publishes none of its lines. GE/IEA problems come after the records of their transactions:
 * the caller (the watcher) quarantines on any problem in `end()`'s summary before marking the
 * file done. Problems name the segment number and element (`CLM05-3`), never a value (PHI).
 *
 * Rules and their sources: domain-facts.md 3.3 (X12 837 5010 essentials: ISA layout, envelopes,
 * 837P hierarchy, CLM05, HI qualifiers, SV1/SV2 elements), stedi.com 005010 segment
 * dictionaries (https://stedi.com/edi/x12-005010/segment/SV2), docs/claims-x12.md.
 */
import type { ClaimLineValue, FileSummary, ParsedRecord, ParseProblem } from '../types.ts';
import { isValidNpi, normalizeIcd10 } from '../../../processors/normalize/codes.ts';
import { X12Tokenizer, type X12Segment } from './tokenizer.ts';

/** Options of {@link createX12Parser}. */
export interface X12ParserOptions {
  /** Base name of the delivered file (goes to `sourceFile`). */
  sourceFile: string;
  /** SHA-256 of the whole file, 64 lowercase hex digits, or null when not known. */
  sourceFileSha256: string | null;
}

/** What one `push` produced. */
export interface X12PushResult {
  records: ParsedRecord[];
  problems: ParseProblem[];
}

/** A streaming X12 837 parser; see the module comment. */
export interface X12Parser {
  /** Feed the next chunk (bytes in any split, or already-decoded text). */
  push(chunk: string | Buffer): X12PushResult;
  /** End of input: checks open envelopes, returns the file summary (all problems of the file). */
  end(): FileSummary;
}

/** Problem codes of this parser (stable, for the quarantine report). */
export const X12ProblemCode = {
  /** Not X12: no ISA where one must be, or an ISA whose separators cannot be read. */
  NO_ISA: 'NO_ISA',
  BAD_ISA: 'BAD_ISA',
  /** Bytes that are not valid UTF-8 / UTF-16 text. */
  ENCODING: 'ENCODING',
  /** Envelope structure: a missing or unexpected ISA/GS/ST/SE/GE/IEA, control numbers that differ. */
  ENVELOPE: 'ENVELOPE',
  /** SE01 / GE01 / IEA01 count differs from what the file holds. */
  TRAILER_COUNT: 'TRAILER_COUNT',
  /** The file ends inside a segment (no terminator). */
  TRUNCATED: 'TRUNCATED',
  /** A transaction set other than 837P/837I (835, 834, 270/271, 277, 999, 837D...). */
  UNSUPPORTED_TRANSACTION: 'UNSUPPORTED_TRANSACTION',
  /** An 837 of another version than 5010 (4010 X096/X098 files). */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** A segment where the 837 loop structure does not allow it (e.g. SV1 before LX). */
  STRUCTURE: 'STRUCTURE',
  MISSING_SEGMENT: 'MISSING_SEGMENT',
  MISSING_ELEMENT: 'MISSING_ELEMENT',
  BAD_DATE: 'BAD_DATE',
  BAD_AMOUNT: 'BAD_AMOUNT',
  BAD_CODE: 'BAD_CODE',
  BAD_POINTER: 'BAD_POINTER',
  /** HI with ICD-9 qualifiers (BK/BF/BJ/BR/BQ...): claim.line.v1 carries ICD-10 only. */
  ICD9_CODE_SET: 'ICD9_CODE_SET',
} as const;
type Code = (typeof X12ProblemCode)[keyof typeof X12ProblemCode];

type Kind = 'P' | 'I';

interface Line {
  n: number;
  lx: number | null;
  sv: boolean;
  procedureCode: string | null;
  modifiers: string[];
  pos: string | null;
  pointers: number[];
  revenueCode: string | null;
  from: string | null;
  thru: string | null;
  rendering: string | null;
  /** PRV03 after the line's rendering provider (2420A). */
  taxonomy: string | null;
}

interface Claim {
  n: number;
  claimId: string;
  frequency: string | null;
  pos: string | null;
  controlNumber: string | null;
  dx: string[];
  pcs: string[];
  from: string | null;
  thru: string | null;
  rendering: string | null;
  /** PRV03 (NUCC taxonomy) after the claim's rendering provider (2310B). */
  taxonomy: string | null;
  /** The last NM1 entity in this claim: a PRV belongs to it. */
  lastEntity: string | null;
  attending: string | null;
  in2320: boolean;
  lines: Line[];
  problems: ParseProblem[];
  memberId: string | null;
  memberIdType: string;
  billingNpi: string | null;
  billingTin: string | null;
}

interface Txn {
  n: number;
  control: string;
  count: number;
  kind: Kind | null;
  records: ClaimLineValue[];
  problems: ParseProblem[];
  // loop state
  level: string | null;
  ctx: string | null;
  billingNpi: string | null;
  billingTin: string | null;
  /** PRV*BI taxonomy of the billing provider (2000A). */
  billingTaxonomy: string | null;
  memberId: string | null;
  memberIdQualifier: string | null;
  medicare: boolean;
  /** Problems of the 2000A (billing) and 2000B/C (subscriber, patient) loops: claims under them are withheld. */
  billingProblems: ParseProblem[];
  subscriberProblems: ParseProblem[];
  claim: Claim | null;
}

interface Group {
  n: number;
  control: string;
  txns: number;
}

interface Interchange {
  n: number;
  control: string;
  groups: number;
}

/** CLM05-3 / freq → CCLF-style adjustment type (schema field adjustmentTypeCode): 1→0, 8→1, 7→2. */
const ADJUSTMENT_TYPE: Record<string, string> = { '1': '0', '8': '1', '7': '2' };

/**
 * MBI format, CMS "Understanding the Medicare Beneficiary Identifier (MBI) Format"
 * (https://www.cms.gov/medicare/new-medicare-card/understanding-the-mbi.pdf): 11 characters,
 * C A AN N A AN N A A N N; letters exclude S, L, O, I, B, Z.
 */
const MBI =
  /^[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y]{2}[0-9]{2}$/;
/** Legacy HICN: 9-digit SSN-based number plus a 1-2 character beneficiary identification code. */
const HICN = /^[0-9]{9}[A-Z][A-Z0-9]?$/;
/** SBR09 claim filing indicator codes for Medicare fee-for-service (X12 element 1032: MA Part A, MB Part B). */
const MEDICARE_FILING = new Set(['MA', 'MB']);
/** HI qualifiers of ICD-9-CM (diagnosis BK/BF/BJ/PR, procedure BR/BQ) — retired for DOS from 2015-10-01. */
const ICD9_QUALIFIERS = new Set(['BK', 'BF', 'BJ', 'PR', 'BR', 'BQ', 'BN', 'BP', 'BT']);
/** X12 decimal (R) data type: optional minus, digits, optional fraction. */
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;

/**
 * ICD-10-PCS in the same form as diagnoses (upper case, no dot): exactly 7 characters, digits and
 * letters except I and O (CMS ICD-10-PCS Official Guidelines for Coding and Reporting, A.2-A.3:
 * "valid values ... 0-9 and letters A-H, J-N, P-Z").
 */
export function normalizePcs(code: string): string | null {
  const c = code.trim().toUpperCase().replace(/[.\s]/g, '');
  return /^[0-9A-HJ-NP-Z]{7}$/.test(c) ? c : null;
}

/** `CCYYMMDD` → `YYYY-MM-DD`, or null when not a calendar date. */
export function x12Date(s: string | undefined): string | null {
  if (s === undefined || !/^\d{8}$/.test(s)) return null;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/** `elements[i]` trimmed, or '' when absent. */
function el(seg: X12Segment, i: number): string {
  return (seg.elements[i] ?? '').trim();
}

/** Components of element i (split by the interchange's component separator). */
function comps(seg: X12Segment, i: number): string[] {
  return (seg.elements[i] ?? '').split(seg.separators.component).map((c) => c.trim());
}

function pad2(i: number): string {
  return i < 10 ? `0${i}` : String(i);
}

/** Create a streaming X12 837 parser (see the module comment). */
export function createX12Parser(opts: X12ParserOptions): X12Parser {
  const tok = new X12Tokenizer();
  const all: ParseProblem[] = [];
  let out: X12PushResult = { records: [], problems: [] };
  let recordCount = 0;
  let declared = 0;
  const kinds = new Set<Kind>();
  let isa: Interchange | null = null;
  let gs: Group | null = null;
  let st: Txn | null = null;
  let gsVersion = '';
  let gsFunctional = '';
  // Byte decoding state.
  let decoder: TextDecoder | null = null;
  let head: Buffer | null = null;
  let encodingFailed = false;
  let tokErrorReported = false;
  let lastBadId = -1;
  let lastOutside = -1;

  const problem = (line: number, code: Code, message: string, field?: string): void => {
    const p: ParseProblem = field === undefined ? { line, code, message } : { line, field, code, message };
    all.push(p);
    out.problems.push(p);
  };
  /** A problem of the current claim: recorded, and the claim's lines are withheld. */
  const claimProblem = (line: number, code: Code, message: string, field?: string): void => {
    problem(line, code, message, field);
    const c = st?.claim;
    if (c) c.problems.push(all[all.length - 1]!);
  };

  /** A problem of a 2000A/B/C party loop: recorded once, and it withholds every claim below it. */
  function partyProblem(
    scope: 'billing' | 'subscriber',
    line: number,
    code: Code,
    message: string,
    field?: string,
  ): void {
    problem(line, code, message, field);
    const p = all[all.length - 1]!;
    if (scope === 'billing') st?.billingProblems.push(p);
    else st?.subscriberProblems.push(p);
  }

  function finishLine(t: Txn, c: Claim): void {
    const l = c.lines[c.lines.length - 1];
    if (!l || l.sv) return;
    claimProblem(
      l.n,
      'MISSING_SEGMENT',
      `LX must be followed by ${t.kind === 'I' ? 'SV2' : 'SV1'} (2400 service line)`,
    );
  }

  function finishClaim(t: Txn): void {
    const c = t.claim;
    if (!c) return;
    finishLine(t, c);
    if (c.lines.length === 0)
      claimProblem(c.n, 'MISSING_SEGMENT', 'a claim (2300 CLM) needs at least one 2400 service line (LX)');
    if (c.memberId === null)
      claimProblem(
        c.n,
        'MISSING_SEGMENT',
        'no subscriber member id (2010BA NM1*IL NM109) for this claim',
        'NM109',
      );
    if ((c.frequency === '7' || c.frequency === '8') && c.controlNumber === null) {
      // 837P/837I TR3 2300 REF*F8: required when CLM05-3 is 7 (replacement) or 8 (void).
      claimProblem(
        c.n,
        'MISSING_SEGMENT',
        'a replacement/void claim (CLM05-3 7 or 8) needs REF*F8, the payer claim control number',
        'REF02',
      );
    }
    t.claim = null; // after the checks above: claimProblem() attaches to st.claim
    if (c.problems.length > 0) return;
    // 837P has no claim statement dates: the claim spans its lines' dates of service.
    let from = c.from;
    let thru = c.thru;
    if (t.kind === 'P') {
      for (const l of c.lines) {
        if (l.from !== null && (from === null || l.from < from)) from = l.from;
        const end = l.thru ?? l.from;
        if (end !== null && (thru === null || end > thru)) thru = end;
      }
    }
    for (const l of c.lines) {
      let dx: string[];
      if (t.kind === 'P' && l.pointers.length > 0) dx = l.pointers.map((p) => c.dx[p - 1]!);
      else dx = c.dx;
      t.records.push({
        sourceFile: opts.sourceFile,
        sourceFileSha256: opts.sourceFileSha256,
        lineNumber: l.n,
        sourceFormat: t.kind === 'I' ? 'X12_837I' : 'X12_837P',
        claimId: c.claimId,
        claimLineNumber: l.lx,
        claimControlNumber: c.controlNumber,
        claimTypeCode: null,
        adjustmentTypeCode: c.frequency === null ? null : (ADJUSTMENT_TYPE[c.frequency] ?? null),
        claimEffectiveDate: null,
        frequencyCode: c.frequency,
        memberId: c.memberId!,
        memberIdType: c.memberIdType,
        fromDate: from,
        thruDate: thru,
        serviceFromDate: l.from,
        serviceThruDate: l.thru,
        placeOfService: t.kind === 'P' ? (l.pos ?? c.pos) : null,
        procedureCode: l.procedureCode,
        procedureModifiers: l.modifiers,
        diagnosisCodes: [...new Set(dx)],
        icdProcedureCodes: [...new Set(c.pcs)],
        revenueCode: l.revenueCode,
        ndcCode: null,
        renderingNpi: l.rendering ?? (t.kind === 'I' ? (c.attending ?? c.rendering) : c.rendering),
        billingNpi: c.billingNpi,
        billingTin: c.billingTin,
        billingCcn: null,
        // NUCC taxonomy of the rendering (else billing) provider: 837s carry no CMS specialty code.
        providerSpecialtyCode: l.taxonomy ?? c.taxonomy ?? t.billingTaxonomy,
        nonPaymentReasonCode: null,
        allowedAmount: null,
        paidAmount: null,
      });
    }
  }

  function memberIdType(t: Txn): string {
    const id = t.memberId ?? '';
    if (t.memberIdQualifier !== 'MI') return 'OTHER';
    if (!t.medicare) return 'PAYER_MEMBER_ID';
    if (MBI.test(id)) return 'MBI';
    if (HICN.test(id)) return 'HICN';
    return 'OTHER';
  }

  /** NPI from NM108/NM109 (qualifier XX); a bad check digit is a problem of the claim. */
  function npiOf(seg: X12Segment, inClaim: boolean): string | null {
    if (el(seg, 8) !== 'XX') return null;
    const npi = el(seg, 9);
    if (!isValidNpi(npi)) {
      const msg = 'NPI must be 10 digits with a valid check digit (CMS NPI check digit rule)';
      if (inClaim) claimProblem(seg.n, 'BAD_CODE', msg, 'NM109');
      else partyProblem('billing', seg.n, 'BAD_CODE', msg, 'NM109');
      return null;
    }
    return npi;
  }

  /** D8 / RD8 date or range in DTP02/DTP03 → [from, thru]; problem on a bad value. */
  function dtpRange(seg: X12Segment): [string | null, string | null] | null {
    const fmt = el(seg, 2);
    const v = el(seg, 3);
    if (fmt === 'D8') {
      const d = x12Date(v);
      if (d) return [d, d];
    } else if (fmt === 'RD8') {
      const [a, b] = v.split('-');
      const f = x12Date(a);
      const t = x12Date(b);
      if (f && t && f <= t) return [f, t];
    }
    claimProblem(
      seg.n,
      'BAD_DATE',
      'DTP03 must be a calendar date CCYYMMDD (DTP02 D8) or a range CCYYMMDD-CCYYMMDD (RD8) with start <= end',
      'DTP03',
    );
    return null;
  }

  function onHi(t: Txn, c: Claim, seg: X12Segment): void {
    for (let i = 1; i < seg.elements.length; i++) {
      if (el(seg, i) === '') continue;
      const [qual = '', code = ''] = comps(seg, i);
      const field = `HI${pad2(i)}`;
      if (ICD9_QUALIFIERS.has(qual)) {
        claimProblem(
          seg.n,
          'ICD9_CODE_SET',
          'HI uses an ICD-9-CM qualifier; claim.line.v1 carries ICD-10 codes only (ABK/ABF, BBR/BBQ)',
          `${field}-1`,
        );
        continue;
      }
      const dx = qual === 'ABK' || qual === 'ABF';
      const pcs = t.kind === 'I' && (qual === 'BBR' || qual === 'BBQ');
      if (!dx && !pcs) continue; // condition/occurrence/value codes, ABJ/APR/ABN, DRG: not mapped
      const norm = dx ? normalizeIcd10(code) : normalizePcs(code);
      if (norm === null) {
        const shape = dx
          ? 'an ICD-10-CM code (letter, digit, then 1-5 letters/digits)'
          : 'an ICD-10-PCS code (7 letters/digits, no I or O)';
        claimProblem(seg.n, 'BAD_CODE', `HI composite needs ${shape} after its qualifier`, `${field}-2`);
        continue;
      }
      if (dx) {
        // The principal code leads: ABK must be the first diagnosis (837 TR3 HI01).
        if (qual === 'ABK') c.dx.unshift(norm);
        else c.dx.push(norm);
      } else if (qual === 'BBR') c.pcs.unshift(norm);
      else c.pcs.push(norm);
    }
  }

  function onSv1(c: Claim, l: Line, seg: X12Segment): void {
    const [qual = '', code = '', ...mods] = comps(seg, 1);
    if (code === '') claimProblem(seg.n, 'MISSING_ELEMENT', 'SV101-2 procedure code is required', 'SV101-2');
    else if (qual !== 'HC')
      claimProblem(
        seg.n,
        'BAD_CODE',
        'SV101-1 must be HC (HCPCS/CPT); other code sets are not mapped',
        'SV101-1',
      );
    l.procedureCode = code === '' ? null : code.toUpperCase();
    l.modifiers = mods
      .slice(0, 4)
      .filter((m) => m !== '')
      .map((m) => m.toUpperCase());
    if (!DECIMAL.test(el(seg, 2)))
      claimProblem(seg.n, 'BAD_AMOUNT', 'SV102 line charge must be a decimal number', 'SV102');
    const pos = el(seg, 5);
    if (pos !== '') {
      if (!/^\d{2}$/.test(pos))
        claimProblem(seg.n, 'BAD_CODE', 'SV105 place of service must be a two-digit CMS POS code', 'SV105');
      else l.pos = pos;
    }
    const ptrs = comps(seg, 7).filter((p) => p !== '');
    // Pointers into an HI that was already refused (ICD-9, bad code) would only repeat that problem.
    if (
      c.problems.some(
        (p) => p.code === 'ICD9_CODE_SET' || (p.code === 'BAD_CODE' && p.field?.startsWith('HI')),
      )
    )
      return;
    ptrs.forEach((p, i) => {
      const k = Number(p);
      if (!/^\d{1,2}$/.test(p) || k < 1 || k > c.dx.length) {
        claimProblem(
          seg.n,
          'BAD_POINTER',
          'SV107 diagnosis pointer must point at an ICD-10 code of the claim HI segment (1-12)',
          `SV107-${i + 1}`,
        );
      } else l.pointers.push(k);
    });
  }

  function onSv2(c: Claim, l: Line, seg: X12Segment): void {
    void c;
    const rev = el(seg, 1);
    if (!/^\d{4}$/.test(rev))
      claimProblem(seg.n, 'BAD_CODE', 'SV201 revenue code must be 4 digits (NUBC)', 'SV201');
    else l.revenueCode = rev;
    if (el(seg, 2) !== '') {
      const [qual = '', code = '', ...mods] = comps(seg, 2);
      if (qual !== 'HC' || code === '') {
        claimProblem(
          seg.n,
          'BAD_CODE',
          'SV202 must be HC:<HCPCS>[:modifiers]; other code sets are not mapped',
          'SV202-1',
        );
      } else {
        l.procedureCode = code.toUpperCase();
        l.modifiers = mods
          .slice(0, 4)
          .filter((m) => m !== '')
          .map((m) => m.toUpperCase());
      }
    }
    if (!DECIMAL.test(el(seg, 3)))
      claimProblem(seg.n, 'BAD_AMOUNT', 'SV203 line charge must be a decimal number', 'SV203');
  }

  function onClm(t: Txn, seg: X12Segment): void {
    finishClaim(t);
    const c: Claim = {
      n: seg.n,
      claimId: el(seg, 1),
      frequency: null,
      pos: null,
      controlNumber: null,
      dx: [],
      pcs: [],
      from: null,
      thru: null,
      rendering: null,
      taxonomy: null,
      lastEntity: null,
      attending: null,
      in2320: false,
      lines: [],
      problems: [],
      memberId: t.memberId,
      memberIdType: memberIdType(t),
      billingNpi: t.billingNpi,
      billingTin: t.billingTin,
    };
    t.claim = c;
    c.problems.push(...t.billingProblems, ...t.subscriberProblems);
    if (c.claimId === '')
      claimProblem(seg.n, 'MISSING_ELEMENT', 'CLM01 patient control number (claim id) is required', 'CLM01');
    if (!DECIMAL.test(el(seg, 2)))
      claimProblem(seg.n, 'BAD_AMOUNT', 'CLM02 total claim charge must be a decimal number', 'CLM02');
    const [facility = '', , freq = ''] = comps(seg, 5);
    if (facility === '')
      claimProblem(
        seg.n,
        'MISSING_ELEMENT',
        'CLM05-1 place of service / facility type code is required',
        'CLM05-1',
      );
    else if (t.kind === 'P') c.pos = facility;
    // CLM05-3: 1 original, 7 replacement, 8 void (domain-facts 3.3); 837I may also carry other
    // NUBC frequency digits (e.g. 2-4 interim bills), kept as delivered.
    if (freq === '')
      claimProblem(
        seg.n,
        'MISSING_ELEMENT',
        'CLM05-3 claim frequency code is required (1 original, 7 replacement, 8 void)',
        'CLM05-3',
      );
    else if (!/^[0-9A-Z]$/.test(freq))
      claimProblem(
        seg.n,
        'BAD_CODE',
        'CLM05-3 claim frequency code must be one character (1, 7, 8...)',
        'CLM05-3',
      );
    else c.frequency = freq;
  }

  function on837(t: Txn, seg: X12Segment): void {
    const c = t.claim;
    switch (seg.id) {
      case 'HL': {
        finishClaim(t);
        const level = el(seg, 3);
        t.level = level;
        t.ctx = null;
        if (level === '20') {
          t.billingNpi = null;
          t.billingTin = null;
          t.billingTaxonomy = null;
          t.billingProblems = [];
        }
        if (level === '20' || level === '22') {
          t.subscriberProblems = [];
          t.memberId = null;
          t.memberIdQualifier = null;
          t.medicare = false;
        }
        return;
      }
      case 'SBR':
        if (c)
          c.in2320 = true; // 2320 other subscriber: its NM1s are not this claim's parties
        else if (t.level === '22') t.medicare = MEDICARE_FILING.has(el(seg, 9));
        return;
      case 'NM1': {
        const entity = el(seg, 1);
        if (c) {
          if (c.in2320) return;
          const line = c.lines[c.lines.length - 1];
          c.lastEntity = entity;
          if (entity === '82') {
            const npi = npiOf(seg, true);
            if (line) line.rendering = npi;
            else c.rendering = npi;
          } else if (entity === '71' && t.kind === 'I' && !line) c.attending = npiOf(seg, true);
          return;
        }
        t.ctx = `${t.level ?? ''}:${entity}`;
        if (entity === '85' && t.level === '20') t.billingNpi = npiOf(seg, false);
        else if (entity === 'IL' && t.level === '22') {
          t.memberId = el(seg, 9) === '' ? null : el(seg, 9);
          t.memberIdQualifier = el(seg, 8);
        }
        return;
      }
      case 'PRV': {
        // PRV*PE*PXC*<taxonomy> after NM1*82 (rendering), PRV*BI*PXC*<taxonomy> in 2000A (billing).
        if (el(seg, 2) !== 'PXC' || el(seg, 3) === '') return;
        const taxonomy = el(seg, 3);
        if (c) {
          if (c.in2320 || c.lastEntity !== '82') return;
          const line = c.lines[c.lines.length - 1];
          if (line) line.taxonomy = taxonomy;
          else c.taxonomy = taxonomy;
        } else if (t.level === '20') t.billingTaxonomy = taxonomy;
        return;
      }
      case 'REF':
        if (!c && t.ctx === '20:85' && el(seg, 1) === 'EI') {
          const tin = el(seg, 2).replace(/-/g, '');
          if (!/^\d{9}$/.test(tin))
            partyProblem(
              'billing',
              seg.n,
              'BAD_CODE',
              'REF02 employer identification number must be 9 digits',
              'REF02',
            );
          else t.billingTin = tin;
        } else if (c && !c.in2320 && c.lines.length === 0 && el(seg, 1) === 'F8') {
          c.controlNumber = el(seg, 2) === '' ? null : el(seg, 2);
        }
        return;
      case 'DMG':
        // DMG02 birth date is checked (claim.line.v1 has no demographic fields; see docs).
        if (
          !c &&
          (t.ctx === '22:IL' || t.ctx === '23:QC') &&
          el(seg, 1) === 'D8' &&
          x12Date(el(seg, 2)) === null
        ) {
          partyProblem(
            'subscriber',
            seg.n,
            'BAD_DATE',
            'DMG02 birth date must be a calendar date CCYYMMDD',
            'DMG02',
          );
        }
        return;
      case 'CLM':
        if (t.memberId === null && t.level !== '22' && t.level !== '23') {
          problem(
            seg.n,
            'STRUCTURE',
            'CLM must follow a subscriber (HL03=22) or patient (HL03=23) loop',
            'CLM01',
          );
        }
        onClm(t, seg);
        return;
      case 'HI':
        if (c && !c.in2320 && c.lines.length === 0) onHi(t, c, seg);
        return;
      case 'DTP': {
        if (!c || c.in2320) return;
        const q = el(seg, 1);
        const line = c.lines[c.lines.length - 1];
        if (line && q === '472') {
          const r = dtpRange(seg);
          if (r) [line.from, line.thru] = r;
        } else if (!line && q === '434' && t.kind === 'I') {
          const r = dtpRange(seg);
          if (r) [c.from, c.thru] = r;
        }
        return;
      }
      case 'LX': {
        if (!c) {
          problem(seg.n, 'STRUCTURE', 'LX (2400 service line) must follow a CLM', 'LX01');
          return;
        }
        finishLine(t, c);
        c.in2320 = false;
        const lx = el(seg, 1);
        c.lines.push({
          n: seg.n,
          lx: /^\d{1,6}$/.test(lx) ? Number(lx) : null,
          sv: false,
          procedureCode: null,
          modifiers: [],
          pos: null,
          pointers: [],
          revenueCode: null,
          from: null,
          thru: null,
          rendering: null,
          taxonomy: null,
        });
        if (!/^\d{1,6}$/.test(lx))
          claimProblem(seg.n, 'MISSING_ELEMENT', 'LX01 line number must be a positive integer', 'LX01');
        return;
      }
      case 'SV1':
      case 'SV2': {
        const line = c?.lines[c.lines.length - 1];
        const want = t.kind === 'I' ? 'SV2' : 'SV1';
        if (!c || !line || line.sv || seg.id !== want) {
          if (c)
            claimProblem(
              seg.n,
              'STRUCTURE',
              `${want} must follow LX once (2400) in this transaction (${t.kind === 'I' ? '837I' : '837P'})`,
              `${seg.id}01`,
            );
          else problem(seg.n, 'STRUCTURE', `${want} must follow CLM and LX`, `${seg.id}01`);
          return;
        }
        line.sv = true;
        line.n = seg.n; // lineNumber: the SV1/SV2 segment (schema doc)
        if (seg.id === 'SV1') onSv1(c, line, seg);
        else onSv2(c, line, seg);
        return;
      }
      default:
        return;
    }
  }

  function closeTxn(t: Txn, released: boolean): void {
    if (t.kind) finishClaim(t);
    if (
      released &&
      t.records.length > 0 &&
      !t.problems.some((p) => p.code === 'TRAILER_COUNT' || p.code === 'ENVELOPE')
    ) {
      for (const value of t.records) out.records.push({ topic: 'claim.line.v1', value });
      recordCount += t.records.length;
    }
    st = null;
  }

  function txnProblem(t: Txn, line: number, code: Code, message: string, field?: string): void {
    problem(line, code, message, field);
    t.problems.push(all[all.length - 1]!);
  }

  function onSegment(seg: X12Segment): void {
    if (st) st.count++;
    switch (seg.id) {
      case 'ISA':
        if (isa) closeInterchange(seg.n);
        isa = { n: seg.n, control: el(seg, 13), groups: 0 };
        return;
      case 'GS':
        if (!isa) problem(seg.n, 'ENVELOPE', 'GS must be inside an ISA interchange', 'GS01');
        if (gs) closeGroup(seg.n);
        gs = { n: seg.n, control: el(seg, 6), txns: 0 };
        gsFunctional = el(seg, 1);
        gsVersion = el(seg, 8);
        if (isa) isa.groups++;
        return;
      case 'ST': {
        if (!gs) problem(seg.n, 'ENVELOPE', 'ST must be inside a GS functional group', 'ST01');
        else gs.txns++;
        if (st) {
          txnProblem(st, st.n, 'ENVELOPE', 'transaction set has no SE before the next ST', 'SE01');
          closeTxn(st, false);
        }
        const set = el(seg, 1);
        const version = el(seg, 3) || gsVersion;
        let kind: Kind | null = null;
        const t: Txn = {
          n: seg.n,
          control: el(seg, 2),
          count: 1,
          kind: null,
          records: [],
          problems: [],
          level: null,
          ctx: null,
          billingNpi: null,
          billingTin: null,
          billingTaxonomy: null,
          memberId: null,
          memberIdQualifier: null,
          medicare: false,
          billingProblems: [],
          subscriberProblems: [],
          claim: null,
        };
        st = t;
        if (set !== '837' || (gsFunctional !== '' && gsFunctional !== 'HC')) {
          txnProblem(
            t,
            seg.n,
            'UNSUPPORTED_TRANSACTION',
            'only 837 health care claims (GS01 HC, ST01 837) are parsed here; this transaction set is skipped',
            'ST01',
          );
        } else if (version.startsWith('005010X222')) kind = 'P';
        else if (version.startsWith('005010X223')) kind = 'I';
        else if (version.startsWith('005010X224')) {
          txnProblem(
            t,
            seg.n,
            'UNSUPPORTED_TRANSACTION',
            '837 dental (005010X224) is not parsed; only 837P (X222) and 837I (X223)',
            'ST03',
          );
        } else {
          txnProblem(
            t,
            seg.n,
            'UNSUPPORTED_VERSION',
            '837 version must be 5010 (005010X222A1 professional or 005010X223A2/A3 institutional); 4010 and others are refused',
            version === el(seg, 3) ? 'ST03' : 'GS08',
          );
        }
        t.kind = kind;
        if (kind) kinds.add(kind);
        return;
      }
      case 'SE': {
        const t = st;
        if (!t) {
          problem(seg.n, 'ENVELOPE', 'SE without an open ST', 'SE01');
          return;
        }
        if (t.kind) finishClaim(t);
        const n = el(seg, 1);
        declared += Number(n) || 0;
        if (n !== String(t.count)) {
          txnProblem(
            t,
            seg.n,
            'TRAILER_COUNT',
            `SE01 must equal the number of segments from ST (segment ${t.n}) to SE inclusive`,
            'SE01',
          );
        }
        if (el(seg, 2) !== t.control) {
          txnProblem(
            t,
            seg.n,
            'ENVELOPE',
            `SE02 must equal ST02 of the transaction set opened at segment ${t.n}`,
            'SE02',
          );
        }
        closeTxn(t, true);
        return;
      }
      case 'GE':
        if (!gs) {
          problem(seg.n, 'ENVELOPE', 'GE without an open GS', 'GE01');
          return;
        }
        if (st) {
          txnProblem(st, st.n, 'ENVELOPE', 'transaction set has no SE before GE', 'SE01');
          closeTxn(st, false);
        }
        if (el(seg, 1) !== String(gs.txns)) {
          problem(
            seg.n,
            'TRAILER_COUNT',
            `GE01 must equal the number of transaction sets in the group opened at segment ${gs.n}`,
            'GE01',
          );
        }
        if (el(seg, 2) !== gs.control)
          problem(seg.n, 'ENVELOPE', `GE02 must equal GS06 of the group opened at segment ${gs.n}`, 'GE02');
        gs = null;
        return;
      case 'IEA':
        if (!isa) {
          problem(seg.n, 'ENVELOPE', 'IEA without an open ISA', 'IEA01');
          return;
        }
        if (gs) closeGroup(seg.n);
        if (el(seg, 1) !== String(isa.groups)) {
          problem(
            seg.n,
            'TRAILER_COUNT',
            `IEA01 must equal the number of functional groups in the interchange opened at segment ${isa.n}`,
            'IEA01',
          );
        }
        if (el(seg, 2) !== isa.control)
          problem(
            seg.n,
            'ENVELOPE',
            `IEA02 must equal ISA13 of the interchange opened at segment ${isa.n}`,
            'IEA02',
          );
        isa = null;
        return;
      default:
        if (!/^[A-Z][A-Z0-9]{1,2}$/.test(seg.id)) {
          // One report per run of bad ids (a wrong terminator makes every segment look bad).
          if (lastBadId !== seg.n - 1)
            problem(
              seg.n,
              'STRUCTURE',
              'segment id must be 2-3 upper-case letters/digits (check the segment terminator in ISA16+1)',
              'SEGMENT',
            );
          lastBadId = seg.n;
          return;
        }
        if (!st) {
          if (seg.id !== 'TA1' && lastOutside !== seg.n - 1)
            problem(
              seg.n,
              'ENVELOPE',
              'segment outside any ST..SE transaction set (and the ones right after it)',
              'SEGMENT',
            );
          lastOutside = seg.n;
          return;
        }
        if (st.kind) on837(st, seg);
    }
  }

  function closeGroup(at: number): void {
    if (!gs) return;
    if (st) {
      txnProblem(st, st.n, 'ENVELOPE', 'transaction set has no SE', 'SE01');
      closeTxn(st, false);
    }
    problem(gs.n, 'ENVELOPE', `functional group has no GE (next envelope segment ${at})`, 'GE01');
    gs = null;
  }

  function closeInterchange(at: number): void {
    if (!isa) return;
    if (gs) closeGroup(at);
    problem(isa.n, 'ENVELOPE', `interchange has no IEA (next envelope segment ${at})`, 'IEA01');
    isa = null;
  }

  function decode(chunk: string | Buffer, final: boolean): string {
    if (typeof chunk === 'string') return chunk;
    if (!decoder) {
      head = head ? Buffer.concat([head, chunk]) : chunk;
      if (head.length < 4 && !final) return '';
      chunk = head;
      head = null;
      const b0 = chunk[0];
      const b1 = chunk[1];
      let enc = 'utf-8';
      // BOM (FF FE / FE FF), or a NUL after `I` of `ISA` (UTF-16 without BOM).
      if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0x49 && b1 === 0)) enc = 'utf-16le';
      else if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0 && b1 === 0x49)) enc = 'utf-16be';
      decoder = new TextDecoder(enc, { fatal: true, ignoreBOM: false });
    }
    try {
      return decoder.decode(chunk, { stream: !final });
    } catch {
      encodingFailed = true;
      problem(
        0,
        'ENCODING',
        'file is not valid UTF-8 or UTF-16 text (X12 uses the basic/extended character set); refused',
      );
      return '';
    }
  }

  function feed(text: string): void {
    if (text === '' || encodingFailed) return;
    for (const seg of tok.push(text)) onSegment(seg);
    if (tok.error && !tokErrorReported) {
      tokErrorReported = true;
      problem(tok.error.n, tok.error.code, tok.error.message, 'ISA');
    }
  }

  return {
    push(chunk: string | Buffer): X12PushResult {
      out = { records: [], problems: [] };
      feed(decode(chunk, false));
      return out;
    },
    end(): FileSummary {
      out = { records: [], problems: [] };
      if (head) feed(decode(Buffer.alloc(0), true));
      else if (decoder && !encodingFailed) feed(decode(Buffer.alloc(0), true));
      const n = tok.nextSegmentNumber();
      if (!tok.error && !encodingFailed) {
        if (tok.rest() !== '') problem(n, 'TRUNCATED', 'file ends inside a segment (no segment terminator)');
        if (tok.nextSegmentNumber() === 1) problem(0, 'NO_ISA', 'file holds no X12 interchange (empty)');
      }
      if (st) {
        txnProblem(st, st.n, 'ENVELOPE', 'transaction set has no SE (file ended)', 'SE01');
        closeTxn(st, false);
      }
      if (gs) {
        problem(gs.n, 'ENVELOPE', 'functional group has no GE (file ended)', 'GE01');
        gs = null;
      }
      if (isa) {
        problem(isa.n, 'ENVELOPE', 'interchange has no IEA (file ended)', 'IEA01');
        isa = null;
      }
      const format =
        kinds.size === 1 ? (kinds.has('I') ? 'X12_837I' : 'X12_837P') : kinds.size === 0 ? 'X12' : 'X12_837';
      const summary: FileSummary = { format, lines: n - 1, records: recordCount, problems: all };
      if (declared > 0) summary.declaredCount = declared;
      return summary;
    },
  };
}
