/**
 * Acknowledgments (HL7 v2.5.1 §2.9; domain-facts §2.2).
 *
 * - Original mode (MSH-15 and MSH-16 both empty): one application ACK, MSA-1 AA / AE / AR.
 * - Enhanced mode (either valued): an accept (commit) ACK CA / CE / CR, sent per MSH-15
 *   (table 0155: AL always, NE never, ER on error/reject only, SU on success only); an
 *   application ACK later per MSH-16.
 * - ACK shape: MSH with MSH-3/4 and MSH-5/6 swapped, same MSH-11 and MSH-12, same delimiters,
 *   MSH-9 `ACK^<trigger>^ACK` (the MSG.3 structure component exists from v2.3.1), a new MSH-10;
 *   `MSA|<code>|<original MSH-10>`; an ERR segment when there is an error.
 * - ERR per version: up to v2.4 ERR has one field, ERR-1 "error code and location" (ELD:
 *   segment^sequence^field^code as CE with subcomponents); from v2.5 ERR-1 is backward-compatible
 *   only (withdrawn in v2.7) and the error goes in ERR-2 location (ERL), ERR-3 HL7 error code
 *   (CWE, table 0357, required), ERR-4 severity (E/W/I, required), ERR-8 user message.
 *   MSA-3 (text) is filled for v2.6 and earlier (it is B in 2.5/2.6) and left empty from v2.7.
 */
import { Hl7ErrorText, type Hl7ParseError } from './errors.ts';
import { DEFAULT_DELIMITERS, escapeHl7, type Hl7Delimiters } from './message.ts';
import type { MshInfo } from './msh.ts';
import { formatHl7Time } from './time.ts';

/** MSA-1 acknowledgment codes (HL7 table 0008). */
export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

/** The error an ACK reports. */
export interface AckError {
  /** Table 0357 code, e.g. '101'. */
  hl7Code: string;
  /** A user message without PHI (ERR-8; MSA-3 for ≤ v2.6). */
  text: string;
  /** ERR-4; default E. */
  severity?: 'E' | 'W' | 'I';
  segment?: string;
  /** 1-based position of the segment in the message (informational). */
  segmentIndex?: number;
  /** 1-based occurrence of the segment id (ERL.2 / ELD.2); default 1 when a segment is named. */
  segmentSequence?: number;
  field?: number;
}

/** Options of `buildAck`. */
export interface BuildAckOptions {
  /** MSH-10 of the ACK (new, unique per receiver). */
  controlId: string;
  /** MSH-7 of the ACK. */
  now: Date;
  error?: AckError;
  /** Version when `msh` is undefined (default 2.5.1). */
  version?: string;
}

/** [major, minor, patch] of an MSH-12 value; undefined when not numeric. */
function versionParts(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = v
    .trim()
    .split('.')
    .map((p) => Number.parseInt(p, 10));
  if (parts.length === 0 || parts.some((p) => Number.isNaN(p))) return undefined;
  return parts;
}

/** a < b for version parts. */
function versionBefore(v: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(v.length, b.length); i++) {
    const x = v[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/** The ERR segment for `version` (see the module comment). */
function errSegment(err: AckError, version: number[] | undefined, d: Hl7Delimiters): string {
  const text = Hl7ErrorText[err.hl7Code] ?? '';
  const seq = err.segment !== undefined ? String(err.segmentSequence ?? 1) : '';
  const loc = [err.segment ?? '', seq, err.field !== undefined ? String(err.field) : ''];
  const f = d.field;
  const c = d.component;
  if (version !== undefined && versionBefore(version, [2, 5])) {
    // ELD: segment id ^ sequence ^ field position ^ code identifying error (CE, as subcomponents)
    const ce = [err.hl7Code, escapeHl7(text, d), 'HL70357'].join(d.subcomponent);
    return `ERR${f}${[...loc, ce].join(c)}`;
  }
  const erl = err.segment !== undefined ? trimRight(loc).join(c) : '';
  const cwe = [err.hl7Code, escapeHl7(text, d), 'HL70357'].join(c);
  const fields = ['', erl, cwe, err.severity ?? 'E', '', '', '', escapeHl7(err.text, d)];
  return `ERR${f}${fields.join(f)}`;
}

function trimRight(xs: string[]): string[] {
  let n = xs.length;
  while (n > 0 && xs[n - 1] === '') n--;
  return xs.slice(0, n);
}

/**
 * Builds an ACK for `msh` (see the module comment for the rules). When the MSH could not be
 * parsed (`msh` undefined) the ACK has default delimiters, empty MSH-3..6, processing id P,
 * `opts.version` (2.5.1), and an empty MSA-2. Segments end with CR (the last one too).
 */
export function buildAck(msh: MshInfo | undefined, code: AckCode, opts: BuildAckOptions): string {
  const d = msh?.delimiters ?? DEFAULT_DELIMITERS;
  const raw = (n: number): string => msh?.fields[n] ?? '';
  const versionText = msh?.versionId ?? opts.version ?? '2.5.1';
  const version = versionParts(versionText);
  const withStructure = version === undefined || !versionBefore(version, [2, 3, 1]);
  const trigger = msh?.triggerEvent;
  const type = ['ACK', trigger !== undefined ? escapeHl7(trigger, d) : '', withStructure ? 'ACK' : ''];
  const charset = msh?.characterSets[0];
  const mshFields = [
    raw(5), // MSH-3 ← original receiving application
    raw(6), // MSH-4 ← receiving facility
    raw(3), // MSH-5 ← sending application
    raw(4), // MSH-6 ← sending facility
    formatHl7Time(opts.now), // MSH-7
    '', // MSH-8
    trimRight(type).join(d.component), // MSH-9
    escapeHl7(opts.controlId, d), // MSH-10
    msh !== undefined ? raw(11) : 'P', // MSH-11
    msh !== undefined ? raw(12) : escapeHl7(versionText, d), // MSH-12
    '', // MSH-13
    '', // MSH-14
    '', // MSH-15
    '', // MSH-16
    '', // MSH-17
    charset !== undefined ? escapeHl7(charset, d) : '', // MSH-18
  ];
  const encoding = d.component + d.repetition + d.escape + d.subcomponent + (d.truncation ?? '');
  const mshText = `MSH${d.field}${encoding}${d.field}${trimRight(mshFields).join(d.field)}`;
  const oldText = version === undefined || versionBefore(version, [2, 7]);
  const msa = [code, msh?.controlId !== undefined ? escapeHl7(msh.controlId, d) : ''];
  if (opts.error !== undefined && oldText) msa.push(escapeHl7(opts.error.text, d));
  let out = `${mshText}\rMSA${d.field}${trimRight(msa).join(d.field)}\r`;
  if (opts.error !== undefined) out += errSegment(opts.error, version, d) + '\r';
  return out;
}

/** The ACK error for a parse error (code, location, its PHI-free message). */
export function ackErrorFrom(err: Hl7ParseError, text = err.message): AckError {
  const e: AckError = { hl7Code: err.hl7Code, text, severity: 'E' };
  if (err.segment !== undefined) e.segment = err.segment;
  if (err.segmentIndex !== undefined) e.segmentIndex = err.segmentIndex;
  if (err.segmentSequence !== undefined) e.segmentSequence = err.segmentSequence;
  if (err.field !== undefined) e.field = err.field;
  return e;
}

/** When to send an ACK (table 0155). */
export type AckCondition = 'always' | 'never' | 'error' | 'success';

function condition(v: string | undefined): AckCondition {
  const code: string = v?.trim().toUpperCase() ?? '';
  switch (code) {
    case 'NE':
      return 'never';
    case 'ER':
      return 'error';
    case 'SU':
      return 'success';
    default:
      // AL, empty or a value outside table 0155: acknowledge (a sender never loses an ACK it waits for).
      return 'always';
  }
}

/**
 * The acknowledgment mode MSH-15/16 ask for. Original when both are empty: the one ACK
 * (AA/AE/AR) is always sent, `sendAccept` = 'always'. Enhanced otherwise: `sendAccept` from
 * MSH-15 (AL always, NE never, ER error, SU success; empty or unknown → always), and
 * `sendApplication` from MSH-16 likewise.
 */
export function ackMode(msh: MshInfo): {
  mode: 'original' | 'enhanced';
  sendAccept: AckCondition;
  sendApplication: AckCondition;
} {
  const accept = msh.acceptAckType?.trim() ?? '';
  const app = msh.applicationAckType?.trim() ?? '';
  if (accept === '' && app === '')
    return { mode: 'original', sendAccept: 'always', sendApplication: 'always' };
  return { mode: 'enhanced', sendAccept: condition(accept), sendApplication: condition(app) };
}

/** True when `condition` says to send an ACK whose code is `code`. */
export function shouldSendAck(cond: AckCondition, code: AckCode): boolean {
  switch (cond) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'success':
      return code === 'AA' || code === 'CA';
    case 'error':
      return code !== 'AA' && code !== 'CA';
  }
}
