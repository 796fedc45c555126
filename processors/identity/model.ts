/**
 * The Fellegi–Sunter model: for every comparison level, m = P(level | same person) and
 * u = P(level | different people); the match weight of a level is log2(m/u) and a pair's score
 * is the sum over fields (independence assumption, Fellegi & Sunter 1969). Missing fields add 0.
 * Scores are compared with two thresholds in the same unit (bits of evidence): auto-link and review.
 */
import { COMPARISONS } from './comparisons.ts';
import type { Features } from './features.ts';

/** Probabilities per level of one comparison (index 0, "missing", is ignored). */
export interface LevelParams {
  m: number[];
  u: number[];
}

/** A trained (or configured) model; stored as JSON and overridable in config. */
export interface ModelParams {
  /** Prior probability that a blocked candidate pair is a match (from EM; informational). */
  lambda: number;
  comparisons: Record<string, LevelParams>;
  /** Where the parameters came from (data set, records, EM iterations). */
  trainedOn?: string;
  /**
   * Share of records holding a name value, for values more common than average (term-frequency
   * adjustment, as Splink's tf adjustments): an exact match on "smith" is worth log2(m/0.01),
   * less than one on a rare name. Only lowers weights.
   */
  termFrequencies?: { given?: Record<string, number>; family?: Record<string, number> };
}

/** Decision thresholds in match weight (log2 Bayes factor). */
export interface Thresholds {
  /** At or above: linked automatically. */
  autoLink: number;
  /** At or above (and below autoLink): a pair for the review queue. */
  review: number;
}

/** One field's part in a score: what the review queue and the audit trail show. */
export interface Contribution {
  field: string;
  level: string;
  weight: number;
}

// Weights are capped: one field can never carry more than this many bits either way, so no
// single agreeing identifier outvotes every disagreeing demographic (and the reverse).
const WEIGHT_CAP = 20;

/**
 * The location fields (street, city, state, zip, phone) agree or disagree together: a household
 * shares all of them, a move changes all of them. Summed as if independent they would count one
 * fact six times, so their total is clamped to this range (bits).
 */
export const LOCATION_RANGE = { min: -8, max: 12 } as const;
const IN_LOCATION = COMPARISONS.map((c) => c.group === 'location');
const EXACT = 1;
const GIVEN_I = COMPARISONS.findIndex((c) => c.name === 'given');
const FAMILY_I = COMPARISONS.findIndex((c) => c.name === 'family');

/** Weight tables compiled from parameters: weights[c][level]. */
export class Scorer {
  readonly weights: Float64Array[];
  private readonly levels = new Uint8Array(COMPARISONS.length);
  private readonly tfGiven?: Map<string, number>;
  private readonly tfFamily?: Map<string, number>;
  private readonly mExact: number[];
  /** Unclamped location weight of the last scored pair (guards read it). */
  lastLocation = 0;
  /** Most that comparisons i.. can still add: location ones and the others (for scoreAtLeast). */
  private readonly restLocation: Float64Array;
  private readonly restOther: Float64Array;

  constructor(readonly params: ModelParams) {
    const tf = params.termFrequencies;
    if (tf?.given) this.tfGiven = new Map(Object.entries(tf.given));
    if (tf?.family) this.tfFamily = new Map(Object.entries(tf.family));
    this.mExact = COMPARISONS.map((c) => params.comparisons[c.name]?.m[EXACT] ?? 1);
    this.weights = COMPARISONS.map((c) => {
      const p = params.comparisons[c.name];
      const w = new Float64Array(c.levels.length);
      if (p === undefined) return w;
      for (let l = 1; l < c.levels.length; l++) {
        const m = p.m[l] ?? 0;
        const u = p.u[l] ?? 0;
        w[l] = m > 0 && u > 0 ? Math.max(-WEIGHT_CAP, Math.min(WEIGHT_CAP, Math.log2(m / u))) : 0;
      }
      // A partial agreement never counts against a match more than full disagreement ("else",
      // the last level) does: a level rarely seen in training can otherwise get an absurd weight.
      const disagree = w[c.levels.length - 1]!;
      for (let l = 1; l < c.levels.length - 1; l++) w[l] = Math.max(w[l]!, disagree);
      return w;
    });
    this.restLocation = new Float64Array(COMPARISONS.length + 1);
    this.restOther = new Float64Array(COMPARISONS.length + 1);
    for (let i = COMPARISONS.length - 1; i >= 0; i--) {
      const best = Math.max(0, ...this.weights[i]!);
      this.restLocation[i] = this.restLocation[i + 1]! + (IN_LOCATION[i] ? best : 0);
      this.restOther[i] = this.restOther[i + 1]! + (IN_LOCATION[i] ? 0 : best);
    }
  }

  /** Match weight of a pair; `levelsOut` receives the comparison vector when given. */
  score(a: Features, b: Features, levelsOut?: Uint8Array): number {
    const out = levelsOut ?? this.levels;
    let s = 0;
    let location = 0;
    for (let i = 0; i < COMPARISONS.length; i++) {
      const l = COMPARISONS[i]!.compare(a, b);
      out[i] = l;
      if (IN_LOCATION[i]) location += this.weights[i]![l]!;
      else s += this.weight(i, l, a);
    }
    this.lastLocation = location;
    return s + Math.max(LOCATION_RANGE.min, Math.min(LOCATION_RANGE.max, location));
  }

  /**
   * The score when it can reach `min`, else -Infinity, stopping as soon as the fields left cannot
   * lift it there (most candidates of a block are strangers: given name and birth date settle it).
   */
  scoreAtLeast(a: Features, b: Features, min: number): number {
    let s = 0;
    let location = 0;
    for (let i = 0; i < COMPARISONS.length; i++) {
      const l = COMPARISONS[i]!.compare(a, b);
      if (IN_LOCATION[i]) location += this.weights[i]![l]!;
      else s += this.weight(i, l, a);
      // The location sum is clamped at both ends in score(): so is its best case here.
      const bestLocation = Math.max(
        LOCATION_RANGE.min,
        Math.min(LOCATION_RANGE.max, location + this.restLocation[i + 1]!),
      );
      const bound = s + bestLocation + this.restOther[i + 1]!;
      if (bound < min) return -Infinity;
    }
    this.lastLocation = location;
    return s + Math.max(LOCATION_RANGE.min, Math.min(LOCATION_RANGE.max, location));
  }

  /** Weight of level `l` of comparison `i`, term-frequency adjusted for exact name matches. */
  private weight(i: number, l: number, a: Features): number {
    const w = this.weights[i]![l]!;
    if (l !== EXACT) return w;
    const tf = i === GIVEN_I ? this.tfGiven : i === FAMILY_I ? this.tfFamily : undefined;
    if (tf === undefined) return w;
    const f = tf.get((i === GIVEN_I ? a.given : a.family) ?? '');
    return f === undefined ? w : Math.min(w, Math.log2(this.mExact[i]! / f));
  }

  /**
   * The per-field contributions of a pair, strongest first (missing fields left out). Location
   * fields show their own weights; when their sum was clamped, a `location (clamped)` entry
   * carries the correction so the contributions always add up to the score.
   */
  explain(a: Features, b: Features): Contribution[] {
    const levels = new Uint8Array(COMPARISONS.length);
    this.score(a, b, levels);
    const out: Contribution[] = [];
    let location = 0;
    for (let i = 0; i < COMPARISONS.length; i++) {
      const l = levels[i]!;
      if (IN_LOCATION[i]) location += this.weights[i]![l]!;
      if (l === 0) continue;
      const w = IN_LOCATION[i] ? this.weights[i]![l]! : this.weight(i, l, a);
      out.push({
        field: COMPARISONS[i]!.name,
        level: COMPARISONS[i]!.levels[l]!,
        weight: Math.round(w * 100) / 100,
      });
    }
    const clamped = Math.max(LOCATION_RANGE.min, Math.min(LOCATION_RANGE.max, location));
    if (clamped !== location)
      out.push({ field: 'location', level: 'clamped', weight: Math.round((clamped - location) * 100) / 100 });
    return out.sort((x, y) => Math.abs(y.weight) - Math.abs(x.weight));
  }
}

/** Index of a comparison by name (for guards that read one field's level). */
export function comparisonIndex(name: string): number {
  const i = COMPARISONS.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`unknown comparison "${name}"`);
  return i;
}
