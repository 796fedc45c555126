/**
 * The identity sinks against the ClickHouse server of the local stack (18.16 there): events on
 * identity.link.v1 (embedded bus) land in identity_links and identity_reviews; a review goes from
 * OPEN to CLOSED; replaying the whole topic (a new consumer group) and duplicated events change
 * nothing; the readers work without query parameters (the lookup-table path). A server that is
 * down fails the open, never skips.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../runtime/bus/embedded/index.ts';
import type { Bus } from '../../runtime/bus/types.ts';
import type { SinkDeps } from '../../runtime/runner/sink-runner.ts';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/index.ts';
import { createLocalCodec, type Codec } from '../../schemas/codec.ts';
import { stack, testLogger } from '../../tests/support/stack.ts';
import { openStoreWithInfo, type Store } from '../clickhouse/store.ts';
import { auditTrail, openReviews, reviewOf, startIdentitySinks } from './identity-sinks.ts';
import type { IdentityLinkValue } from './rows.ts';
import { IDENTITY_LINK_TOPIC, IDENTITY_TABLES } from './tables.ts';

const AT = Date.UTC(2024, 4, 2, 10, 0, 0);

const base: IdentityLinkValue = {
  eventId: 'clinical.event.v1/0/1#0',
  requestId: 'clinical.event.v1/0/1',
  at: AT,
  kind: 'LINK',
  method: 'NEW',
  recordId: 'MR|NORTH|100',
  personId: 'P00000000000000000001',
  otherPersonId: null,
  otherRecordId: null,
  score: null,
  contributions: [],
  movedRecordIds: [],
  reason: null,
  decidedBy: null,
};

/** Two records, a review opened between them, another pair opened, then the first closed and merged. */
const EVENTS: IdentityLinkValue[] = [
  base,
  {
    ...base,
    eventId: 'clinical.event.v1/0/2#0',
    requestId: 'clinical.event.v1/0/2',
    at: AT + 1000,
    recordId: 'MR|SOUTH|900',
    personId: 'P00000000000000000002',
  },
  {
    ...base,
    eventId: 'clinical.event.v1/0/2#1',
    requestId: 'clinical.event.v1/0/2',
    at: AT + 1000,
    kind: 'REVIEW_OPENED',
    method: 'PROBABILISTIC',
    recordId: 'MR|SOUTH|900',
    personId: 'P00000000000000000002',
    otherRecordId: 'MR|NORTH|100',
    otherPersonId: 'P00000000000000000001',
    score: 9.5,
    contributions: [
      { field: 'family', level: 'exact', weight: 7.5 },
      { field: 'given', level: 'else', weight: -2 },
    ],
    reason: 'score between thresholds',
  },
  {
    ...base,
    eventId: 'clinical.event.v1/0/3#0',
    requestId: 'clinical.event.v1/0/3',
    at: AT + 1500,
    kind: 'REVIEW_OPENED',
    method: 'PROBABILISTIC',
    recordId: 'MR|WEST|5',
    personId: 'P00000000000000000003',
    otherRecordId: 'MR|NORTH|100',
    otherPersonId: 'P00000000000000000001',
    score: 6.25,
    contributions: [{ field: 'birth_date', level: 'exact', weight: 6.25 }],
    reason: 'score between thresholds',
  },
  // The decision, in the same millisecond as nothing else: CLOSE then MERGE of one request.
  {
    ...base,
    eventId: 'decision-7#0',
    requestId: 'decision-7',
    at: AT + 2000,
    kind: 'REVIEW_CLOSED',
    method: 'MANUAL',
    recordId: 'MR|NORTH|100',
    personId: 'P00000000000000000001',
    otherRecordId: 'MR|SOUTH|900',
    otherPersonId: 'P00000000000000000002',
    score: 9.5,
    reason: 'linked by review',
    decidedBy: 'reviewer1',
  },
  {
    ...base,
    eventId: 'decision-7#1',
    requestId: 'decision-7',
    at: AT + 2000,
    kind: 'MERGE',
    method: 'MANUAL',
    recordId: 'MR|NORTH|100',
    personId: 'P00000000000000000001',
    otherRecordId: 'MR|SOUTH|900',
    otherPersonId: 'P00000000000000000002',
    movedRecordIds: ['MR|SOUTH|900'],
    reason: 'linked by review',
    decidedBy: 'reviewer1',
  },
];

describe('identity sinks on the ClickHouse server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-identity-sinks-int-'));
  const database = `gs_identity_${createHash('sha256').update(`${Date.now()}${Math.random()}`).digest('hex').slice(0, 12)}`;
  let store: Store;
  let bus: Bus;
  let codec: Codec;
  let telemetry: Telemetry;
  let deps: SinkDeps;
  const running: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    const opened = await openStoreWithInfo({
      driver: 'http',
      url: stack.clickhouseUrl,
      username: process.env['CLICKHOUSE_USER'],
      password: process.env['CLICKHOUSE_PASSWORD'],
      database,
    });
    store = opened.store;
    // The point of this file: the DDL and the readers on a server without query parameters.
    expect(opened.lacks.has('query-params'), `server ${opened.serverVersion}`).toBe(true);
    bus = await createEmbeddedBus({ dataDir: join(dir, 'bus'), fsync: 'never' });
    await bus.ensureTopics([{ topic: IDENTITY_LINK_TOPIC, partitions: 2 }]);
    codec = await createLocalCodec();
    telemetry = await createTelemetry({ serviceName: 'identity-sinks-int', inMemory: true });
    deps = { bus, codec, telemetry, logger: testLogger, app: 'first', partitions: 2 };
  });

  afterAll(async () => {
    for (const s of running) await s.stop().catch(() => undefined);
    await bus?.close();
    await telemetry?.shutdown();
    if (store !== undefined) {
      await store.exec(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
      await store.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function publish(events: readonly IdentityLinkValue[]): Promise<void> {
    const producer = await bus.producer();
    try {
      await producer.send(
        await Promise.all(
          events.map(async (e) => ({
            topic: IDENTITY_LINK_TOPIC,
            key: e.personId,
            value: await codec.encode(IDENTITY_LINK_TOPIC, e),
          })),
        ),
      );
    } finally {
      await producer.close();
    }
  }

  /** Waits until both sinks of consumer-group prefix `app` have committed the whole topic. */
  async function caughtUp(app: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const end = await bus.endOffsets(IDENTITY_LINK_TOPIC);
      let done = true;
      for (const sink of ['identity-links-clickhouse', 'identity-reviews-clickhouse']) {
        const committed = await bus.committedOffsets(`${app}.${sink}`, IDENTITY_LINK_TOPIC);
        for (const e of end) {
          const c = committed.find((o) => o.partition === e.partition)?.offset ?? 0;
          if (c < e.offset) done = false;
        }
      }
      if (done) return;
      if (Date.now() > deadline) throw new Error(`sinks of ${app} did not catch up within 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const counts = async (): Promise<{ links: number; events: number; reviews: number }> => {
    const [l] = await store.query<{ n: string; u: string }>(
      `SELECT count() AS n, uniqExact(event_id) AS u FROM ${IDENTITY_TABLES.links} FINAL`,
    );
    const [r] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${IDENTITY_TABLES.reviews} FINAL`);
    return { links: Number(l!.n), events: Number(l!.u), reviews: Number(r!.n) };
  };

  it('lands every event and the review queue; OPEN then CLOSED', async () => {
    // The OPEN events first, as their own batches: the CLOSE arrives in a later part.
    await publish(EVENTS.slice(0, 4));
    running.push(...(await startIdentitySinks(store, deps)));
    await caughtUp('first');
    expect(
      (await openReviews(store, { limit: 10 })).map((r) => [r.recordId, r.candidateRecordId, r.score]),
    ).toEqual([
      ['MR|SOUTH|900', 'MR|NORTH|100', 9.5],
      ['MR|WEST|5', 'MR|NORTH|100', 6.25],
    ]);

    await publish(EVENTS.slice(4));
    await caughtUp('first');
    expect(await counts()).toEqual({ links: 6, events: 6, reviews: 2 });
    const open = await openReviews(store, { limit: 10 });
    expect(open.map((r) => r.reviewKey)).toEqual(['MR|NORTH|100~MR|WEST|5']);
    expect(open[0]).toMatchObject({
      status: 'OPEN',
      personId: 'P00000000000000000003',
      candidatePersonId: 'P00000000000000000001',
      contributions: [{ field: 'birth_date', level: 'exact', weight: 6.25 }],
      openedAt: AT + 1000,
    });
    expect(await reviewOf(store, 'MR|SOUTH|900', 'MR|NORTH|100')).toMatchObject({
      status: 'CLOSED',
      decidedBy: 'reviewer1',
      closedAt: AT + 2000,
      reason: 'linked by review',
    });
  });

  it('reads the audit trail without query parameters, oldest first', async () => {
    const trail = await auditTrail(store, { recordId: 'MR|SOUTH|900' });
    expect(trail.map((e) => [e.eventId, e.kind])).toEqual([
      ['clinical.event.v1/0/2#0', 'LINK'],
      ['clinical.event.v1/0/2#1', 'REVIEW_OPENED'],
      ['decision-7#0', 'REVIEW_CLOSED'],
      ['decision-7#1', 'MERGE'],
    ]);
    expect(trail[1]!.contributions).toEqual(EVENTS[2]!.contributions);
    expect(trail[3]!.movedRecordIds).toEqual(['MR|SOUTH|900']);
    const person = await auditTrail(store, { personId: 'P00000000000000000003' });
    expect(person.map((e) => e.eventId)).toEqual(['clinical.event.v1/0/3#0']);
    expect(await auditTrail(store, { recordId: "MR|O'BRIEN\\|1", personId: 'nobody' })).toEqual([]);
  });

  it('replaying the topic (a new consumer group) and duplicated events change nothing', async () => {
    // The processor re-emitting after a crash: the same events again, in another order.
    await publish([...EVENTS].reverse());
    await caughtUp('first');
    running.push(...(await startIdentitySinks(store, { ...deps, app: 'replay' })));
    await caughtUp('replay');
    expect(await counts()).toEqual({ links: 6, events: 6, reviews: 2 });
    expect((await openReviews(store, { limit: 10 })).map((r) => r.reviewKey)).toEqual([
      'MR|NORTH|100~MR|WEST|5',
    ]);
    expect((await reviewOf(store, 'MR|NORTH|100', 'MR|SOUTH|900'))?.status).toBe('CLOSED');
    // Raw rows hold the replays until a merge; FINAL / argMax read one per key.
    const [raw] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${IDENTITY_TABLES.links}`);
    expect(Number(raw!.n)).toBeGreaterThanOrEqual(6);
  });
});
