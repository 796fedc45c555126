// CCLF5 parse throughput:   node bin/run-ts.mjs bench/cclf-parse.bench.ts
// Generates a BENCH_CCLF_LINES-line (default 2,000,000) CCLF5 file in a temp dir (CCLF IP v36
// layout, 388-byte records, varied claim ids/dates/amounts/codes), then in the same run measures:
//   1. raw line split: readline over the latin1 stream, nothing else;
//   2. raw line split by bytes: the latin1 chunks through LineSplitter (what parseCclfStream uses);
//   3. parse-only: readline + createCclfParser(...).line() (checks and claim.line.v1 mapping);
//   4. parse-only: LineSplitter + createCclfParser(...).line() (the issue 4 target, ≥ 500,000/s).
// Prints one JSON line per path with lines/s, plus heap/RSS sampled during the parse to show
// memory stays flat in file size. Single thread. The temp file is removed at the end.
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createCclfParser } from '../producers/claims/cclf/index.ts';
import { LineSplitter } from '../producers/claims/cclf/lines.ts';
import { writeCclf5File } from './support/cclf5-file.ts';

const N = Number(process.env.BENCH_CCLF_LINES ?? 2_000_000);
const dir = mkdtempSync(join(tmpdir(), 'cclf-bench-'));
const path = join(dir, 'P.A1234.ACO.ZC5Y24.D240105.T0100000');

const generate = (): Promise<void> => writeCclf5File(path, N);

const mb = (n: number): number => Math.round(n / 1048576);

type Splitter = 'readline' | 'bytes';

/** The file's lines: readline, or the parser's LineSplitter over the latin1 chunks. */
async function* linesOf(splitter: Splitter): AsyncGenerator<string[]> {
  const input = createReadStream(path, { encoding: 'latin1', highWaterMark: 1 << 20 });
  if (splitter === 'readline') {
    // One line per batch: the for-await per line is part of readline's cost.
    for await (const text of createInterface({ input, crlfDelay: Infinity })) yield [text];
    return;
  }
  const split = new LineSplitter();
  const batch: string[] = [];
  for await (const chunk of input as AsyncIterable<string>) {
    split.feed(chunk);
    batch.length = 0;
    for (let text = split.next(); text !== null; text = split.next()) batch.push(text);
    yield batch;
  }
  const last = split.end();
  if (last !== null) yield [last];
}

async function run(label: string, splitter: Splitter, parse: boolean): Promise<void> {
  const parser = createCclfParser('CCLF5', { sourceFile: 'bench', sourceFileSha256: null });
  let lines = 0;
  let records = 0;
  let maxHeap = 0;
  let maxRss = 0;
  const heapAt: number[] = [];
  const t0 = process.hrtime.bigint();
  for await (const batch of linesOf(splitter)) {
    for (const text of batch) {
      lines++;
      if (parse) records += parser.line(text, lines).records.length;
      if ((lines & 0x3ffff) === 0) {
        const m = process.memoryUsage();
        maxHeap = Math.max(maxHeap, m.heapUsed);
        maxRss = Math.max(maxRss, m.rss);
        heapAt.push(mb(m.heapUsed));
      }
    }
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const summary = parse ? parser.end() : null;
  console.log(
    JSON.stringify({
      bench: 'cclf-parse',
      path: label,
      lines,
      records: parse ? records : undefined,
      problems: summary?.problems.length,
      seconds: Number(s.toFixed(2)),
      linesPerSec: Math.round(lines / s),
      maxHeapMB: mb(maxHeap),
      maxRssMB: mb(maxRss),
      heapMBEvery262144Lines: heapAt,
    }),
  );
}

try {
  const g0 = Date.now();
  await generate();
  console.log(
    JSON.stringify({
      bench: 'cclf-parse',
      generated: N,
      fileMB: mb(statSync(path).size),
      seconds: (Date.now() - g0) / 1000,
    }),
  );
  await run('raw line split (readline)', 'readline', false);
  await run('raw line split (bytes: latin1 chunks + LineSplitter)', 'bytes', false);
  await run('parse-only (readline + CCLF5 parser → claim.line.v1 values)', 'readline', true);
  await run('parse-only (LineSplitter + CCLF5 parser → claim.line.v1 values)', 'bytes', true);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
