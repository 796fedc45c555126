import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { loadConfig } from './load.ts';

function problemsOf(env: Record<string, string>, file?: string): string[] {
  try {
    loadConfig({ env, file });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to embedded mode with no environment', () => {
    const c = loadConfig({ env: {} });
    expect(c.mode).toBe('embedded');
    expect(c.dataDir).toBe('.local/data');
    expect(c.embedded.fsync).toBe('always');
    expect(c.clickhouse).toEqual({ username: 'default', database: 'gapstream' });
    expect(c.kafka.partitions).toBe(3);
  });

  it('switches to distributed mode when KAFKA_BROKERS is set', () => {
    const c = loadConfig({
      env: {
        KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19094',
        SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
      },
    });
    expect(c.mode).toBe('distributed');
    expect(c.kafka.brokers).toEqual(['127.0.0.1:19092', '127.0.0.1:19094']);
  });

  const badValues: [string, string, RegExp][] = [
    [
      'KAFKA_BROKERS',
      'localhost',
      /^KAFKA_BROKERS \(kafka\.brokers\) = "localhost" from environment is invalid: expected a comma-separated list of host:port/,
    ],
    [
      'GAPSTREAM_FSYNC',
      'sometimes',
      /^GAPSTREAM_FSYNC \(embedded\.fsync\) = "sometimes" .* expected always or never/,
    ],
    ['GAPSTREAM_PARTITIONS', '0', /^GAPSTREAM_PARTITIONS .* expected a whole number of at least 1/],
    ['GAPSTREAM_PARTITIONS', 'three', /^GAPSTREAM_PARTITIONS .* = "three"/],
    ['KAFKA_SSL', 'maybe', /^KAFKA_SSL \(kafka\.ssl\) = "maybe" .* expected true or false/],
    [
      'KAFKA_SASL_MECHANISM',
      'gssapi',
      /^KAFKA_SASL_MECHANISM .* expected plain, scram-sha-256 or scram-sha-512/,
    ],
    ['CLICKHOUSE_URL', 'ftp://x', /^CLICKHOUSE_URL .* expected an http\(s\) URL/],
    ['CLICKHOUSE_DATABASE', 'drop table;', /^CLICKHOUSE_DATABASE .* expected an identifier/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL .* expected one of fatal, error/],
    ['METRICS_PORT', '70000', /^METRICS_PORT .* expected a port number/],
    [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'collector:4318',
      /^OTEL_EXPORTER_OTLP_ENDPOINT .* expected an http\(s\) URL/,
    ],
  ];
  it.each(badValues)('%s=%s gives one clear sentence naming the key', (key, value, pattern) => {
    const problems = problemsOf({ [key]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(pattern);
  });

  it('never prints a secret value', () => {
    const problems = problemsOf({
      KAFKA_SASL_PASSWORD: '',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
    });
    expect(problems.join(' ')).toMatch(/KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required/);
    const hidden = problemsOf({ CLICKHOUSE_PASSWORD: 'x', CLICKHOUSE_URL: 'nope' });
    expect(hidden.join(' ')).not.toContain('"x"');
  });

  it('requires a schema registry in distributed mode', () => {
    expect(problemsOf({ KAFKA_BROKERS: '127.0.0.1:19092' })[0]).toMatch(
      /^SCHEMA_REGISTRY_URL \(schemaRegistry\.url\) is missing/,
    );
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ KAFKA_BROKERS: 'x', LOG_LEVEL: 'y', GAPSTREAM_FSYNC: 'z' })).toHaveLength(3);
  });

  it('reads a YAML config file, rejects unknown keys, and lets the environment win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-config-'));
    const file = join(dir, 'gapstream.yaml');
    writeFileSync(file, 'log:\n  level: debug\nclickhouse:\n  database: clinic\n');
    const c = loadConfig({ env: { CLICKHOUSE_DATABASE: 'override' }, file });
    expect(c.log.level).toBe('debug');
    expect(c.clickhouse.database).toBe('override');

    writeFileSync(file, 'kafka:\n  brokerz: 127.0.0.1:1\n');
    expect(problemsOf({}, file)).toEqual([
      `kafka.brokerz in ${file} is not a gapstream setting: see docs/configuration.md for the keys.`,
    ]);
    expect(problemsOf({}, join(dir, 'missing.yaml'))[0]).toMatch(
      /^GAPSTREAM_CONFIG = ".*missing.yaml" cannot be read/,
    );
  });
});
