/**
 * The care-gaps processor through the real runner, shared by the embedded test and the Kafka
 * integration test: person events in several partitions, an identity merge whose facts move to
 * a survivor in another partition, a restart from the changelog, and a timer that closes or
 * reopens gaps when the year rolls over.
 */
import { expect } from 'vitest';
import type { Bus } from '../../runtime/bus/types.ts';
import type { Codec } from '../../schemas/codec.ts';
import { startProcessor, type RunnerDeps } from '../../runtime/runner/processor-runner.ts';
import { loadContractLibrary } from '../../processors/contracts/load.ts';
import {
  createCareGapsStep,
  GAP_CHANGE_TOPIC,
  ATTRIBUTION_CHANGE_TOPIC,
  PERSON_EVENT_TOPIC,
} from '../../processors/gaps/step.ts';
import type { GapChangeValue } from '../../processors/gaps/reconcile.ts';
import { partitionFor } from '../../runtime/bus/partitioner.ts';
import { readTopic } from '../support/read-topic.ts';
import { claim, patient, personEvent } from '../../bench/support/person-events.ts';

const YEAR = new Date().getUTCFullYear();
const DAY = 86_400_000;

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const link = (
  eventId: string,
  survivor: string,
  absorbed: string,
  moved: string[],
): Record<string, unknown> => ({
  eventId,
  requestId: `req-${eventId}`,
  at: Date.now(),
  kind: 'MERGE',
  method: 'MERGE_MESSAGE',
  recordId: moved[0],
  personId: survivor,
  otherPersonId: absorbed,
  otherRecordId: null,
  score: null,
  contributions: [],
  movedRecordIds: moved,
  reason: null,
  decidedBy: null,
});

async function send(
  bus: Bus,
  codec: Codec,
  values: Record<string, unknown>[],
  partitions: number,
): Promise<void> {
  const producer = await bus.producer();
  await producer.send(
    await Promise.all(
      values.map(async (v) => ({
        topic: PERSON_EVENT_TOPIC,
        key: v.personId as string,
        partition: partitionFor(v.personId as string, partitions, () => 0),
        value: await codec.encode(PERSON_EVENT_TOPIC, v),
      })),
    ),
  );
  await producer.close();
}

async function changes(bus: Bus, codec: Codec): Promise<GapChangeValue[]> {
  const records = await readTopic(bus, GAP_CHANGE_TOPIC).catch(() => []);
  return Promise.all(records.map((r) => codec.decode<GapChangeValue>(GAP_CHANGE_TOPIC, r.value!)));
}

/** Two persons in different partitions with an equal number of partitions for both topics. */
function personsInDifferentPartitions(partitions: number): [string, string] {
  const a = 'P-survivor-1';
  for (let i = 0; ; i++) {
    const b = `P-absorbed-${i}`;
    if (partitionFor(a, partitions, () => 0) !== partitionFor(b, partitions, () => 0)) return [a, b];
  }
}

export async function careGapsScenario(
  deps: RunnerDeps & { bus: Bus; codec: Codec },
  app: string,
): Promise<void> {
  const { bus, codec } = deps;
  const library = await loadContractLibrary('contracts');
  let clock = Date.now();
  const step = (): ReturnType<typeof createCareGapsStep> => createCareGapsStep({ catalog: library });
  const runner = { ...deps, app, timerMs: 200, clock: () => clock };
  await bus.ensureTopics([{ topic: PERSON_EVENT_TOPIC, partitions: deps.partitions }]);
  let proc = await startProcessor(step(), runner);

  const [survivor, absorbed] = personsInDifferentPartitions(deps.partitions);
  const mbi = 'MBI|CMS|1EG4TE5MK73';
  const mrn = 'MR|NORTHCLINIC|77';
  // The survivor: a 60-year-old man with a primary-care visit at our practice (attributed under
  // the MSSP contract) and no colorectal screening: CMS130 opens.
  await send(
    bus,
    codec,
    [
      await personEvent(
        codec,
        survivor,
        mbi,
        'CLINICAL_EVENT',
        'clinical.event.v1',
        patient('77', `${YEAR - 60}-03-01`, 'M'),
      ),
      await personEvent(
        codec,
        survivor,
        mbi,
        'CLAIM_LINE',
        'claim.line.v1',
        claim('C1', '1EG4TE5MK73', '99214', `${YEAR}-01-02`),
      ),
    ],
    deps.partitions,
  );
  const opened = await waitFor('CMS130 open', async () =>
    (await changes(bus, codec)).find(
      (c) => c.personId === survivor && c.measureId === 'CMS130' && c.contractId === 'example-mssp-aco',
    ),
  );
  expect(opened).toMatchObject({
    oldStatus: null,
    newStatus: 'OPEN',
    trigger: 'EVENT',
    attributedNpi: '1234567893',
  });

  // The absorbed person's record carries a colonoscopy nine years back; an A40 merge moves it to
  // the survivor, whose gap closes from facts that arrive through care.transfer.v1.
  await send(
    bus,
    codec,
    [
      await personEvent(
        codec,
        absorbed,
        mrn,
        'CLAIM_LINE',
        'claim.line.v1',
        claim('C2', 'X', '45378', `${YEAR - 9}-01-01`),
      ),
      await personEvent(
        codec,
        absorbed,
        mrn,
        'IDENTITY',
        'identity.link.v1',
        link('identity.request.v1/0/1#0', survivor, absorbed, [mrn]),
      ),
      await personEvent(
        codec,
        survivor,
        mrn,
        'IDENTITY',
        'identity.link.v1',
        link('identity.request.v1/0/1#0', survivor, absorbed, [mrn]),
      ),
    ],
    deps.partitions,
  );
  const closed = await waitFor('CMS130 closed by the transfer', async () =>
    (await changes(bus, codec)).find(
      (c) => c.personId === survivor && c.measureId === 'CMS130' && c.newStatus === 'CLOSED',
    ),
  );
  expect(closed).toMatchObject({ oldStatus: 'OPEN', trigger: 'TRANSFER', dueBy: `${YEAR}-12-31` });
  expect(closed.evidence[0]).toMatchObject({ code: '45378', date: `${YEAR - 9}-01-01`, recordId: mrn });

  // Restart: state comes back from the changelog; the same event again changes nothing.
  await proc.stop();
  const before = (await changes(bus, codec)).length;
  proc = await startProcessor(step(), runner);
  await send(
    bus,
    codec,
    [
      await personEvent(
        codec,
        survivor,
        mbi,
        'CLAIM_LINE',
        'claim.line.v1',
        claim('C1', '1EG4TE5MK73', '99214', `${YEAR}-01-02`),
      ),
    ],
    deps.partitions,
  );
  await new Promise((r) => setTimeout(r, 1500));
  expect((await changes(bus, codec)).length).toBe(before);

  // Time passes: on January 1st the colonoscopy is ten years old for the new period and the
  // timer reopens the gap (and re-evaluates the period) without any new message.
  clock = Date.UTC(YEAR + 1, 0, 2) + DAY / 2;
  const reopened = await waitFor('CMS130 reopened by the timer', async () =>
    (await changes(bus, codec)).find(
      (c) => c.personId === survivor && c.measureId === 'CMS130' && c.trigger === 'TIMER',
    ),
  );
  expect(reopened).toMatchObject({ oldStatus: 'CLOSED', periodStart: `${YEAR + 1}-01-01` });
  expect(reopened.newStatus).not.toBe('CLOSED');
  await proc.stop();

  const attributions = await readTopic(bus, ATTRIBUTION_CHANGE_TOPIC);
  expect(attributions.length).toBeGreaterThan(0);
}
