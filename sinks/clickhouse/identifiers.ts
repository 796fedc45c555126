import { invalidArgument, type StoreErrorContext } from './errors.ts';

/**
 * The only identifiers (database and table names) the store will put into SQL text. Values never
 * go into SQL text at all — they are bound server-side or sent as JSONEachRow bodies — but
 * identifiers cannot be bound on every server (`{name:Identifier}` needs ClickHouse 21.12+; the
 * local 18.16 has no query parameters at all), so they are validated instead, which needs no
 * quoting and leaves nothing to escape.
 */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Return `name` if it is a safe identifier, else throw a non-retriable StoreError naming it. */
export function assertIdentifier(name: unknown, what: string, ctx: StoreErrorContext): string {
  if (typeof name !== 'string' || !IDENTIFIER_PATTERN.test(name)) {
    // The name is configuration or code, not patient data, so it is safe to echo (JSON-quoted so
    // control characters stay visible).
    throw invalidArgument(
      ctx,
      `${what} ${JSON.stringify(name)} is not a plain identifier; expected ${String(IDENTIFIER_PATTERN)} (letters, digits, underscore; not starting with a digit)`,
    );
  }
  return name;
}
