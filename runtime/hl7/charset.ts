/**
 * Character sets per MSH-18 (HL7 table 0211, "Alternate character sets"; values listed at
 * https://terminology.hl7.org/CodeSystem-v2-0211.html). Decoding happens on bytes, before
 * parsing: MSH-18 is found by an ASCII-safe scan of the first MSH segment (every supported
 * charset is an ASCII superset, so delimiters and MSH-1..18 are plain ASCII bytes).
 *
 * - MSH-18 empty → the configured default (`ASCII` unless configured). HL7 says an empty MSH-18
 *   means 7-bit ASCII (domain-facts §1.1), but real feeds that leave it empty often send 8-bit
 *   text: under the *defaulted* ASCII, bytes above 0x7F are decoded as UTF-8 when they form valid
 *   UTF-8, else as ISO-8859-1 — never replaced by U+FFFD. The charset actually used is returned.
 * - MSH-18 declared: strict. `ASCII` with a byte above 0x7F, or `UNICODE UTF-8` with an invalid
 *   sequence → Hl7ParseError 102 (data type error) at MSH-18: the bytes are not in the declared
 *   charset ("wrong charset").
 * - MSH-18 not in table 0211, or a 0211 charset we do not decode (UTF-16/32 are not MLLP-safe,
 *   UNICODE = UCS-2, ISO IR87/IR159 need ISO 2022 switching) → Hl7ParseError 103 (table value not
 *   found) at MSH-18. 203 would be wrong: it is about MSH-12, the version id.
 * - MSH-18 repeating: the first repetition is the message's charset; further ones are alternates
 *   reached by `\C..\`/`\M..\` escapes (dropped on unescape).
 */
import { isAscii as bufferIsAscii, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { Hl7ErrorCode, Hl7ParseError } from './errors.ts';

type Codec = 'ascii' | 'utf8' | 'latin1' | { iconv: string };

/** Table 0211 values we decode, upper-cased, with common non-standard spellings. */
const CHARSETS: ReadonlyMap<string, Codec> = new Map<string, Codec>([
  ['ASCII', 'ascii'],
  ['ISO IR6', 'ascii'],
  ['US-ASCII', 'ascii'],
  ['UNICODE UTF-8', 'utf8'],
  ['UTF-8', 'utf8'],
  ['UTF8', 'utf8'],
  ['ISO IR192', 'utf8'],
  ['8859/1', 'latin1'],
  ['ISO-8859-1', 'latin1'],
  ['ISO IR100', 'latin1'],
  ['8859/2', { iconv: 'iso-8859-2' }],
  ['8859/3', { iconv: 'iso-8859-3' }],
  ['8859/4', { iconv: 'iso-8859-4' }],
  ['8859/5', { iconv: 'iso-8859-5' }],
  ['8859/6', { iconv: 'iso-8859-6' }],
  ['8859/7', { iconv: 'iso-8859-7' }],
  ['8859/8', { iconv: 'iso-8859-8' }],
  ['8859/9', { iconv: 'iso-8859-9' }],
  ['8859/15', { iconv: 'iso-8859-15' }],
  ['ISO-8859-15', { iconv: 'iso-8859-15' }],
  ['GB 18030-2000', { iconv: 'gb18030' }],
  ['KS X 1001', { iconv: 'euc-kr' }],
  ['BIG-5', { iconv: 'big5' }],
  ['ISO IR14', { iconv: 'shift_jis' }],
  ['WINDOWS-1252', { iconv: 'windows-1252' }],
  ['CP1252', { iconv: 'windows-1252' }],
]);

/** The canonical HL7 name of a supported charset (e.g. `utf-8` → `UNICODE UTF-8`), or undefined. */
export function canonicalCharset(name: string): string | undefined {
  const key = name.trim().toUpperCase();
  const codec = CHARSETS.get(key);
  if (codec === undefined) return undefined;
  if (codec === 'utf8') return 'UNICODE UTF-8';
  if (codec === 'ascii') return 'ASCII';
  if (codec === 'latin1') return '8859/1';
  if (key === 'ISO-8859-15') return '8859/15';
  return key;
}

/** True when `decodeHl7Bytes` can decode this MSH-18 value. */
export function isSupportedCharset(name: string): boolean {
  return CHARSETS.has(name.trim().toUpperCase());
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Native checks (node:buffer, Node ≥ 18.15): a JS byte loop costs ~1 µs per KB. */
function isAscii(bytes: Uint8Array): boolean {
  return bufferIsAscii(bytes);
}

/** Strict UTF-8 decode: throws on an invalid sequence (never U+FFFD); strips a BOM. */
function decodeUtf8(bytes: Buffer): string {
  // All bytes < 0x80: the text is the same in every ASCII superset, and latin1 is the cheapest.
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) return utf8Fatal.decode(bytes); // throws with the position
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString('utf8', bom ? 3 : 0);
}

function charsetError(code: string, reason: string): Hl7ParseError {
  return new Hl7ParseError(code, reason, { segment: 'MSH', segmentIndex: 1, field: 18 });
}

/**
 * Reads MSH-18 from the raw bytes: the first segment starting with `MSH` (after a BOM, blank
 * lines, MLLP bytes or FHS/BHS batch headers). Returns the first repetition's first component,
 * trimmed, or '' when empty; undefined when no MSH was found.
 */
export function sniffMsh18(bytes: Uint8Array): string | undefined {
  const n = bytes.length;
  let i = 0;
  while (i + 4 <= n) {
    // at a line start: skip blank/junk bytes
    while (
      i < n &&
      (bytes[i] === 0x0d || bytes[i] === 0x0a || bytes[i] === 0x0b || bytes[i] === 0x20 || bytes[i] === 0x09)
    )
      i++;
    if (i + 3 < n && bytes[i] === 0xef && bytes[i + 1] === 0xbb && bytes[i + 2] === 0xbf) i += 3;
    if (
      bytes[i] === 0x4d &&
      bytes[i + 1] === 0x53 &&
      bytes[i + 2] === 0x48 &&
      i + 3 < n &&
      bytes[i + 3] !== 0x0d &&
      bytes[i + 3] !== 0x0a
    ) {
      const sep = bytes[i + 3] as number;
      const rep = bytes[i + 5];
      const comp = bytes[i + 4];
      // MSH-n is the (n-1)-th separator-delimited token counting "MSH" as token 0. One pass,
      // stopping at MSH-18 or at the end of the line.
      let field = 1;
      let start = i + 4;
      for (let k = i + 4; k <= n; k++) {
        const b = k === n ? 0x0d : (bytes[k] as number);
        const lineEnd = b === 0x0d || b === 0x0a;
        if (lineEnd || b === sep) {
          field++;
          if (field === 18) {
            let stop = k;
            for (let m = start; m < k; m++)
              if (bytes[m] === rep || bytes[m] === comp) {
                stop = m;
                break;
              }
            return Buffer.from(bytes.buffer, bytes.byteOffset + start, stop - start)
              .toString('latin1')
              .trim();
          }
          if (lineEnd) return '';
          start = k + 1;
        }
      }
      return '';
    }
    let end = i;
    while (end < n && bytes[end] !== 0x0d && bytes[end] !== 0x0a) end++;
    i = end + 1;
  }
  return undefined;
}

function decodeWith(
  codec: Codec,
  bytes: Buffer,
  declared: boolean,
  name: string,
): { text: string; charset: string } {
  if (codec === 'ascii') {
    if (isAscii(bytes)) return { text: bytes.toString('latin1'), charset: 'ASCII' };
    if (declared)
      throw charsetError(
        Hl7ErrorCode.DATA_TYPE,
        'MSH-18 declares ASCII but the message holds bytes above 0x7F',
      );
    // Defaulted ASCII, 8-bit bytes: UTF-8 when valid, else ISO-8859-1 (see module comment).
    try {
      return { text: decodeUtf8(bytes), charset: 'UNICODE UTF-8' };
    } catch {
      return { text: bytes.toString('latin1'), charset: '8859/1' };
    }
  }
  if (codec === 'utf8') {
    try {
      return { text: decodeUtf8(bytes), charset: 'UNICODE UTF-8' };
    } catch (err) {
      throw new Hl7ParseError(
        Hl7ErrorCode.DATA_TYPE,
        `the message is not valid UTF-8 although ${declared ? 'MSH-18 declares' : 'the default charset is'} UTF-8 (wrong charset)`,
        { segment: 'MSH', segmentIndex: 1, field: 18 },
        err,
      );
    }
  }
  if (codec === 'latin1') return { text: bytes.toString('latin1'), charset: '8859/1' };
  return { text: iconv.decode(bytes, codec.iconv), charset: canonicalCharset(name) ?? name };
}

/**
 * Decodes a message (or a batch file) per MSH-18. `opts.defaultCharset` applies when MSH-18 is
 * empty or no MSH is found (default `ASCII`, lenient as described above; any other default is
 * strict). Returns the text and the HL7 name of the charset used (use it for the ACK).
 */
export function decodeHl7Bytes(
  bytes: Buffer,
  opts: { defaultCharset?: string } = {},
): { text: string; charset: string } {
  const declared = sniffMsh18(bytes);
  if (declared !== undefined && declared !== '') {
    const codec = CHARSETS.get(declared.toUpperCase());
    if (codec === undefined)
      throw charsetError(
        Hl7ErrorCode.TABLE_VALUE_NOT_FOUND,
        'MSH-18 names a character set that is not in HL7 table 0211 or not supported (ASCII, UNICODE UTF-8, 8859/1-9, 8859/15, GB 18030-2000, KS X 1001, BIG-5, ISO IR14)',
      );
    return decodeWith(codec, bytes, true, declared);
  }
  const def = opts.defaultCharset ?? 'ASCII';
  const codec = CHARSETS.get(def.trim().toUpperCase());
  if (codec === undefined)
    throw new TypeError(
      `defaultCharset "${def}" is not a supported HL7 table 0211 charset, e.g. ASCII, UNICODE UTF-8, 8859/1`,
    );
  // A configured non-ASCII default is applied strictly; the implicit ASCII default leniently.
  return decodeWith(codec, bytes, codec !== 'ascii' && opts.defaultCharset !== undefined, def);
}

/**
 * Encodes text (an ACK) in `charset` (an MSH-18 / table 0211 name as returned by
 * `decodeHl7Bytes`). Characters the charset cannot hold become `?` (an ACK only echoes
 * routing fields, so this is rare). Unknown charset → UTF-8.
 */
export function encodeHl7Text(text: string, charset: string): Buffer {
  const codec = CHARSETS.get(charset.trim().toUpperCase()) ?? 'utf8';
  if (codec === 'utf8') return Buffer.from(text, 'utf8');
  if (codec === 'ascii') {
    const buf = Buffer.from(text, 'latin1');
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) buf[i] = 0x3f;
    return buf;
  }
  if (codec === 'latin1') return iconv.encode(text, 'latin1');
  return iconv.encode(text, codec.iconv);
}
