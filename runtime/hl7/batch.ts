/**
 * Splitting a file or an MLLP frame into messages. HL7 batch protocol (v2.5.1 §2.10.3;
 * domain-facts §1.6): `[FHS] { [BHS] { MSH … } [BTS] } [FTS]`; BTS-1 is the number of messages
 * in the batch, FTS-1 the number of batches in the file. Headers may be absent entirely
 * (Microsoft BizTalk accepts both, see domain-facts §1.6), and several messages may simply
 * follow each other.
 */
import { Hl7ErrorCode, Hl7ParseError } from './errors.ts';
import { isBlankLine, skipLeadingJunk, splitLines } from './message.ts';

/** What `splitHl7Messages` found. */
export interface Hl7Split {
  /** Message texts, CR after every segment. */
  messages: string[];
  /** Present when the text held FHS/BHS/BTS/FTS segments. */
  batch?: {
    /** The FHS segment as sent. */
    fhs?: string;
    /** The (first) BHS segment as sent. */
    bhs?: string;
    /** BTS-1 (summed over batches), else FTS-1. */
    declaredCount?: number;
    /** Number of BHS…BTS batches. */
    batches: number;
  };
}

/** The first component of field 1 of a trailer segment (BTS-1, FTS-1) as a count. */
function trailerCount(line: string, index: number): number | undefined {
  if (line.length <= 4) return undefined;
  const sep = line[3] as string;
  let end = line.indexOf(sep, 4);
  if (end < 0) end = line.length;
  let raw = line.slice(4, end).trim();
  // stop at any component/repetition delimiter (they are not known here; digits end it).
  let k = 0;
  while (k < raw.length && raw.charCodeAt(k) >= 48 && raw.charCodeAt(k) <= 57) k++;
  if (k === 0) {
    if (raw === '') return undefined;
    throw new Hl7ParseError(Hl7ErrorCode.DATA_TYPE, 'the count is not a number', {
      segment: line.slice(0, 3),
      segmentIndex: index,
      field: 1,
    });
  }
  raw = raw.slice(0, k);
  return Number.parseInt(raw, 10);
}

/**
 * Splits a text into messages: one message, messages back to back, or a batch. Line endings
 * CR/LF/CRLF are normalized to CR; blank lines are dropped. Lines before the first MSH that are
 * not batch headers are returned as one message of their own (it fails `parseHl7` with 100, so
 * the garbage is reported, not dropped). A BTS-1 or FTS-1 count that disagrees with what the
 * text holds → Hl7ParseError 100 at BTS-1/FTS-1 (a batch lost or gained messages in transit).
 */
export function splitHl7Messages(text: string): Hl7Split {
  // Fast path, the common case: one message, no batch segments, no second MSH.
  const norm = text.indexOf('\n') < 0 ? text : text.replaceAll('\r\n', '\r').replaceAll('\n', '\r');
  if (
    norm.startsWith('MSH') &&
    norm.indexOf('\rMSH') < 0 &&
    norm.indexOf('\rBHS') < 0 &&
    norm.indexOf('\rBTS') < 0 &&
    norm.indexOf('\rFHS') < 0 &&
    norm.indexOf('\rFTS') < 0 &&
    norm.indexOf('\r\r') < 0 &&
    norm.indexOf('\r ') < 0 &&
    norm.indexOf('\r\t') < 0
  ) {
    const end = norm.length;
    return { messages: [end > 0 && norm.charCodeAt(end - 1) === 13 ? norm : norm + '\r'] };
  }
  const lines = splitLines(norm);
  const messages: string[] = [];
  let current: string | undefined;
  let fhs: string | undefined;
  let bhs: string | undefined;
  let batches = 0;
  let inBatchCount = 0;
  let btsTotal: number | undefined;
  let ftsCount: number | undefined;
  let sawBatch = false;
  let index = 0;
  const flush = (): void => {
    if (current !== undefined) messages.push(current);
    current = undefined;
  };
  for (let line of lines) {
    if (line === '' || isBlankLine(line)) continue;
    // A segment never starts with white space; indented or framed lines are cleaned.
    const c0 = line.charCodeAt(0);
    if (c0 <= 32 || c0 === 0xfeff) line = line.slice(skipLeadingJunk(line));
    index++;
    const name = line.length >= 3 ? line.slice(0, 3) : line;
    switch (name) {
      case 'MSH':
        flush();
        current = line + '\r';
        inBatchCount++;
        break;
      case 'FHS':
        flush();
        sawBatch = true;
        fhs ??= line;
        break;
      case 'BHS':
        flush();
        sawBatch = true;
        bhs ??= line;
        batches++;
        inBatchCount = 0;
        break;
      case 'BTS': {
        flush();
        sawBatch = true;
        const n = trailerCount(line, index);
        if (n !== undefined) {
          if (n !== inBatchCount)
            throw new Hl7ParseError(
              Hl7ErrorCode.SEGMENT_SEQUENCE,
              `BTS-1 declares ${n} messages but the batch holds ${inBatchCount}`,
              { segment: 'BTS', segmentIndex: index, field: 1 },
            );
          btsTotal = (btsTotal ?? 0) + n;
        }
        inBatchCount = 0;
        break;
      }
      case 'FTS': {
        flush();
        sawBatch = true;
        const n = trailerCount(line, index);
        if (n !== undefined) {
          // FTS-1 counts batches; without BHS the messages form one implicit batch, and some
          // senders put the message count there instead.
          const ok = n === batches || (batches === 0 && (n === 1 || n === messages.length));
          if (!ok)
            throw new Hl7ParseError(
              Hl7ErrorCode.SEGMENT_SEQUENCE,
              `FTS-1 declares ${n} but the file holds ${batches} batches and ${messages.length} messages`,
              { segment: 'FTS', segmentIndex: index, field: 1 },
            );
          ftsCount = n;
        }
        break;
      }
      default:
        if (current === undefined) current = line + '\r';
        else current += line + '\r';
    }
  }
  flush();
  if (!sawBatch) return { messages };
  const batch: NonNullable<Hl7Split['batch']> = { batches };
  if (fhs !== undefined) batch.fhs = fhs;
  if (bhs !== undefined) batch.bhs = bhs;
  const declared = btsTotal ?? ftsCount;
  if (declared !== undefined) batch.declaredCount = declared;
  return { messages, batch };
}
