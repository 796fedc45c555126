import { describe, expect, it } from 'vitest';
import { classifyRemoteName, clashName, loggableName } from '../../../producers/claims/sftp/names.ts';

describe('remote file names', () => {
  it('takes plain basenames', () => {
    for (const name of ['CCLF8.D240101.T0101010', 'P.A1234.ACO.ZC8Y24.D240101.T1200000', 'x', '9_a-b.csv'])
      expect(classifyRemoteName(name)).toEqual({ kind: 'file' });
    expect(classifyRemoteName('a'.repeat(255))).toEqual({ kind: 'file' });
  });

  it('skips hidden files and in-progress uploads silently', () => {
    for (const name of ['.', '..', '.claims.csv.part', '.done'])
      expect(classifyRemoteName(name)).toEqual({ kind: 'hidden' });
  });

  it('recognizes completion markers', () => {
    expect(classifyRemoteName('claims.csv.done')).toEqual({ kind: 'marker', of: 'claims.csv' });
    expect(classifyRemoteName('x.done.done')).toEqual({ kind: 'marker', of: 'x.done' });
  });

  it('refuses anything that is not a plain basename', () => {
    for (const name of [
      'with space.txt',
      '-rf',
      '_leading-underscore',
      'caf\u00e9.txt',
      'a\\b',
      'a/b',
      'tab\there',
      'bell\u0007',
      'a'.repeat(256),
      '',
    ])
      expect(classifyRemoteName(name)).toMatchObject({ kind: 'refused' });
  });

  it('numbers clashing names name, name~2, name~3', () => {
    expect([1, 2, 3].map((n) => clashName('a.txt', n))).toEqual(['a.txt', 'a.txt~2', 'a.txt~3']);
  });

  it('cuts long names short for logs', () => {
    expect(loggableName('b'.repeat(500))).toHaveLength(121);
    expect(loggableName('short')).toBe('short');
  });
});
