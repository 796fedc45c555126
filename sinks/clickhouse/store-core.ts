import {
  closedError,
  toStoreError,
  unsupported,
  type StoreDriverName,
  type StoreErrorContext,
} from './errors.ts';
import { assertIdentifier } from './identifiers.ts';
import { encodeJsonEachRow } from './rows.ts';
import type { OpenedDriver, ServerFeature, Store } from './store.ts';

/**
 * The bottom layer a driver provides: raw calls against one ClickHouse, no validation, no error
 * mapping. {@link createStoreCore} builds the {@link Store} on top, so both drivers share one
 * implementation of closing, identifier checks, encoding and error mapping (the KafkaJS layering:
 * each layer built by a factory that receives the layer below).
 */
export interface Transport {
  readonly driver: StoreDriverName;
  /** Validated database name; tables are qualified with it. */
  readonly database: string;
  exec(sql: string, params: Record<string, unknown> | undefined): Promise<void>;
  query<T>(sql: string, params: Record<string, unknown> | undefined): Promise<T[]>;
  /** `table` is already validated and database-qualified; `body` is JSONEachRow. */
  insertJsonEachRow(qualifiedTable: string, body: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** A Store plus the one hook its driver needs after probing: which features the server lacks. */
export interface StoreCore extends Store {
  setLacks(lacks: ReadonlySet<ServerFeature>): void;
}

/** Build the shared Store implementation over a transport. */
export function createStoreCore(transport: Transport): StoreCore {
  const driver = transport.driver;
  let closed = false;
  let lacks: ReadonlySet<ServerFeature> = new Set();
  // In-flight operations, so close() can wait for them: closing a chDB session under a running
  // query defers its teardown and blocks the next session in this process.
  const inFlight = new Set<Promise<unknown>>();

  function track<T>(p: Promise<T>): Promise<T> {
    inFlight.add(p);
    const done = (): void => {
      inFlight.delete(p);
    };
    p.then(done, done);
    return p;
  }

  function checkParams(ctx: StoreErrorContext, params: Record<string, unknown> | undefined): void {
    if (params !== undefined && Object.keys(params).length > 0 && lacks.has('query-params')) {
      // No client-side fallback on purpose: substituting values into SQL text is exactly what the
      // store promises never to do.
      throw unsupported(
        ctx,
        'this server has no query parameters ({name:Type} placeholders arrived after ClickHouse 18.16); upgrade the server, or for this server write values with insert() and select without parameters',
      );
    }
  }

  const store: StoreCore = {
    driver,
    setLacks(next) {
      lacks = next;
    },
    async exec(sql, params) {
      const ctx = { driver, operation: 'exec' };
      if (closed) throw closedError(ctx);
      checkParams(ctx, params);
      try {
        await track(transport.exec(sql, params));
      } catch (err) {
        throw toStoreError(err, ctx);
      }
    },
    async query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
      const ctx = { driver, operation: 'query' };
      if (closed) throw closedError(ctx);
      checkParams(ctx, params);
      try {
        return await track(transport.query<T>(sql, params));
      } catch (err) {
        throw toStoreError(err, ctx);
      }
    },
    async insert(table, rows) {
      const ctx = { driver, operation: 'insert', table: String(table) };
      if (closed) throw closedError(ctx);
      assertIdentifier(table, 'table name', ctx);
      if (rows.length === 0) return;
      let body: Buffer;
      try {
        body = Buffer.from(encodeJsonEachRow(rows), 'utf8');
      } catch (err) {
        // e.g. a circular object: a programming error. The row itself stays out of the message.
        throw toStoreError(err, ctx);
      }
      try {
        await track(transport.insertJsonEachRow(`${transport.database}.${table}`, body));
      } catch (err) {
        throw toStoreError(err, ctx);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...inFlight]);
      try {
        await transport.close();
      } catch (err) {
        throw toStoreError(err, { driver, operation: 'close' });
      }
    },
  };
  return store;
}

/**
 * Find out what the server lacks by asking it, not by parsing its version: a feature probe is
 * right for forks and backports too. Runs on the bare transport (no StoreError wrapping needed).
 */
export async function probeServer(
  transport: Transport,
): Promise<{ serverVersion: string; lacks: Set<ServerFeature> }> {
  const lacks = new Set<ServerFeature>();
  const [versionRow] = await transport.query<{ v: string }>('SELECT version() AS v', undefined);
  try {
    await transport.query('SELECT {p:UInt8} AS p', { p: 1 });
  } catch {
    // 18.16 answers `Code: 115 … Unknown setting param_p`; any failure means we cannot rely on it.
    lacks.add('query-params');
  }
  try {
    await transport.query("SELECT toDateTime64('2020-01-01 00:00:00.000', 3) AS d", undefined);
  } catch {
    lacks.add('datetime64');
  }
  return { serverVersion: versionRow?.v ?? 'unknown', lacks };
}

/** Probe, record what is lacking on the core, and package the result for openStore. */
export async function finishDriverOpen(transport: Transport, core: StoreCore): Promise<OpenedDriver> {
  const { serverVersion, lacks } = await probeServer(transport);
  core.setLacks(lacks);
  return { store: core, serverVersion, lacks };
}
