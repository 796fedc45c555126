// Care gaps, streaming latency in distributed mode: how long after a person event its gap change
// is visible in ClickHouse, at a steady BENCH_RATE events/s (default 1,000) for BENCH_SECONDS
// (default 60). Everything runs against the local stack (Kafka + Apicurio + ClickHouse 18.16
// server), in a fresh namespace and a fresh database per run:
//   npm run stack -- status   (start it with `npm run stack -- start` if stopped)
//   set -a; . .local/stack.env; set +a; node bin/run-ts.mjs bench/care-gaps-latency.bench.ts
//
// In this process: the care-gaps processor (one instance, 3 partitions, batches of at most
// BENCH_PROCESSOR_BATCH records) and the care-gap sinks writing to the ClickHouse server. Preload: BENCH_PERSONS women aged 60 (demographics + a
// primary-care visit at NPI 1234567893 / TIN 123456789, specialty 08: attributed under
// example-mssp-aco, CMS125 and CMS130 open), then wait until every group has drained.
// Phase 1 (sinks running): events paced in batches every BENCH_TICK_MS (default 10 ms), each
// closing one open gap (alternately a mammography claim, CPT 77067 → CMS125 CLOSED, and a
// colonoscopy claim, CPT 45378 → CMS130 CLOSED; never twice the same gap), so each event makes
// exactly one gap change. A poller (worker thread) queries `gap_changes` every 50 ms for new rows;
// latency = poll start − at_ms (at_ms: the Kafka timestamp of the triggering person event, set
// by this process's producer). In the same phase a read_committed consumer of gap.change.v1 times
// when each change is readable on Kafka (latency = arrival − the change's `at`, the same at_ms).
// Phase 2 (baseline, sinks stopped): the same phase on other persons, only the Kafka consumer.
// Every event must be seen exactly once by every observer; otherwise the bench fails.
// TEST_LOG_LEVEL=warn shows the Kafka bus's warnings (a failing batch is retried silently otherwise).
import { createHash, randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { withNamespace } from '../runtime/bus/namespaced-bus.ts';
import type { Batch, Bus, Consumer, OutRecord } from '../runtime/bus/types.ts';
import { waitUntilDrained, type DrainPair } from '../runtime/runner/drain.ts';
import { startProcessor } from '../runtime/runner/processor-runner.ts';
import { createTelemetry } from '../runtime/telemetry/index.ts';
import { createRegistryCodec, type Codec } from '../schemas/codec.ts';
import { loadContractLibrary } from '../processors/contracts/load.ts';
import type { GapChangeValue } from '../processors/gaps/reconcile.ts';
import {
  ATTRIBUTION_CHANGE_TOPIC,
  CARE_TRANSFER_TOPIC,
  GAP_CHANGE_TOPIC,
  PERSON_EVENT_TOPIC,
  createCareGapsStep,
} from '../processors/gaps/step.ts';
import { openStoreWithInfo } from '../sinks/clickhouse/store.ts';
import { careGapSinks, startCareGapSinks } from '../sinks/gaps/care-gap-sinks.ts';
import { CARE_GAP_TABLES } from '../sinks/gaps/tables.ts';
import { makeKafkaBus, requireListening, stack } from '../tests/support/stack.ts';
import { claim, patient, personEvent } from './support/person-events.ts';

const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const TICK_MS = Number(process.env.BENCH_TICK_MS ?? 10);
const POLL_MS = 50;
/**
 * Records per processor batch (= per transaction). Default 200, not the runner's 500: a person's
 * state here is 2.1-2.8 kB of JSON after a measured event, and 500 changed keys of one partition make a changelog batch
 * above the broker's 1 MB message.max.bytes: the transaction fails with MESSAGE_TOO_LARGE and the
 * partition retries the same batch forever (seen in the first full run once the processor fell
 * behind and batches filled up).
 */
const PROCESSOR_BATCH = Number(process.env.BENCH_PROCESSOR_BATCH ?? 500);
const PARTITIONS = 3;
/** Events per measured phase; each closes one of a person's two open gaps. */
const EVENTS = Math.round(RATE * SECONDS);
/** Persons a phase needs: every person takes one mammography and one colonoscopy. */
const PHASE_PERSONS = Math.ceil(EVENTS / 2);
const PERSONS = Number(process.env.BENCH_PERSONS ?? 2 * PHASE_PERSONS);
if (PERSONS < 2 * PHASE_PERSONS)
  throw new Error(
    `BENCH_PERSONS=${PERSONS} is too few: two phases of ${EVENTS} events need ${2 * PHASE_PERSONS} persons (two gaps each)`,
  );
/** How long after the last send every change must have been seen. */
const SETTLE_TIMEOUT_MS = 120_000;
const YEAR = new Date().getUTCFullYear();
const CONTRACT = 'example-mssp-aco';

const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (msg: string): void => console.error(`[care-gaps-latency ${new Date().toISOString()}] ${msg}`);

const personId = (i: number): string => `P${String(i).padStart(7, '0')}`;
const member = (i: number): string => `M${String(i).padStart(7, '0')}`;

async function encodeEvent(codec: Codec, value: Record<string, unknown>): Promise<OutRecord> {
  return {
    topic: PERSON_EVENT_TOPIC,
    key: value.personId as string,
    value: await codec.encode(PERSON_EVENT_TOPIC, value),
  };
}

/** Demographics (a woman of 60) and a primary-care visit this year at our NPI: attributed, CMS125 + CMS130 open. */
async function preloadEvents(codec: Codec, i: number): Promise<OutRecord[]> {
  const id = personId(i);
  const mbi = `MBI|CMS|${member(i)}`;
  return [
    await encodeEvent(
      codec,
      await personEvent(
        codec,
        id,
        mbi,
        'CLINICAL_EVENT',
        'clinical.event.v1',
        patient(member(i), `${YEAR - 60}-03-01`, 'F'),
      ),
    ),
    await encodeEvent(
      codec,
      await personEvent(
        codec,
        id,
        mbi,
        'CLAIM_LINE',
        'claim.line.v1',
        claim(`V-${i}`, member(i), '99214', `${YEAR}-01-01`),
      ),
    ),
  ];
}

interface Planned {
  record: OutRecord;
  /** `person|measure` of the one gap change it must cause. */
  expect: string;
}

/**
 * The events of a phase over persons [base, base + PHASE_PERSONS): event 2k a mammography for
 * person k, event 2k+1 a colonoscopy for person k + PHASE_PERSONS/2 (mod): every gap once, and a
 * person's two events half a phase apart.
 */
async function phaseEvents(codec: Codec, base: number): Promise<Planned[]> {
  const out: Planned[] = [];
  const half = Math.floor(PHASE_PERSONS / 2);
  for (let j = 0; j < EVENTS; j++) {
    const k = Math.floor(j / 2);
    const mammo = j % 2 === 0;
    const i = base + (mammo ? k : (k + half) % PHASE_PERSONS);
    const [proc, measure, tag] = mammo ? ['77067', 'CMS125', 'MG'] : ['45378', 'CMS130', 'CO'];
    const value = await personEvent(
      codec,
      personId(i),
      `MBI|CMS|${member(i)}`,
      'CLAIM_LINE',
      'claim.line.v1',
      claim(`${tag}-${i}`, member(i), proc, `${YEAR - 1}-06-01`),
    );
    out.push({ record: await encodeEvent(codec, value), expect: `${personId(i)}|${measure}` });
  }
  return out;
}

/** First sighting per expected change; anything else new during the phase is unexpected. */
class Observer {
  readonly latencies = new Map<string, number>();
  unexpected = 0;
  duplicates = 0;
  constructor(readonly name: string) {}
  saw(expected: ReadonlySet<string>, key: string, latencyMs: number): void {
    if (!expected.has(key)) this.unexpected++;
    else if (this.latencies.has(key)) this.duplicates++;
    else this.latencies.set(key, latencyMs);
  }
  /** For overlapping polls: one row (`row` = partition/offset) may come back twice; keep the earliest. */
  sawEarliest(expected: ReadonlySet<string>, key: string, row: string, latencyMs: number): void {
    const seenRow = this.rows.get(row);
    if (seenRow !== undefined) {
      if (seenRow === key && expected.has(key))
        this.latencies.set(key, Math.min(this.latencies.get(key)!, latencyMs));
      return;
    }
    this.rows.set(row, key);
    this.saw(expected, key, latencyMs);
  }
  private readonly rows = new Map<string, string>();
}

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

function stats(values: readonly number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? NaN;
  return {
    n: s.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: s[s.length - 1] ?? NaN,
    mean: +(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)).toFixed(1),
  };
}

/** A read_committed consumer of gap.change.v1 (its own group, from the beginning). */
async function startKafkaProbe(
  bus: Bus,
  codec: Codec,
  current: () => { expected: ReadonlySet<string>; observer: Observer; since: number } | null,
): Promise<{ consumer: Consumer; lastBatchAt: () => number }> {
  const consumer = await bus.consumer({
    groupId: 'bench.kafka-probe',
    topics: [GAP_CHANGE_TOPIC],
    maxBatchSize: 1_000,
  });
  let lastBatchAt = Date.now();
  void consumer.run(async (batch: Batch) => {
    const now = Date.now();
    lastBatchAt = now;
    const phase = current();
    if (phase === null) return;
    for (const r of batch.records) {
      const v = await codec.decode<GapChangeValue>(GAP_CHANGE_TOPIC, r.value!);
      if (v.at < phase.since) continue; // preload, or an earlier phase
      phase.observer.saw(phase.expected, `${v.personId}|${v.measureId}`, now - v.at);
    }
  });
  return { consumer, lastBatchAt: () => lastBatchAt };
}

/**
 * The poll loop, in a worker thread of its own so that its 50 ms cadence and its timestamps do
 * not wait for the processor's and the sinks' work on the main event loop. Plain JavaScript over
 * the ClickHouse HTTP interface (fetch, basic auth), no loader needed. A query starts every
 * pollMs on a fixed schedule, up to maxInFlight at once (a slow query does not stretch the
 * interval), for rows past per-partition offset watermarks: the sink inserts each partition's
 * batches in order, one block (one part, visible at once) per insert.
 */
const POLL_WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const watermarks = new Map(w.watermarks);
const auth = 'Basic ' + Buffer.from(w.user + ':' + w.password).toString('base64');
let running = true;
let inFlight = 0;
parentPort.on('message', (m) => { if (m === 'stop') running = false; });
async function poll(start) {
  const where = [...watermarks].map(([p, o]) => '(source_partition = ' + p + ' AND source_offset > ' + o + ')').join(' OR ');
  const sql = 'SELECT source_partition AS p, source_offset AS o, contract_id, person_id, measure_id, at_ms FROM ' + w.table + ' WHERE ' + where + ' FORMAT JSONEachRow';
  try {
    const res = await fetch(w.url + '/?database=' + encodeURIComponent(w.database), { method: 'POST', headers: { authorization: auth }, body: sql });
    const text = await res.text();
    if (!res.ok) throw new Error('HTTP ' + res.status + ': ' + text.slice(0, 300));
    const ms = Date.now() - start;
    const rows = text.split('\\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    for (const r of rows) {
      const p = Number(r.p), o = Number(r.o);
      if (o > (watermarks.get(p) ?? -1)) watermarks.set(p, o);
    }
    parentPort.postMessage({ type: 'rows', start, ms, rows: rows.map((r) => [Number(r.p), Number(r.o), r.contract_id, r.person_id, r.measure_id, Number(r.at_ms)]) });
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: String(e) });
  }
}
(async () => {
  let next = Date.now();
  let previous = 0;
  while (running) {
    if (inFlight >= w.maxInFlight) parentPort.postMessage({ type: 'skipped' });
    else {
      const start = Date.now();
      if (previous > 0) parentPort.postMessage({ type: 'gap', ms: start - previous });
      previous = start;
      inFlight++;
      poll(start).finally(() => { inFlight--; });
    }
    next += w.pollMs;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else next = Date.now();
  }
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  parentPort.postMessage({ type: 'done' });
})();
`;

/**
 * Polls gap_changes (in a worker, see POLL_WORKER). A row is timed by the start of the first poll
 * that returned it; rows returned again by an overlapping poll count once, at the earliest start.
 */
function startClickHousePoller(
  config: { url: string; username?: string; password?: string; database: string },
  watermarks: Map<number, number>,
  expected: ReadonlySet<string>,
  observer: Observer,
): {
  stop(): Promise<void>;
  gaps: number[];
  queryMs: number[];
  failures: () => number;
  skipped: () => number;
} {
  const MAX_IN_FLIGHT = 4;
  const gaps: number[] = [];
  const queryMs: number[] = [];
  let failures = 0;
  let skipped = 0;
  const worker = new Worker(POLL_WORKER, {
    eval: true,
    workerData: {
      url: config.url.replace(/\/$/, ''),
      user: config.username ?? 'default',
      password: config.password ?? '',
      database: config.database,
      table: CARE_GAP_TABLES.gapChanges,
      pollMs: POLL_MS,
      maxInFlight: MAX_IN_FLIGHT,
      watermarks: [...watermarks],
    },
  });
  type Message =
    | { type: 'rows'; start: number; ms: number; rows: [number, number, string, string, string, number][] }
    | { type: 'gap'; ms: number }
    | { type: 'skipped' }
    | { type: 'error'; message: string }
    | { type: 'done' };
  const done = new Promise<void>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', () => resolve());
    worker.on('message', (m: Message) => {
      switch (m.type) {
        case 'rows':
          queryMs.push(m.ms);
          for (const [p, o, contract, person, measure, atMs] of m.rows) {
            const key = contract === CONTRACT ? `${person}|${measure}` : `?${person}`;
            // The row became visible after the previous poll started and before this one did.
            observer.sawEarliest(expected, key, `${p}/${o}`, m.start - atMs);
          }
          break;
        case 'gap':
          gaps.push(m.ms);
          break;
        case 'skipped':
          skipped++;
          break;
        case 'error':
          failures++;
          log(`poll failed: ${m.message}`);
          break;
        case 'done':
          void worker.terminate();
          break;
      }
    });
  });
  return {
    gaps,
    queryMs,
    failures: () => failures,
    skipped: () => skipped,
    stop: async () => {
      worker.postMessage('stop');
      await done;
    },
  };
}

interface PhaseResult {
  name: string;
  sent: number;
  sendSeconds: number;
  eventsPerS: number;
  /** Largest shortfall behind the schedule (events). */
  maxBehind: number;
  cpuPct: number;
  load1: number;
  /**
   * Event-loop delay of the main thread (ms, beyond the 10 ms sampling interval the histogram
   * includes): how late its callbacks ran. The Kafka probe's
   * arrival times and the sender wait for it; the ClickHouse poller (a worker) does not.
   */
  loopDelay: { p50: number; p99: number; max: number };
}

/** Sends the events at RATE/s in batches every TICK_MS; resolves after the last send. */
async function paced(bus: Bus, name: string, events: readonly Planned[]): Promise<PhaseResult> {
  const producer = await bus.producer();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  let maxBehind = 0;
  let tick = 0;
  while (sent < events.length) {
    const due = Math.min(events.length, Math.floor(((performance.now() - t0) / 1000) * RATE) + 1);
    maxBehind = Math.max(maxBehind, due - sent - Math.ceil((RATE * TICK_MS) / 1000));
    if (due > sent) {
      await producer.send(events.slice(sent, due).map((e) => e.record));
      sent = due;
    }
    tick++;
    const wait = t0 + tick * TICK_MS - performance.now();
    if (wait > 0) await sleep(wait);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  delay.disable();
  await producer.close();
  return {
    name,
    sent,
    sendSeconds: +seconds.toFixed(2),
    eventsPerS: Math.round(sent / seconds),
    maxBehind: Math.max(0, maxBehind),
    cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100),
    load1: +loadavg()[0]!.toFixed(2),
    loopDelay: {
      p50: +Math.max(0, delay.percentile(50) / 1e6 - 10).toFixed(1),
      p99: +Math.max(0, delay.percentile(99) / 1e6 - 10).toFixed(1),
      max: +Math.max(0, delay.max / 1e6 - 10).toFixed(1),
    },
  };
}

/** waitUntilDrained, retried when offsets cannot be read yet (kafkajs right after topic creation). */
async function drained(bus: Bus, pairs: readonly DrainPair[], timeoutMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await waitUntilDrained(bus, pairs, { timeoutMs, pollMs: 500, settleMs: 2_000 });
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'DRAIN_OFFSETS' || attempt >= 10) throw err;
      log(`drain: ${(err as Error).message}; retrying`);
      await sleep(1_000);
    }
  }
}

async function waitAllSeen(observers: readonly Observer[], n: number, what: string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (observers.some((o) => o.latencies.size < n)) {
    if (Date.now() > deadline) {
      log(`${what}: not everything seen within ${SETTLE_TIMEOUT_MS / 1000} s after the last send`);
      return;
    }
    await sleep(100);
  }
  await sleep(1_000); // late duplicates or unexpected changes
}

// ---------------------------------------------------------------------------------------------

await requireListening('Schema Registry', new URL(stack.schemaRegistryUrl).host);
await requireListening('ClickHouse', new URL(stack.clickhouseUrl).host);
const raw = await makeKafkaBus();
const namespace = `bench-${randomUUID().slice(0, 8)}`;
const bus = withNamespace(raw, namespace);
const codec = await createRegistryCodec({ url: stack.schemaRegistryUrl });
const telemetry = await createTelemetry({ serviceName: 'care-gaps-latency-bench', inMemory: true });
const database = `gs_bench_${createHash('sha256').update(`${Date.now()}${Math.random()}`).digest('hex').slice(0, 12)}`;
const storeConfig = {
  driver: 'http' as const,
  url: stack.clickhouseUrl,
  username: process.env['CLICKHOUSE_USER'],
  password: process.env['CLICKHOUSE_PASSWORD'],
  database,
};
const opened = await openStoreWithInfo(storeConfig);
const store = opened.store;
const app = 'bench';
// Interrupted: drop the database at least (the namespace's topics stay, as with the other benches).
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log(`${signal}: dropping ${database}`);
    void store
      .exec(`DROP DATABASE IF EXISTS ${database}`)
      .catch(() => undefined)
      .finally(() => process.exit(130));
  });
const stoppers: (() => Promise<void>)[] = [];
let failure: Error | null = null;

try {
  log(
    `namespace ${namespace}, database ${database} (ClickHouse ${opened.serverVersion}); ${PERSONS} persons, ${EVENTS} events per phase at ${RATE}/s`,
  );
  const library = await loadContractLibrary('contracts');
  await bus.ensureTopics([{ topic: PERSON_EVENT_TOPIC, partitions: PARTITIONS }]);
  const deps = { bus, codec, telemetry, logger, app, partitions: PARTITIONS };
  const processor = await startProcessor(createCareGapsStep({ catalog: library }), {
    ...deps,
    maxBatchSize: PROCESSOR_BATCH,
  });
  stoppers.push(() => processor.stop());
  let sinks = await startCareGapSinks(store, deps);
  const stopSinks = async (): Promise<void> => {
    for (const s of sinks) await s.stop();
    sinks = [];
  };
  stoppers.push(stopSinks);
  const specs = careGapSinks(store);
  const processorPairs: DrainPair[] = [
    { groupId: `${app}.${processor.name}`, topic: PERSON_EVENT_TOPIC },
    { groupId: `${app}.${processor.name}`, topic: CARE_TRANSFER_TOPIC },
  ];
  const sinkPairs: DrainPair[] = [
    { groupId: `${app}.${specs.gaps.name}`, topic: GAP_CHANGE_TOPIC },
    { groupId: `${app}.${specs.attribution.name}`, topic: ATTRIBUTION_CHANGE_TOPIC },
  ];

  // Encode everything up front: the measured phases only send.
  const tEncode = performance.now();
  const preload: OutRecord[] = [];
  for (let i = 0; i < PERSONS; i++) preload.push(...(await preloadEvents(codec, i)));
  const phase1 = await phaseEvents(codec, 0);
  const phase2 = await phaseEvents(codec, PHASE_PERSONS);
  log(
    `encoded ${preload.length + phase1.length + phase2.length} events in ${((performance.now() - tEncode) / 1000).toFixed(1)} s`,
  );

  // Preload, then wait until the processor and both sinks have drained.
  const tPreload = performance.now();
  const producer = await bus.producer();
  for (let s = 0; s < preload.length; s += 2_000) await producer.send(preload.slice(s, s + 2_000));
  await producer.close();
  await drained(bus, [...processorPairs, ...sinkPairs], 30 * 60_000);
  const preloadSeconds = (performance.now() - tPreload) / 1000;
  const [opens] = await store.query<{ n: string }>(
    `SELECT count() AS n FROM ${CARE_GAP_TABLES.gapChanges} WHERE contract_id = '${CONTRACT}' AND new_status = 'OPEN' AND measure_id IN ('CMS125', 'CMS130')`,
  );
  log(
    `preload: ${preload.length} events drained (processor + sinks) in ${preloadSeconds.toFixed(1)} s; ${opens!.n} CMS125/CMS130 OPEN rows`,
  );
  if (Number(opens!.n) !== 2 * PERSONS)
    throw new Error(
      `preload: expected ${2 * PERSONS} open CMS125/CMS130 gaps in ClickHouse, found ${opens!.n}`,
    );

  // The Kafka probe: catch up on the preload's changes before anything is measured.
  let current: { expected: ReadonlySet<string>; observer: Observer; since: number } | null = null;
  const probe = await startKafkaProbe(bus, codec, () => current);
  stoppers.push(() => probe.consumer.stop());
  const tProbe = Date.now();
  while (
    probe.consumer.assignment().length === 0 ||
    Date.now() - Math.max(probe.lastBatchAt(), tProbe) < 2_000
  ) {
    if (Date.now() - tProbe > 120_000) throw new Error('the Kafka probe did not catch up within 120 s');
    await sleep(100);
  }

  // Phase 1: sinks running; ClickHouse poller and Kafka probe.
  const watermarks = new Map<number, number>();
  for (let p = 0; p < (await bus.partitionCount(GAP_CHANGE_TOPIC)); p++) watermarks.set(p, -1);
  for (const r of await store.query<{ p: number | string; o: string }>(
    `SELECT source_partition AS p, max(source_offset) AS o FROM ${CARE_GAP_TABLES.gapChanges} GROUP BY source_partition`,
  ))
    watermarks.set(Number(r.p), Number(r.o));
  const expected1 = new Set(phase1.map((e) => e.expect));
  if (expected1.size !== EVENTS) throw new Error('phase 1 plan: a gap is targeted twice');
  const ch = new Observer('gap_changes visible in ClickHouse');
  const kafka1 = new Observer('gap.change.v1 readable on Kafka');
  const since1 = Date.now();
  current = { expected: expected1, observer: kafka1, since: since1 };
  const poller = startClickHousePoller(storeConfig, watermarks, expected1, ch);
  log('phase 1 (sinks running): sending');
  const r1 = await paced(bus, 'sinks running', phase1);
  await waitAllSeen([ch, kafka1], EVENTS, 'phase 1');
  await poller.stop();
  log(
    `phase 1: sent ${r1.sent} at ${r1.eventsPerS}/s; ClickHouse saw ${ch.latencies.size}, Kafka ${kafka1.latencies.size}`,
  );

  // Phase 2 (baseline): sinks stopped, the processor alone; Kafka probe only. Skipped when
  // phase 1 did not see every change (the report below then fails the run).
  await stopSinks();
  const kafka2 = new Observer('gap.change.v1 readable on Kafka');
  let r2: PhaseResult | null = null;
  if (ch.latencies.size === EVENTS && kafka1.latencies.size === EVENTS) {
    await drained(bus, processorPairs, 10 * 60_000);
    const expected2 = new Set(phase2.map((e) => e.expect));
    current = { expected: expected2, observer: kafka2, since: Date.now() };
    log('phase 2 (baseline, sinks stopped): sending');
    r2 = await paced(bus, 'baseline: sinks stopped', phase2);
    await waitAllSeen([kafka2], EVENTS, 'phase 2');
    current = null;
    log(`phase 2: sent ${r2.sent} at ${r2.eventsPerS}/s; Kafka saw ${kafka2.latencies.size}`);
  } else {
    await drained(bus, processorPairs, 5_000).catch((err: unknown) =>
      log(`phase 1 incomplete, baseline skipped; processor: ${(err as Error).message}`),
    );
  }

  // Per event in phase 1: the ClickHouse sink's share (visible in ClickHouse − readable on Kafka).
  const share = [...ch.latencies].flatMap(([k, v]) => {
    const kv = kafka1.latencies.get(k);
    return kv === undefined ? [] : [v - kv];
  });
  const rows = [
    { phase: r1, observer: ch },
    { phase: r1, observer: kafka1 },
    ...(r2 ? [{ phase: r2, observer: kafka2 }] : []),
  ].map(({ phase, observer }) => ({
    phase: phase.name,
    observer: observer.name,
    events_sent: phase.sent,
    events_per_s: phase.eventsPerS,
    send_max_behind: phase.maxBehind,
    bench_process_cpu_pct: phase.cpuPct,
    load1: phase.load1,
    main_loop_delay_ms: phase.loopDelay,
    seen: observer.latencies.size,
    seen_pct: +((observer.latencies.size / phase.sent) * 100).toFixed(2),
    unexpected: observer.unexpected,
    duplicates: observer.duplicates,
    latency_ms: stats([...observer.latencies.values()]),
  }));
  const gaps = stats(poller.gaps);
  const queries = stats(poller.queryMs);
  const ms = (v: number): string => (Number.isFinite(v) ? `${Math.round(v)}` : '—');
  console.log(
    `\nCare gaps streaming latency: ${PERSONS} persons preloaded, ${EVENTS} events per phase at target ${RATE}/s for ${SECONDS} s, ${PARTITIONS} partitions, ClickHouse ${opened.serverVersion}\n`,
  );
  console.log(
    '| phase | observed | events sent | events/s achieved | seen / sent | p50 ms | p95 ms | p99 ms | max ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.phase} | ${r.observer} | ${r.events_sent} | ${r.events_per_s} | ${r.seen}/${r.events_sent} (${r.seen_pct}%) | ${ms(r.latency_ms.p50)} | ${ms(r.latency_ms.p95)} | ${ms(r.latency_ms.p99)} | ${ms(r.latency_ms.max)} |`,
    );
  const s = stats(share);
  console.log(
    `| sinks running | ClickHouse sink's share (per event: ClickHouse − Kafka) | | | ${s.n} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} |`,
  );
  console.log(
    `\nPoll error bound: a ClickHouse latency is the start of the first poll that returned the row − at_ms (polls from a worker thread every ${POLL_MS} ms, up to 4 in flight). It is too high by less than the gap since the previous poll start — measured gap p50 ${ms(gaps.p50)} / p95 ${ms(gaps.p95)} / p99 ${ms(gaps.p99)} / max ${ms(gaps.max)} ms — and too low by at most the request's way to the server (it reads the parts present when it starts executing). Queries: p50 ${ms(queries.p50)} / p99 ${ms(queries.p99)} / max ${ms(queries.max)} ms, ${queries.n} polls, ${poller.failures()} failed, ${poller.skipped()} ticks skipped (4 in flight).`,
  );
  console.log(
    `Kafka observer: arrival = when its batch handler ran on the main thread; that thread's event-loop delay during the phases was p50 ${r1.loopDelay.p50} / p99 ${r1.loopDelay.p99} / max ${r1.loopDelay.max} ms (sinks running) and p50 ${r2?.loopDelay.p50 ?? '—'} / p99 ${r2?.loopDelay.p99 ?? '—'} / max ${r2?.loopDelay.max ?? '—'} ms (baseline).`,
  );
  console.log(
    `Preload: ${preload.length} events through processor and sinks in ${preloadSeconds.toFixed(1)} s (${Math.round(preload.length / preloadSeconds)}/s). Bench process CPU during the phases: ${r1.cpuPct}% / ${r2?.cpuPct ?? '—'}% of one core; load average (1 min) ${r1.load1} / ${r2?.load1 ?? '—'} on ${cpus().length} cores. Processor batches of ≤ ${PROCESSOR_BATCH} records.`,
  );
  const p95 = rows[0]!.latency_ms.p95;
  console.log(
    `Target (visible in ClickHouse within 1 s at p95, at ${RATE}/s): ${p95 <= 1_000 && r1.eventsPerS >= RATE * 0.98 ? 'met' : 'NOT met'} (p95 ${ms(p95)} ms at ${r1.eventsPerS} events/s).\n`,
  );
  console.log(
    JSON.stringify({
      bench: 'care-gaps-latency',
      persons: PERSONS,
      events_per_phase: EVENTS,
      target_events_per_s: RATE,
      seconds: SECONDS,
      partitions: PARTITIONS,
      processor_batch: PROCESSOR_BATCH,
      clickhouse: opened.serverVersion,
      preload: { events: preload.length, seconds: +preloadSeconds.toFixed(1) },
      results: rows,
      clickhouse_sink_share_ms: s,
      poll: {
        interval_ms: POLL_MS,
        gap_ms: gaps,
        query_ms: queries,
        failed: poller.failures(),
        skipped: poller.skipped(),
      },
    }),
  );

  const problems = [...(r2 ? [] : ['baseline phase skipped: phase 1 did not see every change'])];
  problems.push(
    ...rows.flatMap((r) => [
      ...(r.seen !== r.events_sent
        ? [`${r.phase} / ${r.observer}: saw ${r.seen} of ${r.events_sent} changes`]
        : []),
      ...(r.unexpected > 0 ? [`${r.phase} / ${r.observer}: ${r.unexpected} unexpected gap changes`] : []),
    ]),
  );
  for (const r of r2 ? [r1, r2] : [r1])
    if (r.eventsPerS < RATE * 0.98)
      log(`WARNING: ${r.name}: ${RATE}/s not sustained by the sender (${r.eventsPerS}/s achieved)`);
  if (problems.length > 0) throw new Error(`care-gaps-latency FAILED: ${problems.join('; ')}`);
} catch (err) {
  failure = err as Error;
} finally {
  for (const stop of stoppers.reverse()) await stop().catch((e: unknown) => log(`stop: ${String(e)}`));
  if (process.env.BENCH_KEEP_DATABASE !== '1')
    await store.exec(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
  await store.close().catch(() => undefined);
  await raw.close().catch(() => undefined);
  await telemetry.shutdown().catch(() => undefined);
}
if (failure) {
  console.error(failure);
  process.exit(1);
}
process.exit(0);
