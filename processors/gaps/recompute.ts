/**
 * `gapstream recompute`: replays person history through the same fold and the same evaluation
 * as the streaming step, then publishes what differs from the statuses last published. Facts
 * fold order-independently, so the rebuilt state equals the incremental one (property-tested in
 * recompute.test.ts); identity moves are applied directly between the in-memory states instead
 * of through care.transfer.v1.
 */
import type { IsoDate } from '../contracts/types.ts';
import { reconcile, type Changes, type ContractCatalog } from './reconcile.ts';
import { emptyState, type PersonState } from './state.ts';
import { applyInput, keptCodes, type CareInput } from './step.ts';
import type { ZoneOf } from './facts.ts';

export interface HistoryRecord {
  key: string;
  input: CareInput;
}

/** Folds history into per-person states (facts only; memos are left empty). */
export function foldHistory(
  records: Iterable<HistoryRecord>,
  catalog: ContractCatalog,
  zoneOf?: ZoneOf,
): Map<string, PersonState> {
  const states = new Map<string, PersonState>();
  const stateOf = (key: string): PersonState => {
    let s = states.get(key);
    if (s === undefined) {
      s = emptyState();
      states.set(key, s);
    }
    return s;
  };
  const kept = keptCodes(catalog);
  for (const { key, input } of records) {
    // Hand-overs written by the live processor are redundant here: moves are delivered at once,
    // through the same path (a receiver that already handed the record on forwards it).
    if (!('kind' in input)) continue;
    const queue = [...applyInput(stateOf(key), key, input, catalog, kept, zoneOf).transfers];
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
      queue.push(...applyInput(stateOf(t.personId), t.personId, t, catalog).transfers);
    }
  }
  return states;
}

export interface RecomputeOptions {
  asOf: IsoDate;
  at: number;
  contractIds?: readonly string[];
}

export interface RecomputeResult {
  states: Map<string, PersonState>;
  changes: Map<string, Changes>;
}

/**
 * Evaluates folded states against what was published before (`previous`: the live processor's
 * state, whose memos say what downstream last saw) and returns the changes to publish.
 */
export function recompute(
  folded: Map<string, PersonState>,
  previous: ReadonlyMap<string, PersonState>,
  catalog: ContractCatalog,
  o: RecomputeOptions,
): RecomputeResult {
  const changes = new Map<string, Changes>();
  const keys = new Set([...folded.keys(), ...previous.keys()]);
  const states = new Map<string, PersonState>();
  for (const key of [...keys].sort()) {
    const before = previous.get(key);
    const state: PersonState = {
      ...(folded.get(key) ?? emptyState()),
      gaps: { ...before?.gaps },
      attribution: { ...before?.attribution },
    };
    const c = reconcile(state, catalog, {
      personId: key,
      asOf: o.asOf,
      at: o.at,
      trigger: 'RECOMPUTE',
      contractIds: o.contractIds,
    });
    states.set(key, state);
    if (c.gaps.length > 0 || c.attributions.length > 0) changes.set(key, c);
  }
  return { states, changes };
}
