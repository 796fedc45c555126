import { describe, expect, it } from 'vitest';
import { COMPARISONS } from './comparisons.ts';
import { compileDenyLists, DEFAULT_DENY_LISTS, toFeatures } from './features.ts';
import type { Demographics } from './types.ts';

const deny = compileDenyLists(DEFAULT_DENY_LISTS);
const level = (name: string, a: Demographics, b: Demographics): string => {
  const c = COMPARISONS.find((x) => x.name === name)!;
  return c.levels[c.compare(toFeatures(a, deny), toFeatures(b, deny))]!;
};

describe('comparison levels', () => {
  it('given name: exact, swapped, nickname, typo, phonetic, initial, else, missing', () => {
    expect(level('given', { given: 'Jane' }, { given: 'JANE' })).toBe('exact');
    expect(level('given', { given: 'Jane', family: 'Doe' }, { given: 'Doe', family: 'Jane' })).toBe(
      'swapped',
    );
    expect(level('given', { given: 'William' }, { given: 'Bill' })).toBe('nickname');
    expect(level('given', { given: 'Jonathan' }, { given: 'Jonathon' })).toBe('jw>=0.92');
    expect(level('given', { given: 'Catherine' }, { given: 'Kathryn' })).toBe('phonetic');
    expect(level('given', { given: 'J' }, { given: 'John' })).toBe('initial');
    expect(level('given', { given: 'Mary' }, { given: 'Susan' })).toBe('else');
    expect(level('given', { given: null }, { given: 'Susan' })).toBe('missing');
  });

  it('family name: punctuation and case do not matter; double-barrelled names match a part', () => {
    expect(level('family', { family: "O'Brien" }, { family: 'OBRIEN' })).toBe('exact');
    expect(level('family', { family: 'Smith' }, { family: 'Smith-Jones' })).toBe('part');
    expect(level('family', { family: 'Johnson' }, { family: 'Jonhson' })).toBe('jw>=0.92');
    expect(level('family', { family: 'Smith' }, { family: 'Smyth' })).toBe('phonetic');
  });

  it('birth date: exact, day/month swapped, one digit, year off by one, else', () => {
    expect(level('birth_date', { birthDate: '1958-04-12' }, { birthDate: '19580412' })).toBe('exact');
    expect(level('birth_date', { birthDate: '1958-04-12' }, { birthDate: '1958-12-04' })).toBe(
      'day/month swapped',
    );
    expect(level('birth_date', { birthDate: '1958-04-12' }, { birthDate: '1958-04-13' })).toBe('one digit');
    expect(level('birth_date', { birthDate: '1958-04-12' }, { birthDate: '1959-04-12' })).toBe('one digit');
    expect(level('birth_date', { birthDate: '1960-04-12' }, { birthDate: '1959-04-12' })).toBe('year +-1');
    expect(level('birth_date', { birthDate: '1958-04-12' }, { birthDate: '1971-09-30' })).toBe('else');
    expect(level('birth_date', { birthDate: '1958-13-40' }, { birthDate: '1958-04-12' })).toBe('missing');
  });

  it('address: street abbreviations normalized, number compared on its own', () => {
    expect(level('street_name', { street: '12 Main St' }, { street: '12 main street' })).toBe('exact');
    expect(level('street_number', { street: '12 Main St' }, { street: '14 Main St' })).toBe('else');
    expect(level('postal_code', { postalCode: '62701-1234' }, { postalCode: '62701' })).toBe('exact');
    expect(level('postal_code', { postalCode: '62701' }, { postalCode: '62710' })).toBe('one edit');
  });

  it('placeholders are missing, never agreement', () => {
    expect(level('ssn', { ssn: '000-00-0000' }, { ssn: '000000000' })).toBe('missing');
    expect(level('ssn', { ssn: '999-99-9999' }, { ssn: '999999999' })).toBe('missing');
    expect(level('phone', { phone: '(999) 999-9999' }, { phone: '9999999999' })).toBe('missing');
    expect(level('family', { family: 'UNKNOWN' }, { family: 'unknown' })).toBe('missing');
    expect(level('given', { given: 'Baby Girl' }, { given: 'BABYGIRL' })).toBe('missing');
    expect(level('email', { email: 'none@none.com' }, { email: 'NONE@none.com' })).toBe('missing');
  });

  it('phone, email and ssn typos', () => {
    expect(level('phone', { phone: '217-555-0100' }, { phone: '2175550101' })).toBe('one edit');
    expect(level('email', { email: 'jane.doe@a.com' }, { email: 'jane.doe@b.org' })).toBe('same user');
    expect(level('ssn', { ssn: '123-45-6780' }, { ssn: '123456708' })).toBe('one edit');
  });
});
