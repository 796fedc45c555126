import { describe, expect, it } from 'vitest';
import { trainModel } from './em.ts';
import { prng } from '../../runtime/prng.ts';
import { compileDenyLists, DEFAULT_DENY_LISTS, toFeatures, type Features } from './features.ts';
import type { Demographics } from './types.ts';

/**
 * A population whose true m is known by construction: each duplicate keeps a field with a fixed
 * probability and otherwise gets a value from nobody else (disagreement, "else"). EM, which never
 * sees which records are duplicates, must recover those probabilities as m(exact).
 */
function population(keep: Record<'given' | 'family' | 'dob' | 'zip' | 'ssn', number>): Features[] {
  const rnd = prng(7);
  const deny = compileDenyLists(DEFAULT_DENY_LISTS);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const word = (n: number): string =>
    Array.from({ length: n }, () => letters[Math.floor(rnd() * 26)]).join('');
  const num = (n: number): string => Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join('');
  const out: Features[] = [];
  for (let p = 0; p < 4000; p++) {
    const d: Demographics = {
      given: word(6),
      family: word(7),
      birthDate: `19${num(2)}-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)}`,
      postalCode: num(5),
      ssn: `1${num(8)}`,
    };
    out.push(toFeatures(d, deny));
    const dup: Demographics = {
      given: rnd() < keep.given ? d.given : word(6),
      family: rnd() < keep.family ? d.family : word(7),
      birthDate:
        rnd() < keep.dob ? d.birthDate : `20${num(2)}-1${Math.floor(rnd() * 3)}-2${Math.floor(rnd() * 9)}`,
      postalCode: rnd() < keep.zip ? d.postalCode : num(5),
      ssn: rnd() < keep.ssn ? d.ssn : `2${num(8)}`,
    };
    out.push(toFeatures(dup, deny));
  }
  return out;
}

describe('EM weight estimation', () => {
  it('recovers m(exact) of each field from unlabelled pairs, and u from random pairs', () => {
    const keep = { given: 0.9, family: 0.8, dob: 0.95, zip: 0.7, ssn: 0.85 };
    const { params } = trainModel(population(keep), { seed: 1 });
    const mExact = (name: string): number => params.comparisons[name]!.m[1]!;
    expect(mExact('given')).toBeCloseTo(keep.given, 1);
    expect(mExact('family')).toBeCloseTo(keep.family, 1);
    expect(mExact('birth_date')).toBeCloseTo(keep.dob, 1);
    expect(mExact('postal_code')).toBeCloseTo(keep.zip, 1);
    expect(mExact('ssn')).toBeCloseTo(keep.ssn, 1);
    // Random values almost never agree by chance: u(exact) is tiny for every field.
    for (const name of ['given', 'family', 'birth_date', 'postal_code', 'ssn'])
      expect(params.comparisons[name]!.u[1]!).toBeLessThan(0.01);
  });

  it('is reproducible for a seed', () => {
    const records = population({ given: 0.9, family: 0.9, dob: 0.9, zip: 0.9, ssn: 0.9 });
    expect(trainModel(records, { seed: 3 }).params).toEqual(trainModel(records, { seed: 3 }).params);
  });
});
