/**
 * A small strict streaming X12 tokenizer. No well-kept X12 library is installed in this project
 * (`ls node_modules | grep -i x12` is empty) and none may be added, so this is ours: it only
 * splits segments and elements; loop and envelope logic live in parse.ts.
 *
 * Separators are detected from each ISA, never hard-coded (domain-facts.md 3.3; X12.5 ISA
 * layout): element separator = the character right after `ISA`; ISA16 = component separator;
 * the character after ISA16 = segment terminator; ISA11 = repetition separator in 5010 (in 4010
 * ISA11 is the standards id `U`, so an alphanumeric ISA11 means "no repetition separator").
 * ISA is fixed width (106 characters) in a conforming file, but real senders (e.g. the
 * TigerShark 837 sample) trim the padded ISA06/ISA08, so we count 16 element separators instead
 * of trusting offsets 104/105. CR/LF (and stray blanks) after a terminator are skipped.
 */

/** Separators of one interchange. */
export interface X12Separators {
  element: string;
  component: string;
  /** Null when ISA11 is not a separator (4010's `U`). */
  repetition: string | null;
  segment: string;
}

/** One segment: id, elements (index 0 = the id, so `elements[1]` is XX01), file-wide number. */
export interface X12Segment {
  id: string;
  elements: string[];
  /** 1-based segment number in the file (all interchanges), counting ISA. */
  n: number;
  separators: X12Separators;
}

/** Tokenizer failure that makes the rest of the file unreadable. */
export interface X12TokenizeError {
  /** Segment number where it happened (the next segment's number). */
  n: number;
  code: 'NO_ISA' | 'BAD_ISA';
  message: string;
}

const WS = /^[\r\n\t ]+/;
// CR/LF are never data in X12 (basic character set); a `\r` before a `\n` terminator is noise.
const TRAIL = /[\r\n]+$/;

/**
 * Streaming tokenizer: `push(text)` returns the complete segments seen so far; a segment split
 * across chunks is held until its terminator arrives. After IEA the separators are forgotten,
 * so a following interchange may use different ones.
 */
export class X12Tokenizer {
  private buf = '';
  private sep: X12Separators | null = null;
  private n = 0;
  /** Set once the stream cannot be tokenized further; later input is ignored. */
  error: X12TokenizeError | null = null;

  /** Feed decoded text; returns the segments completed by it. */
  push(text: string): X12Segment[] {
    if (this.error) return [];
    this.buf += text;
    const out: X12Segment[] = [];
    for (;;) {
      if (!this.sep) {
        const s = this.detect();
        if (!s) break;
        this.sep = s;
      }
      const sep = this.sep;
      // Walk by position and cut the buffer once per push (not once per segment).
      const buf = this.buf;
      let pos = 0;
      let reset = false;
      for (;;) {
        const end = buf.indexOf(sep.segment, pos);
        if (end < 0) break;
        let raw = buf.slice(pos, end);
        pos = end + 1;
        if (raw.length > 0 && (raw.charCodeAt(0) <= 32 || raw.charCodeAt(raw.length - 1) <= 13)) {
          raw = raw.replace(WS, '').replace(TRAIL, '');
        }
        if (raw === '') continue;
        const elements = raw.split(sep.element);
        const id = elements[0]!.trimEnd();
        elements[0] = id;
        out.push({ id, elements, n: ++this.n, separators: sep });
        // A new interchange may choose new separators (X12.5: separators are per ISA).
        if (id === 'IEA') {
          this.sep = null;
          reset = true;
          break;
        }
      }
      this.buf = buf.slice(pos);
      if (!reset) break;
    }
    return out;
  }

  /** Text left over at end of input (a last segment without terminator), whitespace-trimmed. */
  rest(): string {
    return this.buf.replace(WS, '').trimEnd();
  }

  /** Next segment number (for problems about the unread rest). */
  nextSegmentNumber(): number {
    return this.n + 1;
  }

  /** Detect separators from an ISA at the start of the buffer; null when more text is needed. */
  private detect(): X12Separators | null {
    const lead = WS.exec(this.buf);
    if (lead) this.buf = this.buf.slice(lead[0].length);
    if (this.buf.length < 4) return null;
    if (!this.buf.startsWith('ISA')) {
      this.error = {
        n: this.n + 1,
        code: 'NO_ISA',
        message:
          'expected an ISA interchange header here (X12 files start with ISA, and only ISA may follow IEA)',
      };
      return null;
    }
    const element = this.buf[3]!;
    if (/[A-Za-z0-9 ]/.test(element)) {
      this.error = {
        n: this.n + 1,
        code: 'BAD_ISA',
        message: 'ISA element separator must not be a letter, digit or blank',
      };
      return null;
    }
    // Walk to the 16th element separator; ISA16 is the one character after it.
    let pos = 3;
    let isa11 = '';
    // The separator at index 3 is the first; ISA16 follows the sixteenth.
    for (let i = 2; i <= 16; i++) {
      const next = this.buf.indexOf(element, pos + 1);
      if (next < 0) {
        if (this.buf.length > 512) {
          this.error = {
            n: this.n + 1,
            code: 'BAD_ISA',
            message: 'ISA must have 16 elements (X12.5 ISA layout)',
          };
        }
        return null;
      }
      if (i === 12) isa11 = this.buf.slice(pos + 1, next);
      pos = next;
    }
    if (this.buf.length < pos + 3) return null;
    const component = this.buf[pos + 1]!;
    const segment = this.buf[pos + 2]!;
    if (
      component === element ||
      segment === element ||
      segment === component ||
      /[A-Za-z0-9 ]/.test(segment)
    ) {
      this.error = {
        n: this.n + 1,
        code: 'BAD_ISA',
        message:
          'ISA16 component separator and the segment terminator after it must be distinct non-alphanumeric characters',
      };
      return null;
    }
    const repetition = isa11.length === 1 && !/[A-Za-z0-9 ]/.test(isa11) ? isa11 : null;
    return { element, component, repetition, segment };
  }
}
