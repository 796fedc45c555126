/**
 * The generator's randomness: the project's one seeded PRNG (runtime/prng.ts, mulberry32) with
 * the small API the identity pools expect (bench/support/identity-synth.ts `SynthRng`). Each
 * member gets its own stream, seeded from (seed, member index) through a 32-bit mix, so a member
 * is the same whether it is generated alone or as the millionth of a run.
 */
import type { SynthRng } from '../../bench/support/identity-synth.ts';
import { prng } from '../../runtime/prng.ts';

/** murmur3 fmix32: nearby inputs give unrelated outputs (mulberry32 streams of seeds s and s+1 overlap otherwise). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed for stream `index` of purpose `salt` under the run's `seed`. */
export function streamSeed(seed: number, index: number, salt: number): number {
  return fmix32(fmix32((seed ^ Math.imul(salt, 0x9e3779b1)) >>> 0) ^ Math.imul(index + 1, 0x27d4eb2f));
}

/** A seeded stream with draws for the generator. */
export class Random implements SynthRng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = prng(seed);
  }

  float(): number {
    return this.next();
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi], inclusive. */
  between(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }

  /** One key of a weighted table (weights need not sum to 1). */
  weighted<K extends string>(table: Readonly<Record<K, number>>): K {
    const keys = Object.keys(table) as K[];
    let total = 0;
    for (const k of keys) total += table[k];
    let r = this.next() * total;
    for (const k of keys) {
      r -= table[k];
      if (r < 0) return k;
    }
    return keys[keys.length - 1]!;
  }
}
