/**
 * Attribution of one person under one contract version: payer roster as given, claims-based
 * plurality, or roster first with claims as the fallback (domain-facts §4).
 *
 * Claims plurality (42 CFR 425.402 in outline, BCBSND's group-then-clinician variant): qualifying
 * services in the look-back are pooled by billing TIN (an NPI without a TIN is its own group);
 * steps are tried in order and the first step with any service decides (MSSP step 1: primary care
 * physicians; step 2: everyone else). The group with the most units (visits or allowed charges)
 * wins, ties broken by the contract's chain (most recent visit, then amount, then NPI); within the
 * winning group the clinician is chosen the same way. The person is ours when the winning group's
 * TIN, or the clinician's NPI, is one of the contract's providers.
 */
import { windowDates } from '../contracts/dates.ts';
import type {
  AttributionResult,
  ClaimsAttributionSpec,
  EnrollmentFact,
  IsoDate,
  ResolvedContract,
  TieBreak,
  VisitFact,
} from '../contracts/types.ts';
import type { ValueSetIndex } from '../contracts/value-sets.ts';
import type { Period } from '../gaps/conditions.ts';
import { evidenceRef, type PersonView } from '../gaps/person-view.ts';

interface Tally {
  key: string;
  units: number;
  amount: number;
  lastVisit: IsoDate;
  npi: string;
  tin: string | null;
  visits: VisitFact[];
}

const NONE: AttributionResult = {
  attributed: false,
  npi: null,
  tin: null,
  method: 'none',
  reason: 'no roster line and no qualifying visits',
  evidence: [],
};

/** Roster lines of this contract, matched on file name, contract id and line of business. */
export function rosterLines(
  contract: ResolvedContract,
  enrollments: readonly EnrollmentFact[],
): EnrollmentFact[] {
  const r = contract.roster;
  if (!r) return [];
  const file = r.sourceFile ? new RegExp(r.sourceFile) : null;
  return enrollments.filter(
    (e) =>
      (file === null || file.test(e.sourceFile)) &&
      (r.contractId === undefined || e.contractId === r.contractId) &&
      (r.lineOfBusiness === undefined || e.lineOfBusiness === r.lineOfBusiness),
  );
}

const isOurs = (c: ResolvedContract, npi: string | null, tin: string | null): boolean =>
  (tin !== null && c.providers.tins.includes(tin)) || (npi !== null && c.providers.npis.includes(npi));

/**
 * The roster line that assigns the PCP, among this contract's lines that name one and overlap the
 * period up to the as-of date: the line active on the reference date first (the period start for
 * prospective lists, the as-of date capped at the period end for retrospective ones), then the
 * most recently received, then the latest start. A member who joins mid-period is attributed by
 * the line that enrolled them; continuous enrollment then decides whether measures apply.
 */
function rosterAssignment(
  contract: ResolvedContract,
  p: PersonView,
  period: Period,
): EnrollmentFact | undefined {
  const until = p.asOf < period.end ? p.asOf : period.end;
  const on = contract.attribution.timing === 'prospective' ? period.start : until;
  const activeOn = (e: EnrollmentFact): number => (e.start <= on && (e.end === null || e.end >= on) ? 1 : 0);
  return rosterLines(contract, p.enrollments)
    .filter((e) => e.pcpNpi !== null && e.start <= until && (e.end === null || e.end >= period.start))
    .sort(
      (a, b) =>
        activeOn(b) - activeOn(a) ||
        b.recordedAt - a.recordedAt ||
        (a.start < b.start ? 1 : a.start > b.start ? -1 : 0) ||
        (a.id < b.id ? -1 : 1),
    )[0];
}

function better(a: Tally, b: Tally, chain: readonly TieBreak[]): number {
  if (a.units !== b.units) return b.units - a.units;
  for (const t of chain) {
    if (t === 'most-recent' && a.lastVisit !== b.lastVisit) return a.lastVisit > b.lastVisit ? -1 : 1;
    if (t === 'amount' && a.amount !== b.amount) return b.amount - a.amount;
    if (t === 'npi' && a.npi !== b.npi) return a.npi < b.npi ? -1 : 1;
  }
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function tally(
  visits: readonly VisitFact[],
  keyOf: (v: VisitFact) => string,
  unit: ClaimsAttributionSpec['unit'],
): Tally[] {
  const by = new Map<string, Tally>();
  for (const v of visits) {
    const key = keyOf(v);
    const t = by.get(key) ?? { key, units: 0, amount: 0, lastVisit: '', npi: v.npi, tin: v.tin, visits: [] };
    t.units += unit === 'visits' ? 1 : v.amount;
    t.amount += v.amount;
    if (v.date > t.lastVisit) t.lastVisit = v.date;
    if (v.npi < t.npi) t.npi = v.npi;
    t.visits.push(v);
    by.set(key, t);
  }
  return [...by.values()];
}

function byClaims(
  contract: ResolvedContract,
  spec: ClaimsAttributionSpec,
  p: PersonView,
  period: Period,
  valueSets: ValueSetIndex,
): AttributionResult {
  const { from, to } = windowDates(spec.window, period);
  const qualifying = p.visits.filter(
    (v) =>
      v.date <= to &&
      (from === null || v.date >= from) &&
      valueSets.setsOf(v.system, v.code).some((s) => spec.qualifyingValueSets.includes(s)),
  );
  for (const step of spec.steps) {
    const visits = qualifying.filter(
      (v) => step.specialties.length === 0 || step.specialties.includes(v.specialty ?? ''),
    );
    if (visits.length === 0) continue;
    const group = tally(visits, (v) => (v.tin !== null ? `tin:${v.tin}` : `npi:${v.npi}`), spec.unit).sort(
      (a, b) => better(a, b, spec.tieBreak),
    )[0]!;
    const clinician = tally(group.visits, (v) => v.npi, spec.unit).sort((a, b) =>
      better(a, b, spec.tieBreak),
    )[0]!;
    const ours = isOurs(contract, clinician.npi, group.tin);
    const unit = spec.unit === 'visits' ? `${group.units} visits` : `$${group.units.toFixed(2)} allowed`;
    return {
      attributed: ours,
      npi: clinician.key,
      tin: group.tin,
      method: `claims:${step.name}`,
      reason: `plurality ${unit} (${ours ? 'our' : 'another'} practice)`,
      evidence: [...group.visits]
        .sort((a, b) => (a.date < b.date ? 1 : -1))
        .slice(0, 5)
        .map((v) => evidenceRef(v)),
    };
  }
  return NONE;
}

export function attribute(
  contract: ResolvedContract,
  p: PersonView,
  period: Period,
  valueSets: ValueSetIndex,
): AttributionResult {
  const { method, claims } = contract.attribution;
  if (method === 'roster' || method === 'roster-then-claims') {
    const line = rosterAssignment(contract, p, period);
    if (line !== undefined) {
      const ours = isOurs(contract, line.pcpNpi, line.pcpTin);
      return {
        attributed: ours,
        npi: line.pcpNpi,
        tin: line.pcpTin,
        method: 'roster',
        reason: ours ? 'payer roster assigns one of our PCPs' : 'payer roster assigns another PCP',
        evidence: [evidenceRef(line)],
      };
    }
    if (method === 'roster') return { ...NONE, reason: 'not on the payer roster' };
  }
  return claims ? byClaims(contract, claims, p, period, valueSets) : NONE;
}
