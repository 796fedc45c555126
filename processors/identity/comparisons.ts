/**
 * Fellegi–Sunter comparisons: each turns a pair of feature sets into one agreement level per
 * field. Level 0 is always "missing on either side" (weight 0: no evidence either way); the
 * others go from strongest agreement to "else" (disagreement). The m and u probability of every
 * level is estimated from the data (em.ts) and can be overridden in config.
 */
import type { Features } from './features.ts';
import { areNicknames } from './nicknames.ts';
import { hamming, jaroWinkler, withinOneEdit } from './strings.ts';

export interface Comparison {
  /** Field name used in config, explanations and the review queue. */
  readonly name: string;
  /** Level names; index 0 is "missing". */
  readonly levels: readonly string[];
  /** Level index for a pair of records. */
  compare(a: Features, b: Features): number;
  /** Comparisons of one group are correlated (model.ts clamps their summed weight). */
  readonly group?: 'location';
}

const MISSING = 0;

function givenLevel(a: Features, b: Features): number {
  const x = a.given;
  const y = b.given;
  if (x === null || y === null) return MISSING;
  if (x === y) return 1;
  // Given and family entered the other way round (a frequent registration error).
  if (a.family !== null && b.family !== null && x === b.family && y === a.family) return 2;
  if (areNicknames(x, y)) return 3;
  const jw = jaroWinkler(x, y);
  if (jw >= 0.92) return 4;
  if (a.givenPhonetic !== null && a.givenPhonetic === b.givenPhonetic) return 5;
  if (jw >= 0.8) return 6;
  // One side is an initial of the other ("j" vs "john").
  if ((x.length === 1 || y.length === 1) && x[0] === y[0]) return 7;
  return 8;
}

function familyLevel(a: Features, b: Features): number {
  const x = a.family;
  const y = b.family;
  if (x === null || y === null) return MISSING;
  if (x === y) return 1;
  if (a.given !== null && b.given !== null && x === b.given && y === a.given) return 2;
  const jw = jaroWinkler(x, y);
  if (jw >= 0.92) return 3;
  if (a.familyPhonetic !== null && a.familyPhonetic === b.familyPhonetic) return 4;
  // One name is a part of the other's double-barrelled name (marriage: "smith" vs "smith jones").
  if ((a.familyParts?.includes(y) ?? false) || (b.familyParts?.includes(x) ?? false)) return 5;
  if (jw >= 0.8) return 6;
  return 7;
}

function dobLevel(a: Features, b: Features): number {
  const x = a.dob;
  const y = b.dob;
  if (x === null || y === null) return MISSING;
  if (x === y) return 1;
  // YYYYMMDD, compared by character codes (no substrings: this runs for most candidate pairs).
  const c = (s: string, i: number): number => s.charCodeAt(i);
  const sameYear = c(x, 0) === c(y, 0) && c(x, 1) === c(y, 1) && c(x, 2) === c(y, 2) && c(x, 3) === c(y, 3);
  // Day and month transposed (US vs European entry).
  if (sameYear && c(x, 4) === c(y, 6) && c(x, 5) === c(y, 7) && c(x, 6) === c(y, 4) && c(x, 7) === c(y, 5))
    return 2;
  const h = hamming(x, y);
  if (h === 1) return 3;
  // Same day and month, year off by one (age-derived entry).
  if (c(x, 4) === c(y, 4) && c(x, 5) === c(y, 5) && c(x, 6) === c(y, 6) && c(x, 7) === c(y, 7)) {
    const dy = Number(x.slice(0, 4)) - Number(y.slice(0, 4));
    if (dy === 1 || dy === -1) return 4;
  }
  if (h === 2 || withinOneEdit(x, y)) return 5;
  return 6;
}

function exactOrElse(pick: (f: Features) => string | null): (a: Features, b: Features) => number {
  return (a, b) => {
    const x = pick(a);
    const y = pick(b);
    if (x === null || y === null) return MISSING;
    return x === y ? 1 : 2;
  };
}

function exactFuzzyElse(
  pick: (f: Features) => string | null,
  jw: number,
): (a: Features, b: Features) => number {
  return (a, b) => {
    const x = pick(a);
    const y = pick(b);
    if (x === null || y === null) return MISSING;
    if (x === y) return 1;
    return jaroWinkler(x, y) >= jw ? 2 : 3;
  };
}

function exactTypoElse(pick: (f: Features) => string | null): (a: Features, b: Features) => number {
  return (a, b) => {
    const x = pick(a);
    const y = pick(b);
    if (x === null || y === null) return MISSING;
    if (x === y) return 1;
    return withinOneEdit(x, y) ? 2 : 3;
  };
}

function emailLevel(a: Features, b: Features): number {
  const x = a.email;
  const y = b.email;
  if (x === null || y === null) return MISSING;
  if (x === y) return 1;
  const lx = x.slice(0, x.indexOf('@'));
  const ly = y.slice(0, y.indexOf('@'));
  if (lx === ly || jaroWinkler(lx, ly) >= 0.88) return 2;
  return 3;
}

/**
 * The comparisons, in the order their levels appear in a comparison vector. Strongest fields
 * first, so that Scorer.scoreAtLeast can stop early on a stranger.
 */
export const COMPARISONS: readonly Comparison[] = [
  {
    name: 'birth_date',
    levels: ['missing', 'exact', 'day/month swapped', 'one digit', 'year +-1', 'two digits', 'else'],
    compare: dobLevel,
  },
  { name: 'ssn', levels: ['missing', 'exact', 'one edit', 'else'], compare: exactTypoElse((f) => f.ssn) },

  {
    name: 'given',
    levels: [
      'missing',
      'exact',
      'swapped',
      'nickname',
      'jw>=0.92',
      'phonetic',
      'jw>=0.80',
      'initial',
      'else',
    ],
    compare: givenLevel,
  },
  {
    name: 'family',
    levels: ['missing', 'exact', 'swapped', 'jw>=0.92', 'phonetic', 'part', 'jw>=0.80', 'else'],
    compare: familyLevel,
  },
  { name: 'sex', levels: ['missing', 'exact', 'else'], compare: exactOrElse((f) => f.sex) },
  { name: 'email', levels: ['missing', 'exact', 'same user', 'else'], compare: emailLevel },
  {
    name: 'street_number',
    group: 'location',
    levels: ['missing', 'exact', 'else'],
    compare: exactOrElse((f) => f.streetNumber),
  },
  {
    name: 'street_name',
    group: 'location',
    levels: ['missing', 'exact', 'jw>=0.90', 'else'],
    compare: exactFuzzyElse((f) => f.streetName, 0.9),
  },
  {
    name: 'street2',
    group: 'location',
    levels: ['missing', 'exact', 'jw>=0.90', 'else'],
    compare: exactFuzzyElse((f) => f.street2, 0.9),
  },
  {
    name: 'city',
    group: 'location',
    levels: ['missing', 'exact', 'jw>=0.90', 'else'],
    compare: exactFuzzyElse((f) => f.city, 0.9),
  },
  {
    name: 'state',
    group: 'location',
    levels: ['missing', 'exact', 'else'],
    compare: exactOrElse((f) => f.state),
  },
  {
    name: 'postal_code',
    group: 'location',
    levels: ['missing', 'exact', 'one edit', 'else'],
    compare: exactTypoElse((f) => f.postalCode),
  },
  {
    name: 'phone',
    group: 'location',
    levels: ['missing', 'exact', 'one edit', 'else'],
    compare: exactTypoElse((f) => f.phone),
  },
];

/** Fills `out` with the level of every comparison for a pair (no allocation per pair). */
export function compareInto(a: Features, b: Features, out: Uint8Array): void {
  for (let i = 0; i < COMPARISONS.length; i++) out[i] = COMPARISONS[i]!.compare(a, b);
}
