/**
 * The truth against two independent references:
 * - contracts/*.yaml: the hand-kept contract and measure table (contracts.ts) must say what the
 *   YAML says (measure lists, versions, effective dates, overrides, age bands, sex, exclusions);
 * - a small test-side evaluator that recomputes attribution and every gap status from the
 *   member's events alone (not from the scenario bookkeeping), with the windows of
 *   contracts/measures/*.yaml. Agreement on 2,000 members shows each scenario builds exactly the
 *   evidence its name says and nothing else a measure reads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { GapStatus } from '../../processors/contracts/types.ts';
import {
  activeVersion,
  COMMERCIAL_CONTRACT,
  CONTRACT_VERSIONS,
  MEASURES,
  MSSP_CONTRACT,
  type MeasureId,
} from './contracts.ts';
import { addYears, ageOn, day, iso } from './dates.ts';
import { generateMembers } from './member.ts';
import { OUR_PROVIDERS, OUR_TIN } from './providers.ts';
import type { CodeEvent, ResultEvent, SynthEvent, SynthMember } from './types.ts';

const ROOT = join(import.meta.dirname, '../..');

interface YamlVersion {
  version: string;
  extends?: string;
  effective: { from: string; to: string | null };
  requireEnrollment?: boolean;
  providers?: { tins: string[]; npis: string[] };
  measures: {
    id: string;
    version: string;
    overrides?: { population?: { age?: { min: number; max: number } } };
  }[];
}

function contractYaml(id: string): { versions: YamlVersion[] } {
  return parseYaml(readFileSync(join(ROOT, 'contracts', `${id}.yaml`), 'utf8')) as {
    versions: YamlVersion[];
  };
}

describe('contracts.ts restates contracts/*.yaml', () => {
  it('has the same versions, dates, enrollment rule, measure lists and overrides', () => {
    for (const id of [MSSP_CONTRACT, COMMERCIAL_CONTRACT]) {
      const yaml = contractYaml(id);
      const ours = CONTRACT_VERSIONS.filter((v) => v.contractId === id);
      expect(ours.map((v) => v.version)).toEqual(yaml.versions.map((v) => v.version));
      for (const v of yaml.versions) {
        const base = v.extends === undefined ? undefined : yaml.versions.find((b) => b.version === v.extends);
        const mine = ours.find((o) => o.version === v.version)!;
        expect(mine.from).toBe(v.effective.from);
        expect(mine.to).toBe(v.effective.to);
        expect(mine.requireEnrollment).toBe(v.requireEnrollment ?? base?.requireEnrollment);
        expect(mine.measures.map((m) => m.id)).toEqual(v.measures.map((m) => m.id));
        for (const m of v.measures) {
          const band = m.overrides?.population?.age ?? MEASURES[m.id as MeasureId].age;
          expect(mine.measures.find((x) => x.id === m.id)!.age).toEqual({ min: band.min, max: band.max });
        }
        // Our NPIs and TIN are the contract's.
        const providers = v.providers ?? base?.providers;
        expect(providers?.tins).toEqual([OUR_TIN]);
        expect([...(providers?.npis ?? [])].sort()).toEqual(OUR_PROVIDERS.map((p) => p.npi).sort());
      }
    }
  });

  it('has each measure population and shared exclusions as contracts/measures/*.yaml', () => {
    for (const m of Object.values(MEASURES)) {
      const yaml = parseYaml(readFileSync(join(ROOT, 'contracts', 'measures', `${m.id}.yaml`), 'utf8')) as {
        population: { age: { min: number; max: number; at: string }; sex?: string; qualifying?: unknown };
        exclusions: { ref?: string }[];
      };
      expect(yaml.population.age.at).toBe('mp-end');
      expect(m.age).toEqual({ min: yaml.population.age.min, max: yaml.population.age.max });
      expect(m.sex).toBe(yaml.population.sex ?? null);
      const q = JSON.stringify(yaml.population.qualifying ?? {});
      expect(m.needs).toBe(
        q.includes('diabetes') ? 'diabetes' : q.includes('essential-hypertension') ? 'hypertension' : null,
      );
      const refs = yaml.exclusions.map((e) => e.ref).filter((r) => r !== undefined);
      expect(m.hospice).toBe(refs.includes('hospice'));
      expect(m.palliative).toBe(refs.includes('palliative-care'));
      expect(m.deceased).toBe(refs.includes('deceased'));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The test-side evaluator.

const Y = 2026;
const AS_OF = '2026-11-25';
const MP_START = `${Y}-01-01`;
const MP_END = `${Y}-12-31`;
const OUR_NPIS = new Set(OUR_PROVIDERS.map((p) => p.npi));
const PCP_SPECIALTIES = new Set(['01', '08', '11', '38']);
const CPT2_A1C: Record<string, number> = { '3044F': 6.5, '3051F': 7.5, '3052F': 8.5, '3046F': 9.5 };
const CPT2_SYS: Record<string, number> = { '3074F': 125, '3075F': 135, '3077F': 145 };
const CPT2_DIA: Record<string, number> = { '3078F': 75, '3079F': 85, '3080F': 95 };

const inRange = (d: string, from: string, to: string): boolean => d >= from && d <= to;

function codes(ev: readonly SynthEvent[]): CodeEvent[] {
  return ev.filter((e): e is CodeEvent => e.kind === 'code');
}
function results(ev: readonly SynthEvent[], code: string): ResultEvent[] {
  // A correction replaces the result with the same key: keep the latest recorded per key.
  const byKey = new Map<string, ResultEvent>();
  for (const e of ev)
    if (e.kind === 'result' && e.code === code) {
      const prev = byKey.get(e.key);
      if (prev === undefined || e.recordedAt > prev.recordedAt) byKey.set(e.key, e);
    }
  return [...byKey.values()];
}
function has(ev: readonly SynthEvent[], code: string, from = '0000-01-01', to = MP_END): boolean {
  return codes(ev).some((e) => e.code === code && inRange(e.date, from, to));
}

/** Plurality with a strict winner: returns the winning key, or null when nobody has any. */
function plurality(amounts: Map<string, number>): string | null {
  let best: string | null = null;
  let top = -1;
  let tie = false;
  for (const [k, v] of amounts) {
    if (v > top) {
      best = k;
      top = v;
      tie = false;
    } else if (v === top) tie = true;
  }
  expect(tie, 'attribution is constructed without ties').toBe(false);
  return best;
}

function attribution(m: SynthMember): { attributed: boolean; npi: string | null } {
  const visits = m.events.filter((e) => e.kind === 'visit');
  if (m.contractId === MSSP_CONTRACT) {
    const inMp = visits.filter((v) => inRange(v.date, MP_START, MP_END));
    const step1 = inMp.filter((v) => v.specialty !== null && PCP_SPECIALTIES.has(v.specialty));
    const pool = step1.length > 0 ? step1 : inMp;
    const byTin = new Map<string, number>();
    for (const v of pool) byTin.set(v.tin, (byTin.get(v.tin) ?? 0) + v.amount);
    const tin = plurality(byTin);
    if (tin === null) return { attributed: false, npi: null };
    const byNpi = new Map<string, number>();
    for (const v of pool) if (v.tin === tin) byNpi.set(v.npi, (byNpi.get(v.npi) ?? 0) + v.amount);
    return { attributed: tin === OUR_TIN, npi: plurality(byNpi) };
  }
  const roster = m.events.find((e) => e.kind === 'enrollment');
  if (roster !== undefined) return { attributed: OUR_NPIS.has(roster.pcpNpi), npi: roster.pcpNpi };
  const byNpi = new Map<string, number>();
  for (const v of visits)
    if (inRange(v.date, `${Y - 1}-01-01`, `${Y - 1}-12-31`)) byNpi.set(v.npi, (byNpi.get(v.npi) ?? 0) + 1);
  const npi = plurality(byNpi);
  return { attributed: npi !== null && OUR_NPIS.has(npi), npi };
}

function evaluate(m: SynthMember, id: MeasureId, asOf: string): GapStatus {
  const version = activeVersion(m.contractId, asOf);
  const pop = version.measures.find((x) => x.id === id)!;
  const ev = m.events;
  const a = attribution(m);
  if (!a.attributed) return 'not-in-denominator';
  if (version.requireEnrollment) {
    const roster = ev.find((e) => e.kind === 'enrollment');
    if (roster === undefined) return 'not-in-denominator';
    const gapDays = (Date.parse(roster.start) - Date.parse(MP_START)) / 86_400_000;
    if (gapDays > 45) return 'not-in-denominator';
  }
  const age = ageOn(m.person.birthDate, MP_END);
  if (age < pop.age.min || age > pop.age.max) return 'not-in-denominator';
  if (pop.sex !== null && m.person.sex !== pop.sex) return 'not-in-denominator';
  if (pop.needs === 'diabetes' && !has(ev, 'E119')) return 'not-in-denominator';
  if (pop.needs === 'hypertension' && !has(ev, 'I10', '0000-01-01', `${Y}-06-30`))
    return 'not-in-denominator';
  // Qualifying encounter: an office visit in the period (always present by construction).
  expect(codes(ev).some((e) => /^9921[2-5]$/.test(e.code) && inRange(e.date, MP_START, MP_END))).toBe(true);
  const hospice = codes(ev).some(
    (e) => e.system === 'CLAIMTYPE' && e.code === '50' && inRange(e.date, MP_START, MP_END),
  );
  const deceased = ev.some((e) => e.kind === 'demographics' && e.deathDate !== null && e.deathDate <= MP_END);
  const palliative = has(ev, 'Z515', MP_START);
  if ((pop.hospice && hospice) || (pop.deceased && deceased) || (pop.palliative && palliative))
    return 'excluded';
  switch (id) {
    case 'CMS125': {
      if (has(ev, 'Z9013') || (has(ev, 'Z9012') && has(ev, 'Z9011'))) return 'excluded';
      const from = `${Y - 2}-10-01`;
      return has(ev, '77067', from) || has(ev, '24606-6', from) ? 'closed' : 'open';
    }
    case 'CMS130': {
      if (has(ev, 'C189') || has(ev, '44150')) return 'excluded';
      const fit = results(ev, '29771-3').some((r) => r.text !== null && inRange(r.date, MP_START, MP_END));
      const sdna = results(ev, '77353-1').some(
        (r) => r.text !== null && inRange(r.date, `${Y - 2}-01-01`, MP_END),
      );
      return has(ev, '45378', `${Y - 9}-01-01`) || fit || sdna ? 'closed' : 'open';
    }
    case 'CMS124': {
      if (has(ev, 'Z90710')) return 'excluded';
      const cyto = results(ev, '10524-7').some(
        (r) => r.text !== null && inRange(r.date, `${Y - 2}-01-01`, MP_END),
      );
      const hpv = results(ev, '71431-1').some(
        (r) =>
          r.text !== null &&
          inRange(r.date, `${Y - 4}-01-01`, MP_END) &&
          ageOn(m.person.birthDate, r.date) >= 30,
      );
      return cyto || hpv ? 'closed' : 'open';
    }
    case 'CMS122':
    case 'CMS122-LT8': {
      const all: { date: string; value: number | null }[] = results(ev, '4548-4')
        .filter((r) => inRange(r.date, MP_START, MP_END))
        .map((r) => ({ date: r.date, value: r.value }));
      for (const c of codes(ev))
        if (CPT2_A1C[c.code] !== undefined && inRange(c.date, MP_START, MP_END))
          all.push({ date: c.date, value: CPT2_A1C[c.code]! });
      all.sort((x, y) => (x.date < y.date ? -1 : 1));
      const latest = all[all.length - 1];
      if (all.length > 1) expect(all[all.length - 2]!.date).not.toBe(latest!.date);
      const v = latest?.value ?? null;
      if (id === 'CMS122') return v === null || v > 9 ? 'open' : 'closed';
      return v !== null && v < 8 ? 'closed' : 'open';
    }
    case 'CMS165': {
      if (has(ev, 'N186')) return 'excluded';
      const edDays = new Set(
        codes(ev)
          .filter(
            (e) => (e.system === 'PATIENTCLASS' && e.code === 'E') || (e.system === 'POS' && e.code === '23'),
          )
          .map((e) => e.date),
      );
      const days = new Map<string, { sys: number[]; dia: number[] }>();
      const day = (d: string): { sys: number[]; dia: number[] } => {
        let x = days.get(d);
        if (x === undefined) days.set(d, (x = { sys: [], dia: [] }));
        return x;
      };
      for (const r of [...results(ev, '8480-6'), ...results(ev, '8462-4')])
        if (inRange(r.date, MP_START, MP_END) && r.value !== null && !edDays.has(r.date))
          day(r.date)[r.code === '8480-6' ? 'sys' : 'dia'].push(r.value);
      for (const c of codes(ev)) {
        if (!inRange(c.date, MP_START, MP_END) || edDays.has(c.date)) continue;
        if (CPT2_SYS[c.code] !== undefined) day(c.date).sys.push(CPT2_SYS[c.code]!);
        if (CPT2_DIA[c.code] !== undefined) day(c.date).dia.push(CPT2_DIA[c.code]!);
      }
      const both = [...days]
        .filter(([, x]) => x.sys.length > 0 && x.dia.length > 0)
        .sort((p, q) => (p[0] < q[0] ? -1 : 1));
      const last = both[both.length - 1];
      if (last === undefined) return 'open';
      return Math.min(...last[1].sys) < 140 && Math.min(...last[1].dia) < 90 ? 'closed' : 'open';
    }
    case 'AWV':
      return has(ev, 'G0439', MP_START) || has(ev, 'G0438', MP_START) || has(ev, 'G0402', MP_START)
        ? 'closed'
        : 'open';
  }
}

describe.each([
  [AS_OF, 2000],
  // Before July: commercial version 2026.1 (no AWV, CMS130 from 46), little time after the run-out.
  ['2026-06-15', 500],
  // After the period: claims and HL7 both reach Dec 31, no HL7-only run-out window.
  ['2027-02-01', 500],
])('truth agrees with an independent evaluation of the events (as of %s, %i members)', (asOf, n) => {
  const members = [...generateMembers({ members: n, seed: 20_260_101, year: Y, asOf })];
  const claimsEnd = iso(Math.min(day(asOf) - 30, day(MP_END)));

  it('attribution: attributed flag and NPI', () => {
    for (const m of members) {
      const a = attribution(m);
      expect({ index: m.index, scenario: m.attribution.scenario, ...a }).toEqual({
        index: m.index,
        scenario: m.attribution.scenario,
        attributed: m.attribution.attributed,
        npi: m.attribution.npi,
      });
      if (m.attribution.attributed) expect(OUR_NPIS.has(m.attribution.npi!)).toBe(true);
      else if (m.attribution.npi !== null) expect(OUR_NPIS.has(m.attribution.npi)).toBe(false);
    }
  });

  it('every gap row: the evaluated status equals the expected one', () => {
    const wrong: string[] = [];
    for (const m of members)
      for (const g of m.gaps) {
        const got = evaluate(m, g.measureId, asOf);
        if (got !== g.status)
          wrong.push(`member ${m.index} ${g.measureId} ${g.scenario}: truth ${g.status}, events say ${got}`);
      }
    expect(wrong.slice(0, 20)).toEqual([]);
  });

  it('each member has one row per measure of its contract version, and nothing else', () => {
    for (const m of members) {
      const version = activeVersion(m.contractId, asOf);
      expect(m.contractVersion).toBe(version.version);
      expect(m.gaps.map((g) => g.measureId)).toEqual(version.measures.map((x) => x.id));
      expect(m.age).toBe(ageOn(m.person.birthDate, MP_END));
    }
  });

  it('nothing is dated after the as-of date; claims end 30 days before it', () => {
    for (const m of members)
      for (const e of m.events) {
        if (e.kind === 'enrollment') continue;
        const d = e.kind === 'demographics' ? (e.deathDate ?? '0000') : e.date;
        expect(d <= asOf).toBe(true);
        if (e.source === 'claims' && e.kind !== 'demographics') expect(d <= claimsEnd).toBe(true);
      }
  });

  it('hrHPV scenarios are exact about the 30th birthday', () => {
    for (const m of members) {
      const s = m.scenarios.cervical;
      if (s !== 'hpv-under-30' && s !== 'hpv-30-plus-in-window') continue;
      const hpv = results(m.events, '71431-1')[0]!;
      const thirty = addYears(m.person.birthDate, 30);
      expect(s === 'hpv-under-30' ? hpv.date < thirty : hpv.date > thirty).toBe(true);
    }
  });
});
