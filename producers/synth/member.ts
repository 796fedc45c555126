/**
 * One synthetic member, built by construction: attribution visits first, then one scenario per
 * applicable measure group (producers/synth/scenarios.ts), each adding exactly the evidence its
 * name says, then the records (HL7 messages, claims, roster line, CCLF8 row), the events, and the
 * expected statuses. Nothing here runs gapstream logic: the truth follows from what was built.
 *
 * Dates: the measurement period is the calendar year Y; claims reach only `claimsCutoff` (as-of
 * minus 30 days: run-out) and start at Jan 1 of Y-1 (the claims history a payer sends); HL7
 * reaches the as-of date. Evidence older than the claims history comes from the EMR (HL7).
 */
import { mbiOf, MBI_SPACE } from '../../bench/support/identity-synth.ts';
import type { GapStatus } from '../../processors/contracts/types.ts';
import {
  ANSWER,
  COMMERCIAL_CHARGE,
  CPT,
  DX,
  LOINC,
  MEDICARE_ALLOWED,
  ROUTINE_DX,
  type Code,
} from './codes.ts';
import {
  activeVersion,
  COMMERCIAL_CONTRACT,
  MSSP_CONTRACT,
  type ContractVersion,
  type MeasureId,
} from './contracts.ts';
import { addYears, ageOn, day, daysInMonth, iso, isIsoDate } from './dates.ts';
import { eventsOf } from './events.ts';
import { makePerson, observe, type Demographics, type Person } from './person.ts';
import {
  OUR_NP,
  OUR_PCPS,
  OUR_PROVIDERS,
  OUTSIDE_ED,
  OUTSIDE_GI,
  OUTSIDE_PCPS,
  OUTSIDE_RADIOLOGY,
  type Provider,
} from './providers.ts';
import { fmix32, Random, streamSeed } from './rng.ts';
import {
  COMMERCIAL_ATTRIBUTION,
  GROUPS,
  MEDICARE_ATTRIBUTION,
  type GroupId,
  type ScenarioDef,
} from './scenarios.ts';
import type {
  AttributionScenario,
  ClaimLine,
  Hl7Order,
  Hl7Procedure,
  Hl7Record,
  Hl7Result,
  ProfessionalClaim,
  SynthMember,
  SynthRecord,
  TruthGap,
} from './types.ts';

/** What to generate. */
export interface GenerateOptions {
  /** Number of members (0 .. 5,000,000). */
  members: number;
  /** Seed of the run (any 32-bit integer). Default 1. */
  seed?: number;
  /** Measurement period: this calendar year. Default 2026. */
  year?: number;
  /** The day the population is seen (files end here; truth is as of this day). Default `<year>-11-25`. */
  asOf?: string;
}

/** Options with defaults applied and checked. */
export interface ResolvedOptions {
  members: number;
  seed: number;
  year: number;
  asOf: string;
}

/** Day numbers the generator works with (see the module comment). */
export interface Calendar {
  year: number;
  asOf: string;
  mpStart: number;
  mpEnd: number;
  /** Last day HL7 messages cover: min(as-of, mp-end). */
  hl7End: number;
  /** Last service date in the claims files: min(as-of - 30, mp-end). */
  claimsCutoff: number;
  /** First service date in the claims files: Jan 1 of Y-1. */
  claimsHorizon: number;
}

/** Validates and defaults options; errors name the option, the value and what is expected. */
export function resolveOptions(o: GenerateOptions): ResolvedOptions {
  const members = o.members;
  if (!Number.isInteger(members) || members < 0 || members > 5_000_000)
    throw new RangeError(`members must be an integer from 0 to 5,000,000 (got ${String(members)})`);
  const seed = o.seed ?? 1;
  if (!Number.isInteger(seed) || Math.abs(seed) > 0xffffffff)
    throw new RangeError(`seed must be a 32-bit integer (got ${String(seed)})`);
  const year = o.year ?? 2026;
  if (!Number.isInteger(year) || year < 2026 || year > 2100)
    throw new RangeError(
      `year must be 2026 or later: the contracts in contracts/ start in 2026 (got ${String(year)})`,
    );
  const asOf = o.asOf ?? `${year}-11-25`;
  if (!isIsoDate(asOf)) throw new RangeError(`asOf must be a date YYYY-MM-DD (got ${asOf})`);
  if (asOf < `${year}-05-01` || asOf > `${year + 1}-12-31`)
    throw new RangeError(
      `asOf must fall between ${year}-05-01 and ${year + 1}-12-31 so the period has claims to show (got ${asOf})`,
    );
  return { members, seed: seed >>> 0, year, asOf };
}

/** The calendar of a run. */
export function calendarOf(o: ResolvedOptions): Calendar {
  const mpStart = day(`${o.year}-01-01`);
  const mpEnd = day(`${o.year}-12-31`);
  const asOf = day(o.asOf);
  return {
    year: o.year,
    asOf: o.asOf,
    mpStart,
    mpEnd,
    hl7End: Math.min(asOf, mpEnd),
    claimsCutoff: Math.min(asOf - 30, mpEnd),
    claimsHorizon: day(`${o.year - 1}-01-01`),
  };
}

// ---------------------------------------------------------------------------------------------
// Identifiers: affine permutations of the member index (unique, not sequential).

const MRN_SPACE = 90_000_000;
const MEMBER_SPACE = 1_000_000_000;

function mrnOf(seed: number, index: number): string {
  const off = streamSeed(seed, 0, 101) % MRN_SPACE;
  return String(10_000_000 + ((index * 7_368_787 + off) % MRN_SPACE));
}

const MBI_SPREAD = Math.floor(MBI_SPACE / 2 ** 32);

/**
 * A 32-bit bijection of the index (murmur3 fmix32 is invertible), spread over the MBI space by a
 * factor that keeps every value below MBI_SPACE: unique MBIs that look unrelated.
 */
function mbiFor(seed: number, index: number): string {
  const v = fmix32((index ^ streamSeed(seed, 0, 102)) >>> 0);
  return mbiOf(v * MBI_SPREAD);
}

function memberIdOf(seed: number, index: number): string {
  const off = streamSeed(seed, 0, 103) % MEMBER_SPACE;
  return 'EXH' + String((index * 7_368_787 + off) % MEMBER_SPACE).padStart(9, '0');
}

// ---------------------------------------------------------------------------------------------

/** A visit planned before records exist (dx and extra lines are added by scenarios). */
interface Visit {
  day: number;
  provider: Provider;
  /** E&M (or AWV) code; null for a nurse visit (vitals only, nothing billed). */
  code: Code | null;
  kind: 'office' | 'nurse' | 'ed';
  /** Diagnoses added by scenarios (besides the chronic ones). */
  dx: Code[];
  /** CPT II lines billed with the visit. */
  lines: Code[];
  /** Vitals taken at the visit (sent as an ORU with the visit's PV1). */
  orders: Hl7Order[];
}

const CODES_BY_ALLOWED = { 57: CPT.office2, 92: CPT.office3, 131: CPT.office4, 184: CPT.office5 } as const;

/** Scenario draw weights of a group, as a table the Random can draw from. */
function weightsOf(
  table: Readonly<Record<string, ScenarioDef>>,
  skip: ReadonlySet<string>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(table)) if (!skip.has(k)) out[k] = v.weight;
  return out;
}

class MemberBuilder {
  readonly rng: Random;
  readonly medicare: boolean;
  readonly version: ContractVersion;
  readonly sex: 'F' | 'M';
  readonly age: number;
  readonly person: Person;
  readonly attribution: AttributionScenario;
  readonly exclusion: SynthMember['exclusion'];
  readonly diabetes: boolean;
  readonly hypertension: boolean;
  readonly mbiInHl7: boolean;
  /** I10 appears on visits from this day on (-Infinity: since before any record). */
  htnFrom = -Infinity;
  /** Birthday must not be corrupted (its truth depends on the exact date). */
  stableDob = false;
  deathDay: number | null = null;
  hospiceStart: number | null = null;
  /** Roster enrollment start (commercial roster scenarios). */
  rosterFrom: number | null = null;
  rosterPcp: Provider | null = null;
  home: Provider;
  attributedNpi: Provider | null = null;
  attributed = false;
  /** First claims service date this member can have (payer history, or enrollment start). */
  claimsFrom: number;
  lastClaimDay: number;
  lastHl7Day: number;
  readonly visits: Visit[] = [];
  readonly extra: SynthRecord[] = [];
  readonly scenarios: Record<string, string> = {};
  private seq = 0;

  constructor(
    readonly cal: Calendar,
    readonly seed: number,
    readonly index: number,
  ) {
    const rng = (this.rng = new Random(streamSeed(seed, index, 1)));
    this.medicare = rng.chance(0.6);
    this.version = activeVersion(this.medicare ? MSSP_CONTRACT : COMMERCIAL_CONTRACT, cal.asOf);
    this.attribution = rng.weighted(
      (this.medicare ? MEDICARE_ATTRIBUTION : COMMERCIAL_ATTRIBUTION) as Record<AttributionScenario, number>,
    );
    const exclusion = this.medicare
      ? rng.weighted({ none: 94, hospice: 2.5, deceased: 1.5, 'palliative-care': 2 })
      : rng.weighted({ none: 97.8, deceased: 0.8, 'palliative-care': 1.4 });
    this.exclusion = exclusion === 'none' ? null : exclusion;
    this.sex = rng.chance(0.56) ? 'F' : 'M';
    this.age = this.drawAge();
    const birthYear = cal.year - this.age;
    const birthMonth = rng.between(1, 12);
    const birthDate = iso(
      day(`${birthYear}-${String(birthMonth).padStart(2, '0')}-01`) +
        rng.int(daysInMonth(birthYear, birthMonth)),
    );
    this.person = makePerson(rng, this.sex, birthDate);
    const adult = this.age >= 18;
    this.diabetes = adult && rng.chance(this.medicare ? 0.3 : this.age >= 40 ? 0.16 : 0.06);
    this.hypertension = adult && rng.chance(this.medicare ? 0.55 : this.age >= 40 ? 0.3 : 0.1);
    this.mbiInHl7 = this.medicare && rng.chance(0.7);
    this.home = OUR_PCPS[0]!;
    this.claimsFrom = cal.claimsHorizon;
    this.lastClaimDay = cal.claimsCutoff;
    this.lastHl7Day = cal.hl7End;
  }

  /** Age at mp-end: a base distribution plus spikes on every measure's band edges. */
  private drawAge(): number {
    const rng = this.rng;
    if (this.medicare) {
      if (rng.chance(0.35)) return rng.pick([65, 66, 74, 75, 76, 85, 86, 51, 52]);
      if (rng.chance(0.1)) return rng.between(30, 64); // disability entitlement
      return rng.chance(0.7) ? rng.between(65, 80) : rng.between(81, 95);
    }
    if (rng.chance(0.04)) return rng.between(2, 17);
    if (rng.chance(0.38))
      return rng.pick([17, 18, 23, 24, 29, 30, 31, 32, 33, 34, 44, 45, 46, 51, 52, 63, 64]);
    return rng.between(19, 64);
  }

  nextId(): number {
    return this.seq++;
  }

  // ---- calendar helpers ------------------------------------------------------------------------

  ymd(y: number, m: number, d: number): number {
    return day(`${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
  }

  /** A random day in [lo, hi] not in `avoid`; null when the range is empty or full. */
  freeDay(lo: number, hi: number, avoid: ReadonlySet<number> = this.busyDays()): number | null {
    if (hi < lo) return null;
    for (let i = 0; i < 20; i++) {
      const d = this.rng.between(lo, hi);
      if (!avoid.has(d)) return d;
    }
    for (let d = lo; d <= hi; d++) if (!avoid.has(d)) return d;
    return null;
  }

  busyDays(): Set<number> {
    return new Set(this.visits.map((v) => v.day));
  }

  firstOurVisit(): Visit {
    let best: Visit | undefined;
    for (const v of this.visits)
      if (
        v.provider.ours &&
        v.kind === 'office' &&
        v.day >= this.cal.mpStart &&
        (best === undefined || v.day < best.day)
      )
        best = v;
    if (best === undefined) throw new Error(`member ${this.index}: no office visit with us in the period`);
    return best;
  }

  ourVisitsIn(lo: number, hi: number): Visit[] {
    return this.visits.filter((v) => v.provider.ours && v.kind === 'office' && v.day >= lo && v.day <= hi);
  }

  addVisit(day: number, provider: Provider, code: Code | null, kind: Visit['kind'] = 'office'): Visit {
    const v: Visit = { day, provider, code, kind, dx: [], lines: [], orders: [] };
    this.visits.push(v);
    return v;
  }

  // ---- member-level setup ----------------------------------------------------------------------

  /** Death or hospice dates first: every other record of the member falls before them. */
  setupExclusion(): void {
    const cal = this.cal;
    if (this.exclusion === 'deceased') {
      const lo = this.ymd(cal.year, 4, 15);
      const hi = Math.max(lo, cal.claimsCutoff - 10);
      this.deathDay = this.rng.between(lo, hi);
      this.lastClaimDay = Math.min(this.lastClaimDay, this.deathDay - 1);
      this.lastHl7Day = Math.min(this.lastHl7Day, this.deathDay - 1);
    } else if (this.exclusion === 'hospice') {
      const hi = cal.claimsCutoff - 31;
      const lo = Math.min(this.ymd(cal.year, 6, 1), hi - 30);
      this.hospiceStart = this.rng.between(lo, hi);
      this.lastClaimDay = Math.min(this.lastClaimDay, this.hospiceStart - 1);
      this.lastHl7Day = Math.min(this.lastHl7Day, this.hospiceStart - 1);
    }
  }

  /** Visits that make the attribution come out as the scenario says (see ATTRIBUTION_MEANS). */
  setupAttribution(): void {
    const rng = this.rng;
    const cal = this.cal;
    const y = cal.year;
    const pickOurs = (): Provider => rng.pick(OUR_PCPS);
    const pickOutside = (): Provider => rng.pick(OUTSIDE_PCPS);
    if (this.attribution === 'roster-late-start-within-45-days') this.rosterFrom = this.ymd(y, 2, 5);
    else if (this.attribution === 'roster-enrollment-gap') this.rosterFrom = this.ymd(y, 3, 15);
    if (this.rosterFrom !== null) this.claimsFrom = this.rosterFrom;
    const lo = Math.max(this.ymd(y, 1, 5), this.claimsFrom + 3);
    const hi = this.lastClaimDay;
    const firstHi = Math.min(this.ymd(y, 6, 20), hi);
    /** MP visits: the first with `first` (ours, by June 20), the rest anywhere in the claims range. */
    const mp = (first: Provider, firstCode: Code, rest: [Provider, Code][]): void => {
      this.addVisit(this.freeDay(lo, firstHi) ?? lo, first, firstCode);
      for (const [p, c] of rest) this.addVisit(this.freeDay(lo, hi) ?? hi, p, c);
    };
    const prior = (list: [Provider, Code][]): void => {
      const plo = this.ymd(y - 1, 1, 10);
      const phi = this.ymd(y - 1, 12, 15);
      for (const [p, c] of list) this.addVisit(this.freeDay(plo, phi) ?? plo, p, c);
    };
    const office = (): Code => (rng.chance(0.6) ? CPT.office3 : CPT.office4);
    const times = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);
    switch (this.attribution) {
      case 'mssp-ours': {
        const home = (this.home = pickOurs());
        // At least two visits with `home` (>= $184): more than any single other provider's $92-$131.
        mp(home, office(), [
          [home, office()],
          ...times(rng.between(0, 2), (): [Provider, Code] => [home, office()]),
        ]);
        if (rng.chance(0.35))
          this.addVisit(
            this.freeDay(lo, hi) ?? hi,
            rng.pick(OUR_PCPS.filter((p) => p !== home)),
            CPT.office3,
          );
        if (rng.chance(0.25)) this.addVisit(this.freeDay(lo, hi) ?? hi, pickOutside(), CPT.office3);
        prior(times(rng.between(0, 2), (): [Provider, Code] => [home, office()]));
        this.attributed = true;
        this.attributedNpi = home;
        break;
      }
      case 'mssp-outside': {
        const home = (this.home = pickOutside());
        mp(
          pickOurs(),
          CPT.office3,
          times(rng.between(2, 3), (): [Provider, Code] => [home, CPT.office4]),
        );
        prior(times(rng.between(0, 2), (): [Provider, Code] => [home, office()]));
        this.attributedNpi = home;
        break;
      }
      case 'mssp-outside-more-dollars-fewer-visits': {
        const ours = pickOurs();
        const home = (this.home = pickOutside());
        mp(ours, CODES_BY_ALLOWED[57], [
          [ours, CODES_BY_ALLOWED[57]],
          [ours, CODES_BY_ALLOWED[57]],
          [home, CODES_BY_ALLOWED[184]],
          [home, CODES_BY_ALLOWED[131]],
        ]);
        this.attributedNpi = home;
        break;
      }
      case 'mssp-ours-more-dollars-fewer-visits': {
        const home = (this.home = pickOurs());
        const out = pickOutside();
        mp(home, CODES_BY_ALLOWED[184], [
          [home, CODES_BY_ALLOWED[184]],
          [out, CODES_BY_ALLOWED[57]],
          [out, CODES_BY_ALLOWED[57]],
          [out, CODES_BY_ALLOWED[57]],
        ]);
        this.attributed = true;
        this.attributedNpi = home;
        break;
      }
      case 'mssp-pcp-outside-np-ours': {
        const home = (this.home = pickOutside());
        mp(OUR_NP, CPT.office4, [
          [OUR_NP, CPT.office4],
          [OUR_NP, CPT.office4],
          [home, CPT.office3],
        ]);
        this.attributedNpi = home;
        break;
      }
      case 'roster-ours':
      case 'roster-late-start-within-45-days':
      case 'roster-enrollment-gap': {
        const home = (this.home = this.rosterPcp = rng.pick(OUR_PROVIDERS));
        if (this.rosterFrom === null) {
          this.rosterFrom = this.ymd(y - rng.between(1, 5), rng.between(1, 12), 1);
          prior(times(rng.between(0, 2), (): [Provider, Code] => [home, office()]));
        }
        mp(
          home,
          office(),
          times(rng.between(0, 2), (): [Provider, Code] => [home, office()]),
        );
        this.attributed = true;
        this.attributedNpi = home;
        break;
      }
      case 'roster-outside': {
        const home = (this.home = this.rosterPcp = pickOutside());
        this.rosterFrom = this.ymd(y - rng.between(1, 4), rng.between(1, 12), 1);
        const ours = rng.pick(OUR_PROVIDERS);
        mp(ours, office(), [[home, office()]]);
        prior([
          [ours, office()],
          [ours, office()],
        ]);
        this.attributedNpi = home;
        break;
      }
      case 'no-roster-claims-ours': {
        const home = (this.home = rng.pick(OUR_PROVIDERS));
        mp(
          home,
          office(),
          times(rng.between(0, 2), (): [Provider, Code] => [home, office()]),
        );
        prior([
          ...times(rng.between(2, 3), (): [Provider, Code] => [home, office()]),
          ...times(rng.between(0, 1), (): [Provider, Code] => [pickOutside(), office()]),
        ]);
        this.attributed = true;
        this.attributedNpi = home;
        break;
      }
      case 'no-roster-claims-outside': {
        const home = (this.home = pickOutside());
        const ours = rng.pick(OUR_PROVIDERS);
        mp(ours, office(), [[home, office()]]);
        prior([
          [home, office()],
          [home, office()],
          [home, office()],
          [ours, office()],
        ]);
        this.attributedNpi = home;
        break;
      }
      case 'no-roster-no-prior-visits': {
        const home = (this.home = rng.pick(OUR_PROVIDERS));
        mp(home, office(), [[home, office()]]);
        break;
      }
    }
  }

  /** Diagnoses every visit carries: the member's chronic conditions, else an everyday complaint. */
  chronicDx(visitDay: number): Code[] {
    const out: Code[] = [];
    if (this.hypertension && visitDay >= this.htnFrom) out.push(DX.hypertension);
    if (this.diabetes) out.push(DX.diabetes);
    return out;
  }

  // ---- evidence helpers ------------------------------------------------------------------------

  /** A professional claim for one procedure by an outside provider (claims-only evidence). */
  procedureClaim(provider: Provider, code: Code, d: number, dx: Code, pos: string): void {
    const date = iso(d);
    const claim: ProfessionalClaim = {
      type: 'claim',
      kind: 'professional',
      claimId: this.claimId(),
      provider,
      from: date,
      thru: date,
      dx: [dx, ...this.chronicDx(d)],
      lines: [this.line(code, date, pos, [1])],
    };
    this.extra.push(claim);
  }

  line(code: Code, date: string, pos: string, dxPointers: number[]): ClaimLine {
    return {
      code,
      date,
      pos,
      allowed: MEDICARE_ALLOWED[code.code] ?? 0,
      charge: COMMERCIAL_CHARGE[code.code] ?? 0,
      dxPointers,
    };
  }

  claimId(): string {
    // 13 digits (CCLF CUR_CLM_UNIQ_ID): member index and a per-member sequence.
    return String(1_000_000_000_000 + this.index * 1000 + this.nextId());
  }

  controlId(): string {
    return `NC${this.index.toString(36).toUpperCase().padStart(5, '0')}${this.nextId().toString(36).toUpperCase().padStart(3, '0')}`;
  }

  /** Time of day HH:MM between 07:30 and 16:30 local (never near midnight: dates stay the same in UTC). */
  time(): string {
    const minutes = 450 + this.rng.int(540);
    return `${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
  }

  later(t: string, minutes: number): string {
    const m = Math.min(Number(t.slice(0, 2)) * 60 + Number(t.slice(2)) + minutes, 17 * 60 + 30);
    return `${String(Math.floor(m / 60)).padStart(2, '0')}${String(m % 60).padStart(2, '0')}`;
  }

  /** This member's demographics as one HL7 message sends them (4% carry a corruption). */
  hl7Demo(): Demographics {
    return observe(this.rng, this.person, 0.04, this.stableDob).demo;
  }

  hl7(
    trigger: Hl7Record['trigger'],
    d: number,
    time: string,
    parts: Partial<Pick<Hl7Record, 'visit' | 'diagnoses' | 'procedures' | 'orders' | 'deathDate'>>,
  ): Hl7Record {
    return {
      type: 'hl7',
      trigger,
      controlId: this.controlId(),
      date: iso(d),
      time,
      // Filled in build(), once every scenario has said whether the birthday must stay exact.
      demo: this.person,
      withMbi: this.mbiInHl7,
      visit: parts.visit ?? null,
      diagnoses: parts.diagnoses ?? [],
      procedures: parts.procedures ?? [],
      orders: parts.orders ?? [],
      deathDate: parts.deathDate ?? null,
      coverage: !this.medicare && trigger === 'ADT^A04',
    };
  }

  order(
    service: Code,
    section: string,
    d: number,
    time: string,
    results: Hl7Result[],
    status: 'F' | 'C' = 'F',
  ): Hl7Order {
    const n = this.nextId();
    return {
      placer: `P${this.index}-${n}`,
      filler: `F${this.index}-${n}`,
      service,
      section,
      date: iso(d),
      time,
      ordering: this.home.ours ? this.home : OUR_PCPS[0]!,
      status,
      results,
    };
  }

  /** An ORU with one order, sent `sentDay` (default: the collection day, a little later). */
  resultMessage(order: Hl7Order, sentDay?: number): void {
    const d = day(order.date);
    const sent = sentDay ?? d;
    const time = sent === d ? this.later(order.time, 30 + this.rng.int(120)) : this.time();
    this.extra.push(this.hl7('ORU^R01', sent, time, { orders: [order] }));
  }

  /** When EMR history (a result or procedure dated `d`) reaches the feed: at `d`, or at the first visit of the period when `d` is older than the feed. */
  historySentDay(d: number): number {
    const first = this.firstOurVisit().day;
    return d >= this.cal.claimsHorizon ? Math.min(d + 1, this.lastHl7Day) : first;
  }

  /** An ADT^A08 (update) carrying history: PR1 procedures and DG1 diagnoses dated in the past. */
  historyUpdate(d: number, procedures: Hl7Procedure[], dx: Code[] = []): void {
    const sent = this.historySentDay(d);
    this.extra.push(
      this.hl7('ADT^A08', sent, this.time(), {
        procedures,
        diagnoses: dx.map((code) => ({ code, date: iso(d) })),
      }),
    );
  }

  numeric(
    code: Code,
    value: number,
    unit: string,
    range: string | null,
    high: number | null,
    status: 'F' | 'C' = 'F',
  ): Hl7Result {
    return {
      code,
      valueType: 'NM',
      value: value.toFixed(code === LOINC.a1c ? 1 : 0),
      unit,
      range,
      flag: high !== null && value > high ? 'H' : null,
      status,
    };
  }

  coded(code: Code, answer: Code | null): Hl7Result {
    return {
      code,
      valueType: 'CWE',
      value: answer === null ? null : `${answer.code}^${answer.display}^SCT`,
      unit: null,
      range: null,
      flag: null,
      status: 'F',
    };
  }

  a1c(value: number | null, status: 'F' | 'C' = 'F'): Hl7Result {
    if (value === null)
      return {
        code: LOINC.a1c,
        valueType: 'NM',
        value: null,
        unit: '%',
        range: '4.0-5.6',
        flag: null,
        status,
      };
    return this.numeric(LOINC.a1c, value, '%', '4.0-5.6', 5.6, status);
  }

  /** An outpatient day for vitals in [lo, hi]: an office visit with us already there, or a nurse visit. */
  outpatientDay(lo: number, hi: number, avoid: ReadonlySet<number>): Visit | null {
    const existing = this.ourVisitsIn(lo, hi).filter((v) => !avoid.has(v.day) && v.orders.length === 0);
    if (existing.length > 0 && this.rng.chance(0.6)) return this.rng.pick(existing);
    const d = this.freeDay(lo, hi, new Set([...this.busyDays(), ...avoid]));
    if (d === null) return existing.length > 0 ? this.rng.pick(existing) : null;
    const v = this.addVisit(d, this.home.ours ? this.home : OUR_PCPS[0]!, null, 'nurse');
    return v;
  }

  bpOrder(v: Visit, sys: number, dia: number, minutesAfter = 10): void {
    const time = this.later(this.visitTime(v), minutesAfter);
    v.orders.push(
      this.order(LOINC.bpPanel, 'VS', v.day, time, [
        this.numeric(LOINC.systolic, sys, 'mm[Hg]', null, null),
        this.numeric(LOINC.diastolic, dia, 'mm[Hg]', null, null),
      ]),
    );
  }

  private readonly visitTimes = new Map<Visit, string>();
  visitTime(v: Visit): string {
    let t = this.visitTimes.get(v);
    if (t === undefined) {
      t = this.time();
      if (t > '1530') t = '1530';
      this.visitTimes.set(v, t);
    }
    return t;
  }

  /** An ED visit (PV1-2 E) on a day without other visits; claim 99284 at POS 23 when in the claims range. */
  edVisit(lo: number, hi: number): Visit | null {
    const d = this.freeDay(lo, hi);
    if (d === null) return null;
    const v = this.addVisit(d, OUTSIDE_ED, CPT.ed, 'ed');
    v.dx.push(DX.injury);
    return v;
  }

  controlled(): [number, number] {
    return [this.rng.between(108, 136), this.rng.between(62, 86)];
  }

  uncontrolled(): [number, number] {
    return this.rng.chance(0.5)
      ? [this.rng.between(142, 178), this.rng.between(76, 98)]
      : [this.rng.between(124, 138), this.rng.between(91, 104)];
  }

  // ---- scenario builders: return false (having changed nothing) when not feasible --------------

  buildGroup(group: GroupId, scenario: string): boolean {
    switch (group) {
      case 'breast':
        return this.breast(scenario);
      case 'colorectal':
        return this.colorectal(scenario);
      case 'diabetes':
        return this.diabetesScenario(scenario);
      case 'bp':
        return this.bp(scenario);
      case 'cervical':
        return this.cervical(scenario);
      case 'awv':
        return this.awv(scenario);
    }
  }

  private claimsRange(): [number, number] {
    return [Math.max(this.claimsFrom, this.cal.claimsHorizon), this.lastClaimDay];
  }

  private mpHl7Range(): [number, number] {
    return [this.cal.mpStart + 9, this.lastHl7Day];
  }

  /** HL7-only days inside the period: after the claims run-out. */
  private lagRange(): [number, number] {
    return [Math.max(this.cal.claimsCutoff + 1, this.cal.mpStart), this.lastHl7Day];
  }

  private mammographyHl7(d: number): void {
    const t = this.time();
    const report: Hl7Result = {
      code: LOINC.radiologyReport,
      valueType: 'TX',
      value: 'BI-RADS 1: Negative. Routine screening mammogram in 12 months.',
      unit: null,
      range: null,
      flag: null,
      status: 'F',
    };
    const order = this.order(LOINC.mammography, 'MG', d, t, [report]);
    order.ordering = this.home.ours ? this.home : OUR_PCPS[0]!;
    this.resultMessage(order, d >= this.cal.claimsHorizon ? d : this.historySentDay(d));
    this.historyUpdate(d, [{ code: CPT.mammogram, system: 'C4', date: iso(d) }], [DX.screenBreast]);
  }

  private breast(s: string): boolean {
    const y = this.cal.year;
    const [clo, chi] = this.claimsRange();
    switch (s) {
      case 'mammo-claims-in-window': {
        if (chi < clo) return false;
        this.procedureClaim(
          OUTSIDE_RADIOLOGY,
          CPT.mammogram,
          this.rng.between(clo, chi),
          DX.screenBreast,
          '22',
        );
        return true;
      }
      case 'mammo-hl7-in-window': {
        const [llo, lhi] = this.lagRange();
        const useLag = lhi >= llo && this.rng.chance(0.5);
        const d = useLag
          ? this.rng.between(llo, lhi)
          : this.rng.between(this.ymd(y - 2, 10, 2), this.ymd(y - 2, 12, 31));
        this.mammographyHl7(d);
        return true;
      }
      case 'mammo-window-start':
        this.mammographyHl7(this.ymd(y - 2, 10, 1));
        return true;
      case 'mammo-before-window':
        this.mammographyHl7(this.ymd(y - 2, 9, 30));
        return true;
      case 'mammo-none':
        return true;
      case 'bilateral-mastectomy':
        this.firstOurVisit().dx.push(DX.bilateralMastectomy);
        return true;
      case 'unilateral-left-and-right':
        this.historyUpdate(this.ymd(y - 4, this.rng.between(1, 12), 15), [], [DX.leftMastectomy]);
        this.firstOurVisit().dx.push(DX.rightMastectomy);
        return true;
      case 'unilateral-only':
        this.firstOurVisit().dx.push(DX.leftMastectomy);
        return true;
      default:
        throw new Error(`unknown breast scenario ${s}`);
    }
  }

  private colonoscopyHl7(d: number, code: Code = CPT.colonoscopy): void {
    this.historyUpdate(
      d,
      [{ code, system: 'C4', date: iso(d) }],
      code === CPT.colonoscopy ? [DX.screenColon] : [],
    );
  }

  private stoolTest(code: Code, d: number, answer: Code | null): void {
    const order = this.order(code, 'CH', d, this.time(), [this.coded(code, answer)]);
    this.resultMessage(order, d >= this.cal.mpStart ? d : this.historySentDay(d));
  }

  private colorectal(s: string): boolean {
    const y = this.cal.year;
    const [clo, chi] = this.claimsRange();
    const [hlo, hhi] = this.mpHl7Range();
    switch (s) {
      case 'colonoscopy-claims':
        if (chi < clo) return false;
        this.procedureClaim(OUTSIDE_GI, CPT.colonoscopy, this.rng.between(clo, chi), DX.screenColon, '24');
        return true;
      case 'colonoscopy-hl7-history':
        this.colonoscopyHl7(this.rng.between(this.ymd(y - 8, 6, 1), this.ymd(y - 2, 12, 31)));
        return true;
      case 'colonoscopy-window-start':
        this.colonoscopyHl7(this.ymd(y - 9, 1, 1));
        return true;
      case 'colonoscopy-before-window':
        this.colonoscopyHl7(this.ymd(y - 10, 12, 31));
        return true;
      case 'fit-in-period':
        if (hhi < hlo) return false;
        this.stoolTest(LOINC.fit, this.rng.between(hlo, hhi), ANSWER.negative);
        return true;
      case 'fit-prior-year':
        this.stoolTest(
          LOINC.fit,
          this.rng.between(this.ymd(y - 1, 2, 1), this.ymd(y - 1, 12, 15)),
          ANSWER.negative,
        );
        return true;
      case 'fit-no-result':
        if (hhi < hlo) return false;
        this.stoolTest(LOINC.fit, this.rng.between(hlo, hhi), null);
        return true;
      case 'sdna-fit-in-window':
        this.stoolTest(
          LOINC.sdnaFit,
          this.rng.between(this.ymd(y - 2, 2, 1), this.ymd(y - 1, 10, 31)),
          ANSWER.negative,
        );
        return true;
      case 'colorectal-none':
        return true;
      case 'colorectal-cancer':
        this.firstOurVisit().dx.push(DX.colonCancer);
        return true;
      case 'total-colectomy':
        this.colonoscopyHl7(this.rng.between(this.ymd(y - 5, 1, 15), this.ymd(y - 5, 12, 15)), CPT.colectomy);
        return true;
      default:
        throw new Error(`unknown colorectal scenario ${s}`);
    }
  }

  /** `n` lab days in [lo, hi], at least `gap` days apart, ascending; null when they do not fit. */
  private labDays(n: number, lo: number, hi: number, gap: number): number[] | null {
    if (hi - lo < (n - 1) * gap) return null;
    const out: number[] = [];
    let start = lo;
    for (let k = 0; k < n; k++) {
      const room = hi - (n - 1 - k) * gap;
      const d = this.rng.between(start, room);
      out.push(d);
      start = d + gap;
    }
    return out;
  }

  private a1cResult(d: number, value: number | null): void {
    this.resultMessage(this.order(LOINC.a1c, 'HM', d, this.time(), [this.a1c(value)]));
  }

  private diabetesScenario(s: string): boolean {
    const y = this.cal.year;
    const [lo, hi] = this.mpHl7Range();
    const tenth = (a: number, b: number): number => this.rng.between(a * 10, b * 10) / 10;
    const one = (value: number | null): boolean => {
      const d = this.labDays(1, lo, hi, 0);
      if (d === null) return false;
      this.a1cResult(d[0]!, value);
      return true;
    };
    const two = (first: number, second: number): boolean => {
      const d = this.labDays(2, lo, hi, 30);
      if (d === null) return false;
      this.a1cResult(d[0]!, first);
      this.a1cResult(d[1]!, second);
      return true;
    };
    const corrected = (finalValue: number, correctedValue: number): boolean => {
      const d = this.labDays(1, lo, hi - 3, 0);
      if (d === null) return false;
      const time = this.time();
      const final = this.order(LOINC.a1c, 'HM', d[0]!, time, [this.a1c(finalValue)]);
      this.resultMessage(final);
      const fix: Hl7Order = { ...final, status: 'C', results: [this.a1c(correctedValue, 'C')] };
      this.resultMessage(fix, d[0]! + 3);
      return true;
    };
    const cpt2 = (code: Code): boolean => {
      const [clo, chi] = this.claimsRange();
      const v = this.ourVisitsIn(Math.max(clo, this.cal.mpStart), chi);
      if (v.length === 0) return false;
      this.rng.pick(v).lines.push(code);
      return true;
    };
    switch (s) {
      case 'a1c-lt8':
        return one(tenth(5.8, 7.9));
      case 'a1c-8-to-9':
        return one(tenth(8.1, 8.9));
      case 'a1c-gt9':
        return one(tenth(9.1, 12.4));
      case 'a1c-exactly-9':
        return one(9);
      case 'a1c-exactly-8':
        return one(8);
      case 'a1c-missing':
        return true;
      case 'a1c-prior-year-only':
        this.a1cResult(this.rng.between(this.ymd(y - 1, 12, 1), this.ymd(y - 1, 12, 20)), 6.8);
        return true;
      case 'a1c-high-then-low':
        return two(9.8, 7.2);
      case 'a1c-low-then-high':
        return two(7, 9.4);
      case 'a1c-corrected-down':
        return corrected(9.6, 7.4);
      case 'a1c-corrected-up':
        return corrected(7.6, 9.3);
      case 'a1c-cpt2-below-7':
        return cpt2(CPT.a1cBelow7);
      case 'a1c-cpt2-above-9':
        return cpt2(CPT.a1cAbove9);
      case 'a1c-no-value':
        return one(null);
      default:
        throw new Error(`unknown diabetes scenario ${s}`);
    }
  }

  private bp(s: string): boolean {
    const [lo, hi] = this.mpHl7Range();
    const avoid = new Set<number>();
    const outpatient = (from: number, to: number): Visit | null => {
      const v = this.outpatientDay(from, to, avoid);
      if (v !== null) avoid.add(v.day);
      return v;
    };
    const oneDay = (sys: number, dia: number): boolean => {
      const v = outpatient(lo, hi);
      if (v === null) return false;
      this.bpOrder(v, sys, dia);
      return true;
    };
    const twoDays = (a: [number, number], b: [number, number]): boolean => {
      const mid = Math.floor((lo + hi) / 2);
      const v1 = outpatient(lo, mid - 1);
      if (v1 === null) return false;
      const v2 = outpatient(Math.max(mid, v1.day + 1), hi);
      if (v2 === null) return false;
      this.bpOrder(v1, ...a);
      this.bpOrder(v2, ...b);
      return true;
    };
    const cpt2 = (sys: Code, dia: Code): boolean => {
      const [clo, chi] = this.claimsRange();
      const v = this.ourVisitsIn(Math.max(clo, this.cal.mpStart), chi);
      if (v.length === 0) return false;
      const visit = this.rng.pick(v);
      visit.lines.push(sys, dia);
      return true;
    };
    switch (s) {
      case 'bp-controlled':
        return oneDay(...this.controlled());
      case 'bp-uncontrolled':
        return oneDay(...this.uncontrolled());
      case 'bp-systolic-140':
        return oneDay(140, this.rng.between(70, 88));
      case 'bp-139-89':
        return oneDay(139, 89);
      case 'bp-latest-controlled':
        return twoDays(this.uncontrolled(), this.controlled());
      case 'bp-latest-uncontrolled':
        return twoDays(this.controlled(), this.uncontrolled());
      case 'bp-same-day-lowest': {
        const v = outpatient(lo, hi);
        if (v === null) return false;
        this.bpOrder(v, 150, 84, 5);
        this.bpOrder(v, 134, 96, 35);
        return true;
      }
      case 'bp-ed-only': {
        const ed = this.edVisit(lo, hi);
        if (ed === null) return false;
        this.bpOrder(ed, ...this.controlled());
        return true;
      }
      case 'bp-ed-after-controlled': {
        const mid = Math.floor((lo + hi) / 2);
        const v = outpatient(lo, mid - 1);
        if (v === null) return false;
        const ed = this.edVisit(Math.max(mid, v.day + 1), hi);
        if (ed === null) {
          // Undo: the nurse visit (if one was added) stays harmless; the readings are not added.
          return false;
        }
        this.bpOrder(v, ...this.controlled());
        this.bpOrder(ed, ...this.uncontrolled());
        return true;
      }
      case 'bp-cpt2-controlled':
        return cpt2(CPT.sys130, CPT.dia80);
      case 'bp-cpt2-uncontrolled':
        return cpt2(CPT.sys140plus, CPT.dia90plus);
      case 'bp-none':
        return true;
      case 'esrd':
        this.firstOurVisit().dx.push(DX.esrd);
        return true;
      default:
        throw new Error(`unknown bp scenario ${s}`);
    }
  }

  private cervicalResult(code: Code, d: number, answer: Code): void {
    const order = this.order(code, 'CP', d, this.time(), [this.coded(code, answer)]);
    this.resultMessage(order, d >= this.cal.claimsHorizon ? d : this.historySentDay(d));
  }

  private cervical(s: string): boolean {
    const y = this.cal.year;
    const birth = this.person.birthDate;
    const windowStart = this.ymd(y - 4, 1, 1);
    switch (s) {
      case 'cytology-in-window':
        this.cervicalResult(
          LOINC.cytology,
          this.rng.between(this.ymd(y - 2, 1, 15), this.lastHl7Day),
          ANSWER.nilm,
        );
        return true;
      case 'cytology-window-start':
        this.cervicalResult(LOINC.cytology, this.ymd(y - 2, 1, 1), ANSWER.nilm);
        return true;
      case 'cytology-before-window':
        this.cervicalResult(LOINC.cytology, this.ymd(y - 3, 12, 31), ANSWER.nilm);
        return true;
      case 'hpv-30-plus-in-window': {
        // 30th birthday + 1 day at the earliest: a test on the birthday itself would rely on a convention.
        const lo = Math.max(windowStart, day(addYears(birth, 30)) + 1);
        if (lo > this.lastHl7Day) return false;
        this.stableDob = true;
        this.cervicalResult(LOINC.hpv, this.rng.between(lo, this.lastHl7Day), ANSWER.notDetected);
        return true;
      }
      case 'hpv-under-30': {
        // Age 29 at the test: [29th birthday + 1 day, 30th birthday - 2 days], inside the window.
        const lo = Math.max(windowStart, day(addYears(birth, 29)) + 1);
        const hi = Math.min(this.lastHl7Day, day(addYears(birth, 30)) - 2);
        if (hi < lo) return false;
        this.stableDob = true;
        const d = this.rng.between(lo, hi);
        if (ageOn(birth, iso(d)) !== 29) return false;
        this.cervicalResult(LOINC.hpv, d, ANSWER.notDetected);
        return true;
      }
      case 'cervical-none':
        return true;
      case 'hysterectomy':
        this.firstOurVisit().dx.push(DX.noCervix);
        return true;
      default:
        throw new Error(`unknown cervical scenario ${s}`);
    }
  }

  private awv(s: string): boolean {
    const y = this.cal.year;
    const provider = this.home;
    switch (s) {
      case 'awv-claims': {
        const [clo, chi] = this.claimsRange();
        const d = this.freeDay(Math.max(clo, this.cal.mpStart), chi);
        if (d === null) return false;
        this.addVisit(d, provider, CPT.awv);
        return true;
      }
      case 'awv-hl7': {
        const [llo, lhi] = this.lagRange();
        if (!provider.ours) return false;
        const d = this.freeDay(llo, lhi);
        if (d === null) return false;
        this.addVisit(d, provider, CPT.awv);
        return true;
      }
      case 'awv-prior-year': {
        // A Y-1 primary care service counts in the commercial look-back: only where it cannot
        // change who the member is attributed to (the home provider already wins, or the roster decides).
        if (this.attribution === 'no-roster-no-prior-visits' || this.claimsFrom > this.ymd(y - 1, 1, 1))
          return false;
        const d = this.freeDay(this.ymd(y - 1, 1, 10), this.ymd(y - 1, 12, 15));
        if (d === null) return false;
        this.addVisit(d, provider, CPT.awv);
        return true;
      }
      case 'awv-none':
        return true;
      default:
        throw new Error(`unknown awv scenario ${s}`);
    }
  }

  /** The groups this member is eligible for under the active contract version (age, sex, diagnosis). */
  eligibleGroups(): GroupId[] {
    const out: GroupId[] = [];
    for (const m of this.version.measures) {
      if (this.age < m.age.min || this.age > m.age.max) continue;
      if (m.sex !== null && m.sex !== this.sex) continue;
      if (m.needs === 'diabetes' && !this.diabetes) continue;
      if (m.needs === 'hypertension' && !this.hypertension) continue;
      const g = (Object.keys(GROUPS) as GroupId[]).find((k) =>
        (GROUPS[k].measures as readonly MeasureId[]).includes(m.id),
      )!;
      if (!out.includes(g)) out.push(g);
    }
    return out;
  }

  drawScenarios(): void {
    const groups = this.eligibleGroups();
    const excludedGroup = (g: GroupId): boolean =>
      this.exclusion !== null && !(g === 'awv' && this.exclusion === 'palliative-care');
    // Decided before any evidence is built: claims built below copy the chronic diagnoses of their day.
    if (groups.includes('bp') && !excludedGroup('bp') && this.rng.chance(0.05) && this.setHtnAfterJune())
      this.scenarios.bp = 'htn-dx-after-june';
    for (const g of groups) {
      // A member-level exclusion decides every measure (AWV excepted for palliative care): no
      // evidence is built, so an engine that misses the exclusion shows the gap open.
      if (excludedGroup(g)) {
        this.scenarios[g] = this.exclusion!;
        continue;
      }
      if (this.scenarios[g] !== undefined) continue;
      const table = GROUPS[g].table;
      const skip = new Set<string>();
      // hrHPV under 30 is only possible for women about 30-34 at mp-end: draw it more often there.
      const boost = g === 'cervical' && this.age >= 30 && this.age <= 34;
      for (;;) {
        const weights = weightsOf(table, skip);
        if (boost && weights['hpv-under-30'] !== undefined) weights['hpv-under-30'] = 4;
        if (Object.keys(weights).length === 0)
          throw new Error(`member ${this.index}: no feasible ${g} scenario`);
        const s = this.rng.weighted(weights);
        if (this.buildGroup(g, s)) {
          this.scenarios[g] = s;
          break;
        }
        skip.add(s);
      }
    }
  }

  /** CMS165 denominator twist: hypertension first diagnosed after June 30 (on a visit in H2). */
  private setHtnAfterJune(): boolean {
    const y = this.cal.year;
    const lo = this.ymd(y, 7, 5);
    const [, chi] = this.claimsRange();
    const d = this.freeDay(lo, Math.max(chi, Math.min(this.lastHl7Day, lo + 90)));
    if (d === null || d > this.lastHl7Day) return false;
    this.htnFrom = d;
    const provider = this.home.ours ? this.home : this.firstOurVisit().provider;
    // 99212 ($57): small enough never to change who wins an MSSP plurality.
    const v = this.addVisit(d, provider, CPT.office2);
    // A controlled reading: an engine that wrongly counts the member shows it closed, not not-in-denominator.
    this.bpOrder(v, ...this.controlled());
    return true;
  }

  setupDeathAndPalliative(): void {
    if (this.exclusion === 'palliative-care') this.firstOurVisit().dx.push(DX.palliative);
  }

  // ---- records ---------------------------------------------------------------------------------

  claimable(d: number): boolean {
    return d >= this.claimsFrom && d >= this.cal.claimsHorizon && d <= this.lastClaimDay;
  }

  buildRecords(): SynthRecord[] {
    const out: SynthRecord[] = [];
    const visits = [...this.visits].sort((a, b) => a.day - b.day);
    for (const v of visits) {
      const date = iso(v.day);
      const chronic = this.chronicDx(v.day);
      const dx: Code[] = [];
      for (const c of [...v.dx, ...chronic]) if (!dx.includes(c)) dx.push(c);
      if (dx.length === 0) dx.push(ROUTINE_DX[this.rng.int(ROUTINE_DX.length)]!);
      if (v.kind !== 'nurse' && v.code !== null && this.claimable(v.day)) {
        const pos = v.kind === 'ed' ? '23' : '11';
        const pointers = dx.slice(0, 4).map((_, i) => i + 1);
        const lines = [this.line(v.code, date, pos, pointers)];
        for (const c of v.lines) lines.push(this.line(c, date, pos, [1]));
        out.push({
          type: 'claim',
          kind: 'professional',
          claimId: this.claimId(),
          provider: v.provider,
          from: date,
          thru: date,
          dx: dx.slice(0, 12),
          lines,
        });
      }
      const inEmr = v.provider.ours || v.kind === 'ed';
      if (inEmr && v.day <= this.lastHl7Day) {
        const time = this.visitTime(v);
        const visit = {
          patientClass: v.kind === 'ed' ? ('E' as const) : ('O' as const),
          location:
            v.kind === 'ed'
              ? 'ED^BAY4^^NORTHCLINIC'
              : v.kind === 'nurse'
                ? 'NCFM^NURSE^^NORTHCLINIC'
                : 'NCFM^EXAM3^^NORTHCLINIC',
          provider: v.provider,
          number: `V${this.index}-${this.nextId()}`,
          date,
          time,
        };
        const procedures: Hl7Procedure[] =
          v.code !== null && v.kind !== 'ed'
            ? [{ code: v.code, system: /^[A-Z]/.test(v.code.code) ? 'HCPCS' : 'C4', date }]
            : [];
        out.push(
          this.hl7('ADT^A04', v.day, this.later(time, 5), {
            visit,
            diagnoses: dx.map((code) => ({ code, date })),
            procedures,
          }),
        );
        if (v.orders.length > 0) {
          const last = v.orders[v.orders.length - 1]!;
          const msg = this.hl7('ORU^R01', v.day, this.later(last.time, 20), { visit, orders: v.orders });
          out.push(msg);
        }
      }
    }
    return out;
  }

  hospiceClaims(): SynthRecord[] {
    if (this.hospiceStart === null) return [];
    const out: SynthRecord[] = [];
    let from = this.hospiceStart;
    while (from <= this.cal.claimsCutoff) {
      const [y, m] = [Number(iso(from).slice(0, 4)), Number(iso(from).slice(5, 7))];
      const thru = this.ymd(y, m, daysInMonth(y, m));
      if (thru > this.cal.claimsCutoff) break;
      const days = thru - from + 1;
      out.push({
        type: 'claim',
        kind: 'hospice',
        claimId: this.claimId(),
        from: iso(from),
        thru: iso(thru),
        dx: [DX.lungCancer, ...this.chronicDx(from)],
        days,
        payment: days * 218,
      });
      from = thru + 1;
    }
    return out;
  }

  build(): SynthMember {
    this.setupExclusion();
    this.setupAttribution();
    this.setupDeathAndPalliative();
    this.drawScenarios();
    const records: SynthRecord[] = [];
    const rng = this.rng;
    if (this.medicare) {
      const cms = observe(rng, this.person, 0.03, this.stableDob).demo;
      cms.phone = null;
      const esrd = Object.values(this.scenarios).includes('esrd');
      records.push({
        type: 'cclf8',
        demo: cms,
        deathDate: this.deathDay === null ? null : iso(this.deathDay),
        hospice:
          this.hospiceStart === null
            ? null
            : { from: iso(this.hospiceStart), thru: iso(this.cal.claimsCutoff) },
        medicareStatus: (this.age >= 65 ? '1' : '2') + (esrd ? '1' : '0'),
        partABegin:
          this.age >= 65
            ? addYears(this.person.birthDate, 65).slice(0, 8) + '01'
            : `${this.cal.year - 3}-07-01`,
      });
    }
    if (this.rosterPcp !== null && this.rosterFrom !== null) {
      records.push({
        type: 'roster',
        demo: observe(rng, this.person, 0.03, this.stableDob).demo,
        pcp: this.rosterPcp,
        effective: iso(this.rosterFrom),
        term: null,
        product: rng.pick(['PPO', 'PPO', 'HMO', 'EPO']),
      });
    }
    const dated = [...this.buildRecords(), ...this.extra, ...this.hospiceClaims()];
    if (this.deathDay !== null && !this.medicare) {
      // The EMR learns of the death: an A08 with PID-29/30 two days later.
      const sent = Math.min(this.deathDay + 2, this.cal.hl7End);
      dated.push(this.hl7('ADT^A08', sent, this.time(), { deathDate: iso(this.deathDay) }));
    }
    // Plain code-unit order (not localeCompare): the same on every machine.
    dated.sort((a, b) => {
      const ka = sortKey(a);
      const kb = sortKey(b);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    for (const r of dated) if (r.type === 'hl7') r.demo = this.hl7Demo();
    records.push(...dated);
    const member: SynthMember = {
      index: this.index,
      contractId: this.version.contractId,
      contractVersion: this.version.version,
      mrn: mrnOf(this.seed, this.index),
      mbi: this.medicare ? mbiFor(this.seed, this.index) : null,
      memberId: this.medicare ? null : memberIdOf(this.seed, this.index),
      person: this.person,
      age: this.age,
      deathDate: this.deathDay === null ? null : iso(this.deathDay),
      attribution: {
        attributed: this.attributed,
        npi: this.attributedNpi?.npi ?? null,
        tin: this.attributedNpi?.tin ?? null,
        scenario: this.attribution,
      },
      exclusion: this.exclusion,
      diabetes: this.diabetes,
      hypertension: this.hypertension,
      scenarios: this.scenarios,
      gaps: [],
      records,
      events: [],
    };
    member.gaps = truthOf(member, this.version, this.htnFrom, this.cal);
    member.events = eventsOf(member);
    return member;
  }
}

function sortKey(r: SynthRecord): string {
  switch (r.type) {
    case 'hl7':
      return `${r.date}T${r.time}`;
    case 'claim':
      return `${r.from}T9999`;
    case 'roster':
    case 'cclf8':
      return '0';
  }
}

/**
 * Expected status of every measure of the member's contract version, in the order the truth
 * applies the rules: attribution, enrollment, age/sex, qualifying diagnosis, member-level
 * exclusions, then the group scenario.
 */
export function truthOf(
  m: SynthMember,
  version: ContractVersion,
  htnFrom: number,
  cal: Calendar,
): TruthGap[] {
  const out: TruthGap[] = [];
  const june30 = day(`${cal.year}-06-30`);
  const nid = (measureId: MeasureId, scenario: string): void => {
    out.push({ measureId, status: 'not-in-denominator', scenario });
  };
  for (const p of version.measures) {
    if (!m.attribution.attributed) {
      nid(p.id, 'not-attributed');
      continue;
    }
    if (version.requireEnrollment) {
      if (m.attribution.scenario.startsWith('no-roster-')) {
        nid(p.id, 'no-roster-enrollment');
        continue;
      }
      if (m.attribution.scenario === 'roster-enrollment-gap') {
        nid(p.id, 'enrollment-gap-73-days');
        continue;
      }
    }
    if (m.age < p.age.min || m.age > p.age.max) {
      nid(p.id, `age-${m.age}-outside-${p.age.min}-${p.age.max}`);
      continue;
    }
    if (p.sex !== null && m.person.sex !== p.sex) {
      nid(p.id, `sex-${m.person.sex}`);
      continue;
    }
    if (p.needs === 'diabetes' && !m.diabetes) {
      nid(p.id, 'no-diabetes');
      continue;
    }
    if (p.needs === 'hypertension') {
      if (!m.hypertension) {
        nid(p.id, 'no-hypertension');
        continue;
      }
      if (htnFrom > june30) {
        nid(p.id, 'htn-dx-after-june');
        continue;
      }
    }
    const excl = m.exclusion;
    if (
      (excl === 'hospice' && p.hospice) ||
      (excl === 'deceased' && p.deceased) ||
      (excl === 'palliative-care' && p.palliative)
    ) {
      out.push({ measureId: p.id, status: 'excluded', scenario: excl });
      continue;
    }
    const g = (Object.keys(GROUPS) as GroupId[]).find((k) =>
      (GROUPS[k].measures as readonly MeasureId[]).includes(p.id),
    )!;
    const s = m.scenarios[g];
    if (s === undefined) throw new Error(`member ${m.index}: no ${g} scenario for ${p.id}`);
    const def = GROUPS[g].table[s];
    const status: GapStatus | undefined = def?.status[p.id];
    if (status === undefined) throw new Error(`member ${m.index}: scenario ${s} says nothing about ${p.id}`);
    out.push({ measureId: p.id, status, scenario: s });
  }
  return out;
}

/** Build member `index` of a run (the same member whatever else is generated). */
export function buildMember(cal: Calendar, seed: number, index: number): SynthMember {
  return new MemberBuilder(cal, seed, index).build();
}

/**
 * The population as a lazy sequence of members with their records and events: nothing is held
 * beyond the current member, so a benchmark can draw millions.
 */
export function* generateMembers(options: GenerateOptions): Generator<SynthMember> {
  const o = resolveOptions(options);
  const cal = calendarOf(o);
  for (let i = 0; i < o.members; i++) yield buildMember(cal, o.seed, i);
}
