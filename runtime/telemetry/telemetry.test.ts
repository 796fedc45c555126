import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { observabilityFromEnv } from './env.ts';
import { createTelemetry, type Telemetry } from './telemetry.ts';

describe('createTelemetry', () => {
  let telemetry: Telemetry | undefined;
  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
  });

  it('serves the shared counters on /metrics at the bound port', async () => {
    telemetry = await createTelemetry({
      serviceName: 'test',
      prometheusPort: 0,
      prometheusHost: '127.0.0.1',
    });
    const port = telemetry.prometheusPort;
    expect(port).toBeGreaterThan(0);
    const stage = telemetry.stage('parse-hl7');
    stage.received(10);
    stage.emitted(9);
    stage.deadLettered('HL7_PID_MISSING');

    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('gapstream_records_received_total{stage="parse-hl7"} 10');
    expect(body).toContain('gapstream_records_emitted_total{stage="parse-hl7"} 9');
    expect(body).toContain('gapstream_deadlettered_total{stage="parse-hl7",code="HL7_PID_MISSING"} 1');

    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });

  it('closes the endpoint on shutdown, and shutdown is idempotent', async () => {
    const t = await createTelemetry({ serviceName: 'test', prometheusPort: 0, prometheusHost: '127.0.0.1' });
    await Promise.all([t.shutdown(), t.shutdown()]);
    await expect(fetch(`http://127.0.0.1:${t.prometheusPort}/metrics`)).rejects.toThrow();
  });

  it('reports a taken port with the fix', async () => {
    telemetry = await createTelemetry({
      serviceName: 'test',
      prometheusPort: 0,
      prometheusHost: '127.0.0.1',
    });
    await expect(
      createTelemetry({
        serviceName: 'test',
        prometheusPort: telemetry.prometheusPort,
        prometheusHost: '127.0.0.1',
      }),
    ).rejects.toThrow(/METRICS_PORT/);
  });

  it('rejects bad configuration with every problem at once', async () => {
    const err = await createTelemetry({
      serviceName: '',
      prometheusPort: 70000,
      otlpEndpoint: 'localhost:4318',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toHaveLength(3);
  });

  it('pushes metrics and spans to an OTLP/HTTP collector under /v1/metrics and /v1/traces', async () => {
    const collector = await fakeCollector(200);
    try {
      const t = await createTelemetry({ serviceName: 'test', otlpEndpoint: `${collector.url}/` });
      t.stage('x').received();
      t.startRecordSpan('x').end();
      await t.shutdown();
      expect(collector.paths.sort()).toEqual(['/v1/metrics', '/v1/traces']);
    } finally {
      await collector.close();
    }
  });

  it('resolves shutdown and warns when the collector refuses the data', async () => {
    const collector = await fakeCollector(400);
    const warnings: unknown[] = [];
    try {
      const t = await createTelemetry({
        serviceName: 'test',
        otlpEndpoint: collector.url,
        logger: { warn: (obj: unknown) => warnings.push(obj) },
      });
      t.stage('x').received();
      t.startRecordSpan('x').end();
      await expect(t.shutdown()).resolves.toBeUndefined();
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings[0]).toMatchObject({ code: 'TELEMETRY_SHUTDOWN_FAILED' });
    } finally {
      await collector.close();
    }
  });
});

describe('observabilityFromEnv', () => {
  it('reads LOG_LEVEL, METRICS_PORT and OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(
      observabilityFromEnv('gapstream-mllp', {
        LOG_LEVEL: 'debug',
        METRICS_PORT: '9464',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      }),
    ).toEqual({
      logger: { level: 'debug', name: 'gapstream-mllp' },
      telemetry: {
        serviceName: 'gapstream-mllp',
        prometheusPort: 9464,
        otlpEndpoint: 'http://collector:4318',
      },
    });
    expect(observabilityFromEnv('s', {}).telemetry).toEqual({
      serviceName: 's',
      prometheusPort: undefined,
      otlpEndpoint: undefined,
    });
  });

  it('names every bad variable', () => {
    const env = { LOG_LEVEL: 'loud', METRICS_PORT: 'abc', OTEL_EXPORTER_OTLP_ENDPOINT: 'nope' };
    const err = (() => {
      try {
        observabilityFromEnv('s', env);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^LOG_LEVEL is "loud"/);
    expect(problems[1]).toMatch(/^METRICS_PORT is "abc"/);
    expect(problems[2]).toMatch(/^OTEL_EXPORTER_OTLP_ENDPOINT is "nope"/);
  });
});

/** An OTLP/HTTP collector stand-in that records request paths and answers `status`. */
async function fakeCollector(
  status: number,
): Promise<{ url: string; paths: string[]; close: () => Promise<void> }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
