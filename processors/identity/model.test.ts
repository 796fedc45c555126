import { describe, expect, it } from 'vitest';
import { synthIdentities } from '../../bench/support/identity-synth.ts';
import { identityConfig, defaultIdentitySettings } from './config.ts';
import { compileDenyLists, DEFAULT_DENY_LISTS, toFeatures } from './features.ts';
import { LOCATION_RANGE, Scorer } from './model.ts';

const deny = compileDenyLists(DEFAULT_DENY_LISTS);
const scorer = new Scorer(identityConfig(defaultIdentitySettings()).model);
// Synthetic observations with known duplicates: pairs of the same person and of strangers.
const records = [...synthIdentities({ seed: 5, persons: 3000 })];
const features = records.map((r) => toFeatures(r.input, deny));

describe('Scorer', () => {
  it('scoreAtLeast never drops a pair that reaches the minimum, and agrees with score', () => {
    let checked = 0;
    for (let i = 0; i < features.length; i++) {
      for (const j of [i + 1, (i * 7919) % features.length]) {
        const a = features[i]!;
        const b = features[j % features.length]!;
        const full = scorer.score(a, b);
        for (const min of [-20, 0, 10, 14, 30]) {
          const fast = scorer.scoreAtLeast(a, b, min);
          if (full >= min) expect(fast).toBeCloseTo(full, 9);
          else expect(fast === -Infinity || Math.abs(fast - full) < 1e-9).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  });

  it('explains every score exactly, location clamp included', () => {
    for (let i = 0; i + 1 < 2000; i++) {
      const a = features[i]!;
      const b = features[i + 1]!;
      const sum = scorer.explain(a, b).reduce((s, c) => s + c.weight, 0);
      expect(sum).toBeCloseTo(scorer.score(a, b), 1);
    }
  });

  it('a partial agreement never weighs less than disagreement; location stays in its range', () => {
    for (const w of scorer.weights) {
      const disagree = w[w.length - 1]!;
      for (let l = 1; l < w.length - 1; l++) expect(w[l]!).toBeGreaterThanOrEqual(disagree);
    }
    expect(LOCATION_RANGE.min).toBeLessThan(0);
    expect(LOCATION_RANGE.max).toBeGreaterThan(0);
  });
});
