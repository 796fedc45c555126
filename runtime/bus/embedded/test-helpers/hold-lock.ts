/**
 * Child process for the lock test: opens the bus in `dataDir`, prints `ready <pid>`, and holds
 * it until killed. Usage: node bin/run-ts.mjs <this file> <dataDir>
 */
import { createEmbeddedBus } from '../embedded-bus.ts';

const dataDir = process.argv[2];
if (dataDir === undefined) {
  console.error('usage: hold-lock.ts <dataDir>');
  process.exit(2);
}
await createEmbeddedBus({ dataDir, fsync: 'never' });
process.stdout.write(`ready ${process.pid}\n`);
// Keep the process alive: the bus itself holds no handle while no consumer runs.
setInterval(() => {}, 1 << 30);
