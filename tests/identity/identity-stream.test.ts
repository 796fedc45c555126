import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../runtime/bus/embedded/index.ts';
import type { Bus } from '../../runtime/bus/types.ts';
import { createLocalCodec, type Codec } from '../../schemas/codec.ts';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/index.ts';
import type { RunnerDeps } from '../../runtime/runner/processor-runner.ts';
import { PERSON_EVENT_TOPIC } from '../../processors/identity/route.ts';
import type { PersonEventValue } from '../../processors/identity/resolve-step.ts';
import { decoded, identityScenario, patientEvent, send, startIdentity, waitFor } from './identity-stream.ts';

describe('identity stream (embedded bus)', () => {
  let dir: string;
  let bus: Bus;
  let codec: Codec;
  let telemetry: Telemetry;
  let deps: RunnerDeps;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-identity-'));
    bus = await createEmbeddedBus({ dataDir: dir, fsync: 'never' });
    codec = await createLocalCodec();
    telemetry = await createTelemetry({ serviceName: 'identity-test', inMemory: true });
    deps = { bus, codec, telemetry, logger: pino({ level: 'silent' }), partitions: 2 };
  });
  afterEach(async () => {
    await bus.close();
    await telemetry.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('MRN, then MBI, then roster; A40 merge; split; restart; replay gives the same person ids', async () => {
    await identityScenario(deps, 'ids');
  });

  it('two records of one new person arriving at once in different partitions make one person', async () => {
    await bus.ensureTopics([{ topic: 'clinical.event.v1', partitions: 2 }]);
    const stack = await startIdentity(deps, 'conc');
    const demo = {
      familyName: 'RIVERA',
      givenName: 'ANA',
      birthDate: '1990-02-03',
      sex: 'F',
      postalCode: '73301',
      phone: '5125550111',
    };
    const a = { value: '5001', assigningAuthority: 'EASTCLINIC', idType: 'MR' };
    const b = { value: '9009', assigningAuthority: 'WESTCLINIC', idType: 'MR' };
    // Same MRN in both partitions, and the same person under two clinics' MRNs, sent concurrently.
    await Promise.all([
      send(
        bus,
        codec,
        'clinical.event.v1',
        [patientEvent('c1', [a], demo), patientEvent('c3', [b], demo)],
        0,
      ),
      send(
        bus,
        codec,
        'clinical.event.v1',
        [patientEvent('c2', [a], demo), patientEvent('c4', [b], { ...demo, givenName: 'ANNA' })],
        1,
      ),
    ]);
    await waitFor(
      async () => (await decoded<PersonEventValue>(bus, codec, PERSON_EVENT_TOPIC)).length === 4,
      'four person events',
    );
    const persons = new Set(
      (await decoded<PersonEventValue>(bus, codec, PERSON_EVENT_TOPIC)).map((p) => p.personId),
    );
    expect(persons.size).toBe(1);
    await stack.stop();
  });
});
