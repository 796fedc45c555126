/**
 * Observability settings from the environment: `LOG_LEVEL`, `METRICS_PORT`,
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (the standard OpenTelemetry variable, so a collector set up for
 * other services works unchanged). Every problem is reported at once.
 */
import { ConfigError } from '../errors.ts';
import type { LoggerOptions } from './log.ts';
import { validateTelemetryConfig, type TelemetryConfig } from './telemetry.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Logger and telemetry options for `serviceName` from `env`; throws a `ConfigError` listing every bad variable. */
export function observabilityFromEnv(
  serviceName: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { logger: LoggerOptions; telemetry: TelemetryConfig } {
  const problems: string[] = [];

  const level = env['LOG_LEVEL']?.trim().toLowerCase() || 'info';
  if (!(LEVELS as readonly string[]).includes(level)) {
    problems.push(`LOG_LEVEL is ${JSON.stringify(env['LOG_LEVEL'])}; expected one of ${LEVELS.join(', ')}`);
  }

  let prometheusPort: number | undefined;
  const rawPort = env['METRICS_PORT']?.trim();
  if (rawPort !== undefined && rawPort !== '') {
    if (/^\d+$/.test(rawPort)) prometheusPort = Number(rawPort);
    else {
      problems.push(
        `METRICS_PORT is ${JSON.stringify(rawPort)}; expected a port number (0 picks a free one), or unset for no /metrics endpoint`,
      );
    }
  }

  const otlpEndpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim() || undefined;
  const telemetry: TelemetryConfig = { serviceName, prometheusPort, otlpEndpoint };
  // The range check (0–65535) and the URL check are the telemetry validator's; its messages name
  // config keys, so they are renamed to the variables the operator actually set.
  for (const problem of validateTelemetryConfig(telemetry)) {
    problems.push(
      problem
        .replace(/^telemetry\.prometheusPort\b/, 'METRICS_PORT')
        .replace(/^telemetry\.otlpEndpoint\b/, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { logger: { level, name: serviceName }, telemetry };
}
