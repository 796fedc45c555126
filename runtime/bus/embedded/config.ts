/**
 * Options of the embedded bus, their validation (pure, reports every problem at once), and the
 * small logger interface the bus writes to.
 */
import { ConfigError } from '../../errors.ts';

/**
 * Where the embedded bus reports what an operator should know (a torn tail dropped at recovery,
 * a stale lock taken over, a handler failure being retried). A pino logger fits as it is
 * (`logger.child({ component: 'bus/embedded' })`). Fields are identifiers only (topic,
 * partition, offset, group, code), never record content.
 */
export interface EmbeddedBusLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

/** Options of {@link createEmbeddedBus}. */
export interface EmbeddedBusOptions {
  /**
   * Directory holding `bus.log` and `LOCK`; created if missing. One bus process per directory.
   * Example: `.local/data/bus`.
   */
  dataDir: string;
  /**
   * `always` (default): every commit is `fdatasync`ed before its promise resolves, so an
   * acknowledged record survives a crash or power loss.
   * `never`: no fsync. DANGER: an acknowledged record survives a process crash (it is in the
   * page cache) but not a power loss or kernel crash. For tests and benchmarks only.
   */
  fsync?: 'always' | 'never';
  /** Where warnings go. Default: one JSON line per event on `console.warn` / `console.error`. */
  logger?: EmbeddedBusLogger;
}

/** Options with defaults filled in. */
export interface ResolvedEmbeddedBusOptions {
  dataDir: string;
  fsync: 'always' | 'never';
  logger: EmbeddedBusLogger;
}

/**
 * Errors are reduced to type and code: a foreign error's message can quote record content
 * (runtime/telemetry/log.ts explains); a pino logger applies its own PHI-safe serializer.
 */
function line(level: string, fields: Record<string, unknown>, msg: string): string {
  return JSON.stringify({ level, component: 'bus/embedded', msg, ...fields }, (_key, value: unknown) =>
    value instanceof Error ? { type: value.name, code: (value as { code?: unknown }).code } : value,
  );
}

/** The default logger: structured lines on the console (info is dropped: it is only chatter). */
export const consoleLogger: EmbeddedBusLogger = {
  info: () => {},
  warn: (fields, msg) => console.warn(line('warn', fields, msg)),
  error: (fields, msg) => console.error(line('error', fields, msg)),
};

const KNOWN_KEYS = new Set(['dataDir', 'fsync', 'logger']);

/**
 * Validates options and fills defaults. Pure: touches no file. Throws a ConfigError listing
 * every problem (key, value, what was expected).
 */
export function resolveEmbeddedBusOptions(options: EmbeddedBusOptions): ResolvedEmbeddedBusOptions {
  const problems: string[] = [];
  const raw = options as unknown as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key))
      problems.push(`bus/embedded: unknown option "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  if (typeof raw.dataDir !== 'string' || raw.dataDir.trim() === '') {
    problems.push(
      `bus/embedded: dataDir = ${JSON.stringify(raw.dataDir)} is invalid: expected a non-empty directory path, e.g. ".local/data/bus"`,
    );
  }
  if (raw.fsync !== undefined && raw.fsync !== 'always' && raw.fsync !== 'never') {
    problems.push(
      `bus/embedded: fsync = ${JSON.stringify(raw.fsync)} is invalid: expected "always" or "never"`,
    );
  }
  const logger = raw.logger;
  if (logger !== undefined) {
    const l = logger as Partial<Record<'info' | 'warn' | 'error', unknown>>;
    if (
      typeof logger !== 'object' ||
      logger === null ||
      typeof l.info !== 'function' ||
      typeof l.warn !== 'function' ||
      typeof l.error !== 'function'
    ) {
      problems.push(
        'bus/embedded: logger is invalid: expected an object with info, warn and error methods (a pino logger fits)',
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    dataDir: options.dataDir,
    fsync: options.fsync ?? 'always',
    logger: options.logger ?? consoleLogger,
  };
}
