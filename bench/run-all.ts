// Runs every benchmark in turn (`npm run bench`); each prints JSON lines. The Kafka and HTTP
// cases need the local stack (npm run stack -- start; set -a; . .local/stack.env; set +a).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const benches = [
  'bench/embedded-bus.bench.ts',
  'bench/clickhouse-insert.bench.ts',
  'bench/kafka-runtime.bench.ts',
  'bench/claims-ingest.bench.ts',
  'bench/identity-accuracy.bench.ts',
  'bench/identity-resolve.bench.ts',
  'bench/identity-processor.bench.ts',
  'bench/care-gaps-latency.bench.ts',
  'bench/care-gaps-recompute.bench.ts',
];
let failed = 0;
for (const bench of benches) {
  console.log(`# ${bench}`);
  const r = spawnSync(process.execPath, [resolve(root, 'bin/run-ts.mjs'), bench], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
