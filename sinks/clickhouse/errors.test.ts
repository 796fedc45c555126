import { describe, expect, it } from 'vitest';
import { GapstreamError } from '../../runtime/errors.ts';
import { isRetriableClickHouseCode, parseClickHouseCode, StoreError, toStoreError } from './errors.ts';
import { encodeJsonEachRow } from './rows.ts';

const ctx = { driver: 'http' as const, operation: 'insert', table: 'slice_results' };

describe('parseClickHouseCode', () => {
  it('reads both the modern and the 18.16 spelling', () => {
    expect(parseClickHouseCode('Code: 60. DB::Exception: Table d.t does not exist. (UNKNOWN_TABLE)')).toBe(
      60,
    );
    expect(parseClickHouseCode('Code: 62, e.displayText() = DB::Exception: Syntax error')).toBe(62);
    expect(parseClickHouseCode('connect ECONNREFUSED 127.0.0.1:9')).toBeUndefined();
  });
});

describe('toStoreError', () => {
  it('keeps server text (which can quote rows) out of the message, on the cause only', () => {
    const raw = new Error(
      `Code: 27. DB::Exception: Cannot parse input: expected '"' before: 'Jane Doe 1970-01-01'`,
    );
    const err = toStoreError(raw, ctx);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toBeInstanceOf(GapstreamError);
    expect(err.clickhouseCode).toBe(27);
    expect(err.code).toBe('CLICKHOUSE_CANNOT_PARSE_INPUT_ASSERTION_FAILED');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain('slice_results');
    expect(err.message).not.toContain('Jane Doe');
    expect(err.cause).toBe(raw);
  });

  it('uses chDB clickhouseCode when present', () => {
    const raw = Object.assign(new Error('whatever'), { code: 'CHDB_QUERY', clickhouseCode: 252 });
    const err = toStoreError(raw, { driver: 'chdb', operation: 'insert' });
    expect(err.clickhouseCode).toBe(252);
    expect(err.retriable).toBe(true);
  });

  it('retries network and timeout failures, not programming errors', () => {
    expect(
      toStoreError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), ctx).retriable,
    ).toBe(true);
    expect(toStoreError(new Error('Timeout error.'), ctx).reason).toBe('timeout');
    expect(toStoreError(new Error('socket hang up'), ctx).reason).toBe('network');
    expect(toStoreError(new TypeError('Do not know how to serialize a BigInt'), ctx).retriable).toBe(false);
    expect(
      toStoreError(Object.assign(new Error('No active connection'), { code: 'CHDB_CLOSED' }), ctx).reason,
    ).toBe('closed');
  });

  it('classifies codes: overload retriable, bad data and unknown codes not', () => {
    for (const c of [159, 202, 209, 210, 241, 252]) expect(isRetriableClickHouseCode(c)).toBe(true);
    for (const c of [6, 16, 27, 53, 60, 62, 81, 117, 4242]) expect(isRetriableClickHouseCode(c)).toBe(false);
  });
});

describe('encodeJsonEachRow', () => {
  it('writes bigint as strings and Dates as UTC DateTime64 text, one row per line', () => {
    const body = encodeJsonEachRow([
      { a: 18446744073709551615n, t: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), s: 'x\ny' },
      { a: 1, nested: { b: 2n } },
    ]);
    expect(body).toBe(
      '{"a":"18446744073709551615","t":"2024-01-02 03:04:05.678","s":"x\\ny"}\n{"a":1,"nested":{"b":"2"}}\n',
    );
  });
});
