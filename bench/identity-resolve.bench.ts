// The identity index at scale: BENCH_IDENTITY_PERSONS (default 1,000,000) synthetic persons with
// realistic corruption (bench/support/identity-synth.ts, seed 7), resolved one observation at a
// time exactly as the single writer does (processors/identity/identity-index.ts), with the
// shipped model and thresholds. Prints one JSON line per measurement:
//   - baseline: deterministic-only resolution (identifier map lookups, no matching) of the same
//     records: the floor cost of keeping an index at all;
//   - resolve: full resolution (identifiers, blocking, Fellegi–Sunter scoring, guards), records/s
//     overall and over the last 10% (index at full size), per-record latency p50/p99/max, memory;
//   - accuracy against the generator's truth: pairwise precision/recall/F1 of the persons, reviews.
//   node --expose-gc bin/run-ts.mjs bench/identity-resolve.bench.ts   (--expose-gc: index memory alone)
import { synthIdentities, type SynthRecord } from './support/identity-synth.ts';
import { IdentityIndex } from '../processors/identity/identity-index.ts';
import { defaultIdentitySettings, identityConfig } from '../processors/identity/config.ts';
import { recordIdOf } from '../processors/identity/types.ts';
import { scoreClusters } from '../tests/identity/linkage-sets.ts';

const PERSONS = Number(process.env.BENCH_IDENTITY_PERSONS ?? 1_000_000);
const mb = (n: number): number => Math.round(n / 1048576);
const round = (x: number, d = 4): number => Number(x.toFixed(d));

const t0 = performance.now();
const records: SynthRecord[] = [...synthIdentities({ seed: 7, persons: PERSONS })];
const genSeconds = (performance.now() - t0) / 1000;
console.error(`generated ${records.length} records for ${PERSONS} persons in ${genSeconds.toFixed(1)} s`);

// Baseline: identifier lookups only (what a deterministic-only MPI does per record).
{
  const ids = new Map<string, number>();
  let persons = 0;
  const t = performance.now();
  for (const r of records) {
    const k = recordIdOf(r.input.primary);
    let p = ids.get(k);
    for (const o of r.input.others ?? []) p ??= ids.get(recordIdOf(o));
    p ??= persons++;
    ids.set(k, p);
    for (const o of r.input.others ?? []) if (!ids.has(recordIdOf(o))) ids.set(recordIdOf(o), p);
  }
  const s = (performance.now() - t) / 1000;
  console.log(
    JSON.stringify({
      bench: 'identity-deterministic-baseline',
      records: records.length,
      seconds: round(s, 2),
      records_per_s: Math.round(records.length / s),
    }),
  );
}

// Memory of the index alone: heap before it exists (the generated records are held for scoring).
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const config = identityConfig(defaultIdentitySettings());
const index = new IdentityIndex(config);
const latencies = new Float64Array(records.length);
const started = performance.now();
let tailStart = 0;
const tailFrom = Math.floor(records.length * 0.9);
let peakRss = 0;
for (let i = 0; i < records.length; i++) {
  if (i === tailFrom) tailStart = performance.now();
  const t = performance.now();
  index.observe(records[i]!.input, `bench/0/${i}`);
  latencies[i] = performance.now() - t;
  if ((i & 0x3ffff) === 0) {
    index.drainChanges();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
}
const ended = performance.now();
index.drainChanges();
peakRss = Math.max(peakRss, process.memoryUsage().rss);
gc?.();
const indexHeap = process.memoryUsage().heapUsed - heapBefore;
const sorted = Float64Array.from(latencies).sort();
const q = (p: number): number =>
  round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!, 3);
const mem = process.memoryUsage();
console.log(
  JSON.stringify({
    bench: 'identity-resolve',
    persons_generated: PERSONS,
    records: records.length,
    index_records: index.state.records.length,
    index_persons: index.state.persons.size,
    seconds: round((ended - started) / 1000, 2),
    records_per_s: Math.round(records.length / ((ended - started) / 1000)),
    last_10pct_records_per_s: Math.round((records.length - tailFrom) / ((ended - tailStart) / 1000)),
    latency_ms: { p50: q(0.5), p99: q(0.99), p999: q(0.999), max: round(sorted[sorted.length - 1]!, 2) },
    rss_mb: mb(mem.rss),
    peak_rss_mb: mb(peakRss),
    heap_used_mb: mb(mem.heapUsed),
    index_heap_mb: gc ? mb(indexHeap) : 'run with node --expose-gc',
    blocking_keys: index.state.blocks.keyCount,
  }),
);

// Accuracy against the truth the generator knows (every observation's final person).
const predicted = records.map((r) => index.personOf(r.input.primary) ?? 'missing');
const truth = records.map((r) => String(r.truth));
// Several observations of one primary id are one index record: score distinct records only.
const seen = new Set<string>();
const t2: string[] = [];
const p2: string[] = [];
records.forEach((r, i) => {
  const k = recordIdOf(r.input.primary);
  if (seen.has(k)) return;
  seen.add(k);
  t2.push(truth[i]!);
  p2.push(predicted[i]!);
});
const s = scoreClusters(t2, p2);
console.log(
  JSON.stringify({
    bench: 'identity-resolve-accuracy',
    dataset: `synthetic-${PERSONS}`,
    records: s.records,
    pairs_true: s.pairs_true,
    precision: round(s.precision),
    recall: round(s.recall),
    f1: round(s.f1),
    review: index.state.reviews.size,
  }),
);
