/**
 * Wires metrics and traces for one process: a MeterProvider and a TracerProvider with the
 * exporters asked for (OTLP/HTTP to a collector, a Prometheus `/metrics` endpoint, the console,
 * an in-memory reader for tests). Components receive the {@link Telemetry} from the runtime and
 * never touch the OpenTelemetry globals, so two pipelines (or two tests) in one process do not
 * share counters.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Meter, Span, Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  ConsoleMetricExporter,
  MeterProvider,
  MetricReader,
  type IMetricReader,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Headers } from '../bus/types.ts';
import type { Logger } from './log.ts';
import { ConfigError, GapstreamError } from '../errors.ts';
import { flattenMetrics, stageMetricsFactory, type MetricValues, type StageMetrics } from './metrics.ts';
import { startRecordSpan, type RecordRef } from './tracing.ts';

/** Configuration of {@link createTelemetry}. */
export interface TelemetryConfig {
  /** `service.name` on every metric and span, e.g. `gapstream-mllp`. Required. */
  serviceName: string;
  /**
   * Port of the Prometheus endpoint (`GET /metrics`). Unset: no endpoint. 0: any free port, read
   * the bound one from `telemetry.prometheusPort`. Env: `METRICS_PORT`.
   */
  prometheusPort?: number | undefined;
  /** Interface the Prometheus endpoint binds to. Default: all interfaces (it must be scrapable). */
  prometheusHost?: string | undefined;
  /**
   * Base URL of an OTLP/HTTP collector, e.g. `http://localhost:4318`; `/v1/metrics` and
   * `/v1/traces` are appended as the OTLP spec says for `OTEL_EXPORTER_OTLP_ENDPOINT`.
   * Unset: nothing is pushed. Env: `OTEL_EXPORTER_OTLP_ENDPOINT`.
   */
  otlpEndpoint?: string | undefined;
  /** Print metrics and spans to stdout (local debugging only: noisy). Default false. */
  consoleExporter?: boolean;
  /** Keep an in-memory reader so {@link Telemetry.collect} works (tests). Default false. */
  inMemory?: boolean;
  /** How often pushed metrics (OTLP, console) are exported, in ms. Default 15000. */
  exportIntervalMillis?: number;
  /** Where a failed final flush is reported (as a warning). Default: nowhere. */
  logger?: Pick<Logger, 'warn'> | undefined;
}

/** Metrics and traces of one process. */
export interface Telemetry {
  readonly serviceName: string;
  /** The tracer every stage starts its spans with. */
  readonly tracer: Tracer;
  /** For metrics beyond the shared set; name them `gapstream_<component>_<what>`. */
  readonly meter: Meter;
  /** The port `/metrics` is served on once bound (the real one when 0 was asked), or undefined. */
  readonly prometheusPort: number | undefined;
  /** The shared metrics, labelled with `stage`. Same name, same object. */
  stage(name: string): StageMetrics;
  /** {@link startRecordSpan} with this telemetry's tracer. */
  startRecordSpan(stage: string, record?: RecordRef, parentHeaders?: Headers): Span;
  /** Current metric values (needs `inMemory: true`). */
  collect(): Promise<MetricValues>;
  /**
   * Flushes pending metrics and spans, then stops exporters and the endpoint. Idempotent. Never
   * rejects: losing the last telemetry (collector down) must not fail a pipeline's shutdown;
   * failures go to `config.logger`.
   */
  shutdown(): Promise<void>;
}

const DEFAULT_EXPORT_INTERVAL_MS = 15_000;

/**
 * Checks a {@link TelemetryConfig} without opening anything, returning every problem found
 * (CONVENTIONS.md §3–4).
 */
export function validateTelemetryConfig(config: TelemetryConfig): string[] {
  const problems: string[] = [];
  if (typeof config.serviceName !== 'string' || config.serviceName.trim() === '') {
    problems.push(
      `telemetry.serviceName is ${JSON.stringify(config.serviceName)}; expected a non-empty name such as "gapstream-mllp"`,
    );
  }
  const port = config.prometheusPort;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    problems.push(
      `telemetry.prometheusPort is ${port}; expected an integer from 0 to 65535 (0 picks a free port), or unset for no endpoint`,
    );
  }
  if (config.otlpEndpoint !== undefined) {
    let ok = false;
    try {
      const url = new URL(config.otlpEndpoint);
      ok = url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok) {
      problems.push(
        `telemetry.otlpEndpoint is ${JSON.stringify(config.otlpEndpoint)}; expected an http(s) base URL such as "http://localhost:4318" (no /v1/... path)`,
      );
    }
  }
  const interval = config.exportIntervalMillis;
  if (interval !== undefined && !(Number.isInteger(interval) && interval > 0)) {
    problems.push(
      `telemetry.exportIntervalMillis is ${interval}; expected a positive integer number of milliseconds`,
    );
  }
  return problems;
}

/**
 * Builds the providers and exporters, and binds the Prometheus endpoint when a port is set.
 * Throws a `ConfigError` listing every bad field before anything is opened.
 */
export async function createTelemetry(config: TelemetryConfig): Promise<Telemetry> {
  const problems = validateTelemetryConfig(config);
  if (problems.length > 0) throw new ConfigError(problems);

  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName });
  const exportIntervalMillis = config.exportIntervalMillis ?? DEFAULT_EXPORT_INTERVAL_MS;
  const base = config.otlpEndpoint?.replace(/\/+$/, '');

  // IMetricReader, not MetricReader: the exporters pin sdk-metrics 2.12.0 while we have 2.12.1,
  // so their readers are a different MetricReader class with the same interface.
  const readers: IMetricReader[] = [];
  const spanProcessors: SpanProcessor[] = [];
  if (base !== undefined) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
        exportIntervalMillis,
      }),
    );
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` })));
  }
  if (config.consoleExporter === true) {
    readers.push(
      new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis }),
    );
    spanProcessors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  }
  let prometheus: PrometheusExporter | undefined;
  if (config.prometheusPort !== undefined) {
    // The exporter's own server cannot bind port 0 (it treats 0 as "use 9464") nor report the
    // bound port, so it only renders the scrape and we serve it.
    prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
    readers.push(prometheus);
  }
  let memory: PullReader | undefined;
  if (config.inMemory === true) {
    memory = new PullReader();
    readers.push(memory);
  }

  const meterProvider = new MeterProvider({ resource, readers });
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors });

  let server: Server | undefined;
  let prometheusPort: number | undefined;
  if (prometheus !== undefined) {
    server = await serveMetrics(prometheus, config.prometheusPort ?? 0, config.prometheusHost);
    prometheusPort = (server.address() as AddressInfo).port;
  }

  return assemble({
    serviceName: config.serviceName,
    logger: config.logger,
    meterProvider,
    tracerProvider,
    prometheusPort,
    collect: async () => {
      if (memory === undefined) {
        throw new GapstreamError(
          'TELEMETRY_NOT_IN_MEMORY',
          'telemetry.collect() needs an in-memory reader; create the telemetry with { inMemory: true }',
        );
      }
      const { resourceMetrics, errors } = await memory.collect();
      if (errors.length > 0)
        throw new GapstreamError('TELEMETRY_COLLECT_FAILED', 'metric collection failed', {
          cause: errors[0],
        });
      return flattenMetrics(resourceMetrics);
    },
    close: async () => {
      if (server === undefined) return;
      const s = server;
      s.closeAllConnections();
      await new Promise<void>((resolve, reject) => s.close((err) => (err ? reject(err) : resolve())));
    },
  });
}

/**
 * Telemetry that exports nothing, for tests and tools that do not care. Spans still get real
 * ids, so trace headers keep flowing through components under test; `collect()` returns `{}`.
 */
export function createNoopTelemetry(serviceName = 'gapstream-test'): Telemetry {
  return assemble({
    serviceName,
    logger: undefined,
    meterProvider: new MeterProvider(),
    tracerProvider: new BasicTracerProvider(),
    prometheusPort: undefined,
    collect: () => Promise.resolve({}),
    close: () => Promise.resolve(),
  });
}

/** A reader that only collects when asked: what tests read metric values through. */
class PullReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Serves the exporter's scrape on `GET /metrics`; everything else is 404. */
async function serveMetrics(
  exporter: PrometheusExporter,
  port: number,
  host: string | undefined,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/metrics') {
      exporter.getMetricsRequestHandler(req, res);
      return;
    }
    res.statusCode = 404;
    res.end('Not found: metrics are at /metrics\n');
  });
  // A scrape endpoint must not keep a finished process alive.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    throw new GapstreamError(
      'TELEMETRY_PORT_UNAVAILABLE',
      `cannot serve /metrics on port ${port}: ${(err as Error).message}; set METRICS_PORT to a free port, or 0 to pick one`,
      { cause: err },
    );
  });
  return server;
}

function assemble(parts: {
  serviceName: string;
  logger: Pick<Logger, 'warn'> | undefined;
  meterProvider: MeterProvider;
  tracerProvider: BasicTracerProvider;
  prometheusPort: number | undefined;
  collect: () => Promise<MetricValues>;
  close: () => Promise<void>;
}): Telemetry {
  const meter = parts.meterProvider.getMeter('gapstream');
  const tracer = parts.tracerProvider.getTracer('gapstream');
  const stage = stageMetricsFactory(meter);
  let shutdown: Promise<void> | undefined;
  return {
    serviceName: parts.serviceName,
    tracer,
    meter,
    prometheusPort: parts.prometheusPort,
    stage,
    startRecordSpan: (name, record, parentHeaders) => startRecordSpan(tracer, name, record, parentHeaders),
    collect: parts.collect,
    shutdown: () => {
      shutdown ??= (async () => {
        // Providers first: their shutdown flushes the last metrics and spans to the exporters.
        const results = await Promise.allSettled([
          parts.meterProvider.shutdown(),
          parts.tracerProvider.shutdown(),
        ]);
        results.push(...(await Promise.allSettled([parts.close()])));
        for (const result of results) {
          if (result.status === 'rejected') {
            parts.logger?.warn(
              { code: 'TELEMETRY_SHUTDOWN_FAILED', err: result.reason },
              'telemetry not flushed on shutdown',
            );
          }
        }
      })();
      return shutdown;
    },
  };
}
