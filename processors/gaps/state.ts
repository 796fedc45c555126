/**
 * Per-person care state: the facts (a set keyed by fact id) and the last status published per
 * contract/measure and per contract attribution. Folding facts is order-independent — when two
 * facts share an id the winner is chosen by content (later recording, then a fixed order of
 * sources), never by arrival — so any arrival order Kafka allows yields the same state, and a
 * recompute from history equals the incremental state.
 */
import type { Fact, GapStatus, IsoDate } from '../contracts/types.ts';

export interface GapMemo {
  status: GapStatus;
  contractVersion: string;
  measureVersion: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  /** What decided it: exclusion, numerator and evidence fact ids (a change here is published). */
  signature: string;
}

export interface AttributionMemo {
  attributed: boolean;
  npi: string | null;
  tin: string | null;
  contractVersion: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  method: string;
}

export interface PersonState {
  facts: Record<string, Fact>;
  /** Key `${contractId}|${measureId}`. */
  gaps: Record<string, GapMemo>;
  /** Key contract id. */
  attribution: Record<string, AttributionMemo>;
  /** Earliest date on which time alone may change a status (the timer re-evaluates then). */
  nextCheck: IsoDate | null;
  /** The latest date this state was evaluated for: evaluation never goes back in time. */
  lastAsOf?: IsoDate;
  /** Records this person handed over: to whom, by which link event (late facts are forwarded). */
  movedOut?: Record<string, { to: string; link: string }>;
}

export const emptyState = (): PersonState => ({ facts: {}, gaps: {}, attribution: {}, nextCheck: null });

/**
 * A copy a step may change: the maps are copied, their entries shared — facts, memos and
 * hand-over notes are always replaced, never changed in place (cheaper than a deep clone).
 */
export const copyState = (s: PersonState): PersonState => ({
  ...s,
  facts: { ...s.facts },
  gaps: { ...s.gaps },
  attribution: { ...s.attribution },
  ...(s.movedOut ? { movedOut: { ...s.movedOut } } : {}),
});

const recordedAt = (f: Fact): number =>
  f.kind === 'result' || f.kind === 'enrollment' || f.kind === 'demographics' ? f.recordedAt : 0;

const sourceKey = (f: Fact): string =>
  `${f.source.topic}|${String(f.source.partition ?? '').padStart(6, '0')}|${String(f.source.offset ?? '').padStart(16, '0')}|${f.source.ref}`;

/**
 * The fact that wins between two with the same id: later recording; on a tie the later record of
 * the same source partition (a correction sent in the same minute), else a fixed source order.
 */
function winner(a: Fact, b: Fact): Fact {
  const ra = recordedAt(a);
  const rb = recordedAt(b);
  if (ra !== rb) return ra > rb ? a : b;
  if (a.source.topic === b.source.topic && a.source.partition === b.source.partition)
    return (a.source.offset ?? 0) >= (b.source.offset ?? 0) ? a : b;
  return sourceKey(a) <= sourceKey(b) ? a : b;
}

/** As `winner`, but demographics merge field by field: a message that omits a field keeps the older value. */
export function preferred(a: Fact, b: Fact): Fact {
  const w = winner(a, b);
  if (w.kind !== 'demographics') return w;
  const l = (w === a ? b : a) as typeof w;
  if (w.birthDate !== null && w.sex !== null && w.deathDate !== null) return w;
  return {
    ...w,
    birthDate: w.birthDate ?? l.birthDate,
    sex: w.sex ?? l.sex,
    deathDate: w.deathDate ?? l.deathDate,
  };
}

/** Adds facts in place; returns whether anything changed. */
export function addFacts(state: PersonState, facts: readonly Fact[]): boolean {
  let changed = false;
  for (const f of facts) {
    const old = state.facts[f.id];
    const next = old === undefined ? f : preferred(old, f);
    if (next !== old && (old === undefined || JSON.stringify(next) !== JSON.stringify(old))) {
      state.facts[f.id] = next;
      changed = true;
    }
  }
  return changed;
}

/** Removes and returns the facts of the given records (an identity merge or split moved them). */
export function takeRecords(state: PersonState, recordIds: readonly string[]): Fact[] {
  const moving = new Set(recordIds);
  const taken: Fact[] = [];
  for (const [id, f] of Object.entries(state.facts)) {
    if (moving.has(f.recordId)) {
      taken.push(f);
      delete state.facts[id];
    }
  }
  return taken;
}

export const isEmpty = (s: PersonState): boolean =>
  Object.keys(s.facts).length === 0 &&
  Object.keys(s.gaps).length === 0 &&
  Object.keys(s.attribution).length === 0 &&
  Object.keys(s.movedOut ?? {}).length === 0;
