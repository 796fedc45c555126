import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVER_FEATURES, openStore, openStoreWithInfo, type ServerFeature } from './store.ts';
import { StoreError } from './errors.ts';
import { describeStoreContract, randomDatabaseName } from './store-contract.ts';

// Where the server is comes from the environment, never from the test (CONVENTIONS.md §11).
// The default is infra/local's ClickHouse (CLICKHOUSE_HTTP_PORT in infra/local/versions.env).
const url = process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:18123';
const username = process.env['CLICKHOUSE_USER'];
const password = process.env['CLICKHOUSE_PASSWORD'];

/**
 * What the server lacks. The default describes the local Debian ClickHouse 18.16:
 * - `query-params`: `{name:Type}` placeholders / `param_*` URL arguments do not exist
 *   (18.16 answers `Code: 115 Unknown setting param_x`);
 * - `datetime64`: no DateTime64 type (added in 20.1), so migrations run their
 *   `.no-datetime64.sql` variants.
 * Against another server set CLICKHOUSE_SERVER_LACKS (comma list, empty for none); the contract
 * checks the list against what the driver probes, so a wrong list fails the run.
 */
const serverLacks: ServerFeature[] =
  process.env['CLICKHOUSE_SERVER_LACKS'] === undefined
    ? ['query-params', 'datetime64']
    : process.env['CLICKHOUSE_SERVER_LACKS']
        .split(',')
        .map((s) => s.trim())
        .filter((s): s is ServerFeature => (SERVER_FEATURES as readonly string[]).includes(s));

const config = { driver: 'http' as const, url, username, password };

// An unreachable server fails this file loudly; it never turns into skipped tests (CONVENTIONS.md §10).
beforeAll(async () => {
  const client = createClient({
    url,
    username: username ?? 'default',
    password: password ?? '',
    request_timeout: 5_000,
    log: { level: ClickHouseLogLevel.OFF },
  });
  try {
    const ping = await client.ping();
    if (!ping.success) {
      throw new Error(
        `ClickHouse is not reachable at CLICKHOUSE_URL=${url} (${String(ping.error)}). Start it with \`infra/local/clickhouse.sh start\` or point CLICKHOUSE_URL at a server.`,
      );
    }
  } finally {
    await client.close();
  }
});

describeStoreContract('http', (database, options) => openStoreWithInfo({ ...config, database }, options), {
  serverLacks,
});

describe('http driver specifics', () => {
  it('maps a refused connection to a retriable network error', async () => {
    const err: unknown = await openStore({
      driver: 'http',
      url: 'http://127.0.0.1:9',
      database: 'x',
      requestTimeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).retriable).toBe(true);
    expect(['network', 'timeout']).toContain((err as StoreError).reason);
  });

  it('maps bad credentials to a non-retriable server error that does not echo the password', async () => {
    const err: unknown = await openStore({
      ...config,
      password: 'definitely-wrong-PW',
      database: randomDatabaseName(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).retriable).toBe(false);
    expect([192, 193, 516]).toContain((err as StoreError).clickhouseCode);
    expect((err as StoreError).message).not.toContain('definitely-wrong-PW');
  });
});
