// Every public claims sample (../shared/data/x12 and cclf/bcda-app, see SOURCES.tsv) through the
// watcher's decision — the first pass of producers/claims/validate-file.ts, what the drop
// directory does before publishing. Expectations come from outside our code: BCDA's own test
// folders say which archives are valid, invalid or corrupted, and the X12 samples are known not
// to be publishable 5010 837 claims (tests/claims/x12/x12.corpus.test.ts locates why by hand).
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPayerMappings } from '../../../producers/claims/mapping/index.ts';
import { hashPath, validateClaimsFile, type Validation } from '../../../producers/claims/validate-file.ts';
import { SHARED_DATA, sharedFiles } from '../../support/shared-data.ts';

const files = [...sharedFiles('x12'), ...sharedFiles('cclf/bcda-app')].filter(
  (f) => !/\.(res997|resAck)\.txt$/.test(f) && !f.includes('/cclf/layouts/'),
);

async function decide(path: string): Promise<{ decision: 'publish' | 'quarantine'; v: Validation }> {
  const h = await hashPath(path);
  if (!h.ok) throw new Error(`${path}: ${h.reason}`);
  const v = await validateClaimsFile(path, h, await loadPayerMappings('payers'));
  return { decision: v.fileLevel || v.badLines > 0 ? 'quarantine' : 'publish', v };
}

describe('public claims samples through the watcher decision', () => {
  it('finds the samples', () => expect(files.length).toBeGreaterThan(150));

  it('decides every file without throwing, and says why for every quarantine', async () => {
    for (const f of files) {
      const { decision, v } = await decide(f);
      if (decision === 'quarantine') expect(v.problems.length, relative(SHARED_DATA, f)).toBeGreaterThan(0);
      // Problems name line, field and rule: never a value of the file.
      for (const p of v.problems) expect(p.message).not.toMatch(/\d{3}-\d{2}-\d{4}/);
    }
  }, 120_000);

  it('no public X12 sample is a publishable 5010 837 (pre-ICD-10 or other transactions)', async () => {
    for (const f of files.filter((x) => x.includes('/x12/')))
      expect((await decide(f)).decision, relative(SHARED_DATA, f)).toBe('quarantine');
  }, 60_000);

  it('BCDA archives labelled valid are published, with every entry parsed and CCLF0 counts agreeing', async () => {
    const valid = files.filter((f) => /\/archives\/(valid|8\/valid)\//.test(f));
    expect(valid.length).toBeGreaterThanOrEqual(8);
    for (const f of valid) {
      const { decision, v } = await decide(f);
      expect(decision, relative(SHARED_DATA, f)).toBe('publish');
      expect(v.format).toBe('ZIP');
      expect(v.units.every((u) => /^CCLF[0-9]$/.test(u.format))).toBe(true);
    }
  }, 60_000);

  it('BCDA archives labelled corrupted or invalid are quarantined', async () => {
    const bad = files.filter((f) => /\/archives\/(corrupted|0\/invalid|8\/invalid)\//.test(f));
    expect(bad.length).toBeGreaterThanOrEqual(4);
    for (const f of bad) expect((await decide(f)).decision, relative(SHARED_DATA, f)).toBe('quarantine');
  }, 60_000);
});
