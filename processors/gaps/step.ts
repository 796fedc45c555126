/**
 * The care-gaps processor: a stateful step over person.event.v1 (keyed by person), plus its own
 * repartition topic care.transfer.v1 for facts an identity merge or split moves to another
 * person (they may live in another partition, as in a Kafka Streams repartition). Per event:
 * fold the event's facts into the person's state, re-evaluate every active contract, publish
 * what changed. A timer re-evaluates people whose `nextCheck` date has come (period rollover,
 * contract version boundary, future-dated evidence) without waiting for a message.
 */
import type { StatefulStep, StepContext, StepOutput } from '../../runtime/runner/step.ts';
import { jsonState } from '../../runtime/runner/step.ts';
import type { Fact, IsoDate } from '../contracts/types.ts';
import type { ValueSetIndex } from '../contracts/value-sets.ts';
import type { FeedProfiles } from '../normalize/feed-profile.ts';
import { extractFacts, type DecodedPersonEvent, type ZoneOf } from './facts.ts';
import { reconcile, type ContractCatalog, type Trigger } from './reconcile.ts';
import { addFacts, copyState, emptyState, isEmpty, takeRecords, type PersonState } from './state.ts';

export const PERSON_EVENT_TOPIC = 'person.event.v1';
export const GAP_CHANGE_TOPIC = 'gap.change.v1';
export const ATTRIBUTION_CHANGE_TOPIC = 'attribution.change.v1';
export const CARE_TRANSFER_TOPIC = 'care.transfer.v1';
export const CARE_GAPS_STAGE = 'care-gaps';

export interface CareTransferValue {
  personId: string;
  fromPersonId: string;
  linkEventId: string;
  recordIds: string[];
  facts: string;
  at: number;
}

interface IdentityLinkValue {
  eventId: string;
  kind: string;
  personId: string;
  otherPersonId: string | null;
  movedRecordIds: string[];
}

export type CareInput = DecodedPersonEvent | CareTransferValue;

export interface CareGapsOptions {
  catalog: ContractCatalog;
  /** Evaluate as of this date instead of each record's append date (demos, back-testing). */
  asOf?: IsoDate | null;
  /** Time zone of each HL7 source (feed profiles); UTC when not given. */
  zoneOf?: ZoneOf;
}

export const isoDate = (ms: number): IsoDate => new Date(ms).toISOString().slice(0, 10);

/** Time zone per HL7 source from the feed profiles (the same profile the normalizer used). */
export const feedZones =
  (profiles: FeedProfiles): ZoneOf =>
  (sourceSystem, sourceFacility) =>
    profiles.resolve(sourceSystem, sourceFacility).timeZone;

/**
 * The value sets that decide which codes are worth keeping: the library's plus every contract
 * version's own (a code only a version's own set holds must not be dropped at extraction).
 */
export function keptCodes(catalog: ContractCatalog): ValueSetIndex {
  const own = new Set<ValueSetIndex>();
  for (const c of catalog.contracts) {
    const vs = catalog.valueSetsFor?.(c.id, c.version);
    if (vs !== undefined && vs !== catalog.valueSets) own.add(vs);
  }
  if (own.size === 0) return catalog.valueSets;
  const all = [catalog.valueSets, ...own];
  return {
    ...catalog.valueSets,
    setsOf: (system, code) => {
      for (const vs of all) {
        const ids = vs.setsOf(system, code);
        if (ids.length > 0) return ids;
      }
      return catalog.valueSets.setsOf(system, code);
    },
  };
}

export interface Applied {
  trigger: Trigger;
  /** Facts that must move to another person (an identity merge/split, or a late hand-over to forward). */
  transfers: CareTransferValue[];
}

function handOver(
  key: string,
  to: string,
  linkEventId: string,
  facts: Fact[],
  at: number,
): Applied['transfers'][number] {
  return {
    personId: to,
    fromPersonId: key,
    linkEventId,
    recordIds: [...new Set(facts.map((f) => f.recordId))].sort(),
    facts: JSON.stringify(facts),
    at,
  };
}

/**
 * Global order of identity link events: the single identity writer names them
 * `identity.request.v1/<partition>/<offset>#<n>` (processors/identity/resolver.ts).
 */
export function linkOrder(eventId: string): number {
  const m = /\/(\d+)#(\d+)$/.exec(eventId);
  return m ? Number(m[1]) * 10_000 + Number(m[2]) : 0;
}

/**
 * Folds one input into the state; returns what must move to another person, if anything.
 *
 * Hand-overs travel through a topic, so one can arrive after its records moved on again (A is
 * merged into B, then B into C, before A's facts reached B). The state remembers where each
 * record went and by which link event (`movedOut`); facts that arrive by an EARLIER move than
 * the one that took their record away are forwarded there, facts that arrive by a later move
 * (a split bringing the record back) are kept.
 */
export function applyInput(
  state: PersonState,
  key: string,
  input: CareInput,
  catalog: ContractCatalog,
  kept: ValueSetIndex = catalog.valueSets,
  zoneOf?: ZoneOf,
): Applied {
  const movedOut = (state.movedOut ??= {});
  if (!('kind' in input)) {
    const keep: Fact[] = [];
    const forward = new Map<string, { link: string; facts: Fact[] }>();
    const arrivedBy = linkOrder(input.linkEventId);
    for (const f of JSON.parse(input.facts) as Fact[]) {
      const went = movedOut[f.recordId];
      if (went !== undefined && linkOrder(went.link) > arrivedBy) {
        const batch = forward.get(went.to) ?? { link: went.link, facts: [] };
        batch.facts.push(f);
        forward.set(went.to, batch);
      } else {
        if (went !== undefined) delete movedOut[f.recordId];
        keep.push(f);
      }
    }
    addFacts(state, keep);
    return {
      trigger: 'TRANSFER',
      transfers: [...forward].map(([to, b]) => handOver(key, to, b.link, b.facts, input.at)),
    };
  }
  if (input.kind !== 'IDENTITY') {
    addFacts(state, extractFacts(input, kept, zoneOf));
    return { trigger: 'EVENT', transfers: [] };
  }
  const link = input.source as unknown as IdentityLinkValue;
  // MERGE/SPLIT reach both persons; the one the records leave hands their facts over.
  if (
    (link.kind === 'MERGE' || link.kind === 'SPLIT') &&
    link.otherPersonId === key &&
    link.personId !== key
  ) {
    const facts = takeRecords(state, link.movedRecordIds);
    for (const r of link.movedRecordIds) movedOut[r] = { to: link.personId, link: link.eventId };
    return {
      trigger: 'EVENT',
      transfers: [handOver(key, link.personId, link.eventId, facts, input.at)],
    };
  }
  return { trigger: 'EVENT', transfers: [] };
}

/** Change values → step outputs, keyed by person. */
export function changeOutputs(key: string, changes: ReturnType<typeof reconcile>): StepOutput[] {
  return [
    ...changes.attributions.map((value) => ({ topic: ATTRIBUTION_CHANGE_TOPIC, key, value })),
    ...changes.gaps.map((value) => ({ topic: GAP_CHANGE_TOPIC, key, value })),
  ];
}

export function createCareGapsStep(o: CareGapsOptions): StatefulStep<PersonState, CareInput> & {
  extraInputs: readonly string[];
  prepare: (input: unknown, decode: (topic: string, bytes: Buffer) => Promise<unknown>) => Promise<unknown>;
  timer: {
    due(state: PersonState, now: number): boolean;
    fire(
      state: PersonState,
      key: string,
      now: number,
    ): { state: PersonState | undefined; outputs: StepOutput[] };
  };
} {
  // Evaluation never goes back in time: a late record stamped before the timer's last run does not
  // re-open the previous period (it would flap between periods).
  const asOfFor = (ms: number, state: PersonState): IsoDate => {
    const day = o.asOf ?? isoDate(ms);
    return state.lastAsOf !== undefined && state.lastAsOf > day ? state.lastAsOf : day;
  };
  const kept = keptCodes(o.catalog);
  const evaluate = (state: PersonState, key: string, at: number, trigger: Trigger): StepOutput[] =>
    changeOutputs(key, reconcile(state, o.catalog, { personId: key, asOf: asOfFor(at, state), at, trigger }));
  return {
    kind: 'stateful',
    name: CARE_GAPS_STAGE,
    input: PERSON_EVENT_TOPIC,
    extraInputs: [CARE_TRANSFER_TOPIC],
    retainInput: true,
    outputs: [GAP_CHANGE_TOPIC, ATTRIBUTION_CHANGE_TOPIC, CARE_TRANSFER_TOPIC],
    ...jsonState,
    serializeState: (s: PersonState) => jsonState.serializeState(s),
    deserializeState: (b: Buffer) => jsonState.deserializeState<PersonState>(b),
    /** person.event.v1 carries its source record framed: decode it with the source topic's schema. */
    async prepare(input, decode) {
      const e = input as DecodedPersonEvent & { payload?: Buffer };
      if (!('payload' in e) || !Buffer.isBuffer(e.payload)) return input;
      const { payload, ...rest } = e;
      return { ...rest, source: (await decode(e.sourceTopic, payload)) as Record<string, unknown> };
    },
    process(prev: PersonState | undefined, input: CareInput, ctx: StepContext) {
      const key = ctx.key ?? '';
      const state = prev ? copyState(prev) : emptyState();
      const { trigger, transfers } = applyInput(state, key, input, o.catalog, kept, o.zoneOf);
      const outputs = evaluate(state, key, ctx.timestamp, trigger);
      for (const t of transfers) outputs.push({ topic: CARE_TRANSFER_TOPIC, key: t.personId, value: t });
      return { state: isEmpty(state) ? undefined : state, outputs };
    },
    timer: {
      due: (state, now) => state.nextCheck !== null && state.nextCheck <= asOfFor(now, state),
      fire(prev, key, now) {
        const state = copyState(prev);
        const outputs = evaluate(state, key, now, 'TIMER');
        return { state, outputs };
      },
    },
  };
}
