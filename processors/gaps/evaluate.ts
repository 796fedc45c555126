/**
 * The measure engine: one person's facts + one contract version + a measurement period + an
 * as-of date → attribution and a status per measure, with the evidence that decided each.
 * Pure and order-independent (the facts are a set), which is what makes incremental state equal
 * a recompute from history (docs/contracts.md).
 *
 * Order of decisions per measure, as in the eCQMs: attributed → in the denominator (age, sex,
 * qualifying diagnosis/encounter, continuous enrollment) → excluded → numerator.
 */
import { attribute, rosterLines } from '../attribution/attribute.ts';
import { addToDate, ageOn, daysBetween, windowDates } from '../contracts/dates.ts';
import type {
  AttributionResult,
  Condition,
  Criterion,
  Fact,
  IsoDate,
  MeasureResult,
  MeasureSpec,
  ResolvedContract,
} from '../contracts/types.ts';
import type { ValueSetIndex } from '../contracts/value-sets.ts';
import { anchorDate, evaluateCondition, matching, type Period } from './conditions.ts';
import { evaluateNumerator } from './numerators.ts';
import { evidenceRef, personView, type PersonView } from './person-view.ts';

export interface EvalContext {
  contract: ResolvedContract;
  valueSets: ValueSetIndex;
  period: Period;
  asOf: IsoDate;
}

export interface PersonEvaluation {
  attribution: AttributionResult;
  measures: MeasureResult[];
}

export function evaluatePerson(facts: Iterable<Fact>, ctx: EvalContext): PersonEvaluation {
  const p = personView(facts, ctx.valueSets, ctx.asOf);
  return evaluateView(p, ctx);
}

/** Same as evaluatePerson over a prepared view (one view serves every contract at one as-of date). */
export function evaluateView(p: PersonView, ctx: EvalContext): PersonEvaluation {
  const attribution = attribute(ctx.contract, p, ctx.period, ctx.valueSets);
  return {
    attribution,
    measures: ctx.contract.measures.map((m) => evaluateMeasure(m, p, attribution, ctx)),
  };
}

function result(
  m: MeasureSpec,
  status: MeasureResult['status'],
  reason: string,
  extra: Partial<MeasureResult> = {},
): MeasureResult {
  return {
    measure: m.id,
    measureVersion: m.version,
    status,
    inDenominator: false,
    numeratorMet: false,
    exclusion: null,
    reason,
    evidence: [],
    dueBy: null,
    ...extra,
  };
}

/**
 * HEDIS-style continuous enrollment over the window: spans merged when at most one day apart,
 * at most `maxGaps` gaps none longer than `allowedGapDays`, and covered on the window's last day.
 */
export function continuouslyEnrolled(
  spans: readonly { start: IsoDate; end: IsoDate | null }[],
  window: { from: IsoDate; to: IsoDate },
  rule: { allowedGapDays: number; maxGaps: number },
): boolean {
  const clipped = spans
    .filter((s) => s.start <= window.to && (s.end === null || s.end >= window.from))
    .map((s) => ({
      start: s.start < window.from ? window.from : s.start,
      end: s.end === null || s.end > window.to ? window.to : s.end,
    }))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  if (clipped.length === 0) return false;
  let gaps = 0;
  let longest = 0;
  let covered = addToDate(window.from, { years: 0, months: 0, days: -1 });
  for (const s of clipped) {
    const gap = daysBetween(covered, s.start) - 1;
    if (gap > 0) {
      gaps++;
      longest = Math.max(longest, gap);
    }
    if (s.end > covered) covered = s.end;
  }
  return covered === window.to && gaps <= rule.maxGaps && longest <= rule.allowedGapDays;
}

/** Why a person is outside the denominator, or null when inside. */
function denominatorMiss(m: MeasureSpec, p: PersonView, ctx: EvalContext): string | null {
  const pop = m.population;
  if (p.birthDate === null) return 'no birth date';
  const age = ageOn(p.birthDate, anchorDate(pop.age.at, ctx.period));
  if (age < pop.age.min || age > pop.age.max) return `age ${age} outside ${pop.age.min}-${pop.age.max}`;
  if (pop.sex !== undefined && p.sex !== pop.sex) return 'sex';
  if (pop.qualifying !== undefined && !evaluateCondition(pop.qualifying, p, ctx.period).ok)
    return 'no qualifying diagnosis or encounter';
  if (ctx.contract.requireEnrollment && pop.enrollment !== undefined) {
    const { from, to } = windowDates(pop.enrollment.window, ctx.period);
    const spans = rosterLines(ctx.contract, p.enrollments);
    if (!continuouslyEnrolled(spans, { from: from ?? ctx.period.start, to }, pop.enrollment)) {
      return 'not continuously enrolled';
    }
  }
  return null;
}

/**
 * For calendar-year contracts: the end of the last period in which the deciding evidence still
 * counts (a colonoscopy in 2026 counts through 2035), the latest over the numerator's criteria.
 * Null for fixed periods and result-based numerators (a new result is due every period).
 */
function dueBy(m: MeasureSpec, p: PersonView, ctx: EvalContext): IsoDate | null {
  if (ctx.contract.measurementPeriod.kind !== 'calendar-year' || m.numerator.kind !== 'evidence') return null;
  const criteria: Criterion[] = [];
  const collect = (c: Condition): void => {
    if ('allOf' in c) c.allOf.forEach(collect);
    else if ('anyOf' in c) c.anyOf.forEach(collect);
    else if ('evidence' in c) criteria.push(c.evidence);
  };
  collect(m.numerator.condition);
  const year = Number(ctx.period.start.slice(0, 4));
  let due: IsoDate | null = null;
  for (const c of criteria) {
    const latest = matching(c, p, ctx.period)[0]?.date;
    if (latest === undefined) continue;
    for (let y = year; y <= year + 15; y++) {
      const w = windowDates(c.window, { start: `${y}-01-01`, end: `${y}-12-31` });
      if ((w.from !== null && latest < w.from) || latest > w.to) break;
      if (due === null || w.to > due) due = `${y}-12-31`;
    }
  }
  return due;
}

export function evaluateMeasure(
  m: MeasureSpec,
  p: PersonView,
  attribution: AttributionResult,
  ctx: EvalContext,
): MeasureResult {
  if (!attribution.attributed) return result(m, 'not-in-denominator', 'not attributed');
  const miss = denominatorMiss(m, p, ctx);
  if (miss !== null) return result(m, 'not-in-denominator', miss);
  for (const ex of m.exclusions) {
    const o = evaluateCondition(ex.condition, p, ctx.period);
    if (o.ok) {
      return result(m, 'excluded', `excluded: ${ex.name}`, {
        inDenominator: true,
        exclusion: ex.name,
        evidence: o.evidence.map((f) => evidenceRef(f)),
      });
    }
  }
  const n = evaluateNumerator(m.numerator, p, ctx.period);
  const gapOpen = m.scoring === 'proportion' ? !n.met : n.met;
  return result(m, gapOpen ? 'open' : 'closed', n.reason, {
    inDenominator: true,
    numeratorMet: n.met,
    evidence: n.evidence,
    dueBy: gapOpen ? null : dueBy(m, p, ctx),
  });
}
