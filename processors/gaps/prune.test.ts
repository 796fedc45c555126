import { beforeAll, describe, expect, it } from 'vitest';
import { loadContractLibrary, type ContractLibrary } from '../contracts/load.ts';
import type { Fact } from '../contracts/types.ts';
import { pruneFacts, retentionPolicy } from './prune.ts';
import { addFacts, emptyState } from './state.ts';

let library: ContractLibrary;
beforeAll(async () => {
  library = await loadContractLibrary('contracts');
});

const source = { topic: 't', partition: 0, offset: 0, ref: 'r' };
const code = (system: 'CPT' | 'ICD10CM', c: string, date: string): Fact => ({
  kind: 'code',
  id: `c|${system}|${c}|${date}`,
  recordId: 'R',
  system,
  code: c,
  date,
  end: null,
  setting: null,
  source,
});

describe('pruneFacts', () => {
  it('the horizon is the earliest window start of the contracts in force (colonoscopy: 9 years back)', () => {
    const p = retentionPolicy(library, '2026-11-25');
    expect(p.horizon).toBe('2017-01-01');
    expect(p.historySets.has('bilateral-mastectomy')).toBe(true);
    expect(p.historySets.has('colonoscopy')).toBe(false);
  });

  it('drops what no window reaches, keeps the earliest history evidence per code', () => {
    const s = emptyState();
    addFacts(s, [
      code('CPT', '77067', '2012-03-01'), // mammography: no window reaches 2012
      code('CPT', '45378', '2016-12-31'), // colonoscopy a day too old
      code('CPT', '45378', '2017-01-01'), // colonoscopy on the first day of the window
      code('ICD10CM', 'Z9013', '2012-05-01'), // bilateral mastectomy: history, earliest kept
      code('ICD10CM', 'Z9013', '2014-05-01'),
      code('ICD10CM', 'Z9013', '2020-05-01'), // inside the horizon: kept as is
      {
        kind: 'enrollment',
        id: 'e|old',
        recordId: 'R',
        start: '2010-01-01',
        end: '2015-12-31',
        sourceFile: 'EXH_ROSTER_20150101.csv',
        contractId: null,
        lineOfBusiness: null,
        pcpNpi: null,
        pcpTin: null,
        recordedAt: 0,
        source,
      },
    ]);
    expect(pruneFacts(s, library, '2026-11-25')).toBe(4);
    expect(Object.keys(s.facts).sort()).toEqual([
      'c|CPT|45378|2017-01-01',
      'c|ICD10CM|Z9013|2012-05-01',
      'c|ICD10CM|Z9013|2020-05-01',
    ]);
  });
});
