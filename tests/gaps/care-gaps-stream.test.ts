import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { createEmbeddedBus } from '../../runtime/bus/embedded/index.ts';
import type { Bus } from '../../runtime/bus/types.ts';
import { createLocalCodec, type Codec } from '../../schemas/codec.ts';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/index.ts';
import { careGapsScenario } from './care-gaps-stream.ts';

describe('care-gaps processor (embedded bus)', () => {
  let dir: string;
  let bus: Bus;
  let codec: Codec;
  let telemetry: Telemetry;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-gaps-'));
    bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never' });
    codec = await createLocalCodec();
    telemetry = await createTelemetry({ serviceName: 'gaps-test', inMemory: true });
  });
  afterEach(async () => {
    await bus.close();
    await telemetry.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('events, a merge across partitions, restart from the changelog, the year-end timer', async () => {
    await careGapsScenario(
      { bus, codec, telemetry, logger: pino({ level: 'silent' }), partitions: 3 },
      'gaps',
    );
  }, 60_000);
});
