/**
 * Child process for the kill -9 tests of the claims watcher: opens the runtime from the
 * environment (embedded when KAFKA_BROKERS is unset, else Kafka + Schema Registry), polls
 * CLAIMS_DROP_DIR until nothing is left for it and prints `commit <position>` after each committed transaction, then
 * `finished`. The parent kills it with SIGKILL at some point after a chosen commit.
 * Usage: node bin/run-ts.mjs tests/claims/watcher/crash-child.ts
 */
import { loadConfig } from '../../../runtime/config/load.ts';
import { openRuntime } from '../../../runtime/open-runtime.ts';
import { startClaimsWatcher } from '../../../producers/claims/start.ts';

const config = loadConfig();
const rt = await openRuntime(config, 'claims-crash-child', { store: false });
// No timer (autoStart false): every poll is this loop's, so every result is counted.
const watcher = await startClaimsWatcher(rt, config.claims, {
  autoStart: false,
  onCommit: (_file, p) => {
    process.stdout.write(`commit ${p.position}\n`);
  },
});
if (watcher === undefined) throw new Error('CLAIMS_DROP_DIR is not set');
// Poll until nothing is left for this watcher (files left busy by a racing watcher come back).
const results = [];
for (let r = await watcher.poll(); r.length > 0; r = await watcher.poll()) {
  results.push(...r);
  if (r.every((x) => x.disposition === 'busy')) await new Promise((f) => setTimeout(f, 200));
}
const final = results.filter((r) => r.disposition !== 'busy');
process.stdout.write(`finished ${final.map((r) => r.disposition).join(',')}\n`);
process.stdout.write(`files ${JSON.stringify(final.map((r) => [r.name, r.disposition]))}\n`);
await watcher.stop();
await rt.close();
