import {
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
  type ClickHouseSettings,
} from '@clickhouse/client';
import { Readable } from 'node:stream';
import { toStoreError } from './errors.ts';
import { assertIdentifier } from './identifiers.ts';
import { createStoreCore, finishDriverOpen, type Transport } from './store-core.ts';
import type { OpenedDriver } from './store.ts';

/** Config of the HTTP driver (see `httpStoreConfigSchema` in store.ts). */
export interface HttpDriverConfig {
  driver: 'http';
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  database: string;
  requestTimeoutMs?: number | undefined;
}

/** Default per-request timeout: long enough for a 10k-row insert on a busy server. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Settings sent with every request. Only settings ClickHouse 18.16 knows may appear here: an
 * unknown setting is a hard error (`Code: 115 Unknown setting`), not a warning, on every version.
 * - output_format_json_quote_64bit_integers=1: UInt64 as JSON strings (the server default, made
 *   explicit so chDB and servers configured otherwise agree; see chdb-driver.ts).
 * Deliberately NOT sent: `send_progress_in_http_headers` / `http_headers_progress_interval_ms`
 * (progress headers can overflow Node's header limit on long queries, and 18.16 names the interval
 * setting differently), `date_time_input_format=best_effort` (exists in 18.16 but we send the
 * basic format ourselves, see rows.ts), `async_insert` (20.x+).
 */
const SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 1,
};

function makeClient(config: HttpDriverConfig, database: string | undefined): ClickHouseClient {
  return createClient({
    url: config.url,
    username: config.username ?? 'default',
    password: config.password ?? '',
    ...(database === undefined ? {} : { database }),
    request_timeout: config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    clickhouse_settings: SETTINGS,
    // The client logs failed requests with the server's text, and ClickHouse quotes the rows it
    // failed to parse: that is PHI in our logs. Errors reach the caller as StoreError instead.
    log: { level: ClickHouseLogLevel.OFF },
    // Compression off: on loopback it costs CPU for nothing, and 18.16 + gzip request bodies are
    // a combination we have not tested. Turn on per deployment if the link is slow.
    compression: { request: false, response: false },
  });
}

/** Open the HTTP driver: create the database if missing with a database-less client, then bind a client to it. */
export async function openHttpDriver(config: HttpDriverConfig): Promise<OpenedDriver> {
  const ctx = { driver: 'http' as const, operation: 'open' };
  const database = assertIdentifier(config.database, 'database name', ctx);

  // The main client carries `database=` on every request, which the server rejects (81
  // UNKNOWN_DATABASE) until it exists; so the CREATE goes through a short-lived client without it.
  const admin = makeClient(config, undefined);
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  } catch (err) {
    throw toStoreError(err, ctx);
  } finally {
    await admin.close();
  }

  const client = makeClient(config, database);
  const transport: Transport = {
    driver: 'http',
    database,
    async exec(sql, params) {
      await client.command({ query: sql, ...(params === undefined ? {} : { query_params: params }) });
    },
    async query<T>(sql: string, params: Record<string, unknown> | undefined): Promise<T[]> {
      const rs = await client.query({
        query: sql,
        format: 'JSONEachRow',
        ...(params === undefined ? {} : { query_params: params }),
      });
      return rs.json<T>();
    },
    async insertJsonEachRow(qualifiedTable, body) {
      // A pre-encoded body, so both drivers send byte-identical rows (rows.ts). exec() with
      // `values` puts the INSERT in the URL and streams the body; client.insert() would insist on
      // encoding JSON rows itself (JSON.stringify: throws on bigint, writes Dates as ISO text
      // that date_time_input_format=basic rejects). No values ever enter SQL text.
      const result = await client.exec({
        query: `INSERT INTO ${qualifiedTable} FORMAT JSONEachRow`,
        values: Readable.from([body], { objectMode: false }),
      });
      // The response body of an INSERT is empty, but it must be consumed to free the socket.
      result.stream.resume();
      await new Promise<void>((resolveEnd, rejectEnd) => {
        result.stream.once('end', resolveEnd);
        result.stream.once('error', rejectEnd);
      });
    },
    async close() {
      await client.close();
    },
  };

  const core = createStoreCore(transport);
  try {
    return await finishDriverOpen(transport, core);
  } catch (err) {
    await core.close().catch(() => undefined);
    throw toStoreError(err, ctx);
  }
}
