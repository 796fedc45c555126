/**
 * Estimating m and u from unlabelled data, the way Splink does (Splink docs, "Expectation
 * maximisation" and "Estimating u probabilities"):
 * - u: level frequencies among random pairs, which are almost all different people;
 * - m: expectation maximisation over the blocked candidate pairs with u held fixed, starting from
 *   neutral guesses; identical comparison vectors are counted once with a weight, so an iteration
 *   costs the number of distinct patterns, not pairs.
 */
import { BLOCKING_RULES, BlockIndex, blockingKey } from './blocking.ts';
import { COMPARISONS, compareInto } from './comparisons.ts';
import type { Features } from './features.ts';
import type { ModelParams } from './model.ts';
import { prng } from '../../runtime/prng.ts';

export interface EmOptions {
  /** Random pairs sampled for u. */
  uPairs?: number;
  maxIterations?: number;
  /** Stop when no m moves more than this between iterations. */
  tolerance?: number;
  /** Blocks larger than this are skipped when enumerating candidate pairs. */
  maxBlock?: number;
  seed?: number;
  /** Name of the data the model was trained on (kept in the model). */
  trainedOn?: string;
}

export interface EmResult {
  params: ModelParams;
  iterations: number;
  candidatePairs: number;
  patterns: number;
}

const RADIX = 16;

function encode(levels: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < levels.length; i++) k = k * RADIX + levels[i]!;
  return k;
}

function decode(key: number, out: Uint8Array): void {
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = key % RADIX;
    key = Math.floor(key / RADIX);
  }
}

/** u from random pairs (add-one smoothing so no level has probability 0). */
export function estimateU(records: readonly Features[], pairs: number, seed: number): number[][] {
  const counts = COMPARISONS.map((c) => new Array<number>(c.levels.length).fill(1));
  const levels = new Uint8Array(COMPARISONS.length);
  const rnd = prng(seed);
  const n = records.length;
  for (let p = 0; p < pairs && n > 1; p++) {
    const i = Math.floor(rnd() * n);
    let j = Math.floor(rnd() * (n - 1));
    if (j >= i) j++;
    compareInto(records[i]!, records[j]!, levels);
    for (let c = 0; c < levels.length; c++) counts[c]![levels[c]!]!++;
  }
  return counts.map((row) => normalize(row));
}

/** Probabilities over levels 1.. (level 0, missing, gets 0). */
function normalize(row: number[]): number[] {
  let total = 0;
  for (let l = 1; l < row.length; l++) total += row[l]!;
  return row.map((v, l) => (l === 0 || total === 0 ? 0 : v / total));
}

/** Distinct comparison vectors of the candidate pairs of one blocking rule, with their counts. */
export function candidatePatterns(
  records: readonly Features[],
  rule: number,
  maxBlock: number,
): { patterns: Map<number, number>; pairs: number } {
  const index = new BlockIndex();
  const keys = records.map((r) => blockingKey(rule, r));
  const patterns = new Map<number, number>();
  const levels = new Uint8Array(COMPARISONS.length);
  let pairs = 0;
  for (let i = 0; i < records.length; i++) {
    const k = keys[i];
    if (k === null || k === undefined) continue;
    index.forEach(k, maxBlock, (j) => {
      compareInto(records[i]!, records[j]!, levels);
      const key = encode(levels);
      patterns.set(key, (patterns.get(key) ?? 0) + 1);
      pairs++;
    });
    index.add(k, i);
  }
  return { patterns, pairs };
}

interface Session {
  rule: string;
  pairs: number;
  iterations: number;
  lambda: number;
  /** m per comparison, undefined for the comparisons the rule blocks on. */
  m: (number[] | undefined)[];
}

/**
 * One EM session over the pairs of one blocking rule. The comparisons the rule blocks on agree in
 * every pair by construction, so they are left out of the posterior and their m is not estimated
 * here (Splink's training sessions do the same): otherwise EM learns "in the same block", not
 * "the same person", and drifts to lambda = 1.
 */
function emSession(
  entries: { levels: Uint8Array; count: number }[],
  excluded: ReadonlySet<number>,
  u: number[][],
  maxIterations: number,
  tolerance: number,
): { m: number[][]; lambda: number; iterations: number } {
  // Start: the strongest agreement level likely for matches, the rest spread evenly.
  let m = COMPARISONS.map((c) =>
    c.levels.map((_, l) => (l === 0 ? 0 : l === 1 ? 0.9 : 0.1 / Math.max(1, c.levels.length - 2))),
  );
  let lambda = 0.1;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const mCounts = COMPARISONS.map((c) => new Array<number>(c.levels.length).fill(0));
    let matchMass = 0;
    let total = 0;
    for (const { levels, count } of entries) {
      let ratio = 1;
      for (let c = 0; c < levels.length; c++) {
        const l = levels[c]!;
        if (l !== 0 && !excluded.has(c)) ratio *= m[c]![l]! / u[c]![l]!;
      }
      const posterior = (lambda * ratio) / (lambda * ratio + (1 - lambda));
      const w = count * (Number.isFinite(posterior) ? posterior : 1);
      matchMass += w;
      total += count;
      for (let c = 0; c < levels.length; c++) mCounts[c]![levels[c]!]! += w;
    }
    // Tiny smoothing keeps an unseen level from becoming a -infinity weight.
    const next = mCounts.map((row) => normalize(row.map((v, l) => (l === 0 ? 0 : v + 1e-6))));
    lambda = total > 0 ? Math.min(0.999, Math.max(1e-6, matchMass / total)) : lambda;
    let delta = 0;
    for (let c = 0; c < next.length; c++)
      for (let l = 1; l < next[c]!.length; l++) delta = Math.max(delta, Math.abs(next[c]![l]! - m[c]![l]!));
    m = next;
    if (delta < tolerance) {
      iterations++;
      break;
    }
  }
  return { m, lambda, iterations };
}

/**
 * Estimates a model from unlabelled records: u by random sampling, then m by one EM session per
 * blocking rule; each comparison's m is the average over the sessions that estimated it.
 */
export function trainModel(records: readonly Features[], options: EmOptions = {}): EmResult {
  const seed = options.seed ?? 42;
  const u = estimateU(records, options.uPairs ?? 200_000, seed);
  const sessions: Session[] = [];
  let patternsTotal = 0;
  BLOCKING_RULES.forEach((rule, r) => {
    const { patterns, pairs } = candidatePatterns(records, r, options.maxBlock ?? 500);
    if (pairs === 0) return;
    patternsTotal += patterns.size;
    const entries = [...patterns.entries()].map(([key, count]) => {
      const levels = new Uint8Array(COMPARISONS.length);
      decode(key, levels);
      return { levels, count };
    });
    const excluded = new Set(rule.fields.map((f) => COMPARISONS.findIndex((c) => c.name === f)));
    const s = emSession(entries, excluded, u, options.maxIterations ?? 50, options.tolerance ?? 1e-5);
    sessions.push({
      rule: rule.name,
      pairs,
      iterations: s.iterations,
      lambda: s.lambda,
      m: s.m.map((row, c) => (excluded.has(c) ? undefined : row)),
    });
  });
  const comparisons: ModelParams['comparisons'] = {};
  COMPARISONS.forEach((c, i) => {
    const estimates = sessions.map((s) => s.m[i]).filter((m): m is number[] => m !== undefined);
    const m =
      estimates.length === 0
        ? c.levels.map((_, l) => (l === 0 ? 0 : 1 / (c.levels.length - 1)))
        : c.levels.map((_, l) => estimates.reduce((a, e) => a + e[l]!, 0) / estimates.length);
    comparisons[c.name] = { m: m.map(round), u: u[i]!.map(round) };
  });
  const pairs = sessions.reduce((a, s) => a + s.pairs, 0);
  const termFrequencies = {
    given: frequentValues(records, (f) => f.given, u[COMPARISONS.findIndex((c) => c.name === 'given')]![1]!),
    family: frequentValues(
      records,
      (f) => f.family,
      u[COMPARISONS.findIndex((c) => c.name === 'family')]![1]!,
    ),
  };
  const iterations = sessions.reduce((a, s) => a + s.iterations, 0);
  const lambda = sessions.reduce((a, s) => a + s.lambda * s.pairs, 0) / Math.max(1, pairs);
  return {
    params: {
      lambda: round(lambda),
      comparisons,
      termFrequencies,
      trainedOn: `${options.trainedOn ?? 'records'}: ${records.length} records, ${pairs} candidate pairs in ${sessions.length} EM sessions (one per blocking rule), ${iterations} iterations`,
    },
    iterations,
    candidatePairs: pairs,
    patterns: patternsTotal,
  };
}

/** Values whose share of records exceeds the average chance agreement u (the top 5,000 at most). */
function frequentValues(
  records: readonly Features[],
  pick: (f: Features) => string | null,
  uExact: number,
): Record<string, number> {
  const counts = new Map<string, number>();
  let total = 0;
  for (const r of records) {
    const v = pick(r);
    if (v === null) continue;
    total++;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const out: [string, number][] = [];
  for (const [v, n] of counts) if (n >= 5 && n / total > uExact) out.push([v, round(n / total)]);
  out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return Object.fromEntries(out.slice(0, 5000));
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}
