// Embedded bus throughput with its durable log, against the bare cost of durability in the
// same run (the same bytes appended to a file with one fdatasync per batch):
//   node bin/run-ts.mjs bench/embedded-bus.bench.ts
// N records (BENCH_RECORDS, default 100000) of ~400 bytes, 3 partitions. Cases:
//  - batched: producer.send of BENCH_BATCH (500) records, awaited one after another;
//  - concurrent: 64 senders of one record each (group commit shares each fsync);
//  - consume: one group reading everything back.
// fsync policy stated per line: `always` (fdatasync before every ack, the default) and `never`.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBus } from '../runtime/bus/embedded/index.ts';
import type { OutRecord } from '../runtime/bus/types.ts';

const N = Number(process.env.BENCH_RECORDS ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const CONCURRENT_N = Math.min(N, 20_000);
const value = Buffer.alloc(400, 'x');
const records: OutRecord[] = Array.from({ length: N }, (_, i) => ({
  topic: 't',
  key: `patient-${i % 1000}`,
  value,
}));

function line(o: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'embedded-bus', ...o }));
}

async function batched(fsync: 'always' | 'never'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-bus-'));
  const bus = await createEmbeddedBus({ dataDir: dir, fsync });
  await bus.ensureTopics([{ topic: 't', partitions: 3 }]);
  const producer = await bus.producer();
  let t = performance.now();
  for (let s = 0; s < N; s += BATCH) await producer.send(records.slice(s, s + BATCH));
  const produceS = (performance.now() - t) / 1000;
  line({
    case: 'produce-batched',
    fsync,
    batch: BATCH,
    records: N,
    seconds: +produceS.toFixed(3),
    records_per_s: Math.round(N / produceS),
  });

  t = performance.now();
  let seen = 0;
  const consumer = await bus.consumer({ groupId: 'g', topics: ['t'], maxBatchSize: BATCH });
  await new Promise<void>((resolve) => {
    void consumer.run((b) => {
      seen += b.records.length;
      if (seen >= N) resolve();
      return Promise.resolve();
    });
  });
  const consumeS = (performance.now() - t) / 1000;
  line({
    case: 'consume',
    fsync,
    records: N,
    seconds: +consumeS.toFixed(3),
    records_per_s: Math.round(N / consumeS),
  });
  await consumer.stop();

  t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < CONCURRENT_N) {
        const i = next++;
        await producer.send([records[i]!]);
      }
    }),
  );
  const concS = (performance.now() - t) / 1000;
  line({
    case: 'produce-concurrent-single',
    fsync,
    senders: 64,
    records: CONCURRENT_N,
    seconds: +concS.toFixed(3),
    records_per_s: Math.round(CONCURRENT_N / concS),
  });
  await producer.close();
  await bus.close();
  rmSync(dir, { recursive: true, force: true });
}

/** The floor: append the same payload bytes per batch and fdatasync each time. */
function bareBaseline(): void {
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-raw-'));
  const fd = openSync(join(dir, 'raw.log'), 'a');
  const chunk = Buffer.alloc(BATCH * (value.length + 40), 'y');
  const t = performance.now();
  for (let s = 0; s < N; s += BATCH) {
    writeSync(fd, chunk);
    fdatasyncSync(fd);
  }
  const seconds = (performance.now() - t) / 1000;
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  line({
    case: 'baseline-append-fdatasync',
    fsync: 'always',
    batch: BATCH,
    records: N,
    seconds: +seconds.toFixed(3),
    records_per_s: Math.round(N / seconds),
  });
}

bareBaseline();
await batched('always');
await batched('never');
bareBaseline();
