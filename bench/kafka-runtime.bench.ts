// Kafka produce+consume of Avro records through the gapstream runtime (bus port + registry
// codec) against raw kafkajs + avsc with the same batching and producer settings, same run:
//   node bin/run-ts.mjs bench/kafka-runtime.bench.ts      (needs the local stack: npm run stack -- start)
// N records (BENCH_RECORDS, default 50000) of hl7.raw.v1 (~400 bytes), batches of BENCH_BATCH
// (default 500), 3 partitions; ROUNDS rounds alternating which path goes first. One JSON line per
// round and path, then the median ratio runtime/raw.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { createKafkaBus } from '../runtime/bus/kafka/kafka-bus.ts';
import { withNamespace } from '../runtime/bus/namespaced-bus.ts';
import { createRegistryCodec } from '../schemas/codec.ts';
import { createAvroType } from '../schemas/logical-types.ts';
import { loadSchemas } from '../schemas/codec.ts';
import { demoRawRecord } from '../processors/slice/demo-messages.ts';

const N = Number(process.env.BENCH_RECORDS ?? 50_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const REGISTRY = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7';
const TOPIC = 'hl7.raw.v1';
const values = Array.from({ length: N }, (_, i) => demoRawRecord(i, 1_000));

interface Result {
  bench: 'kafka-runtime';
  path: 'runtime' | 'raw';
  round: number;
  records: number;
  produce_s: number;
  consume_s: number;
  records_per_s: number;
}

async function runtimePath(round: number): Promise<Result> {
  const logger = pino({ level: 'silent' });
  const bus = withNamespace(
    await createKafkaBus({ brokers: BROKERS, clientId: 'bench', ssl: false, replicationFactor: 1, logger }),
    `bench-${randomUUID().slice(0, 8)}`,
  );
  const codec = await createRegistryCodec({ url: REGISTRY });
  await bus.ensureTopics([{ topic: TOPIC, partitions: 3 }]);
  const producer = await bus.producer();
  const t0 = performance.now();
  for (let s = 0; s < N; s += BATCH) {
    const batch = [];
    for (let i = s; i < Math.min(N, s + BATCH); i++)
      batch.push({ topic: TOPIC, key: values[i]!.key, value: await codec.encode(TOPIC, values[i]!.value) });
    await producer.send(batch);
  }
  const t1 = performance.now();
  let seen = 0;
  const consumer = await bus.consumer({ groupId: 'bench', topics: [TOPIC], maxBatchSize: BATCH });
  await new Promise<void>((resolve) => {
    void consumer.run(async (batch) => {
      for (const r of batch.records) await codec.decode(TOPIC, r.value!);
      seen += batch.records.length;
      if (seen >= N) resolve();
    });
  });
  const t2 = performance.now();
  await consumer.stop();
  await producer.close();
  await bus.close();
  return result('runtime', round, t0, t1, t2);
}

async function rawPath(round: number, schemaId: number): Promise<Result> {
  const type = createAvroType((await loadSchemas()).get(TOPIC)! as never);
  const frame = (body: Buffer): Buffer => {
    const header = Buffer.alloc(5);
    header.writeUInt32BE(schemaId, 1);
    return Buffer.concat([header, body]);
  };
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-raw-${randomUUID().slice(0, 8)}`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t0 = performance.now();
  for (let s = 0; s < N; s += BATCH) {
    const messages = [];
    for (let i = s; i < Math.min(N, s + BATCH); i++)
      messages.push({ key: values[i]!.key, value: frame(type.toBuffer(values[i]!.value)) });
    await producer.send({ topic, messages, acks: -1 });
  }
  const t1 = performance.now();
  let seen = 0;
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) type.fromBuffer(m.value!.subarray(5));
        seen += batch.messages.length;
        if (seen >= N) resolve();
        await Promise.resolve();
      },
    });
  });
  const t2 = performance.now();
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return result('raw', round, t0, t1, t2);
}

function result(path: 'runtime' | 'raw', round: number, t0: number, t1: number, t2: number): Result {
  const r: Result = {
    bench: 'kafka-runtime',
    path,
    round,
    records: N,
    produce_s: +((t1 - t0) / 1000).toFixed(3),
    consume_s: +((t2 - t1) / 1000).toFixed(3),
    records_per_s: Math.round(N / ((t2 - t0) / 1000)),
  };
  console.log(JSON.stringify(r));
  return r;
}

const codec = await createRegistryCodec({ url: REGISTRY });
const schemaId = codec.schemaId(TOPIC);
const runtime: number[] = [];
const raw: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  if (round % 2 === 1) {
    raw.push((await rawPath(round, schemaId)).records_per_s);
    runtime.push((await runtimePath(round)).records_per_s);
  } else {
    runtime.push((await runtimePath(round)).records_per_s);
    raw.push((await rawPath(round, schemaId)).records_per_s);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  JSON.stringify({
    bench: 'kafka-runtime',
    summary: true,
    runtime_records_per_s: median(runtime),
    raw_records_per_s: median(raw),
    ratio_runtime_over_raw: +(median(runtime) / median(raw)).toFixed(3),
    overhead_pct: +((1 - median(runtime) / median(raw)) * 100).toFixed(1),
  }),
);
