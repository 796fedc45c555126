/**
 * A header segment (MSH, BHS or FHS) read into {@link MshInfo} without the required-field checks
 * of `parseMsh`. A receiver needs this to answer a message that fails those checks (the NAK
 * echoes MSH-3..6, MSH-10, MSH-11/12 and follows MSH-15/16 — HL7 v2.5.1 §2.9, domain-facts
 * §2.2) and to answer a batch from its BHS/FHS, whose fields 3–6 and 11 are numbered like MSH.
 * Same field meanings and null/empty conventions as `parseMsh` (the tests check both agree).
 */
import { parseHeaderSegment, readDelimiters } from './message.ts';
import type { MshInfo } from './msh.ts';

/**
 * Reads one header segment line (no terminator; text after the first CR/LF is ignored). Throws
 * Hl7ParseError 102 at field 1/2 when the delimiters are unusable (as `parseMsh` does); any
 * other field may be empty.
 */
export function readHl7Header(text: string): MshInfo {
  let end = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 || c === 10) {
      end = i;
      break;
    }
  }
  const line = end === text.length ? text : text.slice(0, end);
  const d = readDelimiters(line, 1);
  const seg = parseHeaderSegment(line, 1);
  // Hl7Segment gives '' for the explicit null `""`; MshInfo (like parseMsh) leaves it undefined.
  const v = (n: number, component = 1): string | undefined =>
    seg.field(n).repetitions[0]?.component(component) || undefined;
  const hd = (n: number): string | undefined => v(n, 1) ?? v(n, 2);
  const characterSets: string[] = [];
  for (const rep of seg.field(18).repetitions) {
    const cs = rep.component(1);
    if (cs) characterSets.push(cs.trim());
  }
  return {
    delimiters: d,
    sendingApplication: hd(3),
    sendingFacility: hd(4),
    receivingApplication: hd(5),
    receivingFacility: hd(6),
    messageDateTime: v(7),
    messageCode: v(9, 1),
    triggerEvent: v(9, 2),
    messageStructure: v(9, 3),
    controlId: v(10),
    processingId: v(11),
    versionId: v(12),
    acceptAckType: v(15)?.trim().toUpperCase(),
    applicationAckType: v(16)?.trim().toUpperCase(),
    characterSets,
    fields: [line.slice(0, 3), d.field, ...line.split(d.field).slice(1)],
  };
}
