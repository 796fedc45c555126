import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';
import { FIELDS, type FieldSpec } from './fields.ts';

/** The validated configuration every component receives. */
export interface Config {
  mode: 'embedded' | 'distributed';
  dataDir: string;
  namespace: string;
  instanceId: string;
  embedded: { fsync: 'always' | 'never' };
  kafka: {
    brokers?: string[];
    clientId: string;
    partitions: number;
    replicationFactor: number;
    sessionTimeoutMs: number;
    ssl: boolean;
    sslCaFile?: string;
    saslMechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    saslUsername?: string;
    saslPassword?: string;
  };
  schemaRegistry: { url?: string; username?: string; password?: string };
  clickhouse: { url?: string; username: string; password?: string; database: string };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  telemetry: { metricsPort?: number; otlpEndpoint?: string };
}

export interface LoadOptions {
  /** Environment to read; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Config file (YAML or JSON); defaults to $GAPSTREAM_CONFIG when set. */
  file?: string;
}

/**
 * Reads the config file (if any) and the environment, validates every key and returns the
 * config, or throws one ConfigError that lists *all* problems, each naming the key, the bad value
 * and what was expected. Pure apart from reading the file: opens no sockets.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const filePath = options.file ?? nonBlank(env.GAPSTREAM_CONFIG);
  const fromFile = filePath === undefined ? {} : readConfigFile(filePath, problems);

  const out: Record<string, unknown> = {
    embedded: {},
    kafka: {},
    schemaRegistry: {},
    clickhouse: {},
    log: {},
    telemetry: {},
  };
  for (const field of FIELDS) {
    const envValue = nonBlank(env[field.env]);
    const fileValue = fromFile[field.path];
    const raw =
      envValue ??
      (fileValue === undefined
        ? field.default
        : typeof fileValue === 'string'
          ? fileValue
          : JSON.stringify(fileValue));
    if (raw === undefined) continue;
    const parsed = field.schema.safeParse(raw);
    if (parsed.success) setPath(out, field.path, parsed.data);
    else
      problems.push(
        describeProblem(
          field,
          raw,
          envValue !== undefined ? 'environment' : fileValue !== undefined ? filePath! : 'default',
        ),
      );
  }

  const config = out as unknown as Omit<Config, 'mode'>;
  const mode = config.kafka.brokers ? 'distributed' : 'embedded';
  if (mode === 'distributed' && !config.schemaRegistry.url) {
    problems.push(
      'SCHEMA_REGISTRY_URL (schemaRegistry.url) is missing: distributed mode (KAFKA_BROKERS is set) needs a Schema Registry, e.g. http://127.0.0.1:18081/apis/ccompat/v7.',
    );
  }
  if (config.kafka.saslMechanism && (!config.kafka.saslUsername || !config.kafka.saslPassword)) {
    problems.push(
      'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required when KAFKA_SASL_MECHANISM is set.',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { mode, ...config };
}

function describeProblem(field: FieldSpec, raw: string, source: string): string {
  const shown = field.secret ? '(hidden)' : JSON.stringify(raw);
  return `${field.env} (${field.path}) = ${shown} from ${source} is invalid: expected ${field.expected}, e.g. ${field.example}.`;
}

/** Flattens the config file to dotted keys; unknown keys are problems (typos must not pass silently). */
function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  let doc: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    problems.push(`GAPSTREAM_CONFIG = ${JSON.stringify(path)} cannot be read: ${(err as Error).message}.`);
    return {};
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push(
      `GAPSTREAM_CONFIG = ${JSON.stringify(path)} is invalid: expected a mapping of keys such as kafka.brokers.`,
    );
    return {};
  }
  const flat: Record<string, unknown> = {};
  flatten(doc as Record<string, unknown>, '', flat);
  const known = new Set(FIELDS.map((f) => f.path));
  for (const key of Object.keys(flat)) {
    if (!known.has(key)) {
      problems.push(`${key} in ${path} is not a gapstream setting: see docs/configuration.md for the keys.`);
      delete flat[key];
    }
  }
  return flat;
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      flatten(v as Record<string, unknown>, key, out);
    else out[key] = Array.isArray(v) ? v.join(',') : v;
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function nonBlank(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
