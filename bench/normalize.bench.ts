// Normalizer throughput (HL7 -> canonical events), side by side with parsing alone by
// @medplum/core and hl7-standard in the same run:   node bin/run-ts.mjs bench/normalize.bench.ts
// Corpus: the ADT and ORU messages of the public files in ../shared/data/hl7 (read in place)
// that the normalizer turns into events (rejections are not throughput), repeated to
// BENCH_MESSAGES (default 50000). Paths:
//  - normalize step: hl7.raw.v1 bytes -> decode (MSH-18) -> parse -> events + DQ events, i.e.
//    exactly what the step's process() does per record (Avro encoding excluded: the runner's);
//  - normalize from text: the same without the charset decode;
//  - @medplum/core Hl7Message.parse, hl7-standard transform: parsing only, no field access.
// Single thread, so msgs/s = per core. One JSON line per path, best of BENCH_ROUNDS (3).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hl7Message as MedplumMessage } from '@medplum/core';
import { decodeHl7Bytes, parseHl7, splitHl7Messages } from '../runtime/hl7/index.ts';
import { loadFeedProfiles } from '../processors/normalize/feed-profile.ts';
import { normalizeHl7 } from '../processors/normalize/normalize.ts';
import { createNormalizeStep } from '../processors/normalize/step.ts';
import { sharedFiles } from '../tests/support/shared-data.ts';
import { bestOfMs } from './support/best-of.ts';

const N = Number(process.env.BENCH_MESSAGES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const HL7Standard = createRequire(import.meta.url)('hl7-standard') as new (data: string) => {
  transform(): void;
};

const profiles = loadFeedProfiles();
const step = createNormalizeStep({ profiles });
const src = { idPrefix: 'b', topic: 'hl7.raw.v1', partition: 0, offset: 0, timestamp: 0, receivedAt: null };

function loadCorpus(): { texts: string[]; bytes: Buffer[]; adt: number; oru: number } {
  const texts: string[] = [];
  let adt = 0;
  let oru = 0;
  for (const file of sharedFiles('hl7')) {
    try {
      for (const t of splitHl7Messages(decodeHl7Bytes(readFileSync(file)).text).messages) {
        try {
          const r = normalizeHl7(parseHl7(t), profiles, src);
          if (r.events.length === 0) continue;
          texts.push(t);
          if (r.messageType.startsWith('ADT')) adt++;
          else oru++;
        } catch {
          // rejected messages are not part of a throughput corpus
        }
      }
    } catch {
      // idem for files refused as a whole
    }
  }
  const out: string[] = [];
  for (let i = 0; out.length < N; i++) out.push(texts[i % texts.length]!);
  return { texts: out, bytes: out.map((t) => Buffer.from(t, 'utf8')), adt, oru };
}

function line(o: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'normalize', ...o }));
}

let sink = 0;
function run(name: string, n: number, fn: () => void): void {
  const best = bestOfMs(ROUNDS, fn);
  line({ path: name, messages: n, best_ms: +best.toFixed(1), msgs_per_s: Math.round(n / (best / 1000)) });
}

const { texts, bytes, adt, oru } = loadCorpus();
line({
  corpus: 'shared/data/hl7 ADT+ORU that normalize',
  distinct: adt + oru,
  distinct_adt: adt,
  distinct_oru: oru,
  messages: texts.length,
  avg_bytes: Math.round(bytes.reduce((a, b) => a + b.length, 0) / bytes.length),
  rounds: ROUNDS,
});

let events = 0;
run('gapstream normalize step (decode + parse + normalize)', bytes.length, () => {
  events = 0;
  for (let i = 0; i < bytes.length; i++)
    events += step.process(
      { messageBytes: bytes[i]!, receivedAt: 0 },
      { source: { topic: 'hl7.raw.v1', partition: 0, offset: i }, key: null, timestamp: 0 },
    ).length;
});
line({ outputs_per_pass: events, outputs_per_message: +(events / bytes.length).toFixed(2) });
run('gapstream normalize from text (parse + normalize)', texts.length, () => {
  for (const t of texts) sink += normalizeHl7(parseHl7(t), profiles, src).events.length;
});
run('gapstream parseHl7 only (lazy: no field access)', texts.length, () => {
  for (const t of texts) sink += parseHl7(t).segments.length;
});
run('@medplum/core Hl7Message.parse only', texts.length, () => {
  for (const t of texts) sink += MedplumMessage.parse(t).segments.length;
});
run('hl7-standard transform only', texts.length, () => {
  for (const t of texts) {
    const m = new HL7Standard(t);
    m.transform();
    sink++;
  }
});
line({ done: true, sink });
