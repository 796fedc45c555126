import { describe, expect, it } from 'vitest';
import {
  SynthFlag,
  synthFlagNames,
  synthIdentities,
  type SynthRecord,
} from '../../bench/support/identity-synth.ts';
import { areNicknames } from '../../processors/identity/nicknames.ts';
import { recordIdOf } from '../../processors/identity/types.ts';

function run(seed: number, persons: number, duplicateRate?: number): SynthRecord[] {
  return [...synthIdentities({ seed, persons, duplicateRate })];
}

const compact = (s: string | null | undefined): string => (s ?? '').toLowerCase().replace(/[^a-z]/g, '');

// One shared sample: 20,000 persons is enough for every corruption kind to show up.
const PERSONS = 20_000;
const sample = run(42, PERSONS);
const originals = new Map<number, SynthRecord>();
for (const r of sample) if ((r.flags & SynthFlag.DUPLICATE) === 0) originals.set(r.truth, r);

describe('synthIdentities', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    expect(run(7, 2000)).toEqual(run(7, 2000));
    expect(JSON.stringify(run(8, 200))).not.toEqual(JSON.stringify(run(7, 200)));
  });

  it('emits every person once as an original, before any later observation of them', () => {
    const seen = new Set<number>();
    for (const r of sample) {
      expect(r.truth).toBeGreaterThanOrEqual(0);
      expect(r.truth).toBeLessThan(PERSONS);
      if ((r.flags & SynthFlag.DUPLICATE) === 0) {
        expect(seen.has(r.truth)).toBe(false);
        seen.add(r.truth);
      } else {
        expect(seen.has(r.truth)).toBe(true);
      }
    }
    expect(seen.size).toBe(PERSONS);
  });

  it('files one person under each identifier (primary and others agree on truth)', () => {
    const owner = new Map<string, number>();
    const claim = (id: string, truth: number) => {
      const prev = owner.get(id);
      if (prev === undefined) owner.set(id, truth);
      else expect(prev).toBe(truth);
    };
    for (const r of sample) {
      claim(recordIdOf(r.input.primary), r.truth);
      for (const o of r.input.others ?? []) claim(recordIdOf(o), r.truth);
    }
  });

  it('matches the configured duplicate rate', () => {
    expect(sample.length / PERSONS).toBeGreaterThan(1.47);
    expect(sample.length / PERSONS).toBeLessThan(1.53);
    expect(run(3, 5000, 0)).toHaveLength(5000);
    const many = run(3, 5000, 2).length / 5000;
    expect(many).toBeGreaterThan(2.9);
    expect(many).toBeLessThan(3.1);
  });

  it('repeats primary ids for some duplicates and carries others on a minority', () => {
    const dups = sample.filter((r) => (r.flags & SynthFlag.DUPLICATE) !== 0);
    const same = dups.filter((r) => (r.flags & SynthFlag.SAME_PRIMARY) !== 0).length / dups.length;
    expect(same).toBeGreaterThan(0.3);
    expect(same).toBeLessThan(0.7);
    const withOthers = sample.filter((r) => r.input.others !== undefined).length / sample.length;
    expect(withOthers).toBeGreaterThan(0.06);
    expect(withOthers).toBeLessThan(0.15);
  });

  it('writes identifiers and demographics in their formats', () => {
    const mbi =
      /^[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y]{2}\d\d$/;
    const formats: Record<string, RegExp> = {
      'MR|CLINIC-A': /^\d{7}$/,
      'MR|CLINIC-B': /^\d{8}$/,
      'MR|CLINIC-C': /^\d{6,8}$/,
      'MB|PAYER-1': /^M\d{9}$/,
      'MBI|CMS': mbi,
    };
    for (const r of sample) {
      for (const id of [r.input.primary, ...(r.input.others ?? [])]) {
        expect(id.value).toMatch(formats[`${id.type}|${id.system}`]!);
      }
      const d = r.input;
      // A real calendar date (no February 30th), not in the future.
      if (d.birthDate)
        expect(new Date(d.birthDate + 'T00:00:00Z').toISOString().slice(0, 10)).toBe(d.birthDate);
      if (d.birthDate) expect(d.birthDate < '2025-07-01').toBe(true);
      if (d.sex) expect(d.sex).toMatch(/^[FM]$/);
      if (d.phone) expect(d.phone.replace(/\D/g, '')).toMatch(/^\d{10}$/);
      if (d.postalCode) expect(d.postalCode).toMatch(/^\d{5}(-\d{4})?$/);
      if (d.ssn && (r.flags & (SynthFlag.PLACEHOLDER | SynthFlag.SSN_TYPO)) === 0) {
        expect(d.ssn.replace(/-/g, '')).toMatch(/^(?!000|666|9)\d{3}(?!00)\d{2}(?!0000)\d{4}$/);
      }
    }
  });

  it('applies every corruption and special case', () => {
    const counts = new Map<string, number>();
    for (const r of sample) for (const f of synthFlagNames(r.flags)) counts.set(f, (counts.get(f) ?? 0) + 1);
    for (const name of Object.keys(SynthFlag)) expect(counts.get(name) ?? 0, name).toBeGreaterThan(0);
    // Placeholders stay a small share.
    expect((counts.get('PLACEHOLDER') ?? 0) / sample.length).toBeLessThan(0.01);
  });

  it('makes the corruptions it claims', () => {
    const clean = (r: SynthRecord) => (r.flags & (SynthFlag.NEWBORN | SynthFlag.PLACEHOLDER)) === 0;
    let checked = 0;
    for (const r of sample) {
      const o = originals.get(r.truth)!;
      if (r === o || !clean(o) || !clean(r)) continue;
      const f = r.flags;
      if ((f & SynthFlag.NICKNAME) !== 0 && (f & (SynthFlag.GIVEN_TYPO | SynthFlag.NAME_SWAP)) === 0) {
        expect(areNicknames(compact(r.input.given), compact(o.input.given))).toBe(true);
        checked++;
      }
      const dobFlags = SynthFlag.DOB_DAY_MONTH | SynthFlag.DOB_DIGIT | SynthFlag.DOB_YEAR;
      if ((f & dobFlags) === SynthFlag.DOB_DAY_MONTH && r.input.birthDate && o.input.birthDate) {
        const [y, m, d] = o.input.birthDate.split('-');
        expect(r.input.birthDate).toBe(`${y}-${d}-${m}`);
        checked++;
      }
      const otherNameFlags =
        SynthFlag.NICKNAME |
        SynthFlag.GIVEN_TYPO |
        SynthFlag.FAMILY_TYPO |
        SynthFlag.MARRIED |
        SynthFlag.HYPHENATED;
      if ((f & SynthFlag.NAME_SWAP) !== 0 && (f & otherNameFlags) === 0) {
        expect(compact(r.input.family)).toBe(compact(o.input.given));
        checked++;
      }
      if ((f & SynthFlag.SAME_PRIMARY) !== 0) checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('gives twins the family name, DOB and address of their sibling but another given name', () => {
    let twins = 0;
    for (const [truth, r] of originals) {
      if ((r.flags & SynthFlag.TWIN) === 0) continue;
      const sib = originals.get(truth - 1)!;
      expect(r.input.birthDate).toBe(sib.input.birthDate);
      expect(compact(r.input.street)).toBe(compact(sib.input.street));
      // Newborn twins may both be "BABY": the real names differ.
      const named = ((r.flags | sib.flags) & (SynthFlag.NEWBORN | SynthFlag.PLACEHOLDER)) === 0;
      if (named) expect(compact(r.input.given)).not.toBe(compact(sib.input.given));
      twins++;
    }
    expect(twins).toBeGreaterThan(20);
  });

  it('interleaves: later observations rarely sit next to the same person', () => {
    let adjacent = 0;
    for (let i = 1; i < sample.length; i++) if (sample[i]!.truth === sample[i - 1]!.truth) adjacent++;
    expect(adjacent / sample.length).toBeLessThan(0.005);
  });
});
