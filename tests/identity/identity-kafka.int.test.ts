/**
 * The identity processor in distributed mode: real Kafka (transactions, one-partition request
 * topic, compacted changelog) and the Schema Registry. Same scenario as the embedded test, plus
 * two resolver processes' worth of instances racing on one group: exactly one writer commits.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withNamespace } from '../../runtime/bus/namespaced-bus.ts';
import type { Bus } from '../../runtime/bus/types.ts';
import { createRegistryCodec, type Codec } from '../../schemas/codec.ts';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/index.ts';
import type { RunnerDeps } from '../../runtime/runner/processor-runner.ts';
import { PERSON_EVENT_TOPIC } from '../../processors/identity/route.ts';
import type { PersonEventValue } from '../../processors/identity/resolve-step.ts';
import { makeKafkaBus, requireListening, stack } from '../support/stack.ts';
import { decoded, identityScenario, patientEvent, send, startIdentity, waitFor } from './identity-stream.ts';

describe('identity processor on Kafka + Schema Registry', () => {
  let raw: Bus;
  let codec: Codec;
  let telemetry: Telemetry;
  const deps = (bus: Bus): RunnerDeps => ({
    bus,
    codec,
    telemetry,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    partitions: 3,
  });

  beforeAll(async () => {
    await requireListening('Schema Registry', new URL(stack.schemaRegistryUrl).host);
    raw = await makeKafkaBus();
    codec = await createRegistryCodec({ url: stack.schemaRegistryUrl });
    telemetry = await createTelemetry({ serviceName: 'identity-int', inMemory: true });
  });
  afterAll(async () => {
    await raw?.close();
    await telemetry?.shutdown();
  });

  it('MRN, MBI, roster, A40 merge, split, restart from the changelog, replay with the same person ids', async () => {
    const bus = withNamespace(raw, `id-${randomUUID().slice(0, 8)}`);
    await identityScenario(deps(bus), 'ids');
  });

  it('two resolver instances on one group: one person per identity, every event exactly once', async () => {
    const bus = withNamespace(raw, `idc-${randomUUID().slice(0, 8)}`);
    await bus.ensureTopics([{ topic: 'clinical.event.v1', partitions: 3 }]);
    // Two processes' worth: routers have their own instance ids (as each process does); the
    // resolver's transactional id is the same by design, so the second fences the first.
    const first = await startIdentity({ ...deps(bus), instanceId: 'a' }, 'race');
    const second = await startIdentity({ ...deps(bus), instanceId: 'b' }, 'race');
    const events: Record<string, unknown>[][] = [[], [], []];
    for (let p = 0; p < 10; p++) {
      const demo = {
        familyName: `FAMILY${'ABCDEFGHIJ'[p]}QZ`,
        givenName: 'ALEX',
        birthDate: `19${60 + p}-03-0${1 + (p % 9)}`,
        sex: 'M',
        postalCode: `7330${p}`,
      };
      // Each person arrives three times at once, in three partitions, under two clinics' MRNs.
      events[0]!.push(
        patientEvent(`a${p}`, [{ value: `A${p}`, assigningAuthority: 'EAST', idType: 'MR' }], demo),
      );
      events[1]!.push(
        patientEvent(`b${p}`, [{ value: `A${p}`, assigningAuthority: 'EAST', idType: 'MR' }], demo),
      );
      events[2]!.push(
        patientEvent(`c${p}`, [{ value: `B${p}`, assigningAuthority: 'WEST', idType: 'MR' }], demo),
      );
    }
    await Promise.all(events.map((vs, partition) => send(bus, codec, 'clinical.event.v1', vs, partition)));
    await waitFor(
      async () => (await decoded<PersonEventValue>(bus, codec, PERSON_EVENT_TOPIC)).length >= 30,
      '30 person events',
    );
    await first.stop().catch(() => undefined);
    await second.stop();
    const persons = await decoded<PersonEventValue>(bus, codec, PERSON_EVENT_TOPIC);
    // Exactly once: one person event per source record, no duplicates from the fenced instance.
    expect(persons).toHaveLength(30);
    expect(new Set(persons.map((p) => `${p.sourcePartition}/${p.sourceOffset}`)).size).toBe(30);
    expect(new Set(persons.map((p) => p.personId)).size).toBe(10);
  });
});
