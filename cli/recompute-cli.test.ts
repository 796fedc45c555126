/**
 * `gapstream recompute` on the embedded bus: the care-gaps processor publishes under the shipped
 * contract, is stopped, the analyst's edited contract is recomputed (exactly the implied changes
 * are published, with the new version), a second recompute publishes nothing, and a processor
 * started afterwards continues from the recomputed state without republishing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../runtime/config/load.ts';
import { openRuntime, type Runtime } from '../runtime/open-runtime.ts';
import { startProcessor } from '../runtime/runner/processor-runner.ts';
import { partitionFor } from '../runtime/bus/partitioner.ts';
import { loadContractLibrary } from '../processors/contracts/load.ts';
import { createCareGapsStep, GAP_CHANGE_TOPIC, PERSON_EVENT_TOPIC } from '../processors/gaps/step.ts';
import type { GapChangeValue } from '../processors/gaps/reconcile.ts';
import { claim, patient, personEvent } from '../bench/support/person-events.ts';
import { readTopic } from '../tests/support/read-topic.ts';
import { waitFor } from '../tests/gaps/care-gaps-stream.ts';
import { EDITED_VERSION, editedContractsDir } from '../tests/gaps/edited-contracts.ts';
import { parseRecomputeArgs, RecomputeUsageError, runRecompute } from './recompute-cli.ts';

const AS_OF = '2026-11-25';

describe('parseRecomputeArgs', () => {
  it('needs a contract and a valid date', () => {
    expect(parseRecomputeArgs(['--contract', 'x', '--as-of', '2026-01-31', '--dry-run'])).toEqual({
      contract: 'x',
      asOf: '2026-01-31',
      dryRun: true,
    });
    expect(() => parseRecomputeArgs([])).toThrow(RecomputeUsageError);
    expect(() => parseRecomputeArgs(['--contract', 'x', '--as-of', '2026-02-30'])).toThrow(/not a date/);
    expect(() => parseRecomputeArgs(['--contract', 'x', '--bogus'])).toThrow(RecomputeUsageError);
  });
});

describe('gapstream recompute (embedded)', () => {
  let dir: string;
  let edited: string;
  let rt: Runtime;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-recompute-'));
    edited = editedContractsDir();
    const env = { GAPSTREAM_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent', GAPS_AS_OF: AS_OF };
    rt = await openRuntime(loadConfig({ env }), 'recompute-test', { store: false });
  });
  afterEach(async () => {
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(edited, { recursive: true, force: true });
  });

  const changes = async (): Promise<GapChangeValue[]> =>
    Promise.all(
      (await readTopic(rt.bus, GAP_CHANGE_TOPIC)).map((r) =>
        rt.codec.decode<GapChangeValue>(GAP_CHANGE_TOPIC, r.value!),
      ),
    );

  it('refuses to recompute from a history that retention has truncated', async () => {
    await rt.bus.ensureTopics([{ topic: PERSON_EVENT_TOPIC, partitions: 2 }]);
    const truncated = Object.create(rt.bus) as typeof rt.bus;
    truncated.startOffsets = (topic: string) =>
      Promise.resolve([
        { topic, partition: 0, offset: 0 },
        { topic, partition: 1, offset: 5 },
      ]);
    await expect(
      runRecompute({ ...rt, bus: truncated }, { contract: 'example-mssp-aco', asOf: null, dryRun: true }),
    ).rejects.toThrow(/partition 1 starts at offset 5: its history was deleted/);
  });

  it('publishes exactly the changes of the edited contract, once', async () => {
    const deps = { bus: rt.bus, codec: rt.codec, telemetry: rt.telemetry, logger: rt.logger, partitions: 2 };
    const library = await loadContractLibrary('contracts');
    const start = (): ReturnType<typeof startProcessor> =>
      startProcessor(createCareGapsStep({ catalog: library, asOf: AS_OF }), deps);
    await rt.bus.ensureTopics([{ topic: PERSON_EVENT_TOPIC, partitions: 2 }]);
    let proc = await start();
    // A 51-year-old woman (outside CMS125 52-74, inside the edited 50-74) with hypertension, and a
    // 60-year-old woman with a mammogram: both attributed by a primary-care visit.
    const people: [string, string, string[]][] = [
      ['P-51', '1975-06-01', ['99214', '77067']],
      ['P-60', '1966-06-01', ['99214', '77067']],
    ];
    const values: Record<string, unknown>[] = [];
    for (const [person, born, codes] of people) {
      const rec = `MR|NORTHCLINIC|${person}`;
      values.push(
        await personEvent(
          rt.codec,
          person,
          rec,
          'CLINICAL_EVENT',
          'clinical.event.v1',
          patient(person, born, 'F'),
        ),
      );
      for (const [i, code] of codes.entries()) {
        values.push(
          await personEvent(
            rt.codec,
            person,
            rec,
            'CLAIM_LINE',
            'claim.line.v1',
            claim(`${person}-${i}`, 'M', code, '2026-03-02', { diagnosisCodes: ['I10'] }),
          ),
        );
      }
    }
    const producer = await rt.bus.producer();
    await producer.send(
      await Promise.all(
        values.map(async (v) => ({
          topic: PERSON_EVENT_TOPIC,
          key: v.personId as string,
          partition: partitionFor(v.personId as string, 2, () => 0),
          value: await rt.codec.encode(PERSON_EVENT_TOPIC, v),
        })),
      ),
    );
    await producer.close();
    await waitFor('statuses under the shipped contract', async () => {
      const c = await changes();
      return c.some((x) => x.personId === 'P-60' && x.measureId === 'CMS165') ? c : undefined;
    });
    await proc.stop();
    const live = await changes();
    expect(live.find((c) => c.personId === 'P-51' && c.measureId === 'CMS125')).toBeUndefined();

    rt.config.gaps.contractsDir = edited;
    const dry = await runRecompute(rt, { contract: 'example-mssp-aco', asOf: null, dryRun: true });
    expect(dry.published).toBe(false);
    expect((await changes()).length).toBe(live.length);

    const summary = await runRecompute(rt, { contract: 'example-mssp-aco', asOf: null, dryRun: false });
    expect(summary).toMatchObject({ asOf: AS_OF, persons: 2, published: true, attributionChanges: 0 });
    expect(summary.transitions).toEqual(dry.transitions);
    const published = (await changes()).slice(live.length);
    expect(published.map((c) => `${c.personId} ${c.measureId} ${c.oldStatus}→${c.newStatus}`).sort()).toEqual(
      [
        'P-51 CMS125 null→CLOSED',
        'P-51 CMS165 OPEN→NOT_IN_DENOMINATOR',
        'P-60 CMS165 OPEN→NOT_IN_DENOMINATOR',
      ],
    );
    for (const c of published)
      expect(c).toMatchObject({ contractVersion: EDITED_VERSION, trigger: 'RECOMPUTE' });

    // Again: nothing left to say.
    const again = await runRecompute(rt, { contract: 'example-mssp-aco', asOf: null, dryRun: false });
    expect(again.gapChanges).toBe(0);

    // The processor, restarted with the edited contract, continues from the recomputed state.
    const editedLibrary = await loadContractLibrary(edited);
    proc = await startProcessor(createCareGapsStep({ catalog: editedLibrary, asOf: AS_OF }), deps);
    const replay = await rt.bus.producer();
    await replay.send([
      {
        topic: PERSON_EVENT_TOPIC,
        key: 'P-60',
        partition: partitionFor('P-60', 2, () => 0),
        value: await rt.codec.encode(PERSON_EVENT_TOPIC, values[1]!),
      },
    ]);
    await replay.close();
    await new Promise((r) => setTimeout(r, 1000));
    await proc.stop();
    expect((await changes()).length).toBe(live.length + published.length);
  }, 60_000);
});
