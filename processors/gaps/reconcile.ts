/**
 * Re-evaluates one person against every contract active on the as-of date and turns the
 * difference from what was last published into attribution.change.v1 / gap.change.v1 values.
 * Used by the streaming step (trigger EVENT / TRANSFER), its timer (TIMER) and
 * `gapstream recompute` (RECOMPUTE): one function, so all paths agree.
 */
import { createHash } from 'node:crypto';
import { addToDate, periodFor, type Period } from '../contracts/dates.ts';
import type { Contract, EvidenceRef, GapStatus, IsoDate, ResolvedContract } from '../contracts/types.ts';
import type { ValueSetIndex } from '../contracts/value-sets.ts';
import { evaluateView, type PersonEvaluation } from './evaluate.ts';
import { personView } from './person-view.ts';
import type { AttributionMemo, GapMemo, PersonState } from './state.ts';
import { pruneFacts } from './prune.ts';

export type Trigger = 'EVENT' | 'TIMER' | 'TRANSFER' | 'RECOMPUTE';
/** `GapTrigger` of gap.change.v1 and attribution.change.v1. */
export type ChangeTrigger = Trigger;
/** `GapStatus` of gap.change.v1 (the Avro enum symbol). */
export type GapChangeStatus = 'OPEN' | 'CLOSED' | 'EXCLUDED' | 'NOT_IN_DENOMINATOR';

/** What the engine needs of the contract library (processors/contracts/load.ts). */
export interface ContractCatalog {
  readonly contracts: readonly Contract[];
  readonly valueSets: ValueSetIndex;
  contractIds(): string[];
  activeVersion(contractId: string, date: IsoDate): Contract | undefined;
  resolve(contractId: string, version: string): ResolvedContract;
  /** A version's own value sets over the library's (the library's when it has none). */
  valueSetsFor?(contractId: string, version: string): ValueSetIndex;
}

const STATUS_ENUM: Record<GapStatus, GapChangeStatus> = {
  open: 'OPEN',
  closed: 'CLOSED',
  excluded: 'EXCLUDED',
  'not-in-denominator': 'NOT_IN_DENOMINATOR',
};

export interface GapChangeValue {
  changeId: string;
  contractId: string;
  contractVersion: string;
  measureId: string;
  measureVersion: string;
  personId: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  oldStatus: GapChangeStatus | null;
  newStatus: GapChangeStatus;
  numeratorMet: boolean;
  exclusion: string | null;
  reason: string;
  evidence: EvidenceRef[];
  dueBy: IsoDate | null;
  attributedNpi: string | null;
  attributedTin: string | null;
  trigger: Trigger;
  asOf: IsoDate;
  at: number;
}

export interface AttributionChangeValue {
  changeId: string;
  contractId: string;
  contractVersion: string;
  personId: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  oldAttributed: boolean | null;
  attributed: boolean;
  oldNpi: string | null;
  npi: string | null;
  tin: string | null;
  method: string;
  reason: string;
  evidence: EvidenceRef[];
  trigger: Trigger;
  asOf: IsoDate;
  at: number;
}

export interface Changes {
  gaps: GapChangeValue[];
  attributions: AttributionChangeValue[];
}

const changeId = (parts: readonly unknown[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);

/** Versions of a contract start and end on given days; the day after one ends, another may apply. */
function nextBoundary(catalog: ContractCatalog, asOf: IsoDate): IsoDate | null {
  let next: IsoDate | null = null;
  const consider = (d: IsoDate): void => {
    if (d > asOf && (next === null || d < next)) next = d;
  };
  for (const c of catalog.contracts) {
    consider(c.effective.from);
    if (c.effective.to !== null) consider(addToDate(c.effective.to, { years: 0, months: 0, days: 1 }));
  }
  return next;
}

export interface ReconcileOptions {
  personId: string;
  asOf: IsoDate;
  at: number;
  trigger: Trigger;
  /** Only these contracts (recompute --contract); default all. */
  contractIds?: readonly string[];
}

/** Evaluates `state` and updates its memos in place; returns the changes to publish. */
export function reconcile(state: PersonState, catalog: ContractCatalog, o: ReconcileOptions): Changes {
  const out: Changes = { gaps: [], attributions: [] };
  pruneFacts(state, catalog, o.asOf);
  const view = personView(Object.values(state.facts), catalog.valueSets, o.asOf);
  let nextCheck = nextBoundary(catalog, o.asOf);
  const earlier = (d: IsoDate): void => {
    if (d > o.asOf && (nextCheck === null || d < nextCheck)) nextCheck = d;
  };
  // Future-dated evidence starts to count on its date.
  for (const f of Object.values(state.facts)) {
    if (f.kind === 'enrollment') {
      // A roster span starting or ending changes attribution and enrollment on that day.
      earlier(f.start);
      if (f.end !== null) earlier(addToDate(f.end, { years: 0, months: 0, days: 1 }));
    } else if (f.kind !== 'demographics') earlier(f.date);
  }
  if (state.lastAsOf === undefined || o.asOf > state.lastAsOf) state.lastAsOf = o.asOf;
  for (const id of o.contractIds ?? catalog.contractIds()) {
    const version = catalog.activeVersion(id, o.asOf);
    if (version === undefined) {
      retire(state, id, o, out);
      continue;
    }
    const contract = catalog.resolve(id, version.version);
    const period = periodFor(version, o.asOf);
    earlier(addToDate(period.end, { years: 0, months: 0, days: 1 }));
    // A version that brings its own value sets sees the facts through them.
    const valueSets = catalog.valueSetsFor?.(id, version.version) ?? catalog.valueSets;
    const own =
      valueSets === catalog.valueSets ? view : personView(Object.values(state.facts), valueSets, o.asOf);
    const evaluation = evaluateView(own, { contract, valueSets, period, asOf: o.asOf });
    diffAttribution(state, contract, period, evaluation, o, out);
    diffGaps(state, contract, period, evaluation, o, out);
  }
  state.nextCheck = nextCheck;
  return out;
}

function diffAttribution(
  state: PersonState,
  contract: ResolvedContract,
  period: Period,
  ev: PersonEvaluation,
  o: ReconcileOptions,
  out: Changes,
): void {
  const a = ev.attribution;
  const old = state.attribution[contract.id];
  const memo: AttributionMemo = {
    attributed: a.attributed,
    npi: a.npi,
    tin: a.tin,
    contractVersion: contract.version,
    periodStart: period.start,
    periodEnd: period.end,
    method: a.method,
  };
  // A new contract version that decides the same is not a change (the memo notes the version).
  const same =
    old !== undefined &&
    old.attributed === memo.attributed &&
    old.npi === memo.npi &&
    old.tin === memo.tin &&
    old.periodStart === memo.periodStart &&
    old.method === memo.method;
  if (same) {
    state.attribution[contract.id] = memo;
    return;
  }
  // Never attributed and still not: nothing to say, nothing to keep.
  if (old === undefined && !a.attributed) return;
  state.attribution[contract.id] = memo;
  out.attributions.push({
    changeId: changeId([contract.id, contract.version, o.personId, period.start, memo, o.at]),
    contractId: contract.id,
    contractVersion: contract.version,
    personId: o.personId,
    periodStart: period.start,
    periodEnd: period.end,
    oldAttributed: old?.attributed ?? null,
    attributed: a.attributed,
    oldNpi: old?.npi ?? null,
    npi: a.npi,
    tin: a.tin,
    method: a.method,
    reason: a.reason,
    evidence: a.evidence,
    trigger: o.trigger,
    asOf: o.asOf,
    at: o.at,
  });
}

/**
 * A contract with no version in force any more: what it last said leaves the worklists
 * (NOT_IN_DENOMINATOR, not attributed), once.
 */
function retire(state: PersonState, contractId: string, o: ReconcileOptions, out: Changes): void {
  for (const [key, memo] of Object.entries(state.gaps)) {
    if (!key.startsWith(`${contractId}|`) || memo.status === 'not-in-denominator') continue;
    const next: GapMemo = { ...memo, status: 'not-in-denominator', signature: 'contract ended' };
    state.gaps[key] = next;
    out.gaps.push({
      changeId: changeId([key, o.personId, next, o.at]),
      contractId,
      contractVersion: memo.contractVersion,
      measureId: key.slice(contractId.length + 1),
      measureVersion: memo.measureVersion,
      personId: o.personId,
      periodStart: memo.periodStart,
      periodEnd: memo.periodEnd,
      oldStatus: STATUS_ENUM[memo.status],
      newStatus: 'NOT_IN_DENOMINATOR',
      numeratorMet: false,
      exclusion: null,
      reason: 'no contract version in force',
      evidence: [],
      dueBy: null,
      attributedNpi: null,
      attributedTin: null,
      trigger: o.trigger,
      asOf: o.asOf,
      at: o.at,
    });
  }
  const a = state.attribution[contractId];
  if (a === undefined || !a.attributed) return;
  const next: AttributionMemo = { ...a, attributed: false, npi: null, tin: null, method: 'none' };
  state.attribution[contractId] = next;
  out.attributions.push({
    changeId: changeId([contractId, o.personId, next, o.at]),
    contractId,
    contractVersion: a.contractVersion,
    personId: o.personId,
    periodStart: a.periodStart,
    periodEnd: a.periodEnd,
    oldAttributed: true,
    attributed: false,
    oldNpi: a.npi,
    npi: null,
    tin: null,
    method: 'none',
    reason: 'no contract version in force',
    evidence: [],
    trigger: o.trigger,
    asOf: o.asOf,
    at: o.at,
  });
}

const sameDecision = (a: GapMemo, b: GapMemo): boolean =>
  a.status === b.status && a.periodStart === b.periodStart && a.signature === b.signature;

function diffGaps(
  state: PersonState,
  contract: ResolvedContract,
  period: Period,
  ev: PersonEvaluation,
  o: ReconcileOptions,
  out: Changes,
): void {
  const seen = new Set<string>();
  const emit = (
    measureId: string,
    measureVersion: string,
    next: Omit<
      GapChangeValue,
      | 'changeId'
      | 'oldStatus'
      | 'personId'
      | 'trigger'
      | 'asOf'
      | 'at'
      | 'contractId'
      | 'contractVersion'
      | 'measureId'
      | 'measureVersion'
      | 'periodStart'
      | 'periodEnd'
    >,
    signature: string,
  ): void => {
    const key = `${contract.id}|${measureId}`;
    seen.add(key);
    const old = state.gaps[key];
    const status =
      next.newStatus === 'NOT_IN_DENOMINATOR'
        ? 'not-in-denominator'
        : (next.newStatus.toLowerCase() as GapStatus);
    const memo: GapMemo = {
      status,
      contractVersion: contract.version,
      measureVersion,
      periodStart: period.start,
      periodEnd: period.end,
      signature,
    };
    // Same status from the same evidence under a new contract version: not a change.
    if (old !== undefined && sameDecision(old, memo)) {
      state.gaps[key] = memo;
      return;
    }
    if (old === undefined && status === 'not-in-denominator') return;
    state.gaps[key] = memo;
    out.gaps.push({
      changeId: changeId([key, o.personId, memo, o.at]),
      contractId: contract.id,
      contractVersion: contract.version,
      measureId,
      measureVersion,
      personId: o.personId,
      periodStart: period.start,
      periodEnd: period.end,
      oldStatus: old ? STATUS_ENUM[old.status] : null,
      trigger: o.trigger,
      asOf: o.asOf,
      at: o.at,
      ...next,
    });
  };
  for (const m of ev.measures) {
    emit(
      m.measure,
      m.measureVersion,
      {
        newStatus: STATUS_ENUM[m.status],
        numeratorMet: m.numeratorMet,
        exclusion: m.exclusion,
        reason: m.reason,
        evidence: m.evidence,
        dueBy: m.dueBy,
        attributedNpi: ev.attribution.attributed ? ev.attribution.npi : null,
        attributedTin: ev.attribution.attributed ? ev.attribution.tin : null,
      },
      [
        m.status,
        m.exclusion,
        m.numeratorMet,
        m.dueBy,
        ev.attribution.npi,
        ...m.evidence.map((e) => e.factId),
      ].join('|'),
    );
  }
  // A measure the active version no longer has leaves the denominator.
  for (const [key, memo] of Object.entries(state.gaps)) {
    if (!key.startsWith(`${contract.id}|`) || seen.has(key) || memo.status === 'not-in-denominator') continue;
    emit(
      key.slice(contract.id.length + 1),
      memo.measureVersion,
      {
        newStatus: 'NOT_IN_DENOMINATOR',
        numeratorMet: false,
        exclusion: null,
        reason: `measure not in contract version ${contract.version}`,
        evidence: [],
        dueBy: null,
        attributedNpi: null,
        attributedTin: null,
      },
      'removed',
    );
  }
}
