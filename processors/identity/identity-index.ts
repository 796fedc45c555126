/**
 * The identity resolver: deterministic links first (same identifier = same record; identifiers
 * carried together link; merge messages and crosswalks move identifiers), then Fellegi–Sunter
 * matching over blocked candidates with two thresholds. Every change is returned as link events
 * (identity.link.v1) with the per-field contributions that decided it.
 *
 * Not thread-safe by design: exactly one writer owns an index (docs/identity.md, "single writer").
 * Given the same requests in the same order it produces the same person ids and events.
 */
import { createHash } from 'node:crypto';
import { blockingKey, blockingKeys, SHARED_VALUE_RULES } from './blocking.ts';
import { COMPARISONS } from './comparisons.ts';
import {
  compileDenyLists,
  DEFAULT_DENY_LISTS,
  toFeatures,
  type CompiledDenyLists,
  type DenyLists,
  type Features,
} from './features.ts';
import { IndexState, NO_ALIASES, reviewKey, type RecordSnapshot, type Review } from './index-state.ts';
import { comparisonIndex, Scorer, type Contribution, type ModelParams, type Thresholds } from './model.ts';
import { recordIdOf, type IdentityInput, type SourceId } from './types.ts';
import { BadIdentityRequestError } from './errors.ts';

export interface IdentityConfig {
  model: ModelParams;
  thresholds: Thresholds;
  deny?: DenyLists;
  /** Blocks with more records than this are not used for candidates (a too-common key). */
  maxBlock?: number;
  /** An SSN, phone or email held by more records than this is treated as a shared placeholder. */
  sharedValueLimit?: number;
  /** Auto-link only when given names agree in some way (twins share everything else). */
  requireGivenAgreement?: boolean;
  /**
   * Review instead of auto-link when nothing of address or phone agrees and no personal
   * identifier (SSN, email) does: a namesake looks exactly like a person who moved.
   */
  namesakeGuard?: boolean;
}

export type LinkKind = 'LINK' | 'UPDATE' | 'MERGE' | 'SPLIT' | 'REVIEW_OPENED' | 'REVIEW_CLOSED';
export type LinkMethod = 'NEW' | 'IDENTIFIER' | 'PROBABILISTIC' | 'MERGE_MESSAGE' | 'CROSSWALK' | 'MANUAL';

/** One change of the index (identity.link.v1 without the envelope the runner adds). */
export interface LinkEvent {
  kind: LinkKind;
  method: LinkMethod;
  recordId: string;
  personId: string;
  /** MERGE: the person absorbed; SPLIT: the person left; review: the candidate's person. */
  otherPersonId: string | null;
  otherRecordId: string | null;
  score: number | null;
  contributions: Contribution[];
  /** MERGE and SPLIT: the records that changed person (downstream moves their history). */
  movedRecordIds: string[];
  reason: string | null;
  decidedBy: string | null;
}

/** Outcome of one observation. */
export interface Resolution {
  recordId: string;
  personId: string;
  events: LinkEvent[];
}

/** A manual decision from the review workflow. */
export type Decision =
  | { action: 'link'; recordId: string; otherRecordId: string; decidedBy: string; reason?: string }
  | { action: 'reject'; recordId: string; otherRecordId: string; decidedBy: string; reason?: string }
  | { action: 'unlink'; recordId: string; decidedBy: string; reason?: string };

interface Candidate {
  person: string;
  rec: number;
  score: number;
}

const GIVEN = comparisonIndex('given');
/** Given-name levels that say "the same name" (anything weaker may be a sibling's name). */
const GIVEN_STRONG = new Set(
  ['missing', 'exact', 'swapped', 'nickname', 'jw>=0.92'].map((l) => COMPARISONS[GIVEN]!.levels.indexOf(l)),
);
const GIVEN_MISSING = 0;
const SSN = comparisonIndex('ssn');
const DOB = comparisonIndex('birth_date');
/** Location comparisons whose agreement says "same place" (state and house number alone do not). */
const LOCATION_EVIDENCE = ['street_name', 'street2', 'city', 'postal_code', 'phone'].map(comparisonIndex);
const DOB_ELSE = COMPARISONS[DOB]!.levels.indexOf('else');
const EMAIL = comparisonIndex('email');
const EXACT = 1;

function personIdFor(seed: string): string {
  return `P${createHash('sha256').update(seed).digest('hex').slice(0, 20)}`;
}

function sameFeatures(a: Features, b: Features): boolean {
  for (const k of Object.keys(a) as (keyof Features)[]) {
    const x = a[k];
    const y = b[k];
    if (Array.isArray(x) || Array.isArray(y)) {
      if (JSON.stringify(x) !== JSON.stringify(y)) return false;
    } else if (x !== y) return false;
  }
  return true;
}

function hasDemographics(f: Features): boolean {
  return f.dob !== null || f.family !== null || f.given !== null || f.ssn !== null;
}

export class IdentityIndex {
  readonly state = new IndexState();
  readonly scorer: Scorer;
  private readonly deny: CompiledDenyLists;
  private readonly maxBlock: number;
  private readonly sharedLimit: number;
  private readonly requireGiven: boolean;
  private readonly guardMoved: boolean;
  private seq = 0;
  private stamp = new Uint32Array(1024);
  private stampNo = 0;
  private readonly levels = new Uint8Array(COMPARISONS.length);

  constructor(readonly config: IdentityConfig) {
    this.scorer = new Scorer(config.model);
    this.deny = compileDenyLists(config.deny ?? DEFAULT_DENY_LISTS);
    this.maxBlock = config.maxBlock ?? 200;
    this.sharedLimit = config.sharedValueLimit ?? 5;
    this.requireGiven = config.requireGivenAgreement ?? true;
    this.guardMoved = config.namesakeGuard ?? true;
  }

  /** Person of an identifier, if the index knows it. */
  personOf(id: SourceId | string): string | undefined {
    const n = this.state.byId.get(typeof id === 'string' ? id : recordIdOf(id));
    return n === undefined ? undefined : this.state.records[n]!.person;
  }

  /** True for identifier values on the deny list (placeholders that identify nobody). */
  isPlaceholder(id: SourceId): boolean {
    return this.deny.identifiers.has(id.value.trim().toUpperCase()) || id.value.trim() === '';
  }

  /** Resolves one observation to a person; `requestId` names it in events (and in split ids). */
  observe(input: IdentityInput, requestId: string): Resolution {
    const events: LinkEvent[] = [];
    // A placeholder primary id identifies nobody: the observation becomes its own record.
    const placeholder = this.isPlaceholder(input.primary);
    const recordId = placeholder ? `${recordIdOf(input.primary)}#${requestId}` : recordIdOf(input.primary);
    let n = this.state.byId.get(recordId);
    const features = this.guardShared(toFeatures(input, this.deny), n);
    const others = (input.others ?? [])
      .filter((id) => !this.isPlaceholder(id))
      .map(recordIdOf)
      .filter((k) => k !== recordId);

    if (n !== undefined) {
      this.update(n, features, requestId, events);
    } else {
      n = this.create(recordId, features, others, requestId, events);
    }
    for (const other of others) this.linkIdentifier(n, other, 'IDENTIFIER', null, requestId, events);
    return { recordId: this.state.records[n]!.id, personId: this.state.records[n]!.person, events };
  }

  /**
   * A merge message (ADT A40: PID-3 survives, MRG-1 retires) or a crosswalk line (CCLF9: the
   * current MBI replaces the previous): the prior identifiers now belong to the survivor's person.
   * Authoritative, so no demographic check.
   */
  merge(
    survivor: SourceId,
    prior: readonly SourceId[],
    method: 'MERGE_MESSAGE' | 'CROSSWALK',
    requestId: string,
  ): Resolution {
    if (this.isPlaceholder(survivor))
      throw new BadIdentityRequestError(
        `merge survivor ${recordIdOf(survivor)} is a placeholder identifier: it cannot carry another identifier`,
      );
    const events: LinkEvent[] = [];
    const key = recordIdOf(survivor);
    let n = this.state.byId.get(key);
    if (n === undefined) n = this.create(key, this.emptyFeatures(), [], requestId, events, true);
    for (const p of prior) {
      if (this.isPlaceholder(p)) continue;
      this.linkIdentifier(n, recordIdOf(p), method, 'retired identifier', requestId, events, true);
    }
    return { recordId: key, personId: this.state.records[n]!.person, events };
  }

  /** Applies a manual decision from the review workflow. */
  decide(d: Decision, requestId: string): LinkEvent[] {
    const events: LinkEvent[] = [];
    const n = this.requireRecord(d.recordId);
    if (d.action === 'unlink') {
      const rec = this.state.records[n]!;
      const old = rec.person;
      const rest = (this.state.persons.get(old) ?? []).filter((r) => r !== n);
      if (rest.length === 0) return events;
      const person = personIdFor(`split|${rec.id}|${requestId}`);
      this.state.move([n], person);
      for (const r of rest) this.state.forbid(n, r);
      events.push(
        this.event('SPLIT', 'MANUAL', n, {
          otherPersonId: old,
          moved: [rec.id],
          reason: d.reason ?? 'unlinked by review',
          decidedBy: d.decidedBy,
        }),
      );
      return events;
    }
    const o = this.requireRecord(d.otherRecordId);
    if (d.action === 'reject' && this.state.records[n]!.person === this.state.records[o]!.person)
      throw new BadIdentityRequestError(
        `identity decision REJECT: records ${d.recordId} and ${d.otherRecordId} are already one person; unlink one of them instead`,
      );
    // Aliases name the same records: the review is keyed by the records' own ids.
    const closed = this.state.closeReview(reviewKey(this.state.records[n]!.id, this.state.records[o]!.id));
    if (d.action === 'reject') {
      this.state.forbid(n, o);
      events.push(
        this.event('REVIEW_CLOSED', 'MANUAL', n, {
          otherPersonId: this.state.records[o]!.person,
          other: o,
          score: closed?.score ?? null,
          reason: d.reason ?? 'not the same person',
          decidedBy: d.decidedBy,
        }),
      );
      return events;
    }
    this.state.allow(n, o);
    if (closed !== undefined)
      events.push(
        this.event('REVIEW_CLOSED', 'MANUAL', n, {
          otherPersonId: this.state.records[o]!.person,
          other: o,
          score: closed.score,
          reason: 'linked by review',
          decidedBy: d.decidedBy,
        }),
      );
    this.mergePersons(n, o, 'MANUAL', d.reason ?? 'linked by review', d.decidedBy, null, events);
    return events;
  }

  /** Restores one record from its changelog snapshot (start-up; records in creation order). */
  restore(s: RecordSnapshot): void {
    const keys = blockingKeys(s.features);
    const existing = this.state.byId.get(s.id);
    if (existing !== undefined && this.state.records[existing]!.id === s.id) {
      const rec = this.state.records[existing]!;
      this.state.move([existing], s.person);
      this.state.setFeatures(existing, s.features, keys);
      for (const a of s.aliases) if (!rec.aliases.includes(a)) this.state.addAlias(existing, a);
    } else {
      this.state.addRecord({
        id: s.id,
        person: s.person,
        features: s.features,
        keys,
        seq: s.seq,
        aliases: [...s.aliases],
      });
    }
    this.seq = Math.max(this.seq, s.seq + 1);
  }

  /** Restores manual "not the same person" pairs once every record is back. */
  restoreNoLinks(snapshots: readonly RecordSnapshot[]): void {
    for (const s of snapshots) {
      const n = this.state.byId.get(s.id);
      for (const other of s.noLink) {
        const o = this.state.byId.get(other);
        if (n !== undefined && o !== undefined) this.state.forbid(n, o);
      }
    }
  }

  /** Best-scoring persons for some features (review tooling and tests); self excluded. */
  candidates(
    features: Features,
    self?: number,
    minScore = -Infinity,
    keys = blockingKeys(features),
  ): Candidate[] {
    const best = new Map<string, Candidate>();
    this.stampNo++;
    if (this.stampNo === 0xffffffff) {
      this.stamp.fill(0);
      this.stampNo = 1;
    }
    if (this.stamp.length < this.state.records.length) {
      const grown = new Uint32Array(Math.max(this.state.records.length, this.stamp.length * 2));
      grown.set(this.stamp);
      this.stamp = grown;
    }
    const stamp = this.stamp;
    const no = this.stampNo;
    const selfPerson = self === undefined ? undefined : this.state.records[self]!.person;
    for (const key of keys) {
      this.state.blocks.forEach(key, this.maxBlock, (c) => {
        if (stamp[c] === no || c === self) return;
        stamp[c] = no;
        const rec = this.state.records[c]!;
        if (rec.person === selfPerson) return;
        const score = this.scorer.scoreAtLeast(features, rec.features, minScore);
        if (score < minScore) return;
        const cur = best.get(rec.person);
        if (cur === undefined || score > cur.score)
          best.set(rec.person, { person: rec.person, rec: c, score });
      });
    }
    return [...best.values()].sort((a, b) => b.score - a.score || a.rec - b.rec);
  }

  /** Records changed since the last call, as changelog snapshots, plus changed reviews (null = closed). */
  drainChanges(): { records: RecordSnapshot[]; reviews: [string, Review | null][] } {
    const records = [...this.state.dirtyRecords].sort((a, b) => a - b).map((n) => this.state.snapshot(n));
    const reviews = [...this.state.dirtyReviews].map((k): [string, Review | null] => [
      k,
      this.state.reviews.get(k) ?? null,
    ]);
    this.state.dirtyRecords.clear();
    this.state.dirtyReviews.clear();
    return { records, reviews };
  }

  private requireRecord(id: string): number {
    const n = this.state.byId.get(id);
    if (n === undefined)
      throw new BadIdentityRequestError(
        `identity decision names record ${id}, which the index does not hold`,
      );
    return n;
  }

  private emptyFeatures(): Features {
    return toFeatures({}, this.deny);
  }

  /**
   * An SSN, phone or email already held by too many other records identifies nobody: drop it.
   * `self` (a record being observed again) does not count against its own value.
   */
  private guardShared(f: Features, self?: number): Features {
    let out = f;
    const mine = self === undefined ? undefined : this.state.records[self]!.features;
    for (const [field, rule] of Object.entries(SHARED_VALUE_RULES) as [
      keyof typeof SHARED_VALUE_RULES,
      number,
    ][]) {
      if (f[field] === null) continue;
      const key = blockingKey(rule, f);
      if (key === null) continue;
      const others = this.state.blocks.size(key) - (mine?.[field] === f[field] ? 1 : 0);
      if (others >= this.sharedLimit) out = { ...out, [field]: null };
    }
    return out;
  }

  private create(
    recordId: string,
    features: Features,
    others: readonly string[],
    requestId: string,
    events: LinkEvent[],
    skipMatching = false,
  ): number {
    // Deterministic: an identifier carried with this one is already known.
    for (const o of others) {
      const on = this.state.byId.get(o);
      if (on === undefined) continue;
      const known = this.state.records[on]!;
      // A shared identifier whose demographics strongly disagree is not trusted here: linkIdentifier
      // opens a review for it once the record exists.
      if (this.contradicts(features, known.features, this.scorer.score(features, known.features))) continue;
      const person = known.person;
      const n = this.state.addRecord({
        id: recordId,
        person,
        features,
        keys: blockingKeys(features),
        seq: this.seq++,
        aliases: NO_ALIASES,
      });
      events.push(this.event('LINK', 'IDENTIFIER', n, { other: on, reason: `carried with ${o}` }));
      return n;
    }
    let match: Candidate | undefined;
    let review: { c: Candidate; reason: string }[] = [];
    const keys = blockingKeys(features);
    if (!skipMatching && hasDemographics(features))
      ({ match, review } = this.decideMatch(features, undefined, keys));
    const person = match?.person ?? personIdFor(`person|${recordId}`);
    const n = this.state.addRecord({
      id: recordId,
      person,
      features,
      keys,
      seq: this.seq++,
      aliases: NO_ALIASES,
    });
    if (match !== undefined) {
      const rec = this.state.records[match.rec]!;
      events.push(
        this.event('LINK', 'PROBABILISTIC', n, {
          other: match.rec,
          score: match.score,
          contributions: this.scorer.explain(features, rec.features),
        }),
      );
    } else {
      events.push(this.event('LINK', 'NEW', n));
    }
    for (const r of review) this.open(n, r.c, r.reason, requestId, events);
    return n;
  }

  /** New demographics for a known record; a record that had none may now match someone. */
  private update(n: number, features: Features, requestId: string, events: LinkEvent[]): void {
    const rec = this.state.records[n]!;
    if (!hasDemographics(features) || sameFeatures(rec.features, features)) return;
    const hadNone = !hasDemographics(rec.features);
    this.state.setFeatures(n, features, blockingKeys(features));
    events.push(this.event('UPDATE', 'IDENTIFIER', n, { reason: 'demographics changed' }));
    // A person known only by a bare identifier (a claim before its roster line) can now be matched.
    if (hadNone && (this.state.persons.get(rec.person)?.length ?? 0) === 1) {
      const { match, review } = this.decideMatch(features, n);
      if (match !== undefined)
        this.mergePersons(
          match.rec,
          n,
          'PROBABILISTIC',
          'demographics arrived for a bare identifier',
          null,
          match.score,
          events,
          this.scorer.explain(features, this.state.records[match.rec]!.features),
        );
      for (const r of review) this.open(n, r.c, r.reason, requestId, events);
    }
  }

  /** Auto-link candidate and pairs for review, by the thresholds and the guards. */
  private decideMatch(
    features: Features,
    self: number | undefined,
    keys = blockingKeys(features),
  ): { match?: Candidate; review: { c: Candidate; reason: string }[] } {
    const { autoLink, review } = this.config.thresholds;
    const review_: { c: Candidate; reason: string }[] = [];
    let match: Candidate | undefined;
    for (const c of this.candidates(features, self, review, keys)) {
      if (self !== undefined && this.state.forbidden(self, c.person)) continue;
      if (c.score >= autoLink && match === undefined) {
        this.scorer.score(features, this.state.records[c.rec]!.features, this.levels);
        // Twins share family name, birth date, address and phone; only a personal identifier that
        // agrees exactly (SSN, email) outweighs given names that disagree. Twins' SSNs are often
        // consecutive, so a one-digit SSN difference does not count.
        const personal = this.levels[SSN] === EXACT || this.levels[EMAIL] === EXACT;
        if (
          this.requireGiven &&
          this.levels[GIVEN] === GIVEN_MISSING &&
          this.scorer.lastLocation <= 0 &&
          !personal
        ) {
          // Without a given name or an address that agrees, family name + birth date + sex
          // describe many people.
          review_.push({ c, reason: 'no given name and no address agreement to go on' });
        } else if (this.requireGiven && !GIVEN_STRONG.has(this.levels[GIVEN]!) && !personal) {
          // Twins' names are often alike (Jane/Joan): only the same name, a nickname or a typo passes.
          review_.push({ c, reason: 'given names differ (possible twin or family member)' });
        } else if (this.guardMoved && this.nothingWhereTheyLiveAgrees() && !personal) {
          // Nothing where they live agrees and no personal identifier does: a namesake (same
          // name and birth date) looks exactly like a person who moved. A person decides.
          review_.push({
            c,
            reason:
              'same name and birth date, but nothing of the address or phone agrees (possible namesake)',
          });
        } else if (this.levels[DOB] === DOB_ELSE && !personal) {
          // Same household, different generation: address, phone and family name agree, birth date does not.
          review_.push({ c, reason: 'birth dates disagree (possible family member)' });
        } else {
          match = c;
        }
      } else if (c.score >= autoLink) {
        review_.push({ c, reason: 'also above the auto-link threshold (possible duplicate persons)' });
      } else {
        review_.push({ c, reason: 'between the review and auto-link thresholds' });
      }
    }
    return { match, review: review_ };
  }

  /**
   * Files identifier `idKey` under record `n`: unknown -> alias; known on another person ->
   * the persons merge (unless demographics strongly disagree: then a review, for a non-authoritative source).
   */
  private linkIdentifier(
    n: number,
    idKey: string,
    method: LinkMethod,
    reason: string | null,
    requestId: string,
    events: LinkEvent[],
    authoritative = false,
  ): void {
    const o = this.state.byId.get(idKey);
    if (o === undefined) {
      this.state.addAlias(n, idKey);
      return;
    }
    const a = this.state.records[n]!;
    const b = this.state.records[o]!;
    if (a.person === b.person) return;
    const score = this.scorer.score(a.features, b.features);
    // A reviewer said these are different people: only the source's own merge message overrides that.
    const forbidden = !authoritative && this.personsForbidden(a.person, b.person);
    if (forbidden || (!authoritative && this.contradicts(a.features, b.features, score))) {
      this.open(
        n,
        { person: b.person, rec: o, score },
        forbidden
          ? `identifier ${idKey} is shared, but a reviewer decided these are different people`
          : `identifier ${idKey} is shared but demographics disagree`,
        requestId,
        events,
      );
      return;
    }
    this.mergePersons(n, o, method, reason ?? `shared identifier ${idKey}`, null, null, events);
  }

  /** Merges the persons of records a and b; the older person survives. */
  private mergePersons(
    a: number,
    b: number,
    method: LinkMethod,
    reason: string,
    decidedBy: string | null,
    score: number | null,
    events: LinkEvent[],
    contributions: Contribution[] = [],
  ): void {
    const pa = this.state.records[a]!.person;
    const pb = this.state.records[b]!.person;
    if (pa === pb) return;
    const oldest = (p: string): number =>
      Math.min(...(this.state.persons.get(p) ?? []).map((r) => this.state.records[r]!.seq));
    const [survivor, absorbed] = oldest(pa) <= oldest(pb) ? [pa, pb] : [pb, pa];
    const moved = [...(this.state.persons.get(absorbed) ?? [])];
    this.state.move(moved, survivor);
    const [keep, gone] = survivor === pa ? [a, b] : [b, a];
    events.push(
      this.event('MERGE', method, keep, {
        otherPersonId: absorbed,
        other: gone,
        score,
        contributions,
        moved: moved.map((r) => this.state.records[r]!.id),
        reason,
        decidedBy,
      }),
    );
    // Pairs waiting for review that are now one person are settled.
    for (const r of moved) {
      for (const key of this.state.reviewsOf(this.state.records[r]!.id)) {
        const rv = this.state.reviews.get(key);
        if (rv === undefined) continue;
        const x = this.state.byId.get(rv.recordId);
        const y = this.state.byId.get(rv.candidateRecordId);
        if (
          x === undefined ||
          y === undefined ||
          this.state.records[x]!.person !== this.state.records[y]!.person
        )
          continue;
        this.state.closeReview(key);
        events.push(
          this.event('REVIEW_CLOSED', method, x, {
            otherPersonId: survivor,
            other: y,
            score: rv.score,
            reason: 'merged into one person',
            decidedBy,
          }),
        );
      }
    }
  }

  /** Both sides have demographics and they score below review: a shared identifier is not trusted. */
  private contradicts(a: Features, b: Features, score: number): boolean {
    return hasDemographics(a) && hasDemographics(b) && score < this.config.thresholds.review;
  }

  /** True when a manual decision forbids any record of `p` with any record of `q`. */
  private personsForbidden(p: string, q: string): boolean {
    for (const r of this.state.persons.get(p) ?? []) if (this.state.forbidden(r, q)) return true;
    return false;
  }

  /**
   * The namesake signature: address or phone were compared and none of street, unit, city, zip
   * or phone agrees, even fuzzily (state alone and a house number alone say nothing).
   */
  private nothingWhereTheyLiveAgrees(): boolean {
    let compared = false;
    for (const i of LOCATION_EVIDENCE) {
      const l = this.levels[i]!;
      if (l === 0) continue;
      compared = true;
      if (l < COMPARISONS[i]!.levels.length - 1) return false; // any level but "else" agrees
    }
    return compared;
  }

  private open(n: number, c: Candidate, reason: string, requestId: string, events: LinkEvent[]): void {
    const rec = this.state.records[n]!;
    const other = this.state.records[c.rec]!;
    const key = reviewKey(rec.id, other.id);
    if (this.state.reviews.has(key)) return;
    const contributions = this.scorer.explain(rec.features, other.features);
    this.state.openReview({
      key,
      recordId: rec.id,
      candidateRecordId: other.id,
      score: round2(c.score),
      reason,
      contributions,
      openedBy: requestId,
    });
    events.push(
      this.event('REVIEW_OPENED', 'PROBABILISTIC', n, {
        otherPersonId: c.person,
        other: c.rec,
        score: c.score,
        contributions,
        reason,
      }),
    );
  }

  /** A link event about record `n`; the rest of the pair, score and reason as far as they apply. */
  private event(
    kind: LinkKind,
    method: LinkMethod,
    n: number,
    more: {
      otherPersonId?: string | null;
      /** The other record of the pair. */
      other?: number | null;
      score?: number | null;
      contributions?: Contribution[];
      /** Ids of the records that changed person (MERGE, SPLIT). */
      moved?: string[];
      reason?: string | null;
      decidedBy?: string | null;
    } = {},
  ): LinkEvent {
    const other = more.other ?? null;
    const score = more.score ?? null;
    return {
      kind,
      method,
      recordId: this.state.records[n]!.id,
      personId: this.state.records[n]!.person,
      otherPersonId: more.otherPersonId ?? null,
      otherRecordId: other === null ? null : this.state.records[other]!.id,
      score: score === null ? null : round2(score),
      contributions: more.contributions ?? [],
      movedRecordIds: more.moved ?? [],
      reason: more.reason ?? null,
      decidedBy: more.decidedBy ?? null,
    };
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
