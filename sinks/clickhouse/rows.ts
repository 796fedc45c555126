/**
 * Rows → JSONEachRow body, shared by both drivers so both send exactly the same bytes.
 *
 * JSON.stringify alone is not enough: it throws on bigint (our UInt64 offsets) and writes Dates as
 * ISO strings with `T`/`Z`, which ClickHouse's default `date_time_input_format=basic` does not
 * parse. Both become what ClickHouse reads in every version we target, 18.16 included.
 */
export function encodeJsonEachRow(rows: readonly Record<string, unknown>[]): string {
  let out = '';
  for (const row of rows)
    out += (needsReplacer(row) ? JSON.stringify(row, replacer) : JSON.stringify(row)) + '\n';
  return out;
}

/**
 * A replacer function costs a JS call per key (store/bare went from ~0.8 to ~0.9 on the HTTP bench
 * without it), so
 * it is used only for rows with a top-level bigint or Date. Nested values are not scanned: a
 * nested bigint makes the fast path throw and is then retried with the replacer; a nested Date
 * is written as ISO text, which is what a JSON/String column wants anyway.
 */
function needsReplacer(row: Record<string, unknown>): boolean {
  for (const key in row) {
    const v = row[key];
    if (typeof v === 'bigint' || v instanceof Date) return true;
    if (typeof v === 'object' && v !== null && hasBigInt(v)) return true;
  }
  return false;
}

function hasBigInt(value: object): boolean {
  try {
    JSON.stringify(value);
    return false;
  } catch {
    return true;
  }
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  // JSON.stringify has already called Date#toJSON by the time we see `value`; the original is
  // still on the holder.
  const original = key === '' ? value : (this as Record<string, unknown>)[key];
  if (original instanceof Date) return formatDateTimeUtc(original);
  return value;
}

/**
 * `YYYY-MM-DD hh:mm:ss.sss` in UTC: the text form DateTime64(3) parses. Our tables declare their
 * time columns with an explicit `'UTC'` zone so the server's own timezone never shifts it.
 */
export function formatDateTimeUtc(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** Parse a JSONEachRow response body into objects (an empty body is zero rows). */
export function decodeJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split('\n')) {
    if (line.length > 0) rows.push(JSON.parse(line) as T);
  }
  return rows;
}
