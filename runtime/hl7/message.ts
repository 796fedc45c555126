/**
 * HL7 v2 ER7 ("pipe and hat") message model and parser.
 *
 * Rules (sources: ../shared/reference/domain-facts.md §1.1, citing HL7 v2.5.1 ch. 2 via [HL7ENC]):
 * - segments end with CR; CRLF, LF and mixed endings are accepted and read as CR;
 * - MSH-1 is the character right after `MSH`, MSH-2 the encoding characters read positionally
 *   (component, repetition, escape, subcomponent, and from v2.7 a fifth: truncation);
 * - in MSH, the first token after MSH-2 is MSH-3; in every other segment field 1 is the first
 *   token after the segment id;
 * - `""` is the explicit null (delete), an empty field means "not sent / no change".
 *
 * Performance: segments are split eagerly (one `split`), fields of a segment on first access,
 * repetitions/components on first access of a field; unescaping only when the escape character
 * occurs. No regular expressions in the hot path.
 */
import { Hl7ErrorCode, Hl7ParseError } from './errors.ts';

/** The five (v2.7+: six) delimiters of a message. */
export interface Hl7Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  /** v2.7+ truncation character (5th encoding character), usually `#`. */
  truncation?: string;
}

/** The usual delimiters `|^~\&`. */
export const DEFAULT_DELIMITERS: Readonly<Hl7Delimiters> = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
});

/** The explicit null `""` as it appears on the wire. */
export const HL7_NULL = '""';

/** One repetition of a field. */
export interface Hl7Repetition {
  /**
   * Component `n` (1-based), first subcomponent, unescaped. `undefined` when empty or absent,
   * `''` when it is the explicit null `""`.
   */
  component(n: number): string | undefined;
  /** Subcomponent `s` of component `c` (both 1-based), same conventions as `component`. */
  subcomponent(c: number, s: number): string | undefined;
  /**
   * Every component's subcomponents, unescaped, exactly as sent: empty stays `''`, the null
   * stays `""` (the accessors above apply the null/empty convention).
   */
  readonly components: string[][];
  /** The repetition as sent (escaped). */
  readonly raw: string;
}

/** One field of a segment. */
export interface Hl7Field {
  /** The repetitions (at least one, possibly empty). */
  readonly repetitions: Hl7Repetition[];
  /** Repetition `r` (1-based), undefined when absent; `repetition(1)` = `repetitions[0]`. */
  repetition(r: number): Hl7Repetition | undefined;
  /** First repetition, first component, first subcomponent, unescaped; `''` for `""`, `undefined` when empty. */
  value(): string | undefined;
  /** The explicit `""` null (HL7 "delete the stored value"). */
  isNull(): boolean;
  /** Nothing sent (absent, empty, or only delimiters). */
  isEmpty(): boolean;
  /** The field as sent (escaped). */
  readonly raw: string;
}

/** One segment. */
export interface Hl7Segment {
  /** Segment id, e.g. `PID`. */
  readonly name: string;
  /** 1-based position in the message (MSH = 1), the numbering used in error locations. */
  readonly index: number;
  /** Field `n` (HL7 numbering; absent fields are empty). */
  field(n: number): Hl7Field;
  /** Number of the last field present (MSH: counting MSH-1). */
  readonly fieldCount: number;
  /** The segment as sent, without terminator. */
  readonly raw: string;
}

const EMPTY_REP: Hl7Repetition = {
  component: () => undefined,
  subcomponent: () => undefined,
  components: [],
  raw: '',
};

/** Applies the null/empty convention to one unescaped leaf. */
function leaf(raw: string | undefined, d: Hl7Delimiters): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === HL7_NULL) return '';
  return raw.indexOf(d.escape) < 0 ? raw : unescapeHl7(raw, d);
}

/** Positions of every `sep` in `text` (a number array: no substrings are made). */
function separators(text: string, sep: string): number[] {
  const out: number[] = [];
  let i = text.indexOf(sep);
  while (i >= 0) {
    out.push(i);
    i = text.indexOf(sep, i + 1);
  }
  return out;
}

/**
 * Subcomponent `s` (1-based) of the text between `start` and `end` (what
 * `text.slice(start, end).split(sep)[s - 1]` gives), with one slice.
 */
function subPart(text: string, start: number, end: number, sep: string, s: number): string | undefined {
  for (let k = 1; k < s; k++) {
    const i = text.indexOf(sep, start);
    if (i < 0 || i >= end) return undefined;
    start = i + 1;
  }
  const i = text.indexOf(sep, start);
  if (i >= 0 && i < end) end = i;
  return text.slice(start, end);
}

/** A component's subcomponents, unescaped, as sent (`''` and `""` kept). */
function unescapedSubcomponents(comp: string, d: Hl7Delimiters): string[] {
  const subs = comp.indexOf(d.subcomponent) < 0 ? [comp] : comp.split(d.subcomponent);
  for (let i = 0; i < subs.length; i++) {
    const s = subs[i] as string;
    if (s.indexOf(d.escape) >= 0) subs[i] = unescapeHl7(s, d);
  }
  return subs;
}

class RepetitionImpl implements Hl7Repetition {
  /** Positions of the component separators (found on first use beyond component 1). */
  private seps: number[] | undefined = undefined;
  constructor(
    readonly raw: string,
    private readonly d: Hl7Delimiters,
  ) {}

  component(n: number): string | undefined {
    return this.subcomponent(n, 1);
  }

  subcomponent(c: number, s: number): string | undefined {
    if (c < 1 || s < 1) return undefined;
    const d = this.d;
    const raw = this.raw;
    let start: number;
    let end: number;
    if (c === 1 && this.seps === undefined) {
      // Component 1 without scanning the whole repetition.
      start = 0;
      end = raw.indexOf(d.component);
      if (end < 0) end = raw.length;
    } else {
      let seps = this.seps;
      if (seps === undefined) {
        seps = separators(raw, d.component);
        this.seps = seps;
      }
      if (c > seps.length + 1) return undefined;
      start = c === 1 ? 0 : (seps[c - 2] as number) + 1;
      end = c <= seps.length ? (seps[c - 1] as number) : raw.length;
    }
    return leaf(subPart(raw, start, end, d.subcomponent, s), d);
  }

  get components(): string[][] {
    const d = this.d;
    const parts = this.raw.indexOf(d.component) < 0 ? [this.raw] : this.raw.split(d.component);
    const out: string[][] = new Array<string[]>(parts.length);
    for (let i = 0; i < parts.length; i++) out[i] = unescapedSubcomponents(parts[i] as string, d);
    return out;
  }
}

/** A field read verbatim, not split or unescaped: MSH-1 and MSH-2. */
class LiteralRepetition implements Hl7Repetition {
  constructor(readonly raw: string) {}
  component(n: number): string | undefined {
    return n === 1 && this.raw !== '' ? this.raw : undefined;
  }
  subcomponent(c: number, s: number): string | undefined {
    return s === 1 ? this.component(c) : undefined;
  }
  get components(): string[][] {
    return [[this.raw]];
  }
}

class FieldImpl implements Hl7Field {
  private reps: Hl7Repetition[] | undefined = undefined;
  /** The only repetition of a field without repetition separator, made by `repetition(1)`. */
  private only: RepetitionImpl | undefined = undefined;
  constructor(
    readonly raw: string,
    private readonly d: Hl7Delimiters,
    private readonly literal = false,
  ) {}

  get repetitions(): Hl7Repetition[] {
    let reps = this.reps;
    if (reps === undefined) {
      const raw = this.raw;
      const d = this.d;
      if (this.literal) reps = [new LiteralRepetition(raw)];
      else if (raw === '') reps = [EMPTY_REP];
      else if (raw.indexOf(d.repetition) < 0) reps = [this.only ?? new RepetitionImpl(raw, d)];
      else {
        const texts = raw.split(d.repetition);
        reps = new Array<Hl7Repetition>(texts.length);
        for (let i = 0; i < texts.length; i++) reps[i] = new RepetitionImpl(texts[i] as string, d);
      }
      this.reps = reps;
    }
    return reps;
  }

  /** Repetition `r` (1-based) or undefined. */
  repetition(r: number): Hl7Repetition | undefined {
    if (r === 1 && this.reps === undefined && !this.literal) {
      // The common case, without the repetitions array.
      const raw = this.raw;
      if (raw === '') return EMPTY_REP;
      if (raw.indexOf(this.d.repetition) < 0) return (this.only ??= new RepetitionImpl(raw, this.d));
    }
    return this.repetitions[r - 1];
  }

  value(): string | undefined {
    const raw = this.raw;
    if (this.literal) return raw === '' ? undefined : raw;
    if (raw === '') return undefined;
    const d = this.d;
    let end = raw.indexOf(d.repetition);
    if (end < 0) end = raw.length;
    let i = raw.indexOf(d.component);
    if (i >= 0 && i < end) end = i;
    i = raw.indexOf(d.subcomponent);
    if (i >= 0 && i < end) end = i;
    return leaf(end === raw.length ? raw : raw.slice(0, end), d);
  }

  isNull(): boolean {
    return !this.literal && this.raw === HL7_NULL;
  }

  isEmpty(): boolean {
    const raw = this.raw;
    if (this.literal) return raw === '';
    const d = this.d;
    const rep = d.repetition.charCodeAt(0);
    const comp = d.component.charCodeAt(0);
    const sub = d.subcomponent.charCodeAt(0);
    for (let i = 0; i < raw.length; i++) {
      const ch = raw.charCodeAt(i);
      if (ch !== rep && ch !== comp && ch !== sub) return false;
    }
    return true;
  }
}

/** Fields numbered above this are not cached (they are read at most once in practice). */
const MAX_CACHED_FIELD = 256;

class SegmentImpl implements Hl7Segment {
  /** Positions of the field separators found so far (scanned on demand, left to right). */
  private seps: number[] | undefined = undefined;
  /** Where the scan for the next separator starts; -1 once the whole segment is scanned. */
  private scanFrom = 0;
  /** Field objects by HL7 number, created on first access and reused. */
  private fields: (FieldImpl | undefined)[] | undefined = undefined;
  constructor(
    readonly raw: string,
    readonly name: string,
    readonly index: number,
    private readonly d: Hl7Delimiters,
    /** MSH, FHS, BHS: fields 1 and 2 are the delimiters. */
    private readonly header: boolean,
  ) {}

  /** The separator positions, with at least `count` of them unless the segment has fewer. */
  private separators(count: number): number[] {
    let seps = this.seps;
    if (seps === undefined) {
      seps = [];
      this.seps = seps;
    }
    let from = this.scanFrom;
    if (from < 0 || seps.length >= count) return seps;
    const raw = this.raw;
    const sep = this.d.field;
    while (seps.length < count) {
      const i = raw.indexOf(sep, from);
      if (i < 0) {
        from = -1;
        break;
      }
      seps.push(i);
      from = i + 1;
    }
    this.scanFrom = from;
    return seps;
  }

  /** Part `k` of the segment split on the field separator (part 0 is the id), '' when absent. */
  private part(k: number): string {
    const seps = this.separators(k + 1);
    if (k > seps.length) return '';
    const start = k === 0 ? 0 : (seps[k - 1] as number) + 1;
    return this.raw.slice(start, k === seps.length ? this.raw.length : seps[k]);
  }

  get fieldCount(): number {
    const n = this.separators(Infinity).length + 1;
    return this.header ? n : n - 1;
  }

  /** The raw text of field `n`, '' when absent. */
  rawField(n: number): string {
    if (!(n >= 1)) return '';
    if ((n | 0) !== n) return '';
    if (this.header) {
      if (n === 1) return this.d.field;
      return this.part(n - 1);
    }
    return this.part(n);
  }

  field(n: number): Hl7Field {
    if (!((n | 0) === n && n >= 1 && n <= MAX_CACHED_FIELD)) return this.newField(n);
    let fields = this.fields;
    if (fields === undefined) {
      fields = [];
      this.fields = fields;
    }
    let f = fields[n];
    if (f === undefined) {
      f = this.newField(n);
      fields[n] = f;
    }
    return f;
  }

  private newField(n: number): FieldImpl {
    return new FieldImpl(this.rawField(n), this.d, this.header && (n === 1 || n === 2));
  }
}

interface ParsedPath {
  segment: string;
  occurrence: number;
  field: number;
  repetition: number;
  component: number | undefined;
  subcomponent: number;
}

const pathCache = new Map<string, ParsedPath>();

function badPath(path: string): never {
  throw new TypeError(
    `invalid HL7 path "${path}": expected SEG[-occurrence]-FIELD[rep].COMPONENT.SUBCOMPONENT, e.g. PID-3, PID-3[2].4.2, OBX[2]-5`,
  );
}

/** Parses `SEG[k]-F[r].C.S` without regular expressions; cached. */
function parsePath(path: string): ParsedPath {
  const cached = pathCache.get(path);
  if (cached) return cached;
  let i = 0;
  const n = path.length;
  const num = (): number => {
    const start = i;
    let v = 0;
    while (i < n) {
      const c = path.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      i++;
    }
    if (i === start || v < 1) badPath(path);
    return v;
  };
  if (n < 5) badPath(path);
  const segment = path.slice(0, 3);
  if (!isSegmentName(segment)) badPath(path);
  i = 3;
  let occurrence = 1;
  if (path[i] === '[') {
    i++;
    occurrence = num();
    if (path[i++] !== ']') badPath(path);
  }
  if (path[i++] !== '-') badPath(path);
  const field = num();
  let repetition = 1;
  if (path[i] === '[') {
    i++;
    repetition = num();
    if (path[i++] !== ']') badPath(path);
  }
  let component: number | undefined;
  let subcomponent = 1;
  if (path[i] === '.') {
    i++;
    component = num();
    if (path[i] === '.') {
      i++;
      subcomponent = num();
    }
  }
  if (i !== n) badPath(path);
  const parsed = { segment, occurrence, field, repetition, component, subcomponent };
  if (pathCache.size > 10_000) pathCache.clear();
  pathCache.set(path, parsed);
  return parsed;
}

/** One parsed HL7 v2 message. */
export class Hl7Message {
  readonly delimiters: Hl7Delimiters;
  readonly segments: readonly Hl7Segment[];

  /** Use `parseHl7`. */
  constructor(delimiters: Hl7Delimiters, segments: readonly Hl7Segment[]) {
    this.delimiters = delimiters;
    this.segments = segments;
  }

  /** The first segment with this id. */
  segment(name: string): Hl7Segment | undefined {
    for (const s of this.segments) if (s.name === name) return s;
    return undefined;
  }

  /** The `occurrence`-th (1-based) segment with this id. */
  segmentOccurrence(name: string, occurrence: number): Hl7Segment | undefined {
    let k = 0;
    for (const s of this.segments) if (s.name === name && ++k === occurrence) return s;
    return undefined;
  }

  /** Every segment with this id, in order. */
  segmentsNamed(name: string): Hl7Segment[] {
    return this.segments.filter((s) => s.name === name);
  }

  /**
   * A value by path: `PID-3` (first repetition, component 1, unescaped), `PID-3.4`,
   * `PID-3[2].4.2`, `OBX[2]-5` (second OBX). MSH-1 is the field separator, MSH-2 the encoding
   * characters (MSH numbering rule). `undefined` when empty or absent, `''` for the `""` null.
   * Throws TypeError on a malformed path (a programming error).
   */
  get(path: string): string | undefined {
    const p = parsePath(path);
    const seg = (
      p.occurrence === 1 ? this.segment(p.segment) : this.segmentOccurrence(p.segment, p.occurrence)
    ) as SegmentImpl | undefined;
    if (seg === undefined) return undefined;
    const field = seg.field(p.field) as FieldImpl;
    if (p.component === undefined && p.repetition === 1) return field.value();
    return field.repetition(p.repetition)?.subcomponent(p.component ?? 1, p.subcomponent);
  }

  /** The message with the same delimiters and CR after every segment (the last included). */
  toString(): string {
    let out = '';
    for (const s of this.segments) out += s.raw + '\r';
    return out;
  }
}

/** `^[A-Z][A-Z0-9]{2}$` without a regex. */
export function isSegmentName(name: string): boolean {
  if (name.length !== 3) return false;
  const a = name.charCodeAt(0);
  if (a < 65 || a > 90) return false;
  for (let i = 1; i < 3; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return false;
  }
  return true;
}

function isAlnumOrSpace(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c <= 32 || c === 127;
}

/**
 * Reads the delimiters of a header segment (MSH, FHS or BHS) from its first characters:
 * the separator right after the id, then 4 or 5 encoding characters up to the next separator.
 */
export function readDelimiters(segment: string, segmentIndex = 1): Hl7Delimiters {
  if (segment.length < 4) throw delimiterError(segment, segmentIndex, 1, 'no field separator');
  const field = segment[3] as string;
  if (isAlnumOrSpace(field.charCodeAt(0)))
    throw delimiterError(segment, segmentIndex, 1, 'the field separator is a letter, digit or space');
  let end = segment.indexOf(field, 4);
  if (end < 0) end = segment.length;
  const n = end - 4;
  if (n < 4 || n > 5)
    throw delimiterError(
      segment,
      segmentIndex,
      2,
      `expected 4 encoding characters (5 with truncation in v2.7+), found ${n}`,
    );
  for (let i = 0; i < n; i++) {
    const c = segment.charCodeAt(4 + i);
    // A letter, digit or space, or a repeat of the field separator or of an earlier one.
    let bad = isAlnumOrSpace(c) || c === field.charCodeAt(0);
    for (let k = 0; k < i && !bad; k++) if (segment.charCodeAt(4 + k) === c) bad = true;
    if (bad)
      throw delimiterError(
        segment,
        segmentIndex,
        2,
        `encoding character ${i + 1} is a letter, digit, space or repeats another delimiter`,
      );
  }
  const d: Hl7Delimiters = {
    field,
    component: segment[4] as string,
    repetition: segment[5] as string,
    escape: segment[6] as string,
    subcomponent: segment[7] as string,
  };
  if (n === 5) d.truncation = segment[8];
  return d;
}

function delimiterError(segment: string, segmentIndex: number, field: number, reason: string): Hl7ParseError {
  return new Hl7ParseError(Hl7ErrorCode.DATA_TYPE, reason, {
    segment: segment.slice(0, 3),
    segmentIndex,
    field,
  });
}

/** True for a character that may precede a message: BOM, whitespace, MLLP framing bytes. */
function isLeadingJunk(c: number): boolean {
  return c === 0xfeff || c === 0x0b || c === 0x1c || c <= 32;
}

/** Index of the first character after leading BOM/whitespace/MLLP bytes. */
export function skipLeadingJunk(text: string): number {
  let i = 0;
  while (i < text.length && isLeadingJunk(text.charCodeAt(i))) i++;
  return i;
}

/** True when a line holds nothing but whitespace or MLLP framing bytes (ignored). */
export function isBlankLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (!isLeadingJunk(line.charCodeAt(i))) return false;
  return true;
}

/** Splits on CR, LF and CRLF (mixed too) without a regex. */
export function splitLines(text: string): string[] {
  if (text.indexOf('\n') < 0) return text.split('\r');
  return text.replaceAll('\r\n', '\r').replaceAll('\n', '\r').split('\r');
}

const BATCH_SEGMENTS = new Set(['FHS', 'BHS', 'BTS', 'FTS']);

/**
 * Parses one message. The first segment must be MSH (else 0357 code 100); delimiters are
 * validated (102 at MSH-1/MSH-2); every segment id must match `[A-Z][A-Z0-9]{2}` followed by
 * the field separator (100 at that segment); a second MSH or a batch segment inside is a
 * segment sequence error (100: split first with `splitHl7Messages`). Z-segments are ordinary
 * segments. Blank lines are ignored. Required MSH fields are checked by `parseMsh`.
 */
export function parseHl7(text: string): Hl7Message {
  const start = skipLeadingJunk(text);
  if (text.charCodeAt(start) !== 77 || !text.startsWith('MSH', start))
    throw new Hl7ParseError(Hl7ErrorCode.SEGMENT_SEQUENCE, 'the message does not start with an MSH segment', {
      segment: 'MSH',
      segmentIndex: 1,
    });
  const lines = splitLines(start === 0 ? text : text.slice(start));
  const first = lines[0] as string;
  const d = readDelimiters(first, 1);
  const segments: Hl7Segment[] = [];
  for (let line of lines) {
    if (line === '') continue;
    const c0 = line.charCodeAt(0);
    if (c0 <= 32 || c0 === 0xfeff) {
      // A segment never starts with white space: indented lines are cleaned, blank ones dropped.
      line = line.slice(skipLeadingJunk(line));
      if (line === '') continue;
    }
    const index = segments.length + 1;
    const name = line.slice(0, 3);
    if (!isSegmentName(name) || (line.length > 3 && line[3] !== d.field)) {
      if (isBlankLine(line)) continue;
      throw new Hl7ParseError(
        Hl7ErrorCode.SEGMENT_SEQUENCE,
        'not a segment: expected a 3-character id ([A-Z][A-Z0-9]{2}) followed by the field separator',
        { segmentIndex: index },
      );
    }
    if (index > 1 && (name === 'MSH' || BATCH_SEGMENTS.has(name)))
      throw new Hl7ParseError(
        Hl7ErrorCode.SEGMENT_SEQUENCE,
        `${name} inside a message: several messages or a batch must be split first`,
        { segment: name, segmentIndex: index },
      );
    segments.push(new SegmentImpl(line, name, index, d, name === 'MSH'));
  }
  return new Hl7Message(d, segments);
}

/** Parses one header-like segment (FHS, BHS) with its own delimiters, for batch headers. */
export function parseHeaderSegment(line: string, index = 1): Hl7Segment {
  const d = readDelimiters(line, index);
  return new SegmentImpl(line, line.slice(0, 3), index, d, true);
}

/**
 * Escapes a value for a field (HL7 v2.5.1 §2.7): the escape character first, then the
 * delimiters; CR as `\X0D\`, LF as `\.br\` (neither may appear inside a segment).
 */
export function escapeHl7(value: string, d: Hl7Delimiters): string {
  let needs = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (
      ch === d.escape ||
      ch === d.field ||
      ch === d.component ||
      ch === d.repetition ||
      ch === d.subcomponent ||
      ch === '\r' ||
      ch === '\n' ||
      (d.truncation !== undefined && ch === d.truncation)
    ) {
      needs = true;
      break;
    }
  }
  if (!needs) return value;
  const e = d.escape;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === e) out += `${e}E${e}`;
    else if (ch === d.field) out += `${e}F${e}`;
    else if (ch === d.component) out += `${e}S${e}`;
    else if (ch === d.subcomponent) out += `${e}T${e}`;
    else if (ch === d.repetition) out += `${e}R${e}`;
    else if (d.truncation !== undefined && ch === d.truncation) out += `${e}P${e}`;
    else if (ch === '\r') out += `${e}X0D${e}`;
    else if (ch === '\n') out += `${e}.br${e}`;
    else out += ch;
  }
  return out;
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

function decodeHex(hex: string): string | undefined {
  if (hex.length === 0 || hex.length % 2 !== 0) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    const b = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    if (Number.isNaN(b) || !isHexPair(hex, 2 * i)) return undefined;
    bytes[i] = b;
    if (b > 0x7f) ascii = false;
  }
  if (ascii) return String.fromCharCode(...bytes);
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

function isHexPair(s: string, i: number): boolean {
  for (let k = i; k < i + 2; k++) {
    const c = s.charCodeAt(k);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function count(arg: string): number {
  const n = Number.parseInt(arg, 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 100) : 1;
}

/**
 * Resolves escape sequences (HL7 v2.5.1 §2.7, domain-facts §1.1): `\F\ \S\ \T\ \R\ \E\`,
 * `\P\` (truncation, v2.7+), `\Xhh..\` (bytes: UTF-8 when valid, else ISO-8859-1), formatting
 * `\.br\` → LF, `\.sp n\` → n LF, `\.sk n\` → n spaces, `\H\ \N\ \.fi\ \.nf\ \.in\ \.ti\ \.ce\`
 * dropped, charset switches `\C..\ \M..\` dropped (the text is already Unicode). Unknown
 * sequences (`\Z..\` included) and an unterminated escape are kept verbatim.
 */
export function unescapeHl7(value: string, d: Hl7Delimiters): string {
  const e = d.escape;
  let idx = value.indexOf(e);
  if (idx < 0) return value;
  let out = '';
  let pos = 0;
  while (idx >= 0) {
    const end = value.indexOf(e, idx + 1);
    if (end < 0) break;
    out += value.slice(pos, idx);
    const seq = value.slice(idx + 1, end);
    let rep: string | undefined;
    switch (seq) {
      case 'F':
        rep = d.field;
        break;
      case 'S':
        rep = d.component;
        break;
      case 'T':
        rep = d.subcomponent;
        break;
      case 'R':
        rep = d.repetition;
        break;
      case 'E':
        rep = e;
        break;
      case 'P':
        rep = d.truncation;
        break;
      case 'H':
      case 'N':
      case '.fi':
      case '.nf':
      case '.ce':
        rep = '';
        break;
      case '.br':
        rep = '\n';
        break;
      default: {
        const c = seq[0];
        if (c === 'X') rep = decodeHex(seq.slice(1));
        else if (c === 'C' || c === 'M') rep = seq.length > 1 ? '' : undefined;
        else if (seq.startsWith('.sp')) rep = '\n'.repeat(count(seq.slice(3)));
        else if (seq.startsWith('.sk')) rep = ' '.repeat(count(seq.slice(3)));
        else if (seq.startsWith('.in') || seq.startsWith('.ti')) rep = '';
      }
    }
    if (rep === undefined) {
      // Unknown: pass the whole sequence through, and continue after it.
      out += value.slice(idx, end + 1);
    } else out += rep;
    pos = end + 1;
    idx = value.indexOf(e, pos);
  }
  return out + value.slice(pos);
}

/** A field value to build a segment: a plain string, or repetitions → components → subcomponents. */
export type Hl7FieldInput = string | undefined | string[][][];

/**
 * Builds one segment's text from unescaped values (escaping them). For MSH pass the fields
 * from MSH-3 on: MSH-1/MSH-2 come from `d`.
 */
export function formatSegment(name: string, fields: readonly Hl7FieldInput[], d: Hl7Delimiters): string {
  let out = name;
  if (name === 'MSH' || name === 'FHS' || name === 'BHS')
    out += d.field + d.component + d.repetition + d.escape + d.subcomponent + (d.truncation ?? '');
  let pending = '';
  for (const f of fields) {
    pending += d.field;
    let text: string;
    if (f === undefined) text = '';
    else if (typeof f === 'string') text = escapeHl7(f, d);
    else
      text = f
        .map((rep) =>
          rep.map((comp) => comp.map((s) => escapeHl7(s, d)).join(d.subcomponent)).join(d.component),
        )
        .join(d.repetition);
    if (text !== '') {
      out += pending + text;
      pending = '';
    }
  }
  return out;
}
