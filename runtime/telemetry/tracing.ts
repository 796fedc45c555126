/**
 * Traces that follow a record through Kafka: producer → processor → sink. The W3C trace context
 * (`traceparent`, `tracestate`, https://www.w3.org/TR/trace-context/) travels in record headers:
 * a stage continues the context found on the record it consumed and writes its own span's
 * context onto the records it produces.
 *
 * Spans are passed explicitly rather than through an ambient context: a batch holds records of
 * many traces, and no async context manager is installed (sdk-trace-base has none).
 *
 * Span attributes are coordinates only (topic, partition, offset, stage): never content, which
 * would be PHI in a tracing backend that is not governed for it.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  context as otelContext,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Headers } from '../bus/types.ts';

/** The header names trace context travels in. */
export const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

/** Where a record is: the only attributes a record span carries. */
export interface RecordRef {
  topic?: string;
  partition?: number;
  offset?: number;
}

const propagator = new W3CTraceContextPropagator();

/** Reads our headers. Kafka header keys are case-sensitive; accept any case from other clients. */
const getter: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const exact = carrier[key];
    if (exact !== undefined) return exact;
    const found = Object.keys(carrier).find((k) => k.toLowerCase() === key);
    return found === undefined ? undefined : carrier[found];
  },
};

const setter: TextMapSetter<Headers> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/**
 * The trace context carried by `headers`, on top of the root context: nothing leaks in from
 * whatever span happens to be active, so each record continues exactly its own trace.
 */
export function extractTraceContext(headers: Headers | undefined): Context {
  return headers === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, headers, getter);
}

/**
 * Starts the span of one record in `stage`. With `parentHeaders` (a consumed record's headers)
 * the span is a CONSUMER span continuing the trace in them, or a new trace when they carry none;
 * without, it is a PRODUCER span starting a trace (a message arriving over MLLP, a claims line).
 * The caller ends it: `span.end()`.
 */
export function startRecordSpan(
  tracer: Tracer,
  stage: string,
  record: RecordRef = {},
  parentHeaders?: Headers,
): Span {
  const attributes: Record<string, string | number> = { 'gapstream.stage': stage };
  if (record.topic !== undefined) {
    attributes['messaging.system'] = 'kafka';
    attributes['messaging.destination.name'] = record.topic;
  }
  if (record.partition !== undefined)
    attributes['messaging.destination.partition.id'] = String(record.partition);
  if (record.offset !== undefined) attributes['messaging.kafka.offset'] = record.offset;
  const kind = parentHeaders === undefined ? SpanKind.PRODUCER : SpanKind.CONSUMER;
  return tracer.startSpan(stage, { kind, attributes }, extractTraceContext(parentHeaders));
}

/**
 * Outgoing headers carrying `span`'s context (or, without `span`, the active context's). Returns
 * a copy: the caller's headers are left alone. Trace headers copied from a consumed record are
 * replaced, never forwarded, so a downstream span's parent is this stage's span.
 */
export function injectTraceContext(headers: Headers | undefined, span?: Span): Headers {
  const out: Headers = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (!(TRACE_HEADERS as readonly string[]).includes(key.toLowerCase())) out[key] = value;
  }
  const ctx = span === undefined ? otelContext.active() : trace.setSpan(ROOT_CONTEXT, span);
  propagator.inject(ctx, out, setter);
  return out;
}

/** The trace id in `headers`, or undefined: for logs and tests. */
export function traceIdOf(headers: Headers | undefined): string | undefined {
  const spanContext = trace.getSpanContext(extractTraceContext(headers));
  return spanContext === undefined ? undefined : spanContext.traceId;
}
