/**
 * What the listener needs to read from a frame, at the byte level and without decoding the whole
 * message: split a frame into messages (one message, or a batch FHS/BHS … BTS/FTS), read each MSH,
 * the first PID-3 identifier (the key) and check the bytes against the declared charset. The
 * three charsets accepted here (ASCII, ISO-8859-1, UTF-8) are ASCII-compatible, so delimiters and
 * segment ids are single bytes; UTF-16/32 are not MLLP-safe (domain-facts.md §1.1) and rejected.
 */
import { isUtf8 } from 'node:buffer';
import { Hl7ErrorCode } from '../../runtime/hl7/index.ts';

/** MSH fields the listener routes and acknowledges by (HL7 v2.5.1 MSH, domain-facts.md §1.2). */
export interface MshFields {
  fieldSeparator: string;
  encodingCharacters: string;
  sendingApplication: string | null;
  sendingFacility: string | null;
  receivingApplication: string | null;
  receivingFacility: string | null;
  messageDateTime: string | null;
  messageCode: string | null;
  triggerEvent: string | null;
  messageStructure: string | null;
  messageControlId: string | null;
  processingId: string | null;
  versionId: string | null;
  acceptAckType: string | null;
  applicationAckType: string | null;
  characterSets: string[];
}

/** A problem found in a message, with its table 0357 code and location (never a value). */
export interface MessageProblem {
  hl7Code: string;
  /** PHI-free reason for logs, the ERR segment and the dead letter. */
  reason: string;
  /** Stable GapstreamError-style code for the dead letter and metrics. */
  errorCode: string;
  location?: { segment: string; sequence: number; field?: number };
  /** AR/CR (rejected: type, version, processing id, size, charset) vs AE/CE (content error). */
  severity: 'reject' | 'error';
}

const te = new TextEncoder();
const MSH = te.encode('MSH');

function segmentIdAt(b: Buffer, i: number): string {
  return b.length >= i + 3 ? b.toString('latin1', i, i + 3) : '';
}

/** Byte offsets where segments start (after CR, LF or CRLF). */
function segmentStarts(b: Buffer): number[] {
  const starts = [0];
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x0d || c === 0x0a) {
      let j = i + 1;
      if (c === 0x0d && b[j] === 0x0a) j++;
      if (j < b.length) starts.push(j);
      i = j - 1;
    }
  }
  return starts;
}

function segmentEnd(b: Buffer, start: number): number {
  let i = start;
  while (i < b.length && b[i] !== 0x0d && b[i] !== 0x0a) i++;
  return i;
}

/** A frame's content: one message, or the messages of a batch with its header segment. */
export interface FrameContent {
  batch: { headerSegment: Buffer; batchControlId: string | null } | null;
  messages: Buffer[];
}

/**
 * Splits a frame at MSH segments. A frame that starts with FHS or BHS is a batch (domain-facts.md
 * §1.6): every MSH … up to the next MSH/BHS/BTS/FTS is one message, kept byte for byte. A frame
 * that does not start with MSH (and is not a batch) stays one "message" and is rejected later
 * with a segment sequence error.
 */
export function splitFrame(payload: Buffer): FrameContent {
  const first = segmentIdAt(payload, 0);
  if (first !== 'FHS' && first !== 'BHS') return { batch: null, messages: [payload] };
  const starts = segmentStarts(payload);
  const messages: Buffer[] = [];
  let open = -1;
  let lastEnd = 0;
  let bhs: Buffer | null = null;
  let fhs: Buffer | null = null;
  for (const s of starts) {
    const id = segmentIdAt(payload, s);
    if (id === 'MSH' || id === 'BHS' || id === 'BTS' || id === 'FTS' || id === 'FHS') {
      if (open >= 0) messages.push(payload.subarray(open, lastEnd));
      open = id === 'MSH' ? s : -1;
      if (id === 'BHS' && bhs === null) bhs = payload.subarray(s, segmentEnd(payload, s));
      if (id === 'FHS' && fhs === null) fhs = payload.subarray(s, segmentEnd(payload, s));
    }
    const end = segmentEnd(payload, s);
    lastEnd = Math.min(payload.length, end + (payload[end] === 0x0d && payload[end + 1] === 0x0a ? 2 : 1));
  }
  if (open >= 0) messages.push(payload.subarray(open, payload.length));
  // The batch header answered is the (first) BHS, else the FHS.
  const h = (bhs ?? fhs)!;
  const sep = h.length > 3 ? String.fromCharCode(h[3]!) : '|';
  // BHS-11 / FHS-11 batch (file) control id: fields counted like MSH (BHS-1 is the separator).
  const fields = h.toString('latin1').split(sep);
  return { batch: { headerSegment: h, batchControlId: fields[10] || null }, messages };
}

function nullIfEmpty(s: string | undefined): string | null {
  return s === undefined || s === '' ? null : s;
}

/**
 * Reads the MSH segment starting at `start`. Returns null when it is not a usable MSH (no
 * separator, no encoding characters). Field values are raw text (latin1 view of the bytes, which
 * is exact for the ASCII delimiters and for ids, and is never used to decode content).
 */
export function readMshAt(b: Buffer, start: number): MshFields | null {
  const end = segmentEnd(b, start);
  if (end - start < 8) return null;
  if (b[start] !== MSH[0] || b[start + 1] !== MSH[1] || b[start + 2] !== MSH[2]) return null;
  const sep = String.fromCharCode(b[start + 3]!);
  if (/[A-Za-z0-9\s]/.test(sep)) return null;
  const text = b.toString('latin1', start, end);
  const fields = text.split(sep); // fields[0] = 'MSH', fields[1] = MSH-2, fields[n-1] = MSH-n
  const enc = fields[1] ?? '';
  if (enc.length < 2 || enc.length > 5) return null;
  const comp = enc[0]!;
  const rep = enc[1]!;
  const f = (n: number): string | undefined => fields[n - 1];
  const c = (n: number, k: number): string | null => nullIfEmpty(f(n)?.split(rep)[0]?.split(comp)[k]);
  return {
    fieldSeparator: sep,
    encodingCharacters: enc,
    sendingApplication: nullIfEmpty(f(3)),
    sendingFacility: nullIfEmpty(f(4)),
    receivingApplication: nullIfEmpty(f(5)),
    receivingFacility: nullIfEmpty(f(6)),
    messageDateTime: nullIfEmpty(f(7)),
    messageCode: c(9, 0),
    triggerEvent: c(9, 1),
    messageStructure: c(9, 2),
    messageControlId: nullIfEmpty(f(10)),
    processingId: nullIfEmpty(f(11)),
    versionId: c(12, 0),
    acceptAckType: nullIfEmpty(f(15)),
    applicationAckType: nullIfEmpty(f(16)),
    characterSets: (f(18) ?? '')
      .split(rep)
      .map((x) => x.trim())
      .filter((x) => x !== ''),
  };
}

/** The MSH of a message: at its start, or (segment order error) the first one found later. */
export function findMsh(b: Buffer): { msh: MshFields | null; atStart: boolean } {
  const atStart = readMshAt(b, 0);
  if (atStart) return { msh: atStart, atStart: true };
  for (const s of segmentStarts(b).slice(1)) {
    if (segmentIdAt(b, s) === 'MSH') return { msh: readMshAt(b, s), atStart: false };
  }
  return { msh: null, atStart: false };
}

/**
 * Enhanced acknowledgment mode when MSH-15 or MSH-16 is valued (domain-facts.md §2.2): the
 * listener answers with a commit ACK (CA/CE/CR); otherwise original mode (AA/AE/AR).
 */
export function isEnhancedMode(msh: MshFields | null): boolean {
  return msh !== null && (msh.acceptAckType !== null || msh.applicationAckType !== null);
}

/** The first PID-3 identifier as `ID^^^AUTHORITY` parts (CX.1 and CX.4), or null without PID. */
export function firstPatientIdentifier(b: Buffer, msh: MshFields): string | null {
  const sep = msh.fieldSeparator.charCodeAt(0);
  for (const s of segmentStarts(b)) {
    if (segmentIdAt(b, s) !== 'PID' || b[s + 3] !== sep) continue;
    const fields = b.toString('latin1', s, segmentEnd(b, s)).split(msh.fieldSeparator);
    const first = (fields[3] ?? '').split(msh.encodingCharacters[1]!)[0] ?? '';
    const comps = first.split(msh.encodingCharacters[0]!);
    const id = comps[0] ?? '';
    if (id === '') return null;
    const authority = comps[3] ?? '';
    return authority === '' ? id : `${id}^${authority}`;
  }
  return null;
}

/**
 * hl7.raw.v1 key: sending facility + first PID-3 identifier, so one patient's messages from one
 * source share a partition in arrival order; messages without a PID are keyed by the facility.
 */
export function rawKey(msh: MshFields, patientId: string | null): string {
  const facility = msh.sendingFacility ?? msh.sendingApplication ?? '';
  return patientId === null ? facility : `${facility}|${patientId}`;
}

/** Canonical charset of MSH-18 (HL7 table 0211 names and common variants), or null if unsupported. */
export function canonicalCharset(name: string): 'ASCII' | '8859/1' | 'UNICODE UTF-8' | null {
  const n = name.toUpperCase().replace(/\s+/g, ' ');
  if (n === 'ASCII' || n === 'US-ASCII') return 'ASCII';
  if (n === '8859/1' || n === 'ISO-8859-1' || n === 'ISO_IR 100' || n === 'LATIN1') return '8859/1';
  if (n === 'UNICODE UTF-8' || n === 'UTF-8' || n === 'UTF8') return 'UNICODE UTF-8';
  return null;
}

/** Checks a message's bytes against its MSH-18 (first repetition) or the default charset. */
export function checkCharset(b: Buffer, msh: MshFields, defaultCharset: string): MessageProblem | null {
  const declared = msh.characterSets[0];
  const charset = canonicalCharset(declared ?? defaultCharset);
  if (charset === null)
    return {
      hl7Code: Hl7ErrorCode.TABLE_VALUE_NOT_FOUND,
      errorCode: 'MLLP_CHARSET_UNSUPPORTED',
      reason: 'MSH-18 names a character set this listener does not accept (ASCII, 8859/1, UNICODE UTF-8)',
      location: { segment: 'MSH', sequence: 1, field: 18 },
      severity: 'reject',
    };
  let ok = true;
  if (charset === 'ASCII') {
    for (let i = 0; i < b.length; i++)
      if (b[i]! > 0x7f) {
        ok = false;
        break;
      }
  } else if (charset === 'UNICODE UTF-8') ok = isUtf8(b);
  if (ok) return null;
  return {
    hl7Code: Hl7ErrorCode.DATA_TYPE,
    errorCode: 'MLLP_CHARSET_MISMATCH',
    reason:
      declared === undefined
        ? `bytes are not valid in the default character set ${charset} (MSH-18 empty)`
        : `bytes are not valid in the character set ${charset} declared in MSH-18`,
    location: { segment: 'MSH', sequence: 1, field: 18 },
    severity: 'error',
  };
}

/** Accepted type/version/processing id, per the listener's allow-lists. */
export interface Acceptance {
  acceptedMessageTypes: readonly string[];
  acceptedVersions: readonly string[];
  acceptedProcessingIds: readonly string[];
}

/**
 * Validates what the listener is responsible for (not the message body: that is the
 * normalizer's job). Order: structure (100, 101), then type (200/201), processing id (202),
 * version (203) — the reject codes of domain-facts.md §2.2.
 */
export function checkMessage(
  b: Buffer,
  found: { msh: MshFields | null; atStart: boolean },
  accept: Acceptance,
  defaultCharset: string,
): MessageProblem | null {
  const { msh, atStart } = found;
  if (msh === null)
    return {
      hl7Code: Hl7ErrorCode.SEGMENT_SEQUENCE,
      errorCode: 'MLLP_NO_MSH',
      reason: 'no parseable MSH segment (expected MSH, a field separator and encoding characters first)',
      location: { segment: 'MSH', sequence: 1 },
      // Without an MSH nothing can be validated: rejected like an unsupported header.
      severity: 'reject',
    };
  if (!atStart)
    return {
      hl7Code: Hl7ErrorCode.SEGMENT_SEQUENCE,
      errorCode: 'MLLP_MSH_NOT_FIRST',
      reason: 'the first segment is not MSH',
      location: { segment: 'MSH', sequence: 1 },
      severity: 'error',
    };
  const charset = checkCharset(b, msh, defaultCharset);
  if (charset) return charset;
  const required: [number, string | null][] = [
    [9, msh.messageCode],
    [10, msh.messageControlId],
    [11, msh.processingId],
    [12, msh.versionId],
  ];
  for (const [field, value] of required)
    if (value === null)
      return {
        hl7Code: Hl7ErrorCode.REQUIRED_FIELD_MISSING,
        errorCode: 'MLLP_REQUIRED_FIELD_MISSING',
        reason: `MSH-${field} is required and empty`,
        location: { segment: 'MSH', sequence: 1, field },
        severity: 'error',
      };
  const code = msh.messageCode!;
  const event = msh.triggerEvent ?? '';
  const types = accept.acceptedMessageTypes;
  if (!types.includes(`${code}^${event}`) && !types.includes(`${code}^*`)) {
    const codeKnown = types.some((t) => t.startsWith(`${code}^`));
    return {
      hl7Code: codeKnown ? Hl7ErrorCode.UNSUPPORTED_EVENT_CODE : Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
      errorCode: codeKnown ? 'MLLP_UNSUPPORTED_EVENT' : 'MLLP_UNSUPPORTED_MESSAGE_TYPE',
      reason: `message type ${safeToken(code)}^${safeToken(event)} is not accepted by this listener`,
      location: { segment: 'MSH', sequence: 1, field: 9 },
      severity: 'reject',
    };
  }
  const pid = msh.processingId!.split(msh.encodingCharacters[0]!)[0]!;
  if (!accept.acceptedProcessingIds.includes(pid))
    return {
      hl7Code: Hl7ErrorCode.UNSUPPORTED_PROCESSING_ID,
      errorCode: 'MLLP_UNSUPPORTED_PROCESSING_ID',
      reason: `processing id ${safeToken(pid)} is not accepted by this listener`,
      location: { segment: 'MSH', sequence: 1, field: 11 },
      severity: 'reject',
    };
  if (!accept.acceptedVersions.includes(msh.versionId!))
    return {
      hl7Code: Hl7ErrorCode.UNSUPPORTED_VERSION_ID,
      errorCode: 'MLLP_UNSUPPORTED_VERSION',
      reason: `version ${safeToken(msh.versionId!)} is not accepted by this listener`,
      location: { segment: 'MSH', sequence: 1, field: 12 },
      severity: 'reject',
    };
  return null;
}

/** MSH-9/11/12 codes are short identifiers, not PHI; still, only show token-shaped values. */
function safeToken(s: string): string {
  return /^[A-Za-z0-9._]{1,10}$/.test(s) ? s : '(invalid)';
}
