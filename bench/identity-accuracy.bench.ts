// Identity accuracy on public record-linkage sets with true labels (../shared/data/identity):
// FEBRL 1–4 and Splink's fake_1000, side by side with Splink and recordlinkage (PyPI, their own
// documented example settings, bench/identity-peer/) in the same run.
//   npm run bench:identity
// One JSON line per data set and tool: {"tool","dataset","records","pairs_true","precision",
// "recall","f1","review","seconds"}; then one ratio line per data set (gapstream / Splink).
// gapstream: EM on the set's own records (no labels), one shared config (shipped thresholds and
// guards), records resolved one at a time as the stream processor does; scored over all record
// pairs inside the resulting persons. Set BENCH_IDENTITY_PEER=0 to skip the Python peers.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fake1000, febrl } from '../tests/identity/linkage-sets.ts';
import { evaluateLinkage } from '../tests/identity/evaluate-linkage.ts';

const root = resolve(import.meta.dirname, '..');
const round = (x: number): number => Number(x.toFixed(4));
const ours = new Map<string, { f1: number; seconds: number }>();
for (const set of [febrl('1'), febrl('2'), febrl('3'), febrl('4'), fake1000()]) {
  const r = evaluateLinkage(set);
  ours.set(r.dataset, { f1: r.f1, seconds: r.seconds });
  console.log(
    JSON.stringify({
      tool: 'gapstream',
      dataset: r.dataset,
      records: r.records,
      pairs_true: r.pairs_true,
      precision: round(r.precision),
      recall: round(r.recall),
      f1: round(r.f1),
      review: r.review,
      review_true: r.review_true,
      seconds: round(r.seconds),
    }),
  );
}

if (process.env.BENCH_IDENTITY_PEER !== '0') {
  const setup = spawnSync('bash', [resolve(root, 'bench/identity-peer/setup.sh')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (setup.status !== 0) {
    console.log(
      JSON.stringify({
        tool: 'splink',
        error: 'the Python peer could not be installed (see stderr of bench/identity-peer/setup.sh)',
      }),
    );
  } else {
    const venv = process.env.GAPSTREAM_PEER_VENV ?? resolve(root, '.local/identity-peer-venv');
    const peer = spawnSync(resolve(venv, 'bin/python'), [resolve(root, 'bench/identity-peer/peer.py')], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    for (const line of peer.stdout.split('\n').filter((l) => l.trim())) {
      const p = JSON.parse(line) as {
        tool: string;
        dataset: string;
        scoring: string;
        f1: number;
        seconds: number;
      };
      if (p.scoring !== 'clusters') continue;
      console.log(line);
      const g = ours.get(p.dataset);
      if (p.tool === 'splink' && g !== undefined)
        console.log(
          JSON.stringify({
            ratio: 'gapstream/splink',
            dataset: p.dataset,
            f1: round(g.f1 / p.f1),
            seconds: round(g.seconds / p.seconds),
          }),
        );
    }
  }
}
