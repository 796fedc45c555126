/**
 * The MSH routing fields, read cheaply (only the MSH segment is split). Field meanings: HL7
 * v2.5.1 MSH (domain-facts §1.2).
 */
import { Hl7ErrorCode, Hl7ParseError } from './errors.ts';
import { readDelimiters, skipLeadingJunk, unescapeHl7, HL7_NULL, type Hl7Delimiters } from './message.ts';

/** MSH fields the listener, the ACK builder and the normalizer need. */
export interface MshInfo {
  delimiters: Hl7Delimiters;
  /** MSH-3.1 (HD namespace id; the universal id MSH-3.2 when the namespace is empty). */
  sendingApplication?: string;
  /** MSH-4.1 (or MSH-4.2). */
  sendingFacility?: string;
  /** MSH-5.1 (or MSH-5.2). */
  receivingApplication?: string;
  /** MSH-6.1 (or MSH-6.2). */
  receivingFacility?: string;
  /** MSH-7.1 as sent (parse with `parseHl7Time`). */
  messageDateTime?: string;
  /** MSH-9.1, e.g. `ADT`. */
  messageCode?: string;
  /** MSH-9.2, e.g. `A04`. */
  triggerEvent?: string;
  /** MSH-9.3, e.g. `ADT_A01`. */
  messageStructure?: string;
  /** MSH-10. */
  controlId?: string;
  /** MSH-11.1: P, T or D. */
  processingId?: string;
  /** MSH-12.1, e.g. `2.5.1`. */
  versionId?: string;
  /** MSH-15 (table 0155: AL, NE, ER, SU). */
  acceptAckType?: string;
  /** MSH-16 (table 0155). */
  applicationAckType?: string;
  /** MSH-18 repetitions (first component each), possibly empty. */
  characterSets: string[];
  /**
   * Every MSH field as sent (escaped), indexed by HL7 number: `fields[1]` is the field
   * separator, `fields[2]` the encoding characters, `fields[3]` MSH-3 … (`fields[0]` = 'MSH').
   * Used to echo MSH-3..6 into an ACK unchanged.
   */
  fields: readonly string[];
}

/**
 * Component `component` (1-based), subcomponent 1, of the first repetition of `raw`, unescaped;
 * undefined when empty, absent or the null `""`. Scans with indexOf: no arrays.
 */
function first(raw: string | undefined, d: Hl7Delimiters, component = 1): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let end = raw.indexOf(d.repetition);
  if (end < 0) end = raw.length;
  let start = 0;
  for (let k = 1; k < component; k++) {
    const i = raw.indexOf(d.component, start);
    if (i < 0 || i >= end) return undefined;
    start = i + 1;
  }
  let stop = raw.indexOf(d.component, start);
  if (stop < 0 || stop > end) stop = end;
  const sub = raw.indexOf(d.subcomponent, start);
  if (sub >= 0 && sub < stop) stop = sub;
  if (stop === start) return undefined;
  const v = start === 0 && stop === raw.length ? raw : raw.slice(start, stop);
  if (v === HL7_NULL) return undefined;
  return v.indexOf(d.escape) >= 0 ? unescapeHl7(v, d) : v;
}

function requireField(fields: readonly string[], d: Hl7Delimiters, n: number, what: string): void {
  if (first(fields[n], d) === undefined)
    throw new Hl7ParseError(Hl7ErrorCode.REQUIRED_FIELD_MISSING, `${what} is empty`, {
      segment: 'MSH',
      segmentIndex: 1,
      segmentSequence: 1,
      field: n,
    });
}

/** HD: namespace id, or the universal id when there is no namespace. */
function hd(raw: string | undefined, d: Hl7Delimiters): string | undefined {
  return first(raw, d, 1) ?? first(raw, d, 2);
}

/**
 * Parses the MSH of a message (the first segment, after a BOM, blank lines or MLLP bytes).
 * Throws Hl7ParseError: no MSH → 100; bad delimiters → 102 at MSH-1/MSH-2; MSH-9.1, MSH-10,
 * MSH-11 or MSH-12 empty → 101 with the field (HL7 v2.5.1 marks them required; MSH-7 is also
 * required by the standard but old feeds omit it, so it is not enforced here).
 */
export function parseMsh(text: string): MshInfo {
  const start = skipLeadingJunk(text);
  if (!text.startsWith('MSH', start))
    throw new Hl7ParseError(Hl7ErrorCode.SEGMENT_SEQUENCE, 'the message does not start with an MSH segment', {
      segment: 'MSH',
      segmentIndex: 1,
    });
  // The MSH line ends at the first CR or LF (a charCode loop: indexOf('\n') would scan the
  // whole message when it has none).
  let end = start + 3;
  const n = text.length;
  for (; end < n; end++) {
    const c = text.charCodeAt(end);
    if (c === 13 || c === 10) break;
  }
  const line = text.slice(start, end);
  const d = readDelimiters(line, 1);
  // fields[n] = MSH-n (the line split on the separator, with MSH-1 inserted).
  const fields: string[] = ['MSH', d.field];
  for (let from = 4; ;) {
    const next = line.indexOf(d.field, from);
    if (next < 0) {
      fields.push(line.slice(from));
      break;
    }
    fields.push(line.slice(from, next));
    from = next + 1;
  }
  requireField(fields, d, 9, 'MSH-9 message type');
  requireField(fields, d, 10, 'MSH-10 message control id');
  requireField(fields, d, 11, 'MSH-11 processing id');
  requireField(fields, d, 12, 'MSH-12 version id');
  const msh9 = fields[9];
  // One literal with every key (stable shape, fast property access); absent values are undefined.
  const info: MshInfo = {
    delimiters: d,
    sendingApplication: hd(fields[3], d),
    sendingFacility: hd(fields[4], d),
    receivingApplication: hd(fields[5], d),
    receivingFacility: hd(fields[6], d),
    messageDateTime: first(fields[7], d),
    messageCode: first(msh9, d, 1),
    triggerEvent: first(msh9, d, 2),
    messageStructure: first(msh9, d, 3),
    controlId: first(fields[10], d),
    processingId: first(fields[11], d),
    versionId: first(fields[12], d),
    acceptAckType: first(fields[15], d)?.trim().toUpperCase(),
    applicationAckType: first(fields[16], d)?.trim().toUpperCase(),
    characterSets: [],
    fields,
  };
  const cs = fields[18];
  if (cs !== undefined && cs !== '')
    for (const rep of cs.split(d.repetition)) {
      const v = first(rep, d);
      if (v !== undefined) info.characterSets.push(v.trim());
    }
  return info;
}
