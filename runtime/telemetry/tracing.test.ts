import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { injectTraceContext, startRecordSpan, traceIdOf } from './tracing.ts';
import { createNoopTelemetry } from './telemetry.ts';

describe('trace context through record headers', () => {
  const { tracer } = createNoopTelemetry();

  it('continues a trace from producer to processor to sink', () => {
    const produce = startRecordSpan(tracer, 'mllp');
    const produced = injectTraceContext({ 'content-type': 'application/vnd.gapstream.adt+avro' }, produce);
    produce.end();
    expect(produced['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(produced['content-type']).toBe('application/vnd.gapstream.adt+avro');

    const process = startRecordSpan(tracer, 'gaps', { topic: 'hl7.adt', partition: 1, offset: 7 }, produced);
    const forwarded = injectTraceContext(produced, process);
    process.end();
    const sink = startRecordSpan(
      tracer,
      'clickhouse',
      { topic: 'gaps.out', partition: 0, offset: 3 },
      forwarded,
    );
    sink.end();

    const traceId = produce.spanContext().traceId;
    expect(process.spanContext().traceId).toBe(traceId);
    expect(sink.spanContext().traceId).toBe(traceId);
    expect(traceIdOf(forwarded)).toBe(traceId);
    // Each hop's parent is the previous hop, not the original producer.
    expect((process as unknown as ReadableSpan).parentSpanContext?.spanId).toBe(produce.spanContext().spanId);
    expect((sink as unknown as ReadableSpan).parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    expect(forwarded['traceparent']).not.toBe(produced['traceparent']);
  });

  it('puts coordinates only on the span', () => {
    const span = startRecordSpan(tracer, 'gaps', { topic: 'hl7.adt', partition: 1, offset: 7 }, {});
    span.end();
    expect((span as unknown as ReadableSpan).attributes).toEqual({
      'gapstream.stage': 'gaps',
      'messaging.system': 'kafka',
      'messaging.destination.name': 'hl7.adt',
      'messaging.destination.partition.id': '1',
      'messaging.kafka.offset': 7,
    });
  });

  it('starts a new trace when the headers carry none or a malformed one', () => {
    const a = startRecordSpan(tracer, 'gaps', {}, {});
    const b = startRecordSpan(tracer, 'gaps', {}, { traceparent: 'garbage' });
    expect(a.spanContext().traceId).not.toBe(b.spanContext().traceId);
    expect((b as unknown as ReadableSpan).parentSpanContext).toBeUndefined();
    a.end();
    b.end();
  });

  it('accepts trace headers in any case and does not mutate the caller headers', () => {
    const parent = startRecordSpan(tracer, 'mllp');
    const headers = injectTraceContext(undefined, parent);
    const upper = { TraceParent: headers['traceparent']! };
    expect(traceIdOf(upper)).toBe(parent.spanContext().traceId);
    const original = { ...upper };
    injectTraceContext(upper, parent);
    expect(upper).toEqual(original);
    parent.end();
  });
});
