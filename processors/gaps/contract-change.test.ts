/**
 * Contract change: edit a contract (new version with another CMS125 age band and without
 * CMS165), recompute, and check the published changes are exactly the status differences the
 * engine gives for old vs new logic per person — nothing for unchanged statuses, NOT_IN_DENOMINATOR
 * for the dropped measure — each carrying the new contract version.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContractLibrary, type ContractLibrary } from '../contracts/load.ts';
import { loadContractTests, toFacts } from '../contracts/contract-tests.ts';
import type { Fact, GapStatus } from '../contracts/types.ts';
import { periodFor } from '../contracts/dates.ts';
import { evaluatePerson } from './evaluate.ts';
import { reconcile } from './reconcile.ts';
import { recompute } from './recompute.ts';
import { addFacts, emptyState, type PersonState } from './state.ts';
import { EDITED_VERSION, editedContractsDir } from '../../tests/gaps/edited-contracts.ts';

const AS_OF = '2026-11-25';
const CONTRACT = 'example-mssp-aco';
let dir: string;
let before: ContractLibrary;
let after: ContractLibrary;
let people: Map<string, Fact[]>;

beforeAll(async () => {
  dir = editedContractsDir();
  before = await loadContractLibrary('contracts');
  after = await loadContractLibrary(dir);
  // The shipped MSSP test members (women around the CMS125 age boundaries, hypertensives, ...).
  people = new Map();
  for (const file of await loadContractTests('contracts', [CONTRACT])) {
    for (const m of file.members) people.set(`${file.file}#${m.name}`, toFacts(m, file));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Statuses straight from the engine, measure → status (absent measures are not in the denominator). */
function statuses(library: ContractLibrary, facts: Fact[]): Map<string, GapStatus> {
  const version = library.activeVersion(CONTRACT, AS_OF)!;
  const contract = library.resolve(CONTRACT, version.version);
  const r = evaluatePerson(facts, {
    contract,
    valueSets: library.valueSets,
    period: periodFor(version, AS_OF),
    asOf: AS_OF,
  });
  return new Map(r.measures.map((m) => [m.measure, m.status]));
}

const ENUM: Record<GapStatus, string> = {
  open: 'OPEN',
  closed: 'CLOSED',
  excluded: 'EXCLUDED',
  'not-in-denominator': 'NOT_IN_DENOMINATOR',
};

describe('editing a contract and recomputing', () => {
  it('publishes exactly the changes the new logic implies, with the new version', () => {
    expect(people.size).toBeGreaterThan(40);
    // What the live processor published under the old contract.
    const live = new Map<string, PersonState>();
    for (const [person, facts] of people) {
      const s = emptyState();
      addFacts(s, facts);
      reconcile(s, before, {
        personId: person,
        asOf: AS_OF,
        at: 1,
        trigger: 'EVENT',
        contractIds: [CONTRACT],
      });
      live.set(person, s);
    }
    const folded = new Map<string, PersonState>();
    for (const [p, facts] of people) {
      const s = emptyState();
      addFacts(s, facts);
      folded.set(p, s);
    }
    const { changes } = recompute(folded, live, after, { asOf: AS_OF, at: 2, contractIds: [CONTRACT] });

    const published = [...changes.values()]
      .flatMap((c) => c.gaps)
      .map((g) => `${g.personId} ${g.measureId} ${g.oldStatus ?? 'null'}→${g.newStatus}`)
      .sort();
    const expected: string[] = [];
    for (const [person, facts] of people) {
      const old = statuses(before, facts);
      const now = statuses(after, facts);
      for (const measure of new Set([...old.keys(), ...now.keys()])) {
        const o = old.get(measure) ?? 'not-in-denominator';
        const n = now.get(measure) ?? 'not-in-denominator';
        if (o === n) continue;
        // A status never published before (not in a denominator) shows as null.
        expected.push(`${person} ${measure} ${o === 'not-in-denominator' ? 'null' : ENUM[o]}→${ENUM[n]}`);
      }
    }
    expected.sort();
    expect(published).toEqual(expected);
    // The edit matters: CMS165 leaves every denominator, and the 51-year-old enters CMS125's.
    expect(published.some((p) => p.includes('CMS165') && p.endsWith('→NOT_IN_DENOMINATOR'))).toBe(true);
    expect(published.some((p) => p.includes('age-51-at-period-end CMS125 null→OPEN'))).toBe(true);
    for (const g of [...changes.values()].flatMap((c) => c.gaps)) {
      expect(g).toMatchObject({ contractVersion: EDITED_VERSION, trigger: 'RECOMPUTE' });
    }
    // Attribution logic did not change: no attribution changes.
    expect([...changes.values()].flatMap((c) => c.attributions)).toEqual([]);
  });
});
