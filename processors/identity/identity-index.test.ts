import { describe, expect, it } from 'vitest';
import { defaultIdentitySettings, identityConfig } from './config.ts';
import { IdentityIndex } from './identity-index.ts';
import type { IdentityInput } from './types.ts';

const fresh = (): IdentityIndex =>
  new IdentityIndex(identityConfig(defaultIdentitySettings({ sharedValueLimit: 3 })));
const mrn = (system: string, value: string): IdentityInput['primary'] => ({ type: 'MR', system, value });
const JANE = {
  given: 'Jane',
  family: 'Doe',
  birthDate: '1958-04-12',
  sex: 'F',
  street: '12 Main St',
  city: 'Springfield',
  state: 'IL',
  postalCode: '62701',
  phone: '2175550100',
};

describe('identity index', () => {
  // Golden pairs: checked by hand against the comparison levels and the shipped model.
  it.each([
    ['nickname and typo in the street', { ...JANE, given: 'Janie', street: '12 Mian St' }, 'link'],
    ['day and month swapped', { ...JANE, birthDate: '1958-12-04' }, 'link'],
    ['given and family swapped', { ...JANE, given: 'Doe', family: 'Jane' }, 'link'],
    ['married name, same everything else', { ...JANE, family: 'Smith' }, 'link'],
    [
      'twin: same family, birth date, address and phone, other given name',
      { ...JANE, given: 'Joan' },
      'review',
    ],
    [
      'parent: same family, address and phone, other birth date',
      { ...JANE, given: 'Janet', birthDate: '1931-02-20' },
      'review',
    ],
    [
      'sibling with another name: same household, other birth date',
      { ...JANE, given: 'Robert', sex: 'M', birthDate: '1961-09-30' },
      'new',
    ],
    [
      'stranger',
      { given: 'Carlos', family: 'Ruiz', birthDate: '1990-07-01', sex: 'M', postalCode: '73301' },
      'new',
    ],
  ])('%s -> %s', (_, other, expected) => {
    const ix = fresh();
    const a = ix.observe({ primary: mrn('NORTH', '1'), ...JANE }, 'r1');
    const b = ix.observe({ primary: mrn('SOUTH', '2'), ...other }, 'r2');
    const outcome = b.personId === a.personId ? 'link' : ix.state.reviews.size > 0 ? 'review' : 'new';
    expect(outcome).toBe(expected);
    if (expected === 'link') {
      const link = b.events.find((e) => e.kind === 'LINK')!;
      expect(link.method).toBe('PROBABILISTIC');
      // The explanation adds up to the score.
      const sum = link.contributions.reduce((s, c) => s + c.weight, 0);
      expect(sum).toBeCloseTo(link.score!, 0);
    }
  });

  it('without a given name or address, family + birth date + sex is not enough to link', () => {
    const ix = fresh();
    const only = { given: 'Patient', family: 'Demo', birthDate: '1960-01-01', sex: 'F' }; // "patient" is a placeholder
    const a = ix.observe({ primary: mrn('CLINIC', '1'), ...only }, 'r1');
    const b = ix.observe({ primary: mrn('CLINIC', '2'), ...only }, 'r2');
    expect(b.personId).not.toBe(a.personId);
    expect([...ix.state.reviews.values()].map((r) => r.reason)).toEqual([
      'no given name and no address agreement to go on',
    ]);
  });

  it('the same identifier is the same record; identifiers carried together link deterministically', () => {
    const ix = fresh();
    const a = ix.observe(
      { primary: mrn('NORTH', '1'), others: [{ type: 'MBI', system: 'CMS', value: '1EG4TE5MK73' }], ...JANE },
      'r1',
    );
    const b = ix.observe({ primary: { type: 'MBI', system: 'CMS', value: '1EG4TE5MK73' } }, 'r2');
    const c = ix.observe({ primary: mrn('NORTH', '1'), ...JANE, phone: '2175550199' }, 'r3');
    expect(b.personId).toBe(a.personId);
    expect(c.personId).toBe(a.personId);
    expect(c.events.map((e) => e.kind)).toEqual(['UPDATE']);
    expect(ix.state.records).toHaveLength(1);
  });

  it('a roster line carrying the practice MRN links member id and MRN (router + index)', async () => {
    const { routeRosterMember } = await import('./route.ts');
    const ctx = { source: { topic: 'roster.member.v1', partition: 0, offset: 7 }, key: null, timestamp: 0 };
    const [out] = routeRosterMember(
      {
        memberId: 'M77',
        memberIdType: 'PAYER_MEMBER_ID',
        contractId: null,
        familyName: 'Roe',
        givenName: 'Rita',
        middleName: null,
        birthDate: '1970-01-02',
        sex: 'F',
        postalCode: null,
        phone: null,
        mrn: '12345',
        mrnAssigningAuthority: 'NORTHCLINIC',
      },
      ctx,
    );
    const req = out!.value as { observation: IdentityInput };
    const ix = fresh();
    const hl7 = ix.observe({ primary: mrn('NORTHCLINIC', '12345'), given: 'Rita', family: 'Roe' }, 'r1');
    const roster = ix.observe(req.observation, 'r2');
    expect(roster.personId).toBe(hl7.personId);
    expect(roster.events[0]).toMatchObject({ kind: 'LINK', method: 'IDENTIFIER' });
  });

  it('placeholder identifiers and values never link two people', () => {
    const ix = fresh();
    const a = ix.observe(
      {
        primary: mrn('ER', 'UNKNOWN'),
        given: 'Baby',
        family: 'Unknown',
        ssn: '000-00-0000',
        phone: '9999999999',
      },
      'r1',
    );
    const b = ix.observe(
      {
        primary: mrn('ER', 'UNKNOWN'),
        given: 'Baby',
        family: 'Unknown',
        ssn: '000-00-0000',
        phone: '9999999999',
      },
      'r2',
    );
    expect(b.personId).not.toBe(a.personId);
    expect(b.recordId).toBe('MR|ER|UNKNOWN#r2');
  });

  it('an SSN shared by too many records stops counting as evidence', () => {
    const ix = fresh();
    const shared = '123-45-6789';
    const people = ['Ann', 'Bob', 'Cid', 'Dee', 'Eve'].map((given, i) =>
      ix.observe(
        {
          primary: mrn('CLINIC', String(i)),
          given,
          family: `F${'abcde'[i]}x`,
          ssn: shared,
          birthDate: `19${50 + i}-01-01`,
        },
        `r${i}`,
      ),
    );
    expect(new Set(people.map((p) => p.personId)).size).toBe(5);
    // A sixth record carrying the SSN and a blank name gets nothing from the SSN.
    const sixth = ix.observe({ primary: mrn('CLINIC', '9'), ssn: shared }, 'r9');
    expect(people.map((p) => p.personId)).not.toContain(sixth.personId);
  });

  it('merge moves identifiers; unlink splits one record off and it is never re-linked automatically', () => {
    const ix = fresh();
    const a = ix.observe({ primary: mrn('NORTH', '1'), ...JANE }, 'r1');
    const b = ix.observe({ primary: mrn('SOUTH', '2'), ...JANE, birthDate: '1985-01-01', given: 'J' }, 'r2');
    expect(b.personId).not.toBe(a.personId);
    const merged = ix.merge(mrn('NORTH', '1'), [mrn('SOUTH', '2')], 'MERGE_MESSAGE', 'r3');
    // The pair had been sent to review (birth dates disagree); the merge settles it.
    expect(merged.events).toMatchObject([
      { kind: 'MERGE', personId: a.personId, otherPersonId: b.personId, movedRecordIds: ['MR|SOUTH|2'] },
      { kind: 'REVIEW_CLOSED', reason: 'merged into one person' },
    ]);
    expect(ix.state.reviews.size).toBe(0);
    expect(ix.personOf(mrn('SOUTH', '2'))).toBe(a.personId);

    const split = ix.decide({ action: 'unlink', recordId: 'MR|SOUTH|2', decidedBy: 'rev' }, 'r4');
    expect(split).toMatchObject([
      { kind: 'SPLIT', otherPersonId: a.personId, movedRecordIds: ['MR|SOUTH|2'] },
    ]);
    const newPerson = ix.personOf(mrn('SOUTH', '2'))!;
    expect(newPerson).not.toBe(a.personId);
    // Same demographics again under the split record's identifier: stays split.
    ix.observe({ primary: mrn('SOUTH', '2'), ...JANE }, 'r5');
    expect(ix.personOf(mrn('SOUTH', '2'))).toBe(newPerson);
  });

  it('an unlink is not undone by the identifiers the records carry together', () => {
    const ix = fresh();
    ix.observe({ primary: { type: 'MB', system: 'PAYER', value: 'M1' }, ...JANE }, 'r1');
    const carried = {
      primary: mrn('NORTH', '1'),
      others: [{ type: 'MB', system: 'PAYER', value: 'M1' }],
      ...JANE,
    };
    const a = ix.observe(carried, 'r2');
    expect(ix.personOf('MB|PAYER|M1')).toBe(a.personId);
    ix.decide({ action: 'unlink', recordId: 'MR|NORTH|1', decidedBy: 'rev' }, 'r3');
    const again = ix.observe(carried, 'r4');
    expect(again.personId).not.toBe(ix.personOf('MB|PAYER|M1'));
    expect(again.events.map((e) => e.kind)).toEqual(['REVIEW_OPENED']);
  });

  it('refuses a placeholder merge survivor and a reject inside one person, changing nothing', () => {
    const ix = fresh();
    ix.observe({ primary: mrn('ER', '1'), ...JANE }, 'r1');
    expect(() => ix.merge(mrn('ER', 'UNKNOWN'), [mrn('ER', '1')], 'MERGE_MESSAGE', 'r2')).toThrow(
      /placeholder/,
    );
    ix.merge(mrn('ER', '1'), [mrn('ER', '2')], 'MERGE_MESSAGE', 'r3');
    expect(() =>
      ix.decide({ action: 'reject', recordId: 'MR|ER|1', otherRecordId: 'MR|ER|2', decidedBy: 'rev' }, 'r4'),
    ).toThrow(/already one person/);
  });

  it('re-observing a record does not count its own SSN as shared', () => {
    const ix = fresh(); // shared limit 3
    const ssn = '123-45-6780';
    for (let i = 0; i < 3; i++)
      ix.observe({ primary: mrn('C', String(10 + i)), given: `G${'abc'[i]}x`, family: 'Fam', ssn }, `r${i}`);
    const again = ix.observe({ primary: mrn('C', '10'), given: 'Gax', family: 'Fam', ssn }, 'r9');
    expect(again.events).toEqual([]); // unchanged: no spurious UPDATE
  });

  it("a bare identifier that gets a twin's demographics opens a review instead of nothing", () => {
    const ix = fresh();
    ix.observe({ primary: mrn('NORTH', '1'), ...JANE }, 'r1');
    ix.observe({ primary: { type: 'MBI', system: 'CMS', value: '1EG4TE5MK73' } }, 'r2');
    const twin = ix.observe(
      { primary: { type: 'MBI', system: 'CMS', value: '1EG4TE5MK73' }, ...JANE, given: 'Joan' },
      'r3',
    );
    expect(twin.events.map((e) => e.kind)).toEqual(['UPDATE', 'REVIEW_OPENED']);
  });

  it('review decisions: link merges the pair, reject keeps them apart for good', () => {
    const ix = fresh();
    const a = ix.observe({ primary: mrn('NORTH', '1'), ...JANE }, 'r1');
    const twin = ix.observe({ primary: mrn('SOUTH', '2'), ...JANE, given: 'Joan' }, 'r2');
    expect([...ix.state.reviews.values()]).toHaveLength(1);
    const rejected = ix.decide(
      { action: 'reject', recordId: 'MR|SOUTH|2', otherRecordId: 'MR|NORTH|1', decidedBy: 'rev' },
      'r3',
    );
    expect(rejected[0]).toMatchObject({ kind: 'REVIEW_CLOSED', decidedBy: 'rev' });
    expect(ix.state.reviews.size).toBe(0);
    expect(ix.personOf(mrn('SOUTH', '2'))).toBe(twin.personId);

    const ix2 = fresh();
    ix2.observe({ primary: mrn('NORTH', '1'), ...JANE }, 'r1');
    ix2.observe({ primary: mrn('SOUTH', '2'), ...JANE, given: 'Joan' }, 'r2');
    const linked = ix2.decide(
      { action: 'link', recordId: 'MR|SOUTH|2', otherRecordId: 'MR|NORTH|1', decidedBy: 'rev' },
      'r3',
    );
    expect(linked.map((e) => e.kind)).toEqual(['REVIEW_CLOSED', 'MERGE']);
    expect(ix2.personOf(mrn('SOUTH', '2'))).toBe(ix2.personOf(mrn('NORTH', '1')));
    expect(a.personId).toBe(ix2.personOf(mrn('NORTH', '1')));
  });

  it('a bare identifier (claim before roster) joins its person once demographics arrive', () => {
    const ix = fresh();
    const a = ix.observe({ primary: mrn('NORTH', '1'), ...JANE }, 'r1');
    const claim = ix.observe({ primary: { type: 'MB', system: 'PAYER', value: 'M1' } }, 'r2');
    expect(claim.personId).not.toBe(a.personId);
    const roster = ix.observe(
      { primary: { type: 'MB', system: 'PAYER', value: 'M1' }, ...JANE, given: 'Janie' },
      'r3',
    );
    expect(roster.personId).toBe(a.personId);
    expect(roster.events.map((e) => e.kind)).toEqual(['UPDATE', 'MERGE']);
  });

  it('same requests in the same order give the same person ids (replay)', () => {
    const run = (): string[] => {
      const ix = fresh();
      return [JANE, { ...JANE, given: 'Janie' }, { ...JANE, given: 'Joan' }].map(
        (d, i) => ix.observe({ primary: mrn('C', String(i)), ...d }, `r${i}`).personId,
      );
    };
    expect(run()).toEqual(run());
  });
});
