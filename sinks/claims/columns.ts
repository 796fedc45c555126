/**
 * Column specs: one list per table says which value field lands in which column and how, so the
 * write mapping (value → row) and the read mapping (row → value) cannot drift apart. Types are
 * chosen to behave the same on chDB (ClickHouse 26.x) and on ClickHouse 18.16
 * (docs/clickhouse-store.md): no Date32/DateTime64, no Nullable in sorting keys.
 */
import { BadRecordError } from '../../runtime/errors.ts';

/** How a field is stored. */
export const ColumnKind = {
  /** `String`, never null. */
  STRING: 'string',
  /** `Nullable(String)`. */
  NULLABLE_STRING: 'nullable-string',
  /**
   * `String` with `''` for null: for nullable fields that are part of a sorting key (18.16 refuses
   * Nullable key columns). Only for fields where `''` is never a real value (a SHA-256).
   */
  EMPTY_AS_NULL: 'empty-as-null',
  /** `UInt32`/`UInt64` (a JS safe integer); read back as a JSON string for 64-bit columns. */
  UINT: 'uint',
  /** `Nullable(Int32)`. */
  NULLABLE_INT: 'nullable-int',
  /**
   * `Nullable(String)` holding `YYYY-MM-DD`: ClickHouse `Date` starts in 1970 (birth dates do not)
   * and `Date32` needs 21.9+; ISO text sorts like the date and `toDate()` converts it in queries.
   */
  DATE: 'date',
  /**
   * `Nullable(Decimal(18, 2))`. Written as a JSON number because 18.16 refuses a quoted decimal;
   * exact, since the Avro decimal has precision 12 and a double carries 15 significant digits.
   * Read back through `toString` (never a JSON number) and padded to two fraction digits.
   */
  AMOUNT: 'amount',
  /** `Array(String)`. */
  STRINGS: 'strings',
  /** `DateTime('UTC')` from epoch milliseconds, second precision (18.16 has no DateTime64). */
  DATETIME: 'datetime',
} as const;
export type ColumnKind = (typeof ColumnKind)[keyof typeof ColumnKind];

/** One column: the value field it comes from, its name and its kind. */
export interface Column {
  readonly field: string;
  readonly column: string;
  readonly kind: ColumnKind;
}

/** `camelCase` → `snake_case` (`sourceFileSha256` → `source_file_sha256`). */
export function snakeCase(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** A column named after its field. */
export function col(field: string, kind: ColumnKind): Column {
  return { field, column: snakeCase(field), kind };
}

/** Amounts as JSON numbers hold at most 15 significant digits exactly (see AMOUNT). */
const AMOUNT_PATTERN = /^-?\d{1,13}(?:\.\d{1,2})?$/;

/** Second-precision UTC text, accepted by `DateTime('UTC')` on every server we target. */
export function dateTimeText(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

function amountToNumber(value: unknown, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || !AMOUNT_PATTERN.test(value))
    throw new BadRecordError(
      'CLICKHOUSE_ROW_AMOUNT',
      `${field} is not a decimal string with at most 13 integer and 2 fraction digits.`,
    );
  return Number(value);
}

/** `toString` of a Decimal(18,2): `-12.5` on 26.x, `-12.50` on 18.16 → always two fraction digits. */
export function canonicalAmount(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m)
    throw new Error(`expected a decimal text from ClickHouse toString(Decimal), got ${text.length} chars`);
  const frac = ((m[3] ?? '') + '00').slice(0, 2);
  return `${m[1] ?? ''}${m[2] ?? ''}.${frac}`;
}

/** Value → row for `columns` (pure). Throws BadRecordError when an amount cannot be stored exactly. */
export function toRow(
  columns: readonly Column[],
  value: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const c of columns) {
    const v = value[c.field];
    switch (c.kind) {
      case ColumnKind.STRING:
      case ColumnKind.UINT:
        row[c.column] = v;
        break;
      case ColumnKind.NULLABLE_STRING:
      case ColumnKind.NULLABLE_INT:
      case ColumnKind.DATE:
        row[c.column] = v ?? null;
        break;
      case ColumnKind.EMPTY_AS_NULL:
        row[c.column] = v ?? '';
        break;
      case ColumnKind.AMOUNT:
        row[c.column] = amountToNumber(v, c.field);
        break;
      case ColumnKind.STRINGS:
        row[c.column] = v ?? [];
        break;
      case ColumnKind.DATETIME:
        row[c.column] = dateTimeText(v as number);
        break;
      default: {
        const never: never = c.kind;
        throw new Error(`unhandled column kind ${String(never)}`);
      }
    }
  }
  return row;
}

/** The name a column is read under: amounts come back as text under `<column>_text`. */
function readName(c: Column): string {
  return c.kind === ColumnKind.AMOUNT ? `${c.column}_text` : c.column;
}

/**
 * The SELECT list that reads `columns` back for {@link fromRow}. Amount aliases get a new name:
 * ClickHouse substitutes an alias wherever its name appears in the query, so an alias that reuses a
 * column name would change a WHERE or another aggregate over that column (both servers).
 */
export function selectList(columns: readonly Column[], tableAlias?: string): string {
  const q = (name: string): string => (tableAlias === undefined ? name : `${tableAlias}.${name}`);
  return columns
    .map((c) => (c.kind === ColumnKind.AMOUNT ? `toString(${q(c.column)}) AS ${readName(c)}` : q(c.column)))
    .join(', ');
}

/** Row (as selected with {@link selectList}) → value, the inverse of {@link toRow} (pure). */
export function fromRow(
  columns: readonly Column[],
  row: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const c of columns) {
    const v = row[readName(c)];
    switch (c.kind) {
      case ColumnKind.STRING:
      case ColumnKind.NULLABLE_STRING:
      case ColumnKind.NULLABLE_INT:
      case ColumnKind.DATE:
        value[c.field] = v ?? null;
        break;
      case ColumnKind.EMPTY_AS_NULL:
        value[c.field] = v === '' || v === undefined ? null : v;
        break;
      case ColumnKind.UINT:
        // 64-bit integers arrive as JSON strings (output_format_json_quote_64bit_integers=1).
        value[c.field] = Number(v);
        break;
      case ColumnKind.AMOUNT:
        // toString() of a Decimal: text on both servers.
        value[c.field] = typeof v === 'string' ? canonicalAmount(v) : null;
        break;
      case ColumnKind.STRINGS:
        value[c.field] = v ?? [];
        break;
      case ColumnKind.DATETIME:
        value[c.field] = Date.parse(`${(v as string).replace(' ', 'T')}Z`);
        break;
      default: {
        const never: never = c.kind;
        throw new Error(`unhandled column kind ${String(never)}`);
      }
    }
  }
  return value;
}
