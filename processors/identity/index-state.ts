/**
 * The master patient index: records (one per distinct source identifier), the persons they
 * belong to, the identifier map, the blocking index, pending reviews and manual "not the same
 * person" decisions. Pure in-memory state changed only by `IdentityIndex` (identity-index.ts),
 * which the single identity writer owns; this file holds the data and its persistence form.
 */
import { BlockIndex } from './blocking.ts';
import type { Contribution } from './model.ts';
import type { Features } from './features.ts';

/** One source record of the index. */
export interface IndexRecord {
  /** `type|system|value` of its primary identifier. */
  id: string;
  person: string;
  features: Features;
  /** Blocking keys of `features` (kept to remove them when features change). */
  keys: number[];
  /** Creation order: decides which person survives a merge (the older). */
  seq: number;
  /** Other identifiers filed under this record (deterministic aliases). */
  aliases: readonly string[];
}

/** A pair waiting for a person to decide. */
export interface Review {
  /** Sorted pair of record ids joined by "~". */
  key: string;
  recordId: string;
  candidateRecordId: string;
  score: number;
  reason: string;
  contributions: Contribution[];
  /** Request that opened it. */
  openedBy: string;
}

/** Changelog form of one record (what survives a restart). */
export interface RecordSnapshot {
  id: string;
  person: string;
  seq: number;
  features: Features;
  aliases: readonly string[];
  /** Record ids this record must never be linked to (manual decisions). */
  noLink: string[];
}

export class IndexState {
  readonly records: IndexRecord[] = [];
  /** Identifier key (primary or alias) -> record number. */
  readonly byId = new Map<string, number>();
  /** Person id -> record numbers. */
  readonly persons = new Map<string, number[]>();
  readonly blocks = new BlockIndex();
  readonly noLink = new Map<number, Set<number>>();
  readonly reviews = new Map<string, Review>();
  /** Record id -> keys of its open reviews (to settle them when the pair becomes one person). */
  private readonly reviewsByRecord = new Map<string, Set<string>>();
  /** Changed since the last drain: persisted by the runner in the same transaction as outputs. */
  readonly dirtyRecords = new Set<number>();
  readonly dirtyReviews = new Set<string>();

  addRecord(rec: IndexRecord): number {
    const n = this.records.length;
    this.records.push(rec);
    this.byId.set(rec.id, n);
    for (const a of rec.aliases) this.byId.set(a, n);
    for (const k of rec.keys) this.blocks.add(k, n);
    const members = this.persons.get(rec.person);
    if (members === undefined) this.persons.set(rec.person, [n]);
    else members.push(n);
    this.dirtyRecords.add(n);
    return n;
  }

  setFeatures(n: number, features: Features, keys: number[]): void {
    const rec = this.records[n]!;
    for (const k of rec.keys) this.blocks.remove(k, n);
    rec.features = features;
    rec.keys = keys;
    for (const k of keys) this.blocks.add(k, n);
    this.dirtyRecords.add(n);
  }

  addAlias(n: number, idKey: string): void {
    // Copy on write: most records share the one empty list (NO_ALIASES).
    this.records[n]!.aliases = [...this.records[n]!.aliases, idKey];
    this.byId.set(idKey, n);
    this.dirtyRecords.add(n);
  }

  /** Moves records to a person (removing them from their current one). */
  move(recs: readonly number[], person: string): void {
    for (const n of recs) {
      const rec = this.records[n]!;
      const from = this.persons.get(rec.person);
      if (from !== undefined) {
        const i = from.indexOf(n);
        if (i >= 0) from.splice(i, 1);
        if (from.length === 0) this.persons.delete(rec.person);
      }
      rec.person = person;
      const to = this.persons.get(person);
      if (to === undefined) this.persons.set(person, [n]);
      else to.push(n);
      this.dirtyRecords.add(n);
    }
  }

  forbid(a: number, b: number): void {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      let s = this.noLink.get(x);
      if (s === undefined) this.noLink.set(x, (s = new Set()));
      s.add(y);
      this.dirtyRecords.add(x);
    }
  }

  allow(a: number, b: number): void {
    this.noLink.get(a)?.delete(b);
    this.noLink.get(b)?.delete(a);
    this.dirtyRecords.add(a);
    this.dirtyRecords.add(b);
  }

  /** True when a manual decision says record `n` is not the same person as any record of `person`. */
  forbidden(n: number, person: string): boolean {
    const s = this.noLink.get(n);
    if (s === undefined || s.size === 0) return false;
    for (const r of this.persons.get(person) ?? []) if (s.has(r)) return true;
    return false;
  }

  openReview(r: Review): void {
    this.reviews.set(r.key, r);
    this.dirtyReviews.add(r.key);
    this.indexReview(r);
  }

  /** Restores an open review from the changelog (not a change). */
  restoreReview(r: Review): void {
    this.reviews.set(r.key, r);
    this.indexReview(r);
  }

  closeReview(key: string): Review | undefined {
    const r = this.reviews.get(key);
    if (r !== undefined) {
      this.reviews.delete(key);
      this.dirtyReviews.add(key);
      for (const id of [r.recordId, r.candidateRecordId]) this.reviewsByRecord.get(id)?.delete(key);
    }
    return r;
  }

  /** Keys of the open reviews a record is part of. */
  reviewsOf(recordId: string): string[] {
    return [...(this.reviewsByRecord.get(recordId) ?? [])];
  }

  private indexReview(r: Review): void {
    for (const id of [r.recordId, r.candidateRecordId]) {
      let keys = this.reviewsByRecord.get(id);
      if (keys === undefined) this.reviewsByRecord.set(id, (keys = new Set()));
      keys.add(r.key);
    }
  }

  snapshot(n: number): RecordSnapshot {
    const rec = this.records[n]!;
    return {
      id: rec.id,
      person: rec.person,
      seq: rec.seq,
      features: rec.features,
      aliases: rec.aliases,
      noLink: [...(this.noLink.get(n) ?? [])].map((r) => this.records[r]!.id),
    };
  }
}

/** The alias list of records without aliases, shared (never mutated: addAlias copies). */
export const NO_ALIASES: readonly string[] = Object.freeze([]);

/** Review key of a pair of record ids (order-independent). */
export function reviewKey(a: string, b: string): string {
  return a < b ? `${a}~${b}` : `${b}~${a}`;
}
