/**
 * ACK messages (domain-facts.md §2.2): MSH with sender and receiver swapped, `ACK^<trigger>^ACK`,
 * a new control id, the same MSH-11 and MSH-12; `MSA|<code>|<MSH-10 echoed>|<text>`; an ERR
 * segment on every negative ACK. Original mode answers AA/AE/AR, enhanced mode (MSH-15/16
 * valued) the commit ACK CA/CE/CR. ERR is v2.5+ shaped (ERR-2 location, ERR-3 code from table
 * 0357, ERR-4 severity); for v2.3/2.4 senders the same information goes in ERR-1 (ELD), the only
 * field those versions define.
 */
import { Hl7ErrorText } from '../../runtime/hl7/index.ts';
import type { MessageProblem, MshFields } from './message.ts';
import { CR, FS, VT } from './framer.ts';

/** Outcome of one message, independent of the ACK mode. */
export type AckOutcome = 'accept' | 'error' | 'reject';

/** Ack codes of table 0008. */
export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

export function ackCode(outcome: AckOutcome, enhanced: boolean): AckCode {
  switch (outcome) {
    case 'accept':
      return enhanced ? 'CA' : 'AA';
    case 'error':
      return enhanced ? 'CE' : 'AE';
    case 'reject':
      return enhanced ? 'CR' : 'AR';
  }
}

let counter = 0;
/** A control id for our ACKs: time-based, unique within the process, ≤ 20 chars (v2.5.1 MSH-10). */
export function newControlId(now: number): string {
  counter = (counter + 1) % 1_000_000;
  return `GS${now.toString(36).toUpperCase()}${counter.toString(36).toUpperCase().padStart(4, '0')}`;
}

/** HL7 TS for now, UTC with offset. */
export function hl7Timestamp(now: number): string {
  const d = new Date(now);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+0000`;
}

/** Escapes delimiter characters in text we put into a field (HL7 escape sequences, §1.1). */
function escapeText(text: string, sep: string, enc: string): string {
  const [comp = '^', rep = '~', esc = '\\', sub = '&'] = enc;
  let out = '';
  for (const ch of text) {
    if (ch === esc) out += `${esc}E${esc}`;
    else if (ch === sep) out += `${esc}F${esc}`;
    else if (ch === comp) out += `${esc}S${esc}`;
    else if (ch === rep) out += `${esc}R${esc}`;
    else if (ch === sub) out += `${esc}T${esc}`;
    else if (ch === '\r' || ch === '\n') out += ' ';
    else out += ch;
  }
  return out;
}

function versionBefore25(version: string | null): boolean {
  if (version === null) return false;
  const [maj, min] = version.split('.').map(Number);
  return maj === 2 && (min ?? 0) < 5;
}

/** One ACK message (segments joined by CR, no MLLP framing). */
export function buildAckText(
  msh: MshFields | null,
  code: AckCode,
  options: { now: number; problem?: MessageProblem | null; text?: string },
): string {
  const sep = msh?.fieldSeparator ?? '|';
  const enc = msh?.encodingCharacters ?? '^~\\&';
  const [comp = '^', , , sub = '&'] = enc;
  const version = msh?.versionId ?? '2.5.1';
  const e = (t: string): string => escapeText(t, sep, enc);
  const mshSeg = [
    'MSH',
    enc,
    msh?.receivingApplication ?? '',
    msh?.receivingFacility ?? '',
    msh?.sendingApplication ?? '',
    msh?.sendingFacility ?? '',
    hl7Timestamp(options.now),
    '',
    ['ACK', msh?.triggerEvent ?? '', 'ACK'].join(comp),
    newControlId(options.now),
    msh?.processingId ?? 'P',
    version,
  ].join(sep);
  const problem = options.problem ?? null;
  const text = options.text ?? problem?.reason ?? '';
  const msa = ['MSA', code, msh?.messageControlId ?? '', e(text)].join(sep);
  if (problem === null) return `${mshSeg}\r${msa}\r`;
  const label = Hl7ErrorText[problem.hl7Code] ?? 'Error';
  const loc = problem.location;
  let err: string;
  if (versionBefore25(msh?.versionId ?? null)) {
    // ERR-1 (ELD): segment ID ^ sequence ^ field position ^ code (CE: id & text & HL70357).
    const eld = [
      loc?.segment ?? '',
      loc ? String(loc.sequence) : '',
      loc?.field !== undefined ? String(loc.field) : '',
      [problem.hl7Code, e(label), 'HL70357'].join(sub),
    ].join(comp);
    err = ['ERR', eld].join(sep);
  } else {
    const erl = loc
      ? [loc.segment, String(loc.sequence), loc.field !== undefined ? String(loc.field) : ''].join(comp)
      : '';
    err = [
      'ERR',
      '',
      erl,
      [problem.hl7Code, e(label), 'HL70357'].join(comp),
      'E',
      '',
      '',
      '',
      e(problem.reason),
    ].join(sep);
  }
  return `${mshSeg}\r${msa}\r${err}\r`;
}

/**
 * A batch of ACKs for a batch received in one frame (HL7 v2 batch protocol): BHS with sender
 * and receiver swapped and BHS-12 = the received batch control id, one ACK per message, BTS
 * with the count.
 */
export function buildBatchAckText(
  batchHeader: MshFields | null,
  receivedBatchControlId: string | null,
  acks: readonly string[],
  now: number,
): string {
  const sep = batchHeader?.fieldSeparator ?? '|';
  const enc = batchHeader?.encodingCharacters ?? '^~\\&';
  const bhs = [
    'BHS',
    enc,
    batchHeader?.receivingApplication ?? '',
    batchHeader?.receivingFacility ?? '',
    batchHeader?.sendingApplication ?? '',
    batchHeader?.sendingFacility ?? '',
    hl7Timestamp(now),
    '',
    '',
    '',
    newControlId(now),
    receivedBatchControlId ?? '',
  ].join(sep);
  return `${bhs}\r${acks.join('')}BTS${sep}${acks.length}\r`;
}

/** Wraps text in an MLLP block. ACKs are ASCII apart from echoed MSH values (kept as latin1 bytes). */
export function frameAck(text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = VT;
  body.copy(out, 1);
  out[body.length + 1] = FS;
  out[body.length + 2] = CR;
  return out;
}
