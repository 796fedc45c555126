import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { drainPending, Session } from 'chdb';
import { invalidArgument, toStoreError } from './errors.ts';
import { assertIdentifier } from './identifiers.ts';
import { decodeJsonEachRow } from './rows.ts';
import { createStoreCore, finishDriverOpen, type Transport } from './store-core.ts';
import type { OpenedDriver } from './store.ts';

/** Config of the chDB driver (see `chdbStoreConfigSchema` in store.ts). */
export interface ChdbDriverConfig {
  driver: 'chdb';
  path: string;
  database: string;
}

/**
 * Data directories with an open store in this process. libchdb runs one embedded server per
 * process bound to one data directory: a second directory is refused by the engine, and a second
 * store on the same directory would share tables and DDL with the first behind its back (two
 * migration runners, two close() calls tearing down one server). One store per process is the
 * rule; open it once and share it.
 */
const openPaths = new Set<string>();

/**
 * Engine arguments for every session. `output_format_json_quote_64bit_integers=1` makes UInt64 and
 * Int64 come back as JSON strings, as they do from a ClickHouse server by default: a JSON number
 * above 2^53 loses digits in JSON.parse, and our offsets are UInt64.
 */
const CONNECTION_ARGS = ['--output_format_json_quote_64bit_integers=1'] as const;

/** Open the chDB driver: one Session at `config.path`, database created and selected. */
export async function openChdbDriver(config: ChdbDriverConfig): Promise<OpenedDriver> {
  const ctx = { driver: 'chdb' as const, operation: 'open' };
  const database = assertIdentifier(config.database, 'database name', ctx);
  const path = resolve(config.path);
  if (openPaths.has(path)) {
    throw invalidArgument(
      ctx,
      `a chDB store is already open at ${path} in this process; share that store instead of opening a second one`,
    );
  }
  if (openPaths.size > 0) {
    throw invalidArgument(
      ctx,
      `a chDB store is already open at ${[...openPaths][0]}; libchdb binds one data directory per process, so close it before opening ${path}`,
    );
  }

  let session: Session;
  try {
    mkdirSync(path, { recursive: true });
    session = new Session(path, { connectionArgs: [...CONNECTION_ARGS] });
  } catch (err) {
    throw toStoreError(err, ctx);
  }
  openPaths.add(path);

  const transport: Transport = {
    driver: 'chdb',
    database,
    async exec(sql, params) {
      // Always the async APIs: they run on a libuv worker, so a slow merge never blocks the
      // event loop that also serves Kafka heartbeats.
      if (params === undefined) await session.queryAsync(sql);
      else await session.queryBindAsync(sql, params);
    },
    async query<T>(sql: string, params: Record<string, unknown> | undefined): Promise<T[]> {
      const result =
        params === undefined
          ? await session.queryAsync(sql, { format: 'JSONEachRow' })
          : await session.queryBindAsync(sql, params, { format: 'JSONEachRow' });
      return decodeJsonEachRow<T>(result.text());
    },
    async insertJsonEachRow(qualifiedTable, body) {
      // The raw passthrough: the engine parses the bytes; no SQL text is built from values.
      await session.insert({ table: qualifiedTable, values: body, format: 'JSONEachRow' });
    },
    async close() {
      try {
        session.close();
        // close() defers teardown if the engine is still busy; wait so that a store reopened
        // right after (tests, restarts in-process) does not meet a half-closed server.
        await drainPending();
      } finally {
        openPaths.delete(path);
      }
    },
  };

  const core = createStoreCore(transport);
  try {
    await transport.exec(`CREATE DATABASE IF NOT EXISTS ${database}`, undefined);
    // USE sticks to the session's connection, so migrations and callers can write unqualified
    // table names; insert() qualifies explicitly anyway.
    await transport.exec(`USE ${database}`, undefined);
    return await finishDriverOpen(transport, core);
  } catch (err) {
    await core.close().catch(() => undefined);
    throw toStoreError(err, ctx);
  }
}
