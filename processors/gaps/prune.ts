/**
 * Keeps a person's state bounded: facts older than every window the active contracts look at are
 * dropped, except evidence for "any time before" criteria (a colectomy, a diabetes diagnosis),
 * of which the earliest occurrence per code is enough. Without this, a dialysis patient's
 * years of claims would grow one state record past the broker's message size.
 * Deterministic in (facts, as-of date), and the as-of date only moves forward, so pruning keeps
 * incremental state equal to a recompute.
 */
import { windowDates } from '../contracts/dates.ts';
import type { Condition, Fact, IsoDate, ResolvedContract, WindowSpec } from '../contracts/types.ts';
import { periodFor } from '../contracts/dates.ts';
import type { ContractCatalog } from './reconcile.ts';
import type { PersonState } from './state.ts';

export interface RetentionPolicy {
  /** Facts dated before this day are not in any window of any active contract. */
  horizon: IsoDate;
  /** Value sets used by open-ended ("any ..") windows. */
  historySets: ReadonlySet<string>;
}

function walk(c: Condition, visit: (sets: readonly string[], w: WindowSpec) => void): void {
  if ('allOf' in c) c.allOf.forEach((x) => walk(x, visit));
  else if ('anyOf' in c) c.anyOf.forEach((x) => walk(x, visit));
  else if ('evidence' in c) visit(c.evidence.valueSets, c.evidence.window);
}

function windowsOf(
  contract: ResolvedContract,
  visit: (sets: readonly string[], w: WindowSpec) => void,
): void {
  for (const m of contract.measures) {
    if (m.population.qualifying) walk(m.population.qualifying, visit);
    if (m.population.enrollment) visit([], m.population.enrollment.window);
    for (const ex of m.exclusions) walk(ex.condition, visit);
    const n = m.numerator;
    if (n.kind === 'evidence') walk(n.condition, visit);
    else if (n.kind === 'latest-result') visit(n.valueSets, n.window);
    else visit([...n.systolic.valueSets, ...n.diastolic.valueSets], n.window);
  }
  if (contract.attribution.claims)
    visit(contract.attribution.claims.qualifyingValueSets, contract.attribution.claims.window);
}

const cache = new WeakMap<ContractCatalog, Map<IsoDate, RetentionPolicy>>();

/** The policy for the contracts in force on `asOf` (cached per catalog and day). */
export function retentionPolicy(catalog: ContractCatalog, asOf: IsoDate): RetentionPolicy {
  const byDay = cache.get(catalog) ?? new Map<IsoDate, RetentionPolicy>();
  cache.set(catalog, byDay);
  const hit = byDay.get(asOf);
  if (hit) return hit;
  let horizon = asOf;
  const historySets = new Set<string>();
  for (const id of catalog.contractIds()) {
    const version = catalog.activeVersion(id, asOf);
    if (version === undefined) continue;
    const period = periodFor(version, asOf);
    if (period.start < horizon) horizon = period.start;
    windowsOf(catalog.resolve(id, version.version), (sets, w) => {
      const { from } = windowDates(w, period);
      if (from === null) sets.forEach((s) => historySets.add(s));
      else if (from < horizon) horizon = from;
    });
  }
  const policy = { horizon, historySets };
  byDay.set(asOf, policy);
  return policy;
}

const dateOf = (f: Fact): IsoDate | null =>
  f.kind === 'demographics'
    ? null
    : f.kind === 'enrollment'
      ? (f.end ?? '9999-12-31')
      : f.kind === 'code'
        ? (f.end ?? f.date)
        : f.date;

const older = (a: Fact, b: Fact): boolean => {
  const da = dateOf(a)!;
  const db = dateOf(b)!;
  return da < db || (da === db && a.id < b.id);
};

/** Drops facts no window can reach any more; returns how many. */
export function pruneFacts(state: PersonState, catalog: ContractCatalog, asOf: IsoDate): number {
  const { horizon, historySets } = retentionPolicy(catalog, asOf);
  const earliest = new Map<string, Fact>();
  let dropped = 0;
  for (const [id, f] of Object.entries(state.facts)) {
    const d = dateOf(f);
    if (d === null || d >= horizon) continue;
    if (f.kind !== 'enrollment' && f.kind !== 'demographics') {
      const history = catalog.valueSets.setsOf(f.system, f.code).some((s) => historySets.has(s));
      if (history) {
        // Of old history evidence, the earliest occurrence per code is all an "any .." window needs.
        const k = `${f.system}|${f.code}`;
        const first = earliest.get(k);
        if (first === undefined) {
          earliest.set(k, f);
          continue;
        }
        const [keep, drop] = older(f, first) ? [f, first] : [first, f];
        earliest.set(k, keep);
        delete state.facts[drop.id];
        dropped++;
        continue;
      }
    }
    delete state.facts[id];
    dropped++;
  }
  return dropped;
}
