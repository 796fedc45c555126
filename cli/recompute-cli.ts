/**
 * `gapstream recompute --contract <id> [--as-of YYYY-MM-DD] [--dry-run]`: replays person.event.v1
 * from the beginning through the care-gaps fold, evaluates the contract as it is now written,
 * and publishes exactly the attribution and gap changes that differ from what was last
 * published (trigger RECOMPUTE, with the contract version that produced each status), then
 * stores the rebuilt state in the processor's changelog. Run it with the care-gaps processor
 * stopped (in embedded mode the bus lock guarantees it); a processor started afterwards resumes
 * from its committed position, and re-applying already-folded events is a no-op.
 */
import { parseArgs } from 'node:util';
import type { Runtime } from '../runtime/open-runtime.ts';
import { changelogTopic } from '../runtime/runner/processor-runner.ts';
import { partitionFor } from '../runtime/bus/partitioner.ts';
import type { OutRecord } from '../runtime/bus/types.ts';
import { jsonState } from '../runtime/runner/step.ts';
import { isIsoDate } from '../processors/contracts/dates.ts';
import { loadContractLibrary } from '../processors/contracts/load.ts';
import { loadFeedProfiles } from '../processors/normalize/feed-profile.ts';
import { foldHistory, recompute, type HistoryRecord } from '../processors/gaps/recompute.ts';
import type { PersonState } from '../processors/gaps/state.ts';
import {
  ATTRIBUTION_CHANGE_TOPIC,
  CARE_GAPS_STAGE,
  GAP_CHANGE_TOPIC,
  PERSON_EVENT_TOPIC,
  createCareGapsStep,
  feedZones,
  isoDate,
  type CareInput,
} from '../processors/gaps/step.ts';

export const RECOMPUTE_USAGE = `  gapstream recompute --contract <id> [--as-of YYYY-MM-DD] [--dry-run]
        replay person history through the care-gaps logic as the contract is written now; publish
        the gap/attribution changes that differ (trigger RECOMPUTE); stop the care-gaps processor first`;

export class RecomputeUsageError extends Error {}

export interface RecomputeCommand {
  contract: string;
  asOf: string | null;
  dryRun: boolean;
}

export function parseRecomputeArgs(argv: string[]): RecomputeCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        contract: { type: 'string' },
        'as-of': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new RecomputeUsageError((err as Error).message);
  }
  if (!values.contract)
    throw new RecomputeUsageError('recompute needs --contract <id> (see contracts/*.yaml).');
  const asOf = values['as-of'] ?? null;
  if (asOf !== null && !isIsoDate(asOf))
    throw new RecomputeUsageError(`--as-of "${values['as-of']}" is not a date YYYY-MM-DD.`);
  return { contract: values.contract, asOf, dryRun: values['dry-run'] };
}

/** Latest state per key in the care-gaps changelog (what downstream was last told). */
async function previousStates(
  rt: Runtime,
  topic: string,
  partitions: number,
): Promise<Map<string, PersonState>> {
  const out = new Map<string, PersonState>();
  const existing = await rt.bus.partitionCount(topic).catch(() => 0);
  for (let p = 0; p < Math.min(existing, partitions); p++) {
    for await (const r of rt.bus.readPartition(topic, p)) {
      if (r.key === null) continue;
      if (r.value === null) out.delete(r.key);
      else out.set(r.key, jsonState.deserializeState<PersonState>(r.value));
    }
  }
  return out;
}

export interface RecomputeSummary {
  contract: string;
  asOf: string;
  events: number;
  persons: number;
  gapChanges: number;
  attributionChanges: number;
  /** `${measure}: ${old} → ${new}` counts. */
  transitions: Record<string, number>;
  published: boolean;
  seconds: number;
}

export async function runRecompute(rt: Runtime, cmd: RecomputeCommand): Promise<RecomputeSummary> {
  const started = performance.now();
  const gaps = rt.config.gaps;
  const library = await loadContractLibrary(gaps.contractsDir, { valueSetDirs: gaps.valueSetDirs ?? [] });
  if (!library.contractIds().includes(cmd.contract)) {
    throw new RecomputeUsageError(
      `unknown contract "${cmd.contract}"; contracts in ${gaps.contractsDir}: ${library.contractIds().join(', ')}`,
    );
  }
  const asOf = cmd.asOf ?? gaps.asOf ?? isoDate(Date.now());
  const zoneOf = feedZones(loadFeedProfiles(rt.config.feeds.dir));
  const step = createCareGapsStep({ catalog: library, asOf, zoneOf });
  const partitions = await rt.bus.partitionCount(PERSON_EVENT_TOPIC).catch(() => 0);
  const decode = (topic: string, bytes: Buffer): Promise<unknown> => rt.codec.decode(topic, bytes);

  // The processor's state holds facts from the whole history; a replay of part of it would
  // publish their loss. Refuse rather than rebuild from a truncated log.
  for (const start of partitions > 0 ? ((await rt.bus.startOffsets?.(PERSON_EVENT_TOPIC)) ?? []) : []) {
    if (start.offset > 0)
      throw new RecomputeUsageError(
        `${PERSON_EVENT_TOPIC} partition ${start.partition} starts at offset ${start.offset}: its history was deleted (retention), so a recompute would lose facts; keep the topic with retention.ms=-1 (gapstream creates it so)`,
      );
  }
  const history: HistoryRecord[] = [];
  for (let p = 0; p < partitions; p++) {
    for await (const r of rt.bus.readPartition(PERSON_EVENT_TOPIC, p)) {
      if (r.key === null || r.value === null) continue;
      const input = (await step.prepare(await decode(PERSON_EVENT_TOPIC, r.value), decode)) as CareInput;
      history.push({ key: r.key, input });
    }
  }
  const changelog = changelogTopic('gapstream', { name: CARE_GAPS_STAGE });
  const previous = await previousStates(rt, changelog, partitions);
  const result = recompute(foldHistory(history, library, zoneOf), previous, library, {
    asOf,
    at: Date.now(),
    contractIds: [cmd.contract],
  });

  const transitions: Record<string, number> = {};
  let gapChanges = 0;
  let attributionChanges = 0;
  for (const c of result.changes.values()) {
    gapChanges += c.gaps.length;
    attributionChanges += c.attributions.length;
    for (const g of c.gaps) {
      const t = `${g.measureId}: ${g.oldStatus ?? 'NEW'} → ${g.newStatus}`;
      transitions[t] = (transitions[t] ?? 0) + 1;
    }
  }
  if (!cmd.dryRun && partitions > 0) await publish(rt, result, changelog, partitions);
  return {
    contract: cmd.contract,
    asOf,
    events: history.length,
    persons: result.states.size,
    gapChanges,
    attributionChanges,
    transitions,
    published: !cmd.dryRun && partitions > 0,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}

/** Changes and rebuilt states, a few thousand persons per transaction. */
async function publish(
  rt: Runtime,
  result: ReturnType<typeof recompute>,
  changelog: string,
  partitions: number,
): Promise<void> {
  await rt.bus.ensureTopics([
    { topic: GAP_CHANGE_TOPIC, partitions: rt.config.kafka.partitions },
    { topic: ATTRIBUTION_CHANGE_TOPIC, partitions: rt.config.kafka.partitions },
    { topic: changelog, partitions, compacted: true },
  ]);
  const producer = await rt.bus.transactionalProducer('gapstream.care-gaps.recompute');
  try {
    const keys = [...result.states.keys()];
    for (let i = 0; i < keys.length; i += 2000) {
      const records: OutRecord[] = [];
      for (const key of keys.slice(i, i + 2000)) {
        const c = result.changes.get(key);
        for (const value of c?.attributions ?? [])
          records.push({
            topic: ATTRIBUTION_CHANGE_TOPIC,
            key,
            value: await rt.codec.encode(ATTRIBUTION_CHANGE_TOPIC, value),
          });
        for (const value of c?.gaps ?? [])
          records.push({
            topic: GAP_CHANGE_TOPIC,
            key,
            value: await rt.codec.encode(GAP_CHANGE_TOPIC, value),
          });
        // State of key k lives in the changelog partition its input partition has.
        records.push({
          topic: changelog,
          key,
          partition: partitionFor(key, partitions, () => 0),
          value: jsonState.serializeState(result.states.get(key)!),
        });
      }
      await producer.transaction(async (tx) => tx.send(records));
    }
  } finally {
    await producer.close();
  }
}
