import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';
import { FIELDS } from './fields.ts';
import { nonBlank, parseFields } from './parse-fields.ts';
import { validateMllpConfig, type MllpSettings } from '../../producers/mllp/config.ts';
import { validateHl7FileConfig, type Hl7FileSettings } from '../../producers/hl7-files/config.ts';
import { validateClaimsConfig, type ClaimsSettings } from '../../producers/claims/config.ts';
import { validateIdentityConfig, type IdentitySettings } from '../../processors/identity/config.ts';
import type { GapsSettings } from '../../processors/gaps/config.ts';

/** The validated configuration every component receives. */
export interface Config {
  mode: 'embedded' | 'distributed';
  dataDir: string;
  namespace: string;
  instanceId: string;
  feeds: { dir: string };
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
  mllp: MllpSettings;
  hl7Files: Hl7FileSettings;
  claims: ClaimsSettings;
  identity: IdentitySettings;
  gaps: GapsSettings;
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

  const { values, problems: fieldProblems } = parseFields(FIELDS, fromFile, env, filePath);
  problems.push(...fieldProblems);
  const out: Record<string, unknown> = {
    feeds: {},
    embedded: {},
    kafka: {},
    schemaRegistry: {},
    clickhouse: {},
    log: {},
    telemetry: {},
    mllp: { tls: {} },
    hl7Files: {},
    claims: { sftp: {} },
    identity: {},
    gaps: {},
    ...values,
  };
  const mllp = out.mllp as { tls: { allowedClients?: string[] } };
  mllp.tls = { allowedClients: [], ...mllp.tls };

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
  if (fieldProblems.length === 0)
    problems.push(
      ...validateMllpConfig(config.mllp),
      ...validateHl7FileConfig(config.hl7Files),
      ...validateClaimsConfig(config.claims),
      ...validateIdentityConfig(config.identity),
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return { mode, ...config };
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
