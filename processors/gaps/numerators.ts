/**
 * The three numerator shapes of the measure library: evidence (screenings), latest result
 * (HbA1c) and blood pressure (CMS165's lowest readings on the most recent day with both).
 */
import type { NumeratorSpec, ResultComparison } from '../contracts/types.ts';
import { evaluateCondition, inWindow, type Period } from './conditions.ts';
import { evidenceRef, isFinal, type CodedFact, type PersonView } from './person-view.ts';
import type { EvidenceRef } from '../contracts/types.ts';

export interface NumeratorOutcome {
  met: boolean;
  reason: string;
  evidence: EvidenceRef[];
}

/**
 * A reading's value: final/corrected results as sent (null when the result is not a number:
 * CQL `value as Quantity`), CPT II codes at their representative value; undefined when the fact
 * is not a usable reading (preliminary, cancelled, or a code without a value mapping).
 */
function valueOf(f: CodedFact, coded: Record<string, number> | undefined): number | null | undefined {
  if (f.kind === 'result') return isFinal(f) ? f.value : undefined;
  return coded?.[f.code];
}

function compare(value: number, c: ResultComparison): boolean {
  switch (c.op) {
    case '<':
      return value < c.value;
    case '<=':
      return value <= c.value;
    case '>':
      return value > c.value;
    case '>=':
      return value >= c.value;
  }
}

/** Readings usable for a component: value known, not on a day in an excluded setting. */
function readings(
  sets: readonly string[],
  coded: Record<string, number> | undefined,
  excluded: readonly string[],
  spec: { window: Parameters<typeof inWindow>[1] },
  p: PersonView,
  period: Period,
): { fact: CodedFact; value: number }[] {
  const out: { fact: CodedFact; value: number }[] = [];
  for (const fact of inWindow(sets, spec.window, p, period)) {
    const value = valueOf(fact, coded);
    if (value === undefined || value === null) continue;
    const settings = p.settingDates.get(fact.date);
    if (settings && excluded.some((s) => settings.has(s))) continue;
    out.push({ fact, value });
  }
  return out;
}

export function evaluateNumerator(spec: NumeratorSpec, p: PersonView, period: Period): NumeratorOutcome {
  switch (spec.kind) {
    case 'evidence': {
      const o = evaluateCondition(spec.condition, p, period);
      const first = o.evidence[0];
      return {
        met: o.ok,
        reason: o.ok && first ? `${first.system} ${first.code} ${first.date}` : 'no qualifying evidence',
        evidence: o.evidence.map((f) => evidenceRef(f)),
      };
    }
    case 'latest-result': {
      // CMS122: the most recent day with a reading decides, and on that day the lowest reading,
      // where a reading without a numeric result sorts first ("without result" = missing).
      const readings = inWindow(spec.valueSets, spec.window, p, period)
        .map((fact) => ({ fact, value: valueOf(fact, spec.codedResults) }))
        .filter((c): c is { fact: CodedFact; value: number | null } => c.value !== undefined);
      const day = readings[0]?.fact.date;
      const latest = readings
        .filter((r) => r.fact.date === day)
        .reduce<(typeof readings)[number] | undefined>(
          (low, r) =>
            low === undefined || r.value === null || (low.value !== null && r.value < low.value) ? r : low,
          undefined,
        );
      if (latest === undefined || latest.value === null) {
        return {
          met: spec.missing === 'met',
          reason: latest ? `latest result ${latest.fact.date} has no value` : 'no result in the period',
          evidence: latest ? [evidenceRef(latest.fact, null)] : [],
        };
      }
      return {
        met: compare(latest.value, spec.met),
        reason: `latest result ${latest.fact.date}`,
        evidence: [evidenceRef(latest.fact, latest.value)],
      };
    }
    case 'blood-pressure': {
      const sys = readings(
        spec.systolic.valueSets,
        spec.systolic.codedResults,
        spec.excludeSettings,
        spec,
        p,
        period,
      );
      const dia = readings(
        spec.diastolic.valueSets,
        spec.diastolic.codedResults,
        spec.excludeSettings,
        spec,
        p,
        period,
      );
      const diaDates = new Set(dia.map((r) => r.fact.date));
      // Readings are most recent first: the first systolic date that has a diastolic too.
      const day = sys.find((r) => diaDates.has(r.fact.date))?.fact.date;
      if (day === undefined) return { met: false, reason: 'no day with both readings', evidence: [] };
      const lowest = (rs: typeof sys): { fact: CodedFact; value: number } =>
        rs.filter((r) => r.fact.date === day).reduce((a, b) => (b.value < a.value ? b : a));
      const s = lowest(sys);
      const d = lowest(dia);
      return {
        met: s.value < spec.systolic.below && d.value < spec.diastolic.below,
        reason: `lowest readings on ${day}`,
        evidence: [evidenceRef(s.fact, s.value), evidenceRef(d.fact, d.value)],
      };
    }
  }
}
