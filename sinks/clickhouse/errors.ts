import { GapstreamError } from '../../runtime/errors.ts';

/** Which driver raised an error. */
export type StoreDriverName = 'chdb' | 'http';

/**
 * What kind of failure a {@link StoreError} is, independent of the driver:
 * - `server`: ClickHouse answered with an exception (`clickhouseCode` is set);
 * - `network`: the request never got an answer (refused, reset, DNS);
 * - `timeout`: the request timed out on our side;
 * - `closed`: the store was used after `close()`;
 * - `invalid-argument`: the caller passed something we refuse before sending (a bad identifier);
 * - `unsupported`: the server cannot do what was asked (query parameters on ClickHouse 18.16);
 * - `migration`: a migration file and the database disagree (changed checksum, unknown version);
 * - `driver`: anything else the driver threw.
 */
export const STORE_ERROR_REASONS = [
  'server',
  'network',
  'timeout',
  'closed',
  'invalid-argument',
  'unsupported',
  'migration',
  'driver',
] as const;
/** One of {@link STORE_ERROR_REASONS}. */
export type StoreErrorReason = (typeof STORE_ERROR_REASONS)[number];

/**
 * Names of the ClickHouse exception codes we meet or decide on (src/Common/ErrorCodes.cpp in the
 * ClickHouse repository). Used for readable `code` strings and messages; codes not listed keep
 * their number.
 */
export const CLICKHOUSE_ERROR_NAMES: Readonly<Record<number, string>> = {
  3: 'UNEXPECTED_END_OF_FILE',
  6: 'CANNOT_PARSE_TEXT',
  16: 'NO_SUCH_COLUMN_IN_TABLE',
  26: 'CANNOT_PARSE_QUOTED_STRING',
  27: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  32: 'ATTEMPT_TO_READ_AFTER_EOF',
  36: 'BAD_ARGUMENTS',
  38: 'CANNOT_PARSE_DATE',
  41: 'CANNOT_PARSE_DATETIME',
  43: 'ILLEGAL_TYPE_OF_ARGUMENT',
  46: 'UNKNOWN_FUNCTION',
  47: 'UNKNOWN_IDENTIFIER',
  50: 'UNKNOWN_TYPE',
  53: 'TYPE_MISMATCH',
  57: 'TABLE_ALREADY_EXISTS',
  60: 'UNKNOWN_TABLE',
  62: 'SYNTAX_ERROR',
  69: 'ARGUMENT_OUT_OF_BOUND',
  70: 'CANNOT_CONVERT_TYPE',
  72: 'CANNOT_PARSE_NUMBER',
  81: 'UNKNOWN_DATABASE',
  82: 'DATABASE_ALREADY_EXISTS',
  115: 'UNKNOWN_SETTING',
  117: 'INCORRECT_DATA',
  159: 'TIMEOUT_EXCEEDED',
  164: 'READONLY',
  173: 'CANNOT_ALLOCATE_MEMORY',
  192: 'UNKNOWN_USER',
  193: 'WRONG_PASSWORD',
  201: 'QUOTA_EXCEEDED',
  202: 'TOO_MANY_SIMULTANEOUS_QUERIES',
  209: 'SOCKET_TIMEOUT',
  210: 'NETWORK_ERROR',
  236: 'ABORTED',
  241: 'MEMORY_LIMIT_EXCEEDED',
  242: 'TABLE_IS_READ_ONLY',
  252: 'TOO_MANY_PARTS',
  319: 'UNKNOWN_STATUS_OF_INSERT',
  394: 'QUERY_WAS_CANCELLED',
  425: 'SYSTEM_ERROR',
  439: 'CANNOT_SCHEDULE_TASK',
  456: 'UNKNOWN_QUERY_PARAMETER',
  497: 'ACCESS_DENIED',
  516: 'AUTHENTICATION_FAILED',
  999: 'KEEPER_EXCEPTION',
};

/**
 * Server codes worth retrying: the server (or its resources) was momentarily unable, and the same
 * request can succeed later unchanged.
 *
 * This is an allow-list, the reverse of Vector's ClickHouse sink, which retries every HTTP 500
 * except `Code: 117` (INCORRECT_DATA) and `Code: 53` (TYPE_MISMATCH) because "ClickHouse returns
 * 500's [for] incorrect data and type mismatch errors" (vector src/sinks/clickhouse/service.rs,
 * vectordotdev/vector#693). We agree with Vector's reason — a batch that is wrong will be wrong on
 * every attempt, so retrying it only blocks the partition behind it — and go one step further:
 * a code we do not know is treated as *not* retriable, because an unknown deterministic failure
 * retried forever stalls the pipeline, while a non-retriable one goes to the dead-letter table
 * where it can be replayed. Syntax errors (62), unknown tables/columns/databases (60, 16, 81),
 * type mismatches (53) and parse errors (6, 26, 27, 72, 117) are programming errors or bad data.
 */
const RETRIABLE_SERVER_CODES: ReadonlySet<number> = new Set([
  159, // TIMEOUT_EXCEEDED: the query ran out of time; load dependent
  173, // CANNOT_ALLOCATE_MEMORY
  201, // QUOTA_EXCEEDED: quotas are per interval, the next interval admits the request
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR (server-side, e.g. to a replica)
  241, // MEMORY_LIMIT_EXCEEDED: usually other queries' memory; a smaller batch may also help
  242, // TABLE_IS_READ_ONLY: a replica lost its Keeper session and will recover
  252, // TOO_MANY_PARTS: merges are behind; back off and they catch up
  319, // UNKNOWN_STATUS_OF_INSERT: safe to resend because our tables deduplicate by key
  394, // QUERY_WAS_CANCELLED: e.g. server shutdown
  425, // SYSTEM_ERROR: OS-level (EMFILE and friends)
  439, // CANNOT_SCHEDULE_TASK: thread pool exhausted
  999, // KEEPER_EXCEPTION
]);

/** Node.js socket error codes that mean "no answer, try again" (retriable). */
const RETRIABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** Whether a ClickHouse server code is worth retrying (see {@link RETRIABLE_SERVER_CODES}). */
export function isRetriableClickHouseCode(code: number): boolean {
  return RETRIABLE_SERVER_CODES.has(code);
}

/**
 * The `Code: NNN` that every ClickHouse exception text starts with, in both spellings:
 * `Code: 60. DB::Exception: …` (19.x and later, chDB) and `Code: 60, e.displayText() = …` (18.16).
 */
export function parseClickHouseCode(text: string): number | undefined {
  const m = /\bCode:\s*(\d{1,5})\b/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Context for an error: which operation, on which table. Never row values. */
export interface StoreErrorContext {
  driver: StoreDriverName;
  /** `exec`, `query`, `insert`, `open`, `close`, `migrate`. */
  operation: string;
  /** Unqualified table name, when the operation targets one. */
  table?: string;
}

/** Constructor options for {@link StoreError}. */
export interface StoreErrorOptions extends StoreErrorContext {
  reason: StoreErrorReason;
  clickhouseCode?: number;
  retriable: boolean;
  cause?: unknown;
}

/**
 * The one error type of the ClickHouse store, thrown by both drivers alike.
 *
 * It extends the project-wide {@link GapstreamError} so the runtime's retry and dead-letter logic
 * (which only knows that class) sees `retriable` and a string `code` such as
 * `CLICKHOUSE_UNKNOWN_TABLE`; the server's numeric code is in `clickhouseCode`.
 *
 * The message names the driver, operation, table and code, never the server's own text: ClickHouse
 * quotes the offending input in parse errors (`Cannot parse input: expected '"' before: 'Jane
 * Doe…'`), and that input is patient data. The server text stays reachable through `cause` for a
 * developer at a debugger; do not log `cause` in production.
 */
export class StoreError extends GapstreamError {
  readonly reason: StoreErrorReason;
  /** ClickHouse exception code when the server gave one (60 UNKNOWN_TABLE, 62 SYNTAX_ERROR, …). */
  readonly clickhouseCode: number | undefined;
  readonly driver: StoreDriverName;
  readonly operation: string;
  readonly table: string | undefined;

  constructor(message: string, options: StoreErrorOptions) {
    super(storeErrorCode(options.reason, options.clickhouseCode), message, {
      retriable: options.retriable,
      cause: options.cause,
    });
    this.name = 'StoreError';
    this.reason = options.reason;
    this.clickhouseCode = options.clickhouseCode;
    this.driver = options.driver;
    this.operation = options.operation;
    this.table = options.table;
  }
}

function storeErrorCode(reason: StoreErrorReason, clickhouseCode: number | undefined): string {
  if (clickhouseCode !== undefined)
    return `CLICKHOUSE_${CLICKHOUSE_ERROR_NAMES[clickhouseCode] ?? String(clickhouseCode)}`;
  return `STORE_${reason.toUpperCase().replace(/-/g, '_')}`;
}

function where(ctx: StoreErrorContext): string {
  return `ClickHouse ${ctx.operation} (driver ${ctx.driver}${ctx.table === undefined ? '' : `, table ${ctx.table}`})`;
}

/** A StoreError for a store used after close(). */
export function closedError(ctx: StoreErrorContext): StoreError {
  return new StoreError(`${where(ctx)} refused: the store is closed. Open a new one with openStore().`, {
    ...ctx,
    reason: 'closed',
    retriable: false,
  });
}

/** A StoreError for a bad argument detected before anything is sent. */
export function invalidArgument(ctx: StoreErrorContext, detail: string): StoreError {
  return new StoreError(`${where(ctx)} refused: ${detail}`, {
    ...ctx,
    reason: 'invalid-argument',
    retriable: false,
  });
}

/** A StoreError for something the connected server cannot do. */
export function unsupported(ctx: StoreErrorContext, detail: string): StoreError {
  return new StoreError(`${where(ctx)} not supported: ${detail}`, {
    ...ctx,
    reason: 'unsupported',
    retriable: false,
  });
}

function errorField(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null && key in err
    ? (err as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Map anything a driver threw to a {@link StoreError}, the same way for both drivers: a
 * ClickHouse code (from chDB's `clickhouseCode`, or parsed from the `Code: NNN` prefix of the
 * text, which is all @clickhouse/client gives for 18.16's error format) decides retriability
 * through {@link isRetriableClickHouseCode}; socket errors and timeouts are retriable; the rest is
 * a non-retriable driver error.
 */
export function toStoreError(err: unknown, ctx: StoreErrorContext): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const explicit = errorField(err, 'clickhouseCode');
  const chdbCode = errorField(err, 'code');
  const clickhouseCode = typeof explicit === 'number' ? explicit : parseClickHouseCode(message);

  if (clickhouseCode !== undefined) {
    const name = CLICKHOUSE_ERROR_NAMES[clickhouseCode];
    const retriable = isRetriableClickHouseCode(clickhouseCode);
    return new StoreError(
      `${where(ctx)} failed: server code ${clickhouseCode}${name === undefined ? '' : ` ${name}`} (${retriable ? 'retriable' : 'not retriable'}; server text withheld because it can quote row data, see error.cause)`,
      { ...ctx, reason: 'server', clickhouseCode, retriable, cause: err },
    );
  }
  if (chdbCode === 'CHDB_CLOSED') return closedError(ctx);
  if (chdbCode === 'CHDB_TIMEOUT' || /timeout/i.test(message) || errorField(err, 'name') === 'TimeoutError') {
    return new StoreError(`${where(ctx)} timed out (retriable)`, {
      ...ctx,
      reason: 'timeout',
      retriable: true,
      cause: err,
    });
  }
  if (typeof chdbCode === 'string' && RETRIABLE_NETWORK_CODES.has(chdbCode)) {
    return new StoreError(`${where(ctx)} failed: network error ${chdbCode} (retriable)`, {
      ...ctx,
      reason: 'network',
      retriable: true,
      cause: err,
    });
  }
  if (/socket hang up|other side closed/i.test(message)) {
    return new StoreError(`${where(ctx)} failed: connection closed by peer (retriable)`, {
      ...ctx,
      reason: 'network',
      retriable: true,
      cause: err,
    });
  }
  return new StoreError(
    `${where(ctx)} failed: ${typeof chdbCode === 'string' ? chdbCode : err instanceof Error ? err.name : 'error'} (not retriable; see error.cause)`,
    { ...ctx, reason: 'driver', retriable: false, cause: err },
  );
}
