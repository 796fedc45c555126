/**
 * The identity stream scenario, shared by the embedded test and the Kafka integration test: the
 * same person via MRN, then MBI on a claim line, then a roster line matched probabilistically, a
 * second clinic's record merged by ADT A40, a manual split, and a replay from the beginning.
 */
import { expect } from 'vitest';
import type { Bus, InRecord } from '../../runtime/bus/types.ts';
import type { Codec } from '../../schemas/codec.ts';
import { clinicalPayload } from '../../schemas/clinical-payload.ts';
import { EXAMPLES } from '../../schemas/examples.ts';
import { readTopic } from '../support/read-topic.ts';
import { decisionRequestValue } from '../../cli/identity-cli.ts';
import type { RunnerDeps } from '../../runtime/runner/processor-runner.ts';
import { startProcessor } from '../../runtime/runner/processor-runner.ts';
import {
  identityRouters,
  IDENTITY_REQUEST_TOPIC,
  PERSON_EVENT_TOPIC,
  IDENTITY_LINK_TOPIC,
} from '../../processors/identity/route.ts';
import { startResolver, type RunningResolver } from '../../processors/identity/resolver.ts';
import { defaultIdentitySettings, identityConfig } from '../../processors/identity/config.ts';
import type { LinkValue, PersonEventValue } from '../../processors/identity/resolve-step.ts';

export const IDENTITY_CONFIG = identityConfig(defaultIdentitySettings());

type Id = { value: string; assigningAuthority: string | null; idType: string | null };

export function patientEvent(
  eventId: string,
  ids: Id[],
  demo: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...EXAMPLES['clinical.event.v1'],
    eventId,
    kind: 'PATIENT',
    sourceFacility: ids[0]!.assigningAuthority,
    patientIdentifiers: ids,
    payload: clinicalPayload('PATIENT', {
      familyName: null,
      givenName: null,
      middleName: null,
      birthDate: null,
      sex: null,
      postalCode: null,
      phone: null,
      deathDate: null,
      deceased: null,
      clearedFields: [],
      ...demo,
    }),
  };
}

export function mergeEvent(eventId: string, survivor: Id, prior: Id): Record<string, unknown> {
  return {
    ...EXAMPLES['clinical.event.v1'],
    eventId,
    kind: 'MERGE',
    patientIdentifiers: [survivor],
    payload: clinicalPayload('MERGE', { priorIdentifiers: [prior], triggerEvent: 'A40' }),
  };
}

export const NORTH_MRN: Id = { value: '12345', assigningAuthority: 'NORTHCLINIC', idType: 'MR' };
export const SOUTH_MRN: Id = { value: '777', assigningAuthority: 'SOUTHCLINIC', idType: 'MR' };
export const MBI: Id = { value: '1EG4TE5MK73', assigningAuthority: 'CMS', idType: 'MB' };
const JANE = {
  familyName: 'DOE',
  givenName: 'JANE',
  birthDate: '1958-04-12',
  sex: 'F',
  postalCode: '62701',
  phone: '2175550100',
};

export async function send(
  bus: Bus,
  codec: Codec,
  topic: string,
  values: Record<string, unknown>[],
  partition = 0,
): Promise<void> {
  const producer = await bus.producer();
  await producer.send(
    await Promise.all(
      values.map(async (v) => ({ topic, key: 'k', partition, value: await codec.encode(topic, v) })),
    ),
  );
  await producer.close();
}

export async function decoded<T>(
  bus: Bus,
  codec: Codec,
  topic: string,
): Promise<(T & { _key: string | null })[]> {
  const records: InRecord[] = await readTopic(bus, topic);
  return Promise.all(
    records.map(async (r) => ({ ...(await codec.decode<T>(topic, r.value!)), _key: r.key })),
  );
}

export async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  // A topic created a moment ago may not be in every broker's metadata yet: retry, don't fail.
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startIdentity(
  deps: RunnerDeps,
  app: string,
): Promise<{ resolver: RunningResolver; stop: () => Promise<void> }> {
  const resolver = await startResolver({ ...deps, app, config: IDENTITY_CONFIG });
  const routers = await Promise.all(identityRouters().map((r) => startProcessor(r, { ...deps, app })));
  return {
    resolver,
    stop: async () => {
      for (const r of routers) await r.stop();
      await resolver.stop();
    },
  };
}

/** Runs the scenario; returns the person events for the replay comparison. */
export async function identityScenario(deps: RunnerDeps, app: string): Promise<void> {
  const { bus, codec } = deps;
  const linksOf = (): Promise<LinkValue[]> => decoded<LinkValue>(bus, codec, IDENTITY_LINK_TOPIC);
  const personsOf = (): Promise<(PersonEventValue & { _key: string | null })[]> =>
    decoded<PersonEventValue>(bus, codec, PERSON_EVENT_TOPIC);
  const stack = await startIdentity(deps, app);

  // 1. North clinic registers Jane with her MRN and MBI.
  await send(bus, codec, 'clinical.event.v1', [patientEvent('e1', [NORTH_MRN, MBI], JANE)]);
  // 2. A claim line by MBI.
  await send(bus, codec, 'claim.line.v1', [
    { ...EXAMPLES['claim.line.v1'], memberId: MBI.value, memberIdType: 'MBI' },
  ]);
  // 3. A payer roster line under a member id, demographics with a nickname and a typo'd zip.
  await send(bus, codec, 'roster.member.v1', [
    {
      ...EXAMPLES['roster.member.v1'],
      memberId: 'M000123',
      memberIdType: 'PAYER_MEMBER_ID',
      mrn: null, // no MRN on this line: the match is probabilistic
      mrnAssigningAuthority: null,
      familyName: 'DOE',
      givenName: 'JANIE',
      birthDate: '1958-04-12',
      sex: 'F',
      postalCode: '62701',
      phone: '2175550100',
    },
  ]);
  // 4. South clinic registers her with a new MRN and a different birth date (entry error): not matched.
  await send(bus, codec, 'clinical.event.v1', [
    patientEvent('e2', [SOUTH_MRN], {
      ...JANE,
      givenName: 'J',
      birthDate: '1985-12-04',
      postalCode: '60601',
      phone: '3125550199',
    }),
  ]);
  await waitFor(async () => (await personsOf()).length === 4, 'four person events');
  let persons = await personsOf();
  // Topics have several partitions: find events by their source, not by read order.
  const at = (topic: string, offset: number): PersonEventValue =>
    persons.find((p) => p.sourceTopic === topic && p.sourceOffset === offset)!;
  const jane = at('clinical.event.v1', 0).personId;
  expect([at('claim.line.v1', 0).personId, at('roster.member.v1', 0).personId]).toEqual([jane, jane]);
  expect(persons.map((p) => p.kind).sort()).toEqual([
    'CLAIM_LINE',
    'CLINICAL_EVENT',
    'CLINICAL_EVENT',
    'ROSTER_MEMBER',
  ]);
  const south = at('clinical.event.v1', 1).personId;
  expect(south).not.toBe(jane);
  expect(persons.every((p) => p._key === p.personId)).toBe(true);
  const roster = (await linksOf()).find((l) => l.recordId === 'MB|PAYER|M000123')!;
  expect(roster.method).toBe('PROBABILISTIC');
  expect(roster.contributions.map((c) => `${c.field}:${c.level}`)).toEqual(
    expect.arrayContaining(['given:nickname', 'birth_date:exact']),
  );

  // 5. ADT A40 at the north clinic: the south MRN is retired into Jane.
  await send(bus, codec, 'clinical.event.v1', [mergeEvent('e3', NORTH_MRN, SOUTH_MRN)]);
  await waitFor(async () => (await linksOf()).some((l) => l.kind === 'MERGE'), 'merge link');
  const merge = (await linksOf()).find((l) => l.kind === 'MERGE')!;
  expect(merge).toMatchObject({
    method: 'MERGE_MESSAGE',
    personId: jane,
    otherPersonId: south,
    movedRecordIds: ['MR|SOUTHCLINIC|777'],
  });
  await waitFor(
    async () => (await personsOf()).filter((p) => p.kind === 'IDENTITY').length === 2,
    'identity person events',
  );
  persons = await personsOf();
  expect(
    persons
      .filter((p) => p.kind === 'IDENTITY')
      .map((p) => p._key)
      .sort(),
  ).toEqual([jane, south].sort());

  // 6. A reviewer splits the south record off again: a new person, history of that record moves.
  await send(bus, codec, IDENTITY_REQUEST_TOPIC, [
    decisionRequestValue({
      action: 'UNLINK',
      recordId: 'MR|SOUTHCLINIC|777',
      otherRecordId: null,
      decidedBy: 'reviewer-1',
      reason: 'different patient',
    }),
  ]);
  await waitFor(async () => (await linksOf()).some((l) => l.kind === 'SPLIT'), 'split link');
  const split = (await linksOf()).find((l) => l.kind === 'SPLIT')!;
  expect(split).toMatchObject({
    method: 'MANUAL',
    otherPersonId: jane,
    movedRecordIds: ['MR|SOUTHCLINIC|777'],
    decidedBy: 'reviewer-1',
  });
  expect(split.personId).not.toBe(jane);
  expect(split.personId).not.toBe(south);

  // 7. A decision naming an unknown record is dead-lettered with the reason; nothing else changes.
  await send(bus, codec, IDENTITY_REQUEST_TOPIC, [
    decisionRequestValue({
      action: 'LINK',
      recordId: 'MR|X|1',
      otherRecordId: 'MR|X|2',
      decidedBy: 'reviewer-1',
      reason: null,
    }),
  ]);
  await waitFor(
    async () =>
      (await decoded<{ reason: string; stage: string }>(bus, codec, 'deadletter.v1')).some(
        (d) => d.stage === 'identity-resolver',
      ),
    'dead letter',
  );
  const dl = (await decoded<{ reason: string; stage: string }>(bus, codec, 'deadletter.v1')).find(
    (d) => d.stage === 'identity-resolver',
  )!;
  expect(dl.reason).toContain('MR|X|1');

  // 8. Restart: the index comes back from its changelog; Jane's MBI still resolves to Jane.
  await stack.stop();
  const again = await startIdentity(deps, app);
  await send(bus, codec, 'claim.line.v1', [
    { ...EXAMPLES['claim.line.v1'], memberId: MBI.value, memberIdType: 'MBI', lineNumber: 99 },
  ]);
  await waitFor(
    async () => (await personsOf()).filter((p) => p.kind === 'CLAIM_LINE').length === 2,
    'claim after restart',
  );
  expect((await personsOf()).filter((p) => p.kind === 'CLAIM_LINE').map((p) => p.personId)).toEqual([
    jane,
    jane,
  ]);
  await again.stop();

  // 9. Replay from the beginning under another app name (new group, empty index): same person ids.
  const original = (await personsOf())
    .filter((p) => p.kind !== 'IDENTITY')
    .map((p) => `${p.sourceTopic}/${p.sourceOffset}->${p.personId}`);
  const originalLinks = (await linksOf()).map((l) => `${l.eventId}:${l.kind}:${l.personId}`);
  const replay = await startResolver({ ...deps, app: `${app}-replay`, config: IDENTITY_CONFIG });
  await waitFor(
    async () => (await personsOf()).filter((p) => p.kind !== 'IDENTITY').length === original.length * 2,
    'replayed person events',
  );
  // Topics have several partitions, so compare as multisets: every line exactly twice.
  const twice = (xs: string[]): string[] => [...xs, ...xs].sort();
  const all = (await personsOf())
    .filter((p) => p.kind !== 'IDENTITY')
    .map((p) => `${p.sourceTopic}/${p.sourceOffset}->${p.personId}`);
  expect(all.sort()).toEqual(twice(original));
  await waitFor(async () => (await linksOf()).length === originalLinks.length * 2, 'replayed links');
  expect((await linksOf()).map((l) => `${l.eventId}:${l.kind}:${l.personId}`).sort()).toEqual(
    twice(originalLinks),
  );
  await replay.stop();
}
