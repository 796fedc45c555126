// CCLF5 parse-and-publish into real Kafka, with its baselines in the same run:
//   set -a; . .local/stack.env; set +a; node bin/run-ts.mjs bench/claims-ingest.bench.ts
// Generates a BENCH_CCLF_LINES-line (default 2,000,000) CCLF5 file (bench/support/cclf5-file.ts),
// then measures on that one file:
//   1. raw line split: latin1 chunks through LineSplitter, nothing else (the floor);
//   2. parse-only: LineSplitter + createCclfParser().line() (checks + claim.line.v1 mapping);
//   3. sha256: the content hash the manifest keys on;
//   4. validate: the watcher's first pass (parse + Avro schema check of every record, nothing published);
//   5. parse + Avro encode: every record encoded as the publisher does (no Kafka);
//   6. raw kafkajs produce: the same number of pre-encoded claim.line.v1 values sent with kafkajs
//      directly (transactional, acks=all, 2,000 per send, 20,000 per transaction) — the ceiling of
//      the Kafka client on this machine, whatever gapstream does around it;
//   7. end-to-end: ingestClaimsFile on Kafka + Schema Registry — hash, validate, then publish every
//      line as Avro claim.line.v1 in transactions of CLAIMS_LINES_PER_TRANSACTION lines with their
//      manifest progress records (exactly what the watcher does). Target ≥ 100,000 lines/s.
// RSS and heap are sampled every 250 ms during 7 to show memory stays flat in file size.
// Without KAFKA_BROKERS, steps 6 and 7 run on the embedded bus (fsync always) instead.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCclfParser } from '../producers/claims/cclf/index.ts';
import { LineSplitter } from '../producers/claims/cclf/lines.ts';
import { defaultClaimsSettings } from '../producers/claims/config.ts';
import { ingestClaimsFile } from '../producers/claims/ingest-file.ts';
import { ManifestIndex } from '../producers/claims/manifest.ts';
import { hashFile, validateClaimsFile } from '../producers/claims/validate-file.ts';
import { ensureClaimsTopics } from '../producers/claims/watcher.ts';
import { loadConfig } from '../runtime/config/load.ts';
import { createLocalCodec, type Codec } from '../schemas/codec.ts';
import { openRuntime } from '../runtime/open-runtime.ts';
import { writeCclf5File } from './support/cclf5-file.ts';

const N = Number(process.env.BENCH_CCLF_LINES ?? 2_000_000);
const dir = mkdtempSync(join(tmpdir(), 'claims-bench-'));
const path = join(dir, 'P.A1234.ACO.ZC5Y24.D240105.T0100000');
const mb = (n: number): number => Math.round(n / 1048576);

function report(step: string, lines: number, seconds: number, extra: Record<string, unknown> = {}): void {
  console.log(
    JSON.stringify({
      bench: 'claims-ingest',
      step,
      lines,
      seconds: Number(seconds.toFixed(2)),
      linesPerSec: Math.round(lines / seconds),
      ...extra,
    }),
  );
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const r = await f();
  return [r, Number(process.hrtime.bigint() - t0) / 1e9];
}

async function splitAndParse(parse: boolean, codec?: Codec, keep?: Buffer[]): Promise<number> {
  const parser = createCclfParser('CCLF5', { sourceFile: 'bench', sourceFileSha256: null });
  const split = new LineSplitter();
  let n = 0;
  const take = (): void => {
    for (let text = split.next(); text !== null; text = split.next()) {
      n++;
      if (!parse) continue;
      const r = parser.line(text, n);
      if (codec === undefined) continue;
      for (const rec of r.records) {
        const b = codec.encodeSync(rec.topic, rec.value);
        if (keep !== undefined && keep.length < 1000) keep.push(b);
      }
    }
  };
  for await (const chunk of createReadStream(path, { encoding: 'latin1', highWaterMark: 1 << 20 })) {
    split.feed(chunk as string);
    take();
  }
  if (split.end() !== null) n++;
  return n;
}

try {
  const [, genS] = await timed(() => writeCclf5File(path, N));
  console.log(
    JSON.stringify({
      bench: 'claims-ingest',
      step: 'generate',
      lines: N,
      mb: mb(statSync(path).size),
      seconds: Number(genS.toFixed(1)),
    }),
  );
  const [splitLines, splitS] = await timed(() => splitAndParse(false));
  report('raw-line-split', splitLines, splitS);
  const [parseLines, parseS] = await timed(() => splitAndParse(true));
  report('parse-only', parseLines, parseS);
  const fh = await open(path, 'r');
  const [file, hashS] = await timed(() => hashFile(fh));
  await fh.close();
  report('sha256', N, hashS, { mbPerSec: Math.round(mb(file.sizeBytes) / hashS) });
  const checkCodec = await createLocalCodec();
  const [v, validateS] = await timed(() => validateClaimsFile(path, file, [], { codec: checkCodec }));
  report('validate', v.items, validateS, { records: v.records, problems: v.problems.length });

  const env0 = { ...process.env, GAPSTREAM_DATA_DIR: join(dir, 'data0'), LOG_LEVEL: 'warn' };
  const rt0 = await openRuntime(loadConfig({ env: env0 }), 'claims-bench-encode', { store: false });
  const sample: Buffer[] = [];
  const [encLines, encS] = await timed(() => splitAndParse(true, rt0.codec, sample));
  await rt0.close();
  report('parse-and-avro-encode', encLines, encS);
  if (process.env.KAFKA_BROKERS) {
    const kafka = new Kafka({
      brokers: process.env.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
      clientId: 'bench-raw',
    });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `bench-raw-${randomUUID().slice(0, 8)}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });
    await admin.disconnect();
    const producer = kafka.producer({ transactionalId: topic, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const [, rawS] = await timed(async () => {
      for (let s0 = 0; s0 < N; s0 += 20_000) {
        const txn = await producer.transaction();
        for (let s1 = s0; s1 < Math.min(N, s0 + 20_000); s1 += 2000) {
          const messages = [];
          for (let i = s1; i < Math.min(N, s1 + 2000); i++)
            messages.push({ key: `m${i % 1000}`, value: sample[i % sample.length]!, partition: i % 6 });
          await txn.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 });
        }
        await txn.commit();
      }
    });
    await producer.disconnect();
    report('kafkajs-raw-produce', N, rawS);
  }

  const env = {
    ...process.env,
    GAPSTREAM_DATA_DIR: join(dir, 'data'),
    GAPSTREAM_NAMESPACE: `bench-${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'warn',
  };
  const rt = await openRuntime(loadConfig({ env }), 'claims-bench', { store: false });
  try {
    await ensureClaimsTopics(rt.bus, rt.config.kafka.partitions);
    const settings = defaultClaimsSettings();
    const samples: { rssMB: number; heapMB: number }[] = [];
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      samples.push({ rssMB: mb(m.rss), heapMB: mb(m.heapUsed) });
    }, 250);
    const [outcome, e2eS] = await timed(() =>
      ingestClaimsFile(
        {
          bus: rt.bus,
          codec: rt.codec,
          index: new ManifestIndex(rt.bus, rt.codec),
          mappings: [],
          watcherId: 'bench',
          linesPerTransaction: settings.linesPerTransaction,
          badLineLimit: 0,
          logger: rt.logger,
          now: Date.now,
        },
        path,
        'P.A1234.ACO.ZC5Y24.D240105.T0100000',
        file,
        false,
      ),
    );
    clearInterval(sampler);
    if (outcome.kind !== 'done') throw new Error(`expected the file to be published, got ${outcome.kind}`);
    const rss = samples.map((s) => s.rssMB);
    const tenth = Math.max(1, Math.floor(rss.length / 10));
    report('end-to-end', outcome.v.items, e2eS, {
      mode: rt.config.mode,
      published: outcome.published,
      linesPerTransaction: settings.linesPerTransaction,
      publishPassLinesPerSec: Math.round(outcome.v.items / Math.max(0.001, e2eS - hashS - validateS)),
      maxRssMB: Math.max(...rss),
      maxHeapMB: Math.max(...samples.map((s) => s.heapMB)),
      rssMBEvery10Percent: rss.filter((_, i) => i % tenth === 0),
    });
  } finally {
    await rt.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
