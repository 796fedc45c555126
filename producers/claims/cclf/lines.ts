/**
 * A line splitter over latin1 string chunks with readline's rules (`crlfDelay: Infinity`): a line
 * ends at `\n`, `\r\n` or a lone `\r` (a `\r` at the end of one chunk and a `\n` at the start of
 * the next are one break); a last line without a break is still a line; no line after a final
 * break. Unlike readline it allocates nothing per line but the line itself (a slice of the chunk)
 * and runs synchronously: feed a chunk, then call {@link LineSplitter.next} until it gives null.
 * latin1 keeps one byte = one character, so fixed-width positions hold on any byte.
 */
export class LineSplitter {
  private buf = '';
  /** The start of a line begun in an earlier chunk. */
  private carry = '';
  private pos = 0;
  /** Index of the next `\r` at or after `pos`: -1 none in `buf`, -2 not looked up yet. */
  private cr = -2;
  /** The previous chunk ended with `\r`: a `\n` starting the next one belongs to that break. */
  private skipLf = false;

  /** Add a chunk; lines left in the previous one must have been taken with next(). */
  feed(chunk: string): void {
    if (chunk.length === 0) return;
    let s = chunk;
    if (this.skipLf) {
      this.skipLf = false;
      if (s.charCodeAt(0) === 10) {
        s = s.slice(1);
        if (s.length === 0) return;
      }
    }
    // The unfinished line is kept apart rather than prepended: searching a concatenation (a cons
    // string) is far slower than searching the decoder's flat string.
    if (this.pos < this.buf.length) this.carry += this.buf.slice(this.pos);
    this.buf = s;
    this.pos = 0;
    this.cr = -2;
  }

  /** The next complete line (without its break), or null until more is fed. */
  next(): string | null {
    const buf = this.buf;
    const pos = this.pos;
    const nl = buf.indexOf('\n', pos);
    let cr = this.cr;
    if (cr === -2 || (cr !== -1 && cr < pos)) this.cr = cr = buf.indexOf('\r', pos);
    if (cr !== -1 && (nl === -1 || cr < nl)) {
      if (cr + 1 === buf.length) {
        this.skipLf = true;
        this.pos = cr + 1;
      } else this.pos = buf.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
      return this.take(pos, cr);
    }
    if (nl === -1) return null;
    this.pos = nl + 1;
    return this.take(pos, nl);
  }

  private take(from: number, to: number): string {
    const line = this.buf.slice(from, to);
    if (this.carry === '') return line;
    const whole = this.carry + line;
    this.carry = '';
    return whole;
  }

  /** At end of input: the last line when it had no break, else null. */
  end(): string | null {
    const rest = this.carry + this.buf.slice(this.pos);
    this.buf = '';
    this.carry = '';
    this.pos = 0;
    this.cr = -2;
    this.skipLf = false;
    return rest === '' ? null : rest;
  }
}
