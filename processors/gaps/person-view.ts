/**
 * One person's facts arranged for evaluation: resolved demographics, the facts of each value set,
 * and the dates spent in settings that disqualify readings. Built once per evaluation, shared by
 * every measure and the attribution of a contract.
 */
import type { ValueSetIndex } from '../contracts/value-sets.ts';
import { addToDate } from '../contracts/dates.ts';
import type {
  CodeFact,
  DemographicsFact,
  EnrollmentFact,
  EvidenceRef,
  Fact,
  IsoDate,
  ResultFact,
  VisitFact,
} from '../contracts/types.ts';

/** Facts that carry a code (what value sets match). */
export type CodedFact = CodeFact | ResultFact | VisitFact;

export interface PersonView {
  birthDate: IsoDate | null;
  sex: 'F' | 'M' | null;
  deathDate: IsoDate | null;
  /** Coded facts by value-set id, dated on or before the as-of date. */
  bySet: Map<string, CodedFact[]>;
  visits: VisitFact[];
  enrollments: EnrollmentFact[];
  /** Dates with an emergency or inpatient encounter (CMS165 readings on those days do not count). */
  settingDates: Map<IsoDate, Set<string>>;
  asOf: IsoDate;
}

const nextDay = (d: IsoDate): IsoDate => addToDate(d, { years: 0, months: 0, days: 1 });

const byRecency = (a: { recordedAt: number; id: string }, b: { recordedAt: number; id: string }): number =>
  b.recordedAt - a.recordedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Most recent non-null value per field across sources (ties broken by fact id: deterministic). */
function demographics(facts: DemographicsFact[]): Pick<PersonView, 'birthDate' | 'sex' | 'deathDate'> {
  const sorted = [...facts].sort(byRecency);
  return {
    birthDate: sorted.find((f) => f.birthDate !== null)?.birthDate ?? null,
    sex: sorted.find((f) => f.sex !== null)?.sex ?? null,
    deathDate: sorted.find((f) => f.deathDate !== null)?.deathDate ?? null,
  };
}

export function personView(facts: Iterable<Fact>, valueSets: ValueSetIndex, asOf: IsoDate): PersonView {
  const demo: DemographicsFact[] = [];
  const bySet = new Map<string, CodedFact[]>();
  const visits: VisitFact[] = [];
  const enrollments: EnrollmentFact[] = [];
  const settingDates = new Map<IsoDate, Set<string>>();
  for (const f of facts) {
    if (f.kind === 'demographics') {
      demo.push(f);
      continue;
    }
    if (f.kind === 'enrollment') {
      enrollments.push(f);
      continue;
    }
    // Evidence dated after the as-of date is not known yet (recompute --as-of a past date).
    if (f.date > asOf) continue;
    if (f.kind === 'visit') visits.push(f);
    if (f.kind === 'code' && (f.setting === 'emergency' || f.setting === 'inpatient')) {
      // Every day of a stay (admit through discharge), not only the admit day.
      for (let d = f.date; d <= (f.end ?? f.date) && d <= asOf; d = nextDay(d)) {
        const s = settingDates.get(d) ?? new Set<string>();
        s.add(f.setting);
        settingDates.set(d, s);
      }
    }
    for (const id of valueSets.setsOf(f.system, f.code)) {
      const list = bySet.get(id);
      if (list) list.push(f);
      else bySet.set(id, [f]);
    }
  }
  return { ...demographics(demo), bySet, visits, enrollments, settingDates, asOf };
}

/** The pointer a change record carries for a fact (no clinical text, only code/date/value). */
export function evidenceRef(f: Fact, value?: number | null): EvidenceRef {
  const coded = f.kind === 'code' || f.kind === 'result' || f.kind === 'visit';
  return {
    factId: f.id,
    recordId: f.recordId,
    system: coded ? f.system : null,
    code: coded ? f.code : null,
    date: coded ? f.date : f.kind === 'enrollment' ? f.start : null,
    value: value !== undefined ? value : f.kind === 'result' ? f.value : null,
    source: f.source,
  };
}

/** Final or corrected (eCQM final/amended/corrected); preliminary and cancelled results are not evidence. */
export const isFinal = (f: ResultFact): boolean => f.status === 'final' || f.status === 'corrected';

/** Final or corrected result with a value (eCQM "final with a result"). */
export function isUsableResult(f: ResultFact): boolean {
  return isFinal(f) && (f.hasResult ?? f.value !== null);
}
