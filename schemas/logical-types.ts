/**
 * Avro logical types used by the gapstream schemas, and the avsc options that enable them.
 *
 * avsc 5.7.9 ships no implementation of `decimal` or `date`: without one it silently falls back to
 * the underlying type (a `Buffer` of two's-complement bytes, an `int` of days), which the Avro spec
 * allows ("language implementations must ignore unknown logical types",
 * https://avro.apache.org/docs/1.11.1/specification/#logical-types) but which is easy to misuse.
 * We register small implementations so the JavaScript side sees exact, readable values:
 *
 * - `decimal` (bytes, precision 12, scale 2) <-> a decimal string such as `"-12.50"`. A string, not a
 *   number: money must stay exact and IEEE doubles are not. On the wire it is the spec's
 *   two's-complement big-endian unscaled integer, so Java/Python consumers read a real decimal.
 * - `date` (int, days since 1970-01-01) <-> an ISO calendar date string `"YYYY-MM-DD"`.
 *
 * `timestamp-millis` is deliberately left to avsc's fallback: it stays a `number` of epoch
 * milliseconds (no `Date` objects, which compare by reference and lose nothing we need).
 *
 * Both codecs (registry and local) build every avsc type through {@link avroTypeOptions}, so a value
 * looks the same in embedded and distributed mode.
 */
import avro from 'avsc';
import type { Schema, Type } from 'avsc';

const MS_PER_DAY = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Digit value of the character at `i`, or -1. */
function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/**
 * `"YYYY-MM-DD"` -> days since the Unix epoch, or `undefined` when not a real calendar date.
 * Any year 0000-9999 of the proleptic Gregorian calendar (what the decoder writes back).
 * Arithmetic on char codes, no regex and no Date: every date of every record goes through here
 * (the claims bench showed the Date round trip as the top cost of encoding a claim line).
 */
export function isoDateToEpochDays(value: string): number | undefined {
  if (value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return undefined;
  const d0 = digit(value, 0),
    d1 = digit(value, 1),
    d2 = digit(value, 2),
    d3 = digit(value, 3);
  const m0 = digit(value, 5),
    m1 = digit(value, 6),
    a0 = digit(value, 8),
    a1 = digit(value, 9);
  if ((d0 | d1 | d2 | d3 | m0 | m1 | a0 | a1) < 0) return undefined;
  const y = d0 * 1000 + d1 * 100 + d2 * 10 + d3;
  const m = m0 * 10 + m1;
  const d = a0 * 10 + a1;
  if (m < 1 || m > 12 || d < 1) return undefined;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!)) return undefined;
  // Days from the civil date (proleptic Gregorian), H. Hinnant's days_from_civil.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Days since the Unix epoch -> `"YYYY-MM-DD"` (UTC calendar). */
export function epochDaysToIsoDate(days: number): string {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Avro `date` as an ISO `"YYYY-MM-DD"` string. */
class DateType extends avro.types.LogicalType {
  protected override _fromValue(val: number): string {
    // A truncated buffer hands us garbage before avsc notices (it checks the tap after reading);
    // return a placeholder so avsc's own "truncated buffer" error is the one reported.
    if (!Number.isInteger(val)) return '';
    return epochDaysToIsoDate(val);
  }

  private lastIn: unknown;
  private lastOut: number | undefined;

  protected override _toValue(val: unknown): number | undefined {
    // avsc converts each value twice (check, then write): a one-entry memo halves the work.
    if (val === this.lastIn) return this.lastOut;
    // Returning undefined makes avsc report the value as invalid (LogicalType.prototype._check).
    const out = typeof val === 'string' ? isoDateToEpochDays(val) : undefined;
    this.lastIn = val;
    this.lastOut = out;
    return out;
  }

  protected override _resolve(type: Type): ((v: unknown) => unknown) | undefined {
    // Same logical type on the writer side: the writer's decoder already produced our string.
    if (type instanceof DateType) return (v) => v;
    // A plain int writer (logical type not set): convert the day count.
    if (avro.Type.isType(type, 'int')) return (v) => this._fromValue(v as number);
    return undefined;
  }
}

/** Avro `decimal` on `bytes` as an exact decimal string, e.g. `"1234.50"`. */
class DecimalType extends avro.types.LogicalType {
  readonly precision: number;
  readonly scale: number;
  private readonly pattern: RegExp;
  private readonly limit: bigint;

  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    const s = schema as { precision?: unknown; scale?: unknown };
    const precision = s.precision;
    const scale = s.scale ?? 0;
    if (!Number.isInteger(precision) || (precision as number) < 1) {
      throw new Error('decimal: precision must be a positive integer');
    }
    if (!Number.isInteger(scale) || (scale as number) < 0 || (scale as number) > (precision as number)) {
      throw new Error('decimal: scale must be an integer between 0 and precision');
    }
    if (!avro.Type.isType(this.underlyingType, 'bytes')) {
      // fixed-backed decimals would need a size-aware encoder; none of our schemas uses them.
      throw new Error('decimal: only the bytes representation is supported');
    }
    this.precision = precision as number;
    this.scale = scale as number;
    const intDigits = this.precision - this.scale;
    this.pattern =
      this.scale > 0
        ? new RegExp(`^-?\\d{1,${Math.max(intDigits, 1)}}(\\.\\d{1,${this.scale}})?$`)
        : new RegExp(`^-?\\d{1,${this.precision}}$`);
    this.limit = 10n ** BigInt(this.precision);
  }

  /** Two's-complement big-endian bytes -> decimal string with exactly `scale` fraction digits. */
  protected override _fromValue(buf: Buffer): string {
    if (!Buffer.isBuffer(buf)) return ''; // truncated input, see DateType._fromValue
    let unscaled = 0n;
    for (const byte of buf) unscaled = (unscaled << 8n) | BigInt(byte);
    if (buf.length > 0 && (buf[0] as number) & 0x80) unscaled -= 1n << BigInt(buf.length * 8);
    const negative = unscaled < 0n;
    const digits = (negative ? -unscaled : unscaled).toString().padStart(this.scale + 1, '0');
    const intPart = digits.slice(0, digits.length - this.scale);
    const fracPart = digits.slice(digits.length - this.scale);
    return `${negative ? '-' : ''}${intPart}${this.scale > 0 ? `.${fracPart}` : ''}`;
  }

  private lastIn: unknown;
  private lastOut: Buffer | undefined;

  /** Decimal string -> minimal two's-complement big-endian bytes of the unscaled integer. */
  protected override _toValue(val: unknown): Buffer | undefined {
    // avsc converts each value twice (check, then write): a one-entry memo halves the work.
    if (val === this.lastIn) return this.lastOut;
    const out = this.toBytes(val);
    this.lastIn = val;
    this.lastOut = out;
    return out;
  }

  private toBytes(val: unknown): Buffer | undefined {
    if (typeof val !== 'string' || !this.pattern.test(val)) return undefined;
    const negative = val.startsWith('-');
    const [intPart = '0', fracPart = ''] = (negative ? val.slice(1) : val).split('.');
    const digits = intPart + fracPart.padEnd(this.scale, '0');
    // Up to 14 digits the unscaled value is below 2^47: exact in a double, no BigInt needed.
    if (digits.length <= 14) {
      const n = Number(digits);
      if (n >= Number(this.limit)) return undefined;
      return safeIntToTwosComplement(negative ? -n : n);
    }
    let unscaled = BigInt(digits);
    if (unscaled >= this.limit) return undefined;
    if (negative) unscaled = -unscaled;
    return bigintToTwosComplement(unscaled);
  }

  protected override _resolve(type: Type): ((v: unknown) => unknown) | undefined {
    if (type instanceof DecimalType) {
      // Same scale: same numbers. A different scale would need rescaling and possibly rounding,
      // which the Avro spec forbids resolving silently (schemas must match on scale).
      return type.scale === this.scale ? (v) => v : undefined;
    }
    if (avro.Type.isType(type, 'bytes')) return (v) => this._fromValue(v as Buffer);
    return undefined;
  }

  protected override _export(attrs: Schema): void {
    Object.assign(attrs, { precision: this.precision, scale: this.scale });
  }
}

/** {@link bigintToTwosComplement} for |n| < 2^47, in double arithmetic (exact below 2^53). */
function safeIntToTwosComplement(n: number): Buffer {
  let bytes = 1;
  while (n < -(2 ** (bytes * 8 - 1)) || n >= 2 ** (bytes * 8 - 1)) bytes++;
  let v = n < 0 ? 2 ** (bytes * 8) + n : n;
  const buf = Buffer.alloc(bytes);
  for (let i = bytes - 1; i >= 0; i--) {
    buf[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return buf;
}

function bigintToTwosComplement(n: bigint): Buffer {
  // Smallest byte count whose signed range holds n (the Avro spec asks for big-endian two's
  // complement; Java's BigInteger.toByteArray, used by the reference implementation, is minimal).
  let bytes = 1;
  while (n < -(1n << BigInt(bytes * 8 - 1)) || n >= 1n << BigInt(bytes * 8 - 1)) bytes++;
  let v = n < 0n ? (1n << BigInt(bytes * 8)) + n : n;
  const buf = Buffer.alloc(bytes);
  for (let i = bytes - 1; i >= 0; i--) {
    buf[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return buf;
}

/**
 * The avsc `forSchema` options every gapstream codec uses. A fresh object per call: avsc mutates
 * `opts.registry` while it builds a type, so sharing one object across schemas would leak names.
 */
export function avroTypeOptions(): {
  logicalTypes: Record<string, typeof avro.types.LogicalType>;
  wrapUnions: 'auto';
} {
  return {
    logicalTypes: { decimal: DecimalType, date: DateType },
    // 'auto' (the avsc default, spelled out): unions of null and one type take the bare value;
    // unions of several records (ClinicalEvent.payload) are wrapped as { "<full name>": value },
    // the Avro JSON encoding of unions, so the branch is never guessed.
    wrapUnions: 'auto',
  };
}

/** Build an avsc type with the gapstream logical types. */
export function createAvroType(schema: Schema): Type {
  return avro.Type.forSchema(schema, avroTypeOptions());
}
