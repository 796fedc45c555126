/**
 * The care-gap sinks and report against the ClickHouse server of the local stack (18.16 there):
 * gap.change.v1 and attribution.change.v1 (embedded bus) land in the history and status tables; the
 * views count only each person's latest status (OPEN → CLOSED, provider changes, a status that
 * returns, two changes in one millisecond); republishing every change and replaying both topics
 * (a new consumer group) change nothing; the report reads without query parameters (the lookup-table
 * path). A server that is down fails the open, never skips.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReportArgs, runReportCommand } from '../../cli/report-cli.ts';
import { createEmbeddedBus } from '../../runtime/bus/embedded/index.ts';
import type { Bus } from '../../runtime/bus/types.ts';
import type { SinkDeps } from '../../runtime/runner/sink-runner.ts';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/index.ts';
import { createLocalCodec, type Codec } from '../../schemas/codec.ts';
import { stack, testLogger } from '../../tests/support/stack.ts';
import { openStoreWithInfo, type Store } from '../clickhouse/store.ts';
import { startCareGapSinks } from './care-gap-sinks.ts';
import { gapMembers, gapRates } from './readers.ts';
import { ATTRIBUTION_CHANGE_TOPIC, CARE_GAP_TABLES, GAP_CHANGE_TOPIC } from './tables.ts';
import {
  ATTRIBUTION_CHANGES,
  CONTRACT,
  DISTINCT_GAP_CHANGES,
  EXPECTED_ATTRIBUTION,
  EXPECTED_MEASURE_TABLE,
  EXPECTED_RATES,
  EXPECTED_WORKLIST,
  GAP_CHANGES,
  person,
} from './testdata/care-gap-scenario.ts';

const SINKS: [string, string][] = [
  ['gap-changes-clickhouse', GAP_CHANGE_TOPIC],
  ['attribution-changes-clickhouse', ATTRIBUTION_CHANGE_TOPIC],
];

describe('care-gap sinks and report on the ClickHouse server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-care-gaps-int-'));
  const database = `gs_gaps_${createHash('sha256').update(`${Date.now()}${Math.random()}`).digest('hex').slice(0, 12)}`;
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
    // The point of this file: the DDL, the views and the readers on a server without query parameters.
    expect(opened.lacks.has('query-params'), `server ${opened.serverVersion}`).toBe(true);
    bus = await createEmbeddedBus({ dataDir: join(dir, 'bus'), fsync: 'never' });
    await bus.ensureTopics(SINKS.map(([, topic]) => ({ topic, partitions: 2 })));
    codec = await createLocalCodec();
    telemetry = await createTelemetry({ serviceName: 'care-gaps-int', inMemory: true });
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

  async function publish(topic: string, values: readonly { personId: string }[]): Promise<void> {
    const producer = await bus.producer();
    try {
      await producer.send(
        await Promise.all(
          values.map(async (v) => ({ topic, key: v.personId, value: await codec.encode(topic, v) })),
        ),
      );
    } finally {
      await producer.close();
    }
  }

  /** Waits until both sinks of consumer-group prefix `app` have committed their whole topic. */
  async function caughtUp(app: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      let done = true;
      for (const [sink, topic] of SINKS) {
        const end = await bus.endOffsets(topic);
        const committed = await bus.committedOffsets(`${app}.${sink}`, topic);
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

  // Test constants only are inlined below; the readers under test never inline values.
  const worklist = async (): Promise<[string, string, string][]> =>
    (
      await store.query<{ measure_id: string; attributed_npi: string; person_id: string }>(
        `SELECT measure_id, attributed_npi, person_id FROM ${CARE_GAP_TABLES.gapWorklist} WHERE contract_id = '${CONTRACT}' ORDER BY measure_id, attributed_npi, person_id`,
      )
    ).map((r) => [r.measure_id, r.attributed_npi, r.person_id]);

  const history = async (): Promise<{ gaps: number; ids: number; attributions: number }> => {
    const [g] = await store.query<{ n: string; ids: string }>(
      `SELECT count() AS n, uniqExact(change_id) AS ids FROM ${CARE_GAP_TABLES.gapChanges} FINAL`,
    );
    const [a] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM ${CARE_GAP_TABLES.attributionChanges} FINAL`,
    );
    return { gaps: Number(g!.n), ids: Number(g!.ids), attributions: Number(a!.n) };
  };

  const attribution = async (): Promise<Record<string, string | null>> =>
    Object.fromEntries(
      (
        await store.query<{ person_id: string; attributed: number | string; npi: string | null }>(
          `SELECT person_id, attributed, npi FROM ${CARE_GAP_TABLES.attributionStatusLatest} WHERE contract_id = '${CONTRACT}' AND period_start = '2026-01-01'`,
        )
      ).map((r) => [r.person_id, Number(r.attributed) === 1 ? r.npi : null]),
    );

  const report = async (argv: string[]): Promise<[number, string]> => {
    let text = '';
    const code = await runReportCommand(store, parseReportArgs(argv), (s) => (text += s));
    return [code, text];
  };

  async function expectScenarioNumbers(): Promise<void> {
    expect(await gapRates(store, CONTRACT)).toEqual(EXPECTED_RATES);
    expect(await worklist()).toEqual(EXPECTED_WORKLIST);
    expect(await history()).toEqual({
      gaps: DISTINCT_GAP_CHANGES,
      ids: DISTINCT_GAP_CHANGES - 1,
      attributions: ATTRIBUTION_CHANGES.length - 1,
    });
    expect(await attribution()).toEqual(EXPECTED_ATTRIBUTION);
    expect(await report(['gaps', '--contract', CONTRACT])).toEqual([0, EXPECTED_MEASURE_TABLE]);
  }

  it('lands the changes; the views count each person once, at their latest status', async () => {
    // The opening statuses first, as their own batches: the closing changes arrive in later parts.
    await publish(GAP_CHANGE_TOPIC, GAP_CHANGES.slice(0, 7));
    await publish(ATTRIBUTION_CHANGE_TOPIC, ATTRIBUTION_CHANGES.slice(0, 3));
    running.push(...(await startCareGapSinks(store, deps)));
    await caughtUp('first');
    expect((await gapRates(store, CONTRACT, '2026-01-01')).map((r) => [r.attributedNpi, r.openGaps])).toEqual(
      [
        ['1234567893', 4],
        ['1245319599', 1],
        [null, 0],
      ],
    );

    await publish(GAP_CHANGE_TOPIC, GAP_CHANGES.slice(7));
    await publish(ATTRIBUTION_CHANGE_TOPIC, ATTRIBUTION_CHANGES.slice(3));
    await caughtUp('first');
    await expectScenarioNumbers();
  });

  it('reports per provider and per member without query parameters', async () => {
    expect(
      await gapRates(store, CONTRACT, '2025-01-01').then((rows) => rows.map((r) => [r.measureId, r.rate])),
    ).toEqual([['CMS125', 1]]);
    expect(await gapRates(store, "test-mssp' OR '1'='1")).toEqual([]);
    const [, providers] = await report([
      'gaps',
      '--contract',
      CONTRACT,
      '--by-provider',
      '--period-start',
      '2026-01-01',
    ]);
    expect(providers).toContain(
      'CMS125   2026-01-01..2026-12-31  123456789  1245319599            2          1           1     1  50.0%',
    );
    const members = await gapMembers(store, CONTRACT, '2026-01-01');
    expect(
      members.filter((m) => m.status === 'OPEN').map((m) => [m.measureId, m.attributedNpi, m.personId]),
    ).toEqual(EXPECTED_WORKLIST);
    expect(members.find((m) => m.measureId === 'CMS125' && m.personId === person(9))?.status).toBe('CLOSED');
    const [code, csv] = await report(['gaps', '--contract', CONTRACT, '--members', '--format', 'csv']);
    expect(code).toBe(0);
    expect(csv).toContain(
      `${CONTRACT},CMS125,2026-01-01,2026-12-31,${person(1)},CLOSED,1,,123456789,1234567893,2027-12-31,mammography 2026-02-20,CPT 77067 2026-02-20 clinical.event.v1:ev-1,2026.1,2024.0`,
    );
    // The lookup rows of the readers are gone again (a mutation; give it a moment).
    for (let i = 0; i < 50; i++) {
      const [left] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${CARE_GAP_TABLES.lookups}`);
      if (Number(left!.n) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const [left] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${CARE_GAP_TABLES.lookups}`);
    expect(Number(left!.n)).toBe(0);
  });

  it('republished changes and a replay of both topics (a new consumer group) change nothing', async () => {
    // The processor re-emitting every change (older ones after newer ones), then a second sink group.
    await publish(GAP_CHANGE_TOPIC, GAP_CHANGES);
    await publish(ATTRIBUTION_CHANGE_TOPIC, ATTRIBUTION_CHANGES);
    await caughtUp('first');
    running.push(...(await startCareGapSinks(store, { ...deps, app: 'replay' })));
    await caughtUp('replay');
    await expectScenarioNumbers();
  });
});
