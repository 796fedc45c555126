import { afterEach, describe, expect, it } from 'vitest';
import { stageCounts } from './metrics-assert.ts';
import { METRIC, metricKey, parseMetricKey } from './metrics.ts';
import { createNoopTelemetry, createTelemetry, type Telemetry } from './telemetry.ts';

describe('stage metrics', () => {
  let telemetry: Telemetry | undefined;
  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
  });

  it('counts under the shared names with stage and code labels', async () => {
    telemetry = await createTelemetry({ serviceName: 'test', inMemory: true });
    const parse = telemetry.stage('parse-hl7');
    expect(telemetry.stage('parse-hl7')).toBe(parse);
    parse.received(10);
    parse.emitted(9);
    parse.error('HL7_PID_MISSING');
    parse.deadLettered('HL7_PID_MISSING');
    parse.lag('hl7.adt', 0, 5, 'gaps');
    parse.latency(3);
    parse.latency(7);
    telemetry.stage('sink').received();

    const values = await telemetry.collect();
    expect(values).toMatchObject({
      'gapstream_records_received_total{stage="parse-hl7"}': 10,
      'gapstream_records_emitted_total{stage="parse-hl7"}': 9,
      'gapstream_errors_total{code="HL7_PID_MISSING",stage="parse-hl7"}': 1,
      'gapstream_deadlettered_total{code="HL7_PID_MISSING",stage="parse-hl7"}': 1,
      'gapstream_consumer_lag{group="gaps",partition="0",stage="parse-hl7",topic="hl7.adt"}': 5,
      'gapstream_processing_latency_ms_count{stage="parse-hl7"}': 2,
      'gapstream_processing_latency_ms_sum{stage="parse-hl7"}': 10,
      'gapstream_records_received_total{stage="sink"}': 1,
    });
  });

  it('gives a component test its counters through the shared helper', async () => {
    telemetry = await createTelemetry({ serviceName: 'test', inMemory: true });
    const stage = telemetry.stage('claims-parse');
    stage.received(10);
    stage.emitted(9);
    stage.error('CLAIM_BAD_NPI');
    stage.error('BROKER_UNAVAILABLE');
    stage.deadLettered('CLAIM_BAD_NPI');
    stage.lag('claims.raw', 2, 17);
    telemetry.stage('other').received(100);

    expect(await stageCounts(telemetry, 'claims-parse')).toEqual({
      received: 10,
      emitted: 9,
      errors: 2,
      errorsByCode: { CLAIM_BAD_NPI: 1, BROKER_UNAVAILABLE: 1 },
      deadLettered: 1,
      deadLetteredByCode: { CLAIM_BAD_NPI: 1 },
      latencyCount: 0,
      lag: { 'claims.raw/2': 17 },
    });
    expect((await stageCounts(telemetry, 'never-ran')).received).toBe(0);
  });

  it('refuses collect() without an in-memory reader, saying how to get one', async () => {
    telemetry = await createTelemetry({ serviceName: 'test' });
    await expect(telemetry.collect()).rejects.toThrow(/inMemory: true/);
  });

  it('no-op telemetry accepts everything and collects nothing', async () => {
    const noop = createNoopTelemetry();
    noop.stage('x').received(3);
    expect(await noop.collect()).toEqual({});
    await noop.shutdown();
  });

  it('round-trips metric keys, escaping included', () => {
    const key = metricKey(METRIC.errors, { stage: 'a"b\\c', code: 'X' });
    expect(key).toBe('gapstream_errors_total{code="X",stage="a\\"b\\\\c"}');
    expect(parseMetricKey(key)).toEqual({ name: METRIC.errors, labels: { code: 'X', stage: 'a"b\\c' } });
  });
});
