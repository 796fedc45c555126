/** Observability for every component: PHI-free logs, the shared stage metrics, traces through Kafka headers. */
export {
  createLogger,
  redactPaths,
  serializeError,
  PHI_KEYS,
  REDACTED,
  type Logger,
  type LoggerOptions,
} from './log.ts';
export {
  METRIC,
  LATENCY_BUCKETS_MS,
  metricKey,
  parseMetricKey,
  type MetricValues,
  type StageMetrics,
} from './metrics.ts';
export {
  startRecordSpan,
  injectTraceContext,
  extractTraceContext,
  traceIdOf,
  TRACE_HEADERS,
  type RecordRef,
} from './tracing.ts';
export {
  createTelemetry,
  createNoopTelemetry,
  validateTelemetryConfig,
  type Telemetry,
  type TelemetryConfig,
} from './telemetry.ts';
export { observabilityFromEnv } from './env.ts';
