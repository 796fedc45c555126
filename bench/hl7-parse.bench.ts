// HL7 parsing throughput, our parser side by side with hl7-standard and @medplum/core in the
// same run:   node bin/run-ts.mjs bench/hl7-parse.bench.ts
// Corpus: the ADT and ORU messages of the public files in ../shared/data/hl7 (read in place)
// that parse, repeated to BENCH_MESSAGES (default 50000). Each path parses every message and
// reads the same 20 typical fields (MSH routing, PID identifiers/name/DOB/sex, PV1, OBX).
// One JSON line per path with msgs/s; single thread, so msgs/s = per core.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hl7Message as MedplumMessage } from '@medplum/core';
import { sharedFiles } from '../tests/support/shared-data.ts';
import { decodeHl7Bytes, parseHl7, parseMsh, splitHl7Messages } from '../runtime/hl7/index.ts';
import { bestOfMs } from './support/best-of.ts';

const N = Number(process.env.BENCH_MESSAGES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Hl7StandardMessage {
  transform(): void;
  get(path: string): unknown;
}
const HL7Standard = createRequire(import.meta.url)('hl7-standard') as new (
  data: string,
) => Hl7StandardMessage;

// 20 fields: [segment, field, component]
const FIELDS: [string, number, number][] = [
  ['MSH', 3, 1],
  ['MSH', 4, 1],
  ['MSH', 7, 1],
  ['MSH', 9, 1],
  ['MSH', 9, 2],
  ['MSH', 10, 1],
  ['MSH', 11, 1],
  ['MSH', 12, 1],
  ['PID', 3, 1],
  ['PID', 3, 4],
  ['PID', 3, 5],
  ['PID', 5, 1],
  ['PID', 5, 2],
  ['PID', 7, 1],
  ['PID', 8, 1],
  ['PID', 11, 5],
  ['PV1', 2, 1],
  ['PV1', 7, 1],
  ['OBX', 3, 1],
  ['OBX', 5, 1],
];
const PATHS = FIELDS.map(([s, f, c]) => `${s}-${f}.${c}`);
const STD_PATHS = FIELDS.map(([s, f, c]) => `${s}.${f}.${c}`);

function loadCorpus(): { texts: string[]; bytes: Buffer[] } {
  const texts: string[] = [];
  for (const file of sharedFiles('hl7')) {
    if (!/(ADT|ORU)/i.test(file) || file.includes('malformed')) continue;
    try {
      for (const t of splitHl7Messages(decodeHl7Bytes(readFileSync(file)).text).messages) {
        const msh = parseMsh(t);
        parseHl7(t);
        if (msh.messageCode === 'ADT' || msh.messageCode === 'ORU') texts.push(t);
      }
    } catch {
      // rejected files are not part of a throughput corpus
    }
  }
  const out: string[] = [];
  for (let i = 0; out.length < N; i++) out.push(texts[i % texts.length] as string);
  return { texts: out, bytes: out.map((t) => Buffer.from(t, 'utf8')) };
}

function line(o: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'hl7-parse', ...o }));
}

let sink = 0;
function use(v: unknown): void {
  if (v !== undefined && v !== null && v !== '') sink++;
}

function run(name: string, n: number, fn: () => void): void {
  const best = bestOfMs(ROUNDS, fn);
  line({ path: name, messages: n, best_ms: +best.toFixed(1), msgs_per_s: Math.round(n / (best / 1000)) });
}

const { texts, bytes } = loadCorpus();
const avgBytes = Math.round(bytes.reduce((a, b) => a + b.length, 0) / bytes.length);
line({
  corpus: 'shared/data/hl7 ADT+ORU',
  distinct: new Set(texts).size,
  messages: texts.length,
  avg_bytes: avgBytes,
  rounds: ROUNDS,
});

run('gapstream parse only', texts.length, () => {
  for (const t of texts) use(parseHl7(t).segments.length);
});
run('gapstream parse + 20 gets', texts.length, () => {
  for (const t of texts) {
    const m = parseHl7(t);
    for (const p of PATHS) use(m.get(p));
  }
});
run('gapstream bytes: decode + split + parseMsh + parse + 20 gets', bytes.length, () => {
  for (const b of bytes) {
    const { text } = decodeHl7Bytes(b);
    for (const t of splitHl7Messages(text).messages) {
      use(parseMsh(t).controlId);
      const m = parseHl7(t);
      for (const p of PATHS) use(m.get(p));
    }
  }
});
run('@medplum/core Hl7Message.parse + 20 gets', texts.length, () => {
  for (const t of texts) {
    const m = MedplumMessage.parse(t);
    for (const [s, f, c] of FIELDS) use(m.getSegment(s)?.getComponent(f, c));
  }
});
run('hl7-standard transform + 20 gets', texts.length, () => {
  for (const t of texts) {
    const m = new HL7Standard(t);
    m.transform();
    for (const p of STD_PATHS) {
      try {
        use(m.get(p));
      } catch {
        // hl7-standard throws for a segment the message does not have
      }
    }
  }
});
line({ done: true, sink });
