import { describe, expect, it } from 'vitest';
import { hamming, jaroWinkler, withinOneEdit } from './strings.ts';

describe('jaroWinkler', () => {
  // Winkler's published examples (Winkler 1990; also the Wikipedia article's worked values).
  it.each([
    ['martha', 'marhta', 0.961],
    ['dwayne', 'duane', 0.84],
    ['dixon', 'dicksonx', 0.813],
  ])('%s / %s = %s', (a, b, expected) => {
    expect(jaroWinkler(a, b)).toBeCloseTo(expected, 3);
  });

  it('is 1 for equal strings, 0 for nothing in common or an empty side, and symmetric', () => {
    expect(jaroWinkler('smith', 'smith')).toBe(1);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', 'abc')).toBe(0);
    expect(jaroWinkler('', '')).toBe(0);
    expect(jaroWinkler('katherine', 'catherine')).toBeCloseTo(jaroWinkler('catherine', 'katherine'), 12);
  });
});

describe('withinOneEdit', () => {
  it.each([
    ['19580412', '19580412', true],
    ['19580412', '19580413', true], // substitution
    ['19580412', '19584012', true], // adjacent transposition
    ['1958412', '19580412', true], // insertion
    ['19580412', '1958412', true], // deletion
    ['19580412', '19670412', false], // two substitutions
    ['19580412', '19850412', true], // 58 -> 85 is one transposition
    ['123', '321', false],
  ])('%s vs %s -> %s', (a, b, expected) => {
    expect(withinOneEdit(a, b)).toBe(expected);
    expect(withinOneEdit(b, a)).toBe(expected);
  });
});

describe('hamming', () => {
  it('counts differing positions; other lengths are infinitely far', () => {
    expect(hamming('20240131', '20240131')).toBe(0);
    expect(hamming('20240131', '20240137')).toBe(1);
    expect(hamming('2024', '20240')).toBe(Infinity);
  });
});
