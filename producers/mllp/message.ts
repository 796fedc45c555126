/**
 * What the listener checks in a message before it is stored: the MSH (runtime/hl7 `parseMsh`,
 * or `readHl7Header` to still answer one that fails), the declared charset against the bytes,
 * and its allow-lists; plus the hl7.raw.v1 key. Everything is read from the original bytes
 * (runtime/hl7 bytes.ts): a message is stored exactly as received and never decoded whole here.
 * Only ASCII, 8859/1 and UNICODE UTF-8 are accepted (docs/mllp.md): the byte-level reading needs
 * single-byte delimiters, which the East Asian multi-byte charsets do not guarantee.
 */
import {
  Hl7ErrorCode,
  Hl7ParseError,
  ackErrorFrom,
  bytesFitCharset,
  canonicalCharset,
  parseMsh,
  readHl7Header,
  sniffSegment,
  type AckError,
  type MshInfo,
} from '../../runtime/hl7/index.ts';

/** A problem found in a message: its ACK error (table 0357 code, location, text) and handling. */
export interface MessageProblem {
  /** ERR/MSA content; `text` is the PHI-free reason (logs, ERR-8, the dead letter). */
  ack: AckError;
  /** Stable GapstreamError-style code for the dead letter and metrics. */
  errorCode: string;
  /** AR/CR (rejected: type, version, processing id, size, charset) vs AE/CE (content error). */
  severity: 'reject' | 'error';
}

/** The MSH of one message as the listener found it. */
export interface FoundMsh {
  /** The first MSH with usable delimiters, or null. */
  msh: MshInfo | null;
  /** True when it is the message's first segment. */
  atStart: boolean;
  /** MSH-9/10/11/12 empty (`parseMsh`'s check), when the MSH was readable. */
  missing: Hl7ParseError | null;
}

/** The MSH of a message: its first MSH segment, read from the bytes (see FoundMsh). */
export function findMsh(b: Buffer): FoundMsh {
  const seg = sniffSegment(b, 'MSH');
  if (seg === undefined) return { msh: null, atStart: false, missing: null };
  const atStart = seg.start === 0;
  try {
    return { msh: parseMsh(seg.text), atStart, missing: null };
  } catch (err) {
    if (!(err instanceof Hl7ParseError)) throw err;
    if (err.hl7Code !== Hl7ErrorCode.REQUIRED_FIELD_MISSING)
      return { msh: null, atStart: false, missing: null };
    // Still answerable: the NAK echoes what the MSH has (MSH-10, sender, ACK mode).
    return { msh: readHl7Header(seg.text), atStart, missing: err };
  }
}

/** MSH-n exactly as sent (HD values whole, escapes kept), or null when empty. */
export function asSent(msh: MshInfo, n: number): string | null {
  const v = msh.fields[n];
  return v === undefined || v === '' ? null : v;
}

/** The first PID-3 identifier as `ID^AUTHORITY` (CX.1 and CX.4, as sent), or null without PID. */
export function firstPatientIdentifier(b: Buffer, msh: MshInfo): string | null {
  const d = msh.delimiters;
  const pid = sniffSegment(b, 'PID');
  if (pid === undefined || pid.text[3] !== d.field) return null;
  const first = (pid.text.split(d.field)[3] ?? '').split(d.repetition)[0] ?? '';
  const comps = first.split(d.component);
  const id = comps[0] ?? '';
  if (id === '') return null;
  const authority = comps[3] ?? '';
  return authority === '' ? id : `${id}^${authority}`;
}

/**
 * hl7.raw.v1 key: sending facility + first PID-3 identifier, so one patient's messages from one
 * source share a partition in arrival order; messages without a PID are keyed by the facility.
 */
export function rawKey(msh: MshInfo, patientId: string | null): string {
  const facility = asSent(msh, 4) ?? asSent(msh, 3) ?? '';
  return patientId === null ? facility : `${facility}|${patientId}`;
}

/** The charsets this listener accepts (canonical table 0211 names, see the module comment). */
const ACCEPTED_CHARSETS: ReadonlySet<string> = new Set(['ASCII', '8859/1', 'UNICODE UTF-8']);

const AT_MSH_18 = { segment: 'MSH', segmentSequence: 1, field: 18 } as const;

/** Checks a message's bytes against its MSH-18 (first repetition) or the default charset. */
export function checkCharset(b: Buffer, msh: MshInfo, defaultCharset: string): MessageProblem | null {
  const declared = msh.characterSets[0];
  const charset = canonicalCharset(declared ?? defaultCharset);
  if (charset === undefined || !ACCEPTED_CHARSETS.has(charset))
    return {
      ack: {
        hl7Code: Hl7ErrorCode.TABLE_VALUE_NOT_FOUND,
        text: 'MSH-18 names a character set this listener does not accept (ASCII, 8859/1, UNICODE UTF-8)',
        ...AT_MSH_18,
      },
      errorCode: 'MLLP_CHARSET_UNSUPPORTED',
      severity: 'reject',
    };
  // Strict also for the default: an empty MSH-18 means ASCII (domain-facts §1.1), and a feed
  // that sends 8-bit text without saying so must set MLLP_DEFAULT_CHARSET.
  if (bytesFitCharset(b, charset)) return null;
  return {
    ack: {
      hl7Code: Hl7ErrorCode.DATA_TYPE,
      text:
        declared === undefined
          ? `bytes are not valid in the default character set ${charset} (MSH-18 empty)`
          : `bytes are not valid in the character set ${charset} declared in MSH-18`,
      ...AT_MSH_18,
    },
    errorCode: 'MLLP_CHARSET_MISMATCH',
    severity: 'error',
  };
}

/** Accepted type/version/processing id, per the listener's allow-lists. */
export interface Acceptance {
  acceptedMessageTypes: readonly string[];
  acceptedVersions: readonly string[];
  acceptedProcessingIds: readonly string[];
}

function atMsh(field?: number): Pick<AckError, 'segment' | 'segmentSequence' | 'field'> {
  return field === undefined
    ? { segment: 'MSH', segmentSequence: 1 }
    : { segment: 'MSH', segmentSequence: 1, field };
}

/**
 * Validates what the listener is responsible for (not the message body: that is the
 * normalizer's job). Order: structure (100), charset (103, 102), required fields (101), then
 * type (200/201), processing id (202), version (203) — the reject codes of domain-facts.md §2.2.
 */
export function checkMessage(
  b: Buffer,
  found: FoundMsh,
  accept: Acceptance,
  defaultCharset: string,
): MessageProblem | null {
  const { msh, atStart, missing } = found;
  if (msh === null)
    return {
      ack: {
        hl7Code: Hl7ErrorCode.SEGMENT_SEQUENCE,
        text: 'no parseable MSH segment (expected MSH, a field separator and encoding characters first)',
        ...atMsh(),
      },
      errorCode: 'MLLP_NO_MSH',
      // Without an MSH nothing can be validated: rejected like an unsupported header.
      severity: 'reject',
    };
  if (!atStart)
    return {
      ack: { hl7Code: Hl7ErrorCode.SEGMENT_SEQUENCE, text: 'the first segment is not MSH', ...atMsh() },
      errorCode: 'MLLP_MSH_NOT_FIRST',
      severity: 'error',
    };
  const charset = checkCharset(b, msh, defaultCharset);
  if (charset) return charset;
  if (missing !== null)
    return {
      ack: ackErrorFrom(missing, `MSH-${missing.field ?? ''} is required and empty`),
      errorCode: 'MLLP_REQUIRED_FIELD_MISSING',
      severity: 'error',
    };
  // parseMsh succeeded: MSH-9.1, MSH-11 and MSH-12 are present.
  const code = msh.messageCode!;
  const event = msh.triggerEvent ?? '';
  const types = accept.acceptedMessageTypes;
  if (!types.includes(`${code}^${event}`) && !types.includes(`${code}^*`)) {
    const codeKnown = types.some((t) => t.startsWith(`${code}^`));
    return {
      ack: {
        hl7Code: codeKnown ? Hl7ErrorCode.UNSUPPORTED_EVENT_CODE : Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
        text: `message type ${safeToken(code)}^${safeToken(event)} is not accepted by this listener`,
        ...atMsh(9),
      },
      errorCode: codeKnown ? 'MLLP_UNSUPPORTED_EVENT' : 'MLLP_UNSUPPORTED_MESSAGE_TYPE',
      severity: 'reject',
    };
  }
  const pid = msh.processingId!;
  if (!accept.acceptedProcessingIds.includes(pid))
    return {
      ack: {
        hl7Code: Hl7ErrorCode.UNSUPPORTED_PROCESSING_ID,
        text: `processing id ${safeToken(pid)} is not accepted by this listener`,
        ...atMsh(11),
      },
      errorCode: 'MLLP_UNSUPPORTED_PROCESSING_ID',
      severity: 'reject',
    };
  const version = msh.versionId!;
  if (!accept.acceptedVersions.includes(version))
    return {
      ack: {
        hl7Code: Hl7ErrorCode.UNSUPPORTED_VERSION_ID,
        text: `version ${safeToken(version)} is not accepted by this listener`,
        ...atMsh(12),
      },
      errorCode: 'MLLP_UNSUPPORTED_VERSION',
      severity: 'reject',
    };
  return null;
}

/** MSH-9/11/12 codes are short identifiers, not PHI; still, only show token-shaped values. */
function safeToken(s: string): string {
  return /^[A-Za-z0-9._]{1,10}$/.test(s) ? s : '(invalid)';
}
