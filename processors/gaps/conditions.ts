/**
 * Evaluation of the declarative condition tree of a measure spec (allOf / anyOf / evidence /
 * age / deceased) over a person view. Pure; returns the facts that made a condition true so the
 * change record can name its evidence.
 */
import { ageOn, windowDates, type Period } from '../contracts/dates.ts';
import type { Anchor, Condition, Criterion, IsoDate, WindowSpec } from '../contracts/types.ts';
import { isFinal, isUsableResult, type CodedFact, type PersonView } from './person-view.ts';

export type { Period };

export interface Outcome {
  ok: boolean;
  /** Facts that satisfied the condition (most recent first). */
  evidence: CodedFact[];
}

const NO: Outcome = { ok: false, evidence: [] };
const YES: Outcome = { ok: true, evidence: [] };

export function anchorDate(anchor: Anchor, period: Period): IsoDate {
  return anchor === 'mp-start' ? period.start : period.end;
}

/** Facts of the criterion's value sets inside its window, most recent first. */
export function matching(c: Criterion, p: PersonView, period: Period): CodedFact[] {
  return inWindow(c.valueSets, c.window, p, period).filter(
    (f) =>
      // Only final or corrected results are evidence (eCQM: final/amended/corrected); with
      // requireResult they must also carry a result.
      (f.kind !== 'result' || (c.requireResult ? isUsableResult(f) : isFinal(f))) &&
      (c.settings === undefined ||
        (f.kind === 'code' && f.setting !== null && c.settings.includes(f.setting))) &&
      (c.ageAtEvidence === undefined || ageWithin(p.birthDate, f.date, c.ageAtEvidence)),
  );
}

/** Facts of any of the value sets overlapping the window (spans count when any day is inside). */
export function inWindow(
  sets: readonly string[],
  window: WindowSpec,
  p: PersonView,
  period: Period,
): CodedFact[] {
  const { from, to } = windowDates(window, period);
  const seen = new Set<string>();
  const out: CodedFact[] = [];
  for (const id of sets) {
    for (const f of p.bySet.get(id) ?? []) {
      const last = f.kind === 'code' && f.end !== null ? f.end : f.date;
      if (f.date > to || (from !== null && last < from) || seen.has(f.id)) continue;
      seen.add(f.id);
      out.push(f);
    }
  }
  return out.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : a.id < b.id ? -1 : 1));
}

function ageWithin(birthDate: IsoDate | null, on: IsoDate, r: { min?: number; max?: number }): boolean {
  if (birthDate === null) return false;
  const age = ageOn(birthDate, on);
  return (r.min === undefined || age >= r.min) && (r.max === undefined || age <= r.max);
}

function criterion(c: Criterion, p: PersonView, period: Period): Outcome {
  const facts = matching(c, p, period);
  const dates = new Set(facts.map((f) => f.date));
  return dates.size >= (c.minDistinctDates ?? 1) ? { ok: true, evidence: facts.slice(0, 3) } : NO;
}

export function evaluateCondition(c: Condition, p: PersonView, period: Period): Outcome {
  if ('allOf' in c) {
    const evidence: CodedFact[] = [];
    for (const part of c.allOf) {
      const o = evaluateCondition(part, p, period);
      if (!o.ok) return NO;
      evidence.push(...o.evidence);
    }
    return { ok: true, evidence };
  }
  if ('anyOf' in c) {
    // Every branch that holds is evidence: the most recent one decides how long the status lasts.
    const held = c.anyOf.map((part) => evaluateCondition(part, p, period)).filter((o) => o.ok);
    return held.length === 0 ? NO : { ok: true, evidence: held.flatMap((o) => o.evidence) };
  }
  if ('evidence' in c) return criterion(c.evidence, p, period);
  if ('age' in c) return ageWithin(p.birthDate, period.end, c.age) ? YES : NO;
  if ('deceased' in c) return p.deathDate !== null && p.deathDate <= period.end ? YES : NO;
  throw new Error(`unresolved exclusion reference "${c.ref}" (the contract loader inlines refs)`);
}
