/**
 * Child process for the kill -9 durability test: opens the bus in `dataDir` (fsync 'always'),
 * then sends records to `topic` and prints one line per acknowledged record,
 * `ack <value> <partition> <offset>`, only after its send resolved (the bytes are fsynced).
 * With `concurrency` > 1, that many sends are outstanding at once (group commit).
 * Runs until killed. Usage: node bin/run-ts.mjs <this file> <dataDir> <topic> [concurrency]
 */
import { createEmbeddedBus } from '../embedded-bus.ts';

const [dataDir, topicArg, concurrencyArg] = process.argv.slice(2);
if (dataDir === undefined || topicArg === undefined) {
  console.error('usage: send-and-ack.ts <dataDir> <topic> [concurrency]');
  process.exit(2);
}
const topic: string = topicArg;
const concurrency = Number(concurrencyArg ?? '1');

const bus = await createEmbeddedBus({ dataDir, fsync: 'always' });
await bus.ensureTopics([{ topic, partitions: 2 }]);
const producer = await bus.producer();
process.stdout.write('ready\n');

let next = 0;
async function worker(): Promise<never> {
  for (;;) {
    const value = next++;
    // Keyed by value so records spread over both partitions.
    const [meta] = await producer.send([{ topic, key: `k${value}`, value: Buffer.from(String(value)) }]);
    process.stdout.write(`ack ${value} ${meta!.partition} ${meta!.offset}\n`);
  }
}
await Promise.all(Array.from({ length: concurrency }, () => worker()));
