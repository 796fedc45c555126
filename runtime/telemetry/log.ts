/**
 * Structured JSON logs (pino) that never carry PHI.
 *
 * The rule, for every component: **log the identifiers needed to find a record, never its
 * content.** Identifiers are topic, partition, offset, HL7 control id (MSH-10), claims file name
 * and line number, stage, error code. Content is anything read from a message or a file: names,
 * dates of birth, identifiers of the patient, addresses, segment text, raw bytes. Whoever needs
 * the content follows the identifiers to the record, on systems governed for PHI.
 *
 * The redaction list below is a safety net for mistakes, not a licence to log objects: it only
 * sees the keys it knows, up to {@link REDACT_DEPTH} levels deep.
 */
import { pino } from 'pino';
import { GapstreamError, BadRecordError } from '../errors.ts';

/** A pino logger; components get theirs from `logger.child({ component })`. */
export type Logger = pino.Logger;

/**
 * Keys that may carry patient data, in HL7 v2 / FHIR / claims vocabulary. `message`, `payload`,
 * `raw`, `body` and `value` are here because they usually hold a whole HL7 message or record
 * value (Kafka's `value` is the record). Pino's own message key is `msg`, which is not redacted:
 * log messages are fixed strings written by us, never interpolated content.
 */
export const PHI_KEYS = [
  'name',
  'given',
  'family',
  'dob',
  'birthDate',
  'ssn',
  'address',
  'phone',
  'email',
  'value',
  'payload',
  'message',
  'raw',
  'body',
] as const;

/** How many levels below the top a PHI key is still redacted (`a.b.c.name` at depth 3). */
export const REDACT_DEPTH = 3;

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/** Pino redact paths: each key at the top level and under 1..REDACT_DEPTH wildcard levels. */
export function redactPaths(keys: readonly string[] = PHI_KEYS, depth: number = REDACT_DEPTH): string[] {
  const paths: string[] = [];
  for (let level = 0; level <= depth; level++) {
    const prefix = '*.'.repeat(level);
    for (const key of keys) paths.push(`${prefix}${key}`);
  }
  return paths;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level (`trace` … `fatal`, or `silent`). Default `info`; usually from `LOG_LEVEL`. */
  level?: string;
  /**
   * Service name, logged as `service`. Not pino's `name` option: `name` is a PHI key and
   * would be redacted at the top level.
   */
  name?: string;
  /** Where lines go. Default stdout; tests pass an in-memory stream. */
  destination?: pino.DestinationStream;
}

/**
 * A structured JSON logger with PHI keys redacted and errors reduced to PHI-free fields.
 *
 * @example
 * const log = createLogger({ name: 'gapstream', level: process.env.LOG_LEVEL });
 * const mllp = log.child({ component: 'producers/mllp' });
 * mllp.warn({ controlId, topic, partition, offset, code: 'HL7_PID_MISSING' }, 'message rejected');
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const opts: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: options.name === undefined ? {} : { service: options.name },
    redact: { paths: redactPaths(), censor: REDACTED },
    serializers: { err: serializeError, error: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination === undefined ? pino(opts) : pino(opts, options.destination);
}

/** The PHI-free shape an error is logged as. */
export interface LoggedError {
  type: string;
  code?: string;
  retriable?: boolean;
  /** Only for our own errors that are not about a record's content (see {@link serializeError}). */
  reason?: string;
  /** Stack frames only: the first line of `stack` repeats the message. */
  stack?: string;
  cause?: LoggedError;
}

/**
 * Reduces an error to fields that cannot carry PHI. Messages of foreign errors are dropped:
 * they can quote input (V8's JSON `SyntaxError` includes a snippet of the text it failed on).
 * A `BadRecordError` message is about a record, so it is dropped too; its full reason goes to the
 * dead-letter topic, which is governed like the data. Other `GapstreamError`s (configuration,
 * connectivity) are written by us about our own systems and keep their message, as `reason`,
 * a key the redaction list leaves alone.
 */
export function serializeError(err: unknown, depth = 0): LoggedError {
  // A thrown non-Error (a string, an object) may be anything, record content included.
  if (!(err instanceof Error)) return { type: err === null ? 'null' : typeof err };
  const out: LoggedError = { type: err.name || 'Error' };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  if (err instanceof GapstreamError) {
    out.retriable = err.retriable;
    if (!(err instanceof BadRecordError)) out.reason = err.message;
  }
  if (typeof err.stack === 'string') {
    const frames = err.stack.split('\n').filter((line) => line.trimStart().startsWith('at '));
    if (frames.length > 0) out.stack = frames.join('\n');
  }
  // Depth-limited: cause chains can be cyclic.
  if (err.cause !== undefined && depth < 5) out.cause = serializeError(err.cause, depth + 1);
  return out;
}
