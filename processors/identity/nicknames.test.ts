import { describe, expect, it } from 'vitest';
import { areNicknames, NICKNAME_GROUP_COUNT, nicknamesOf } from './nicknames.ts';

describe('nicknames', () => {
  it('links a diminutive to its formal name, both ways', () => {
    expect(areNicknames('bill', 'william')).toBe(true);
    expect(areNicknames('william', 'bill')).toBe(true);
    expect(areNicknames('peggy', 'margaret')).toBe(true);
    expect(areNicknames('bob', 'robert')).toBe(true);
  });

  it('links two diminutives of the same formal name', () => {
    expect(areNicknames('bill', 'will')).toBe(true);
    expect(areNicknames('liz', 'beth')).toBe(true);
  });

  it('is not an equality test and rejects unrelated or unknown names', () => {
    expect(areNicknames('william', 'william')).toBe(false);
    expect(areNicknames('william', 'robert')).toBe(false);
    expect(areNicknames('zzyzx', 'william')).toBe(false);
    expect(areNicknames('william', 'zzyzx')).toBe(false);
  });

  it('handles names in several groups without making membership transitive', () => {
    for (const formal of ['albert', 'alfred', 'alan', 'alexander'])
      expect(areNicknames('al', formal)).toBe(true);
    expect(areNicknames('albert', 'alfred')).toBe(false);
    expect(areNicknames('nate', 'nathan')).toBe(true);
    expect(areNicknames('nathan', 'jonathan')).toBe(true);
    expect(areNicknames('nate', 'jonathan')).toBe(false);
  });

  it('lists the other names of every group a name is in', () => {
    expect(nicknamesOf('william')).toEqual(expect.arrayContaining(['bill', 'will', 'liam']));
    expect(nicknamesOf('william')).not.toContain('william');
    expect(nicknamesOf('al')).toEqual(expect.arrayContaining(['albert', 'alfred', 'alan']));
    expect(nicknamesOf('zzyzx')).toEqual([]);
  });

  it('covers at least 250 formal names, all lowercase letters', () => {
    expect(NICKNAME_GROUP_COUNT).toBeGreaterThanOrEqual(250);
    for (const n of nicknamesOf('elizabeth')) expect(n).toMatch(/^[a-z]+$/);
  });
});
