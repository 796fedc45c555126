import { z } from 'zod';
import { ConfigError } from '../../runtime/errors.ts';
import { openChdbDriver } from './chdb-driver.ts';
import { openHttpDriver } from './http-driver.ts';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR } from './migrations.ts';
import { IDENTIFIER_PATTERN } from './identifiers.ts';

export { StoreError } from './errors.ts';

/**
 * The ClickHouse store: the one port every gapstream component uses to write and read ClickHouse,
 * implemented by an embedded chDB driver and an HTTP driver that behave the same (checked by
 * `describeStoreContract` in store-contract.ts). Every failure is a `StoreError`.
 */
export interface Store {
  readonly driver: 'chdb' | 'http';
  /** Run DDL/commands with no result. `params` are bound server-side as {name:Type} placeholders. */
  exec(sql: string, params?: Record<string, unknown>): Promise<void>;
  /** SELECT returning rows as objects (JSONEachRow), parameters bound server-side only. */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Insert rows (objects) into a table in one block. Idempotency comes from the table engine (see below). */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Server features the contract suite and the migration runner care about. A driver reports the
 * ones its server lacks (probed at open, never guessed from the version string).
 */
export const SERVER_FEATURES = ['query-params', 'datetime64'] as const;
/** One of {@link SERVER_FEATURES}. */
export type ServerFeature = (typeof SERVER_FEATURES)[number];

/** What a driver hands to {@link openStore}: the store plus what its server cannot do. */
export interface OpenedDriver {
  store: Store;
  /** e.g. `26.1.1.1` (chDB) or `18.16.1`. */
  serverVersion: string;
  lacks: ReadonlySet<ServerFeature>;
}

const identifier = z.string().regex(IDENTIFIER_PATTERN, {
  message: `expected a plain identifier matching ${String(IDENTIFIER_PATTERN)}`,
});

/** Config of the embedded chDB driver. */
export const chdbStoreConfigSchema = z
  .strictObject({
    driver: z.literal('chdb').describe('Embedded ClickHouse (chDB) in this process.'),
    path: z
      .string()
      .min(1)
      .describe(
        'Data directory of the chDB session; persists across restarts. One per process. Example: `.local/data/chdb`.',
      ),
    database: identifier.describe('Database to create (if missing) and use. Example: `gapstream`.'),
  })
  .describe('chDB store');

/** Config of the HTTP driver (@clickhouse/client). */
export const httpStoreConfigSchema = z
  .strictObject({
    driver: z.literal('http').describe('A ClickHouse server over HTTP(S).'),
    url: z.url({ protocol: /^https?$/ }).describe('Server URL. Example: `http://127.0.0.1:18123`.'),
    username: z.string().optional().describe('User; default `default`.'),
    password: z.string().optional().describe('Password; default empty. Secret: never logged.'),
    database: identifier.describe('Database to create (if missing) and use. Example: `gapstream`.'),
    requestTimeoutMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Per-request timeout in milliseconds; default 30000. A timeout is a retriable StoreError.'),
  })
  .describe('HTTP store');

/** Store configuration: the schema is the source of truth (CONVENTIONS.md §2). */
export const storeConfigSchema = z.discriminatedUnion('driver', [
  chdbStoreConfigSchema,
  httpStoreConfigSchema,
]);
/** Validated store configuration. */
export type StoreConfig = z.infer<typeof storeConfigSchema>;

/**
 * Validate a store config without opening anything, reporting every problem at once
 * (component, key, expectation). Throws ConfigError.
 */
export function validateStoreConfig(input: unknown): StoreConfig {
  const parsed = storeConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map(
      (i) => `clickhouse store: ${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`,
    ),
  );
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Directory of `NNNN_name.sql` migrations; default: sinks/clickhouse/migrations. */
  migrationsDir?: string;
  /** Skip migrations (the contract suite uses this to test the runner on its own). */
  skipMigrations?: boolean;
}

/**
 * Open a store: validate the config, connect the chosen driver, create the database if missing,
 * apply pending migrations. On any failure after connecting, the driver is closed again so a
 * failed open leaks no chDB session or sockets.
 */
export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<Store> {
  const opened = await openDriver(config);
  return finishOpen(opened, options);
}

/** Like {@link openStore} but also returns what the server lacks; for tests, the bench and the runtime's health report. */
export async function openStoreWithInfo(
  config: StoreConfig,
  options: OpenStoreOptions = {},
): Promise<OpenedDriver> {
  const opened = await openDriver(config);
  await finishOpen(opened, options);
  return opened;
}

async function openDriver(config: StoreConfig): Promise<OpenedDriver> {
  const valid = validateStoreConfig(config);
  switch (valid.driver) {
    case 'chdb':
      return openChdbDriver(valid);
    case 'http':
      return openHttpDriver(valid);
    default: {
      const never: never = valid;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}

async function finishOpen(opened: OpenedDriver, options: OpenStoreOptions): Promise<Store> {
  if (options.skipMigrations === true) return opened.store;
  try {
    await applyMigrations(opened.store, {
      dir: options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR,
      lacks: opened.lacks,
    });
  } catch (err) {
    await opened.store.close().catch(() => undefined);
    throw err;
  }
  return opened.store;
}
