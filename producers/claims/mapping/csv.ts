/**
 * RFC 4180 record splitting for delimited payer files (https://www.rfc-editor.org/rfc/rfc4180):
 * a field that starts with the quote character is quoted; inside it the delimiter and line
 * breaks are data and a doubled quote is one quote. A quote inside an unquoted field is kept as
 * data (payer extracts carry `5'10"`-style text; RFC 4180 forbids it, Excel writes it). Text
 * after a closing quote other than the delimiter is a `BAD_QUOTING` problem.
 *
 * Lines arrive one at a time (the caller splits on LF or CRLF). A quoted field that spans lines
 * is supported: {@link splitRecord} says `open` and the caller joins the next line with `\n`,
 * up to a configured number of physical lines.
 */

/** Result of splitting one (possibly joined) record text. */
export type SplitResult =
  | { kind: 'fields'; fields: string[] }
  | { kind: 'open' } // a quoted field is not closed yet: more lines needed
  | { kind: 'bad'; column: number }; // text after a closing quote, at 1-based column

/**
 * Split one record into fields.
 * @param text the record text without its final line break (a trailing CR is removed)
 * @param delimiter one character
 * @param quote one character
 */
export function splitRecord(text: string, delimiter: string, quote: string): SplitResult {
  if (text.endsWith('\r')) text = text.slice(0, -1);
  // Fast path: no quote character at all (the common case for pipe files).
  if (!text.includes(quote)) return { kind: 'fields', fields: text.split(delimiter) };
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text[i] === quote) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf(quote, j);
        if (q < 0) return { kind: 'open' };
        value += text.slice(j, q);
        if (text[q + 1] === quote) {
          value += quote;
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      fields.push(value);
      if (j === n) return { kind: 'fields', fields };
      if (text[j] !== delimiter) return { kind: 'bad', column: fields.length };
      i = j + 1;
      if (i === n) {
        fields.push('');
        return { kind: 'fields', fields };
      }
    } else {
      const d = text.indexOf(delimiter, i);
      if (d < 0) {
        fields.push(text.slice(i));
        return { kind: 'fields', fields };
      }
      fields.push(text.slice(i, d));
      i = d + 1;
      if (i === n) {
        fields.push('');
        return { kind: 'fields', fields };
      }
    }
  }
}
