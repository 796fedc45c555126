/**
 * Blocking: only records that share at least one blocking key are compared, so the candidates
 * per record stay in the tens even with millions of persons. Several overlapping rules keep
 * recall: a duplicate with a corrupted birth date is still found by name + year or by phone.
 */
import type { Features } from './features.ts';

export interface BlockingRule {
  readonly name: string;
  /** Comparisons whose fields make up the key: pairs of this block agree on them by construction. */
  readonly fields: readonly string[];
  /** The key's hash continuing from `h`, or null when the record lacks a field of the key. */
  hash(f: Features, h: number): number | null;
}

// FNV-1a, fed field by field (no key strings are built: this runs 8 times per observation).
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function add(h: number, s: string, length = s.length): number {
  for (let i = 0; i < length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** A separator between fields, so ("ab","c") and ("a","bc") differ. */
function sep(h: number): number {
  return Math.imul(h ^ 0x1f, FNV_PRIME);
}

export const BLOCKING_RULES: readonly BlockingRule[] = [
  {
    name: 'dob+given_phonetic',
    fields: ['birth_date', 'given'],
    hash: (f, h) =>
      f.dob === null || f.givenPhonetic === null ? null : add(sep(add(h, f.dob)), f.givenPhonetic),
  },
  {
    // Year and month: a typo in the day is still found; a swapped day/month or a year off by one
    // is found by the name rule below.
    name: 'family_phonetic+birth_month',
    fields: ['family', 'birth_date'],
    hash: (f, h) =>
      f.familyPhonetic === null || f.dob === null ? null : add(sep(add(h, f.familyPhonetic)), f.dob, 6),
  },
  {
    name: 'dob+postal_code',
    fields: ['birth_date', 'postal_code'],
    hash: (f, h) => (f.dob === null || f.postalCode === null ? null : add(sep(add(h, f.dob)), f.postalCode)),
  },
  {
    name: 'family_phonetic+postal_code',
    fields: ['family', 'postal_code'],
    hash: (f, h) =>
      f.familyPhonetic === null || f.postalCode === null
        ? null
        : add(sep(add(h, f.familyPhonetic)), f.postalCode),
  },
  {
    // Names and birth decade: a common name alone ("John Smith") would make blocks of hundreds at
    // a million persons. Records without a birth date block by name alone, among themselves.
    name: 'given_phonetic+family_phonetic+birth_decade',
    fields: ['given', 'family'],
    hash: (f, h) =>
      f.givenPhonetic === null || f.familyPhonetic === null
        ? null
        : add(sep(add(sep(add(h, f.givenPhonetic)), f.familyPhonetic)), f.dob ?? '*', f.dob === null ? 1 : 3),
  },
  { name: 'ssn', fields: ['ssn'], hash: (f, h) => (f.ssn === null ? null : add(h, f.ssn)) },
  { name: 'phone', fields: ['phone'], hash: (f, h) => (f.phone === null ? null : add(h, f.phone)) },
  { name: 'email', fields: ['email'], hash: (f, h) => (f.email === null ? null : add(h, f.email)) },
];

/** Rules whose key is one shared-value field: their block size is that value's use count. */
export const SHARED_VALUE_RULES = { ssn: 5, phone: 6, email: 7 } as const;

const RULE_SEEDS = BLOCKING_RULES.map((_, r) => Math.imul(FNV_OFFSET ^ (r + 1), FNV_PRIME));

/**
 * Folded to 30 bits: V8 keeps such numbers unboxed (small integers), which saves a heap object
 * per key in the index's map at millions of keys. Collisions only add candidates.
 */
function finish(h: number): number {
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

/** Key of one rule for a record, or null when the rule does not apply. */
export function blockingKey(rule: number, f: Features): number | null {
  const h = BLOCKING_RULES[rule]!.hash(f, RULE_SEEDS[rule]!);
  return h === null ? null : finish(h);
}

/** Numeric blocking keys of a record, one per rule that applies. */
export function blockingKeys(f: Features): number[] {
  const keys: number[] = [];
  for (let r = 0; r < BLOCKING_RULES.length; r++) {
    const h = BLOCKING_RULES[r]!.hash(f, RULE_SEEDS[r]!);
    if (h !== null) keys.push(finish(h));
  }
  return keys;
}

/**
 * Inverted index blocking key -> record numbers. A key held by one record stores the number
 * itself (most keys), saving an array per key at a million records. Hash collisions only add
 * candidates, which are then scored like any other.
 */
export class BlockIndex {
  private readonly blocks = new Map<number, number | number[]>();

  add(key: number, rec: number): void {
    const cur = this.blocks.get(key);
    if (cur === undefined) this.blocks.set(key, rec);
    else if (typeof cur === 'number') {
      if (cur !== rec) this.blocks.set(key, [cur, rec]);
    } else if (!cur.includes(rec)) cur.push(rec);
  }

  remove(key: number, rec: number): void {
    const cur = this.blocks.get(key);
    if (cur === undefined) return;
    if (typeof cur === 'number') {
      if (cur === rec) this.blocks.delete(key);
      return;
    }
    const i = cur.indexOf(rec);
    if (i >= 0) cur.splice(i, 1);
    if (cur.length === 1) this.blocks.set(key, cur[0]!);
  }

  size(key: number): number {
    const cur = this.blocks.get(key);
    return cur === undefined ? 0 : typeof cur === 'number' ? 1 : cur.length;
  }

  /** Calls `fn` for every record under `key` unless the block is larger than `limit`. */
  forEach(key: number, limit: number, fn: (rec: number) => void): boolean {
    const cur = this.blocks.get(key);
    if (cur === undefined) return true;
    if (typeof cur === 'number') {
      fn(cur);
      return true;
    }
    if (cur.length > limit) return false;
    for (const r of cur) fn(r);
    return true;
  }

  get keyCount(): number {
    return this.blocks.size;
  }
}
