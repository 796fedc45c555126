import type { FieldSpec } from './fields.ts';

/**
 * Applies each field's schema to its raw value — the environment variable when set, else the
 * config-file value, else the default — and builds the nested object. Every bad value becomes
 * one sentence naming the variable, the key, the value (hidden for secrets) and the expectation.
 * Shared by the central config and by components that validate their own slice of it.
 */
export function parseFields(
  fields: readonly FieldSpec[],
  fileValues: Record<string, unknown>,
  env: Record<string, string | undefined>,
  fileName = 'config file',
): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const field of fields) {
    const envValue = nonBlank(env[field.env]);
    const fileValue = fileValues[field.path];
    const fromFile =
      fileValue === undefined
        ? undefined
        : typeof fileValue === 'string'
          ? fileValue
          : JSON.stringify(fileValue);
    const raw = envValue ?? fromFile ?? field.default;
    if (raw === undefined) continue;
    const parsed = field.schema.safeParse(raw);
    if (parsed.success) {
      setPath(values, field.path, parsed.data);
    } else {
      const source = envValue !== undefined ? 'environment' : fromFile !== undefined ? fileName : 'default';
      const shown = field.secret ? '(hidden)' : JSON.stringify(raw);
      problems.push(
        `${field.env} (${field.path}) = ${shown} from ${source} is invalid: expected ${field.expected}, e.g. ${field.example}.`,
      );
    }
  }
  return { values, problems };
}

/** Sets `a.b.c` in a nested object, creating the intermediate objects. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/** Blank environment values count as unset (a `FOO=` line in a dotenv file). */
export function nonBlank(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
