// The identity resolver as a stream processor: BENCH_IDENTITY_REQUESTS (default 200,000)
// synthetic observations (bench/support/identity-synth.ts) pre-published to identity.request.v1,
// then the single writer started and timed until it has committed them all — decode, resolve,
// person.event.v1 + identity.link.v1 + changelog encode and one transaction per batch. Baseline
// in the same run: the pure index on the same observations (no bus, no Avro). Runs on the
// embedded bus (fsync always); with KAFKA_BROKERS and SCHEMA_REGISTRY_URL set, on Kafka too.
// BENCH_IDENTITY_BATCH sets requests per batch (= per transaction; default 2000 — 10000 measured
// slower on Kafka, 5,719/s against 7,770/s).
//   set -a; . .local/stack.env; set +a; node bin/run-ts.mjs bench/identity-processor.bench.ts
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createEmbeddedBus } from '../runtime/bus/embedded/index.ts';
import { withNamespace } from '../runtime/bus/namespaced-bus.ts';
import type { Bus, OutRecord } from '../runtime/bus/types.ts';
import { createLocalCodec, createRegistryCodec, type Codec } from '../schemas/codec.ts';
import { createTelemetry } from '../runtime/telemetry/index.ts';
import { makeKafkaBus } from '../tests/support/stack.ts';
import { defaultIdentitySettings, identityConfig } from '../processors/identity/config.ts';
import { IdentityIndex } from '../processors/identity/identity-index.ts';
import { RESOLVER_NAME, ensureIdentityTopics, startResolver } from '../processors/identity/resolver.ts';
import { IDENTITY_REQUEST_TOPIC, observation, type IdentityRequest } from '../processors/identity/route.ts';
import { synthIdentities } from './support/identity-synth.ts';

const N = Number(process.env.BENCH_IDENTITY_REQUESTS ?? 200_000);
/** Requests per resolver batch (= per transaction). */
const BATCH = Number(process.env.BENCH_IDENTITY_BATCH ?? 2000);
const persons = Math.ceil(N / 1.4); // about 1.5 observations per person: enough for N
const config = identityConfig(defaultIdentitySettings());
const inputs = [...synthIdentities({ seed: 11, persons })].slice(0, N).map((r) => r.input);
// A stand-in for the source value carried to person.event.v1 (~claim-line size).
const payload = Buffer.alloc(300, 1);

{
  const index = new IdentityIndex(config);
  const t = performance.now();
  inputs.forEach((input, i) => index.observe(input, `b/${i}`));
  const s = (performance.now() - t) / 1000;
  console.log(
    JSON.stringify({
      bench: 'identity-processor',
      case: 'baseline: pure index',
      records: N,
      seconds: +s.toFixed(2),
      records_per_s: Math.round(N / s),
    }),
  );
}

async function run(mode: string, bus: Bus, codec: Codec): Promise<void> {
  const app = `bench-${randomUUID().slice(0, 8)}`;
  await ensureIdentityTopics(bus, app, 3);
  const producer = await bus.producer();
  for (let s = 0; s < N; s += 2000) {
    const batch: OutRecord[] = [];
    for (let i = s; i < Math.min(N, s + 2000); i++) {
      const req: IdentityRequest = {
        kind: 'OBSERVATION',
        sourceTopic: 'claim.line.v1',
        sourcePartition: 0,
        sourceOffset: i,
        eventKind: 'CLAIM_LINE',
        payload,
        observation: observation(inputs[i]!),
        merge: null,
        decision: null,
      };
      batch.push({
        topic: IDENTITY_REQUEST_TOPIC,
        key: null,
        value: codec.encodeSync(IDENTITY_REQUEST_TOPIC, req),
      });
    }
    await producer.send(batch);
  }
  await producer.close();
  const telemetry = await createTelemetry({ serviceName: 'identity-bench', inMemory: true });
  const t = performance.now();
  const resolver = await startResolver({
    bus,
    codec,
    telemetry,
    logger: pino({ level: 'silent' }),
    config,
    app,
    partitions: 3,
    maxBatchSize: BATCH,
  });
  const group = `${app}.${RESOLVER_NAME}`;
  for (;;) {
    const committed = await bus.committedOffsets(group, IDENTITY_REQUEST_TOPIC);
    if ((committed[0]?.offset ?? 0) >= N) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const s = (performance.now() - t) / 1000;
  await resolver.stop();
  await telemetry.shutdown();
  console.log(
    JSON.stringify({
      bench: 'identity-processor',
      case: `resolver on ${mode}`,
      records: N,
      seconds: +s.toFixed(2),
      records_per_s: Math.round(N / s),
      rss_mb: Math.round(process.memoryUsage().rss / 1048576),
    }),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'gs-identity-bench-'));
try {
  const bus = await createEmbeddedBus({ dataDir: dir, fsync: 'always' });
  await run('embedded bus (fsync always)', bus, await createLocalCodec());
  await bus.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL) {
  const raw = await makeKafkaBus();
  await run(
    'Kafka 4.1.1 + Apicurio',
    withNamespace(raw, `bench-${randomUUID().slice(0, 8)}`),
    await createRegistryCodec({ url: process.env.SCHEMA_REGISTRY_URL }),
  );
  await raw.close();
}
