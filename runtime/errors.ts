/**
 * The small error vocabulary shared by every component (CONVENTIONS.md §7): one base class with a
 * `code`, a `retriable` flag and a `cause`. Only retriable errors are retried; bad data and
 * programming errors never are.
 */
export class GapstreamError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GapstreamError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A record that cannot be processed as it is; it goes to the dead-letter topic, never retried. */
export class BadRecordError extends GapstreamError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { retriable: false, cause });
    this.name = 'BadRecordError';
  }
}

/** Invalid configuration: raised at start-up, before anything is opened. */
export class ConfigError extends GapstreamError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      'CONFIG_INVALID',
      problems.length === 1
        ? `Invalid configuration: ${problems[0]}`
        : `Invalid configuration:\n- ${problems.join('\n- ')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A short, PHI-free description of any thrown value, for logs and dead-letter reasons. */
export function describeError(err: unknown): { code: string; message: string; retriable: boolean } {
  if (err instanceof GapstreamError)
    return { code: err.code, message: err.message, retriable: err.retriable };
  if (err instanceof Error) return { code: err.name || 'Error', message: err.message, retriable: false };
  return { code: 'UNKNOWN', message: String(err), retriable: false };
}
