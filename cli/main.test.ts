import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';

describe('gapstream CLI', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  function capture(): { out: () => string; err: () => string } {
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    return { out: () => out, err: () => err };
  }

  it('a bad setting stops the process with exit 78 and one sentence naming the key', async () => {
    vi.stubEnv('KAFKA_BROKERS', 'localhost');
    const io = capture();
    expect(await main(['config'])).toBe(78);
    expect(io.err()).toBe(
      'Invalid configuration: KAFKA_BROKERS (kafka.brokers) = "localhost" from environment is invalid: expected a comma-separated list of host:port, e.g. 127.0.0.1:19092.\n',
    );
  });

  it('prints the validated configuration with secrets hidden', async () => {
    // The test command exports the local stack's settings; this case is about embedded mode.
    vi.stubEnv('KAFKA_BROKERS', '');
    vi.stubEnv('CLICKHOUSE_PASSWORD', 's3cret-value');
    const io = capture();
    expect(await main(['config'])).toBe(0);
    const printed = JSON.parse(io.out()) as { mode: string; clickhouse: { password: string } };
    expect(printed.mode).toBe('embedded');
    expect(printed.clickhouse.password).toBe('(hidden)');
    expect(io.out()).not.toContain('s3cret-value');
  });

  it('answers usage errors with exit 2', async () => {
    const io = capture();
    expect(await main(['frobnicate'])).toBe(2);
    expect(io.err()).toContain('Unknown command "frobnicate"');
    expect(await main(['inspect', 'x12'])).toBe(2);
    expect(await main(['run', '--count', '-1'])).toBe(2);
  });
});
