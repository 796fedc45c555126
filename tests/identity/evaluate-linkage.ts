/**
 * Runs a labelled record-linkage set through the identity index exactly as the stream processor
 * would (one observation at a time, in file order), after estimating the model from the set's
 * own records with EM (no labels used), and scores the resulting persons against the truth.
 */
import { trainModel } from '../../processors/identity/em.ts';
import { compileDenyLists, DEFAULT_DENY_LISTS, toFeatures } from '../../processors/identity/features.ts';
import { IdentityIndex } from '../../processors/identity/identity-index.ts';
import { recordIdOf } from '../../processors/identity/types.ts';
import { DEFAULT_THRESHOLDS } from '../../processors/identity/defaults.ts';
import { scoreClusters, type LinkageSet, type PairScore } from './linkage-sets.ts';

export interface LinkageResult extends PairScore {
  dataset: string;
  /** Pairs left for review at the end. */
  review: number;
  /** Of those, pairs that are truly the same person. */
  review_true: number;
  seconds: number;
  em_iterations: number;
}

export function evaluateLinkage(set: LinkageSet): LinkageResult {
  const started = performance.now();
  const deny = compileDenyLists(DEFAULT_DENY_LISTS);
  const em = trainModel(
    set.records.map((r) => toFeatures(r.input, deny)),
    { trainedOn: set.name },
  );
  const index = new IdentityIndex({ model: em.params, thresholds: DEFAULT_THRESHOLDS });
  const persons = set.records.map((r, i) => index.observe(r.input, `${set.name}:${i}`).personId);
  // Later merges move earlier records: read every record's final person.
  const finalPersons = set.records.map((r, i) => index.personOf(r.input.primary) ?? persons[i]!);
  const seconds = (performance.now() - started) / 1000;
  const truthOf = new Map(set.records.map((r) => [recordIdOf(r.input.primary), r.truth]));
  let reviewTrue = 0;
  for (const rv of index.state.reviews.values())
    if (truthOf.get(rv.recordId) === truthOf.get(rv.candidateRecordId)) reviewTrue++;
  return {
    dataset: set.name,
    ...scoreClusters(
      set.records.map((r) => r.truth),
      finalPersons,
    ),
    review: index.state.reviews.size,
    review_true: reviewTrue,
    seconds,
    em_iterations: em.iterations,
  };
}
