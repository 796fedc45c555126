/**
 * Child process for the kill -9 test of the drop directory: opens the embedded bus in `dataDir`
 * (fsync always), runs one poll of the drop directory `dropDir` (marker completion) writing one
 * message per durable write, and prints `wrote <n>` after each write, then pauses 300 ms so the
 * parent can kill it mid-file. Prints `finished` at the end.
 * Usage: node bin/run-ts.mjs tests/hl7-files/crash-child.ts <dataDir> <dropDir>
 */
import pino from 'pino';
import { createEmbeddedBus } from '../../runtime/bus/embedded/index.ts';
import { createTelemetry } from '../../runtime/telemetry/index.ts';
import { createLocalCodec } from '../../schemas/codec.ts';
import { defaultMllpSettings } from '../../producers/mllp/config.ts';
import { createHl7Intake } from '../../producers/mllp/intake.ts';
import { defaultHl7FileSettings } from '../../producers/hl7-files/config.ts';
import { createHl7FileIntake } from '../../producers/hl7-files/file-intake.ts';

const [dataDir, dropDir] = process.argv.slice(2);
if (dataDir === undefined || dropDir === undefined) {
  console.error('usage: crash-child.ts <dataDir> <dropDir>');
  process.exit(2);
}
const logger = pino({ level: 'silent' });
const bus = await createEmbeddedBus({ dataDir, fsync: 'always' });
const telemetry = await createTelemetry({ serviceName: 'hl7-files-crash-child', inMemory: true });
const intake = await createHl7Intake(
  { bus, codec: await createLocalCodec(), telemetry, logger, partitions: 2 },
  defaultMllpSettings(),
);
const files = createHl7FileIntake(
  {
    intake,
    logger,
    stage: telemetry.stage('hl7-files'),
    messagesPerWrite: 1,
    onWrite: async (_file, n) => {
      process.stdout.write(`wrote ${n}\n`);
      await new Promise((r) => setTimeout(r, 300));
    },
  },
  defaultHl7FileSettings({ dir: dropDir, complete: 'marker' }),
);
process.stdout.write('ready\n');
await files.poll();
process.stdout.write('finished\n');
await intake.close(1000);
await bus.close();
await telemetry.shutdown();
