/**
 * Distribution sanity for 2,000 members: the population mix, every attribution scenario, every
 * measure scenario (decided inside a denominator), every status, and the age band edges.
 */
import { describe, expect, it } from 'vitest';
import { COMMERCIAL_CONTRACT, MSSP_CONTRACT } from './contracts.ts';
import { generateMembers } from './member.ts';
import { ATTRIBUTION_MEANS, GROUPS, type GroupId } from './scenarios.ts';

describe('distribution (2,000 members)', () => {
  const members = [...generateMembers({ members: 2000, seed: 42 })];

  it('about 60% Medicare ACO, 40% commercial', () => {
    const medicare = members.filter((m) => m.contractId === MSSP_CONTRACT).length;
    expect(medicare / members.length).toBeGreaterThan(0.55);
    expect(medicare / members.length).toBeLessThan(0.65);
    expect(members.filter((m) => m.contractId === COMMERCIAL_CONTRACT).length).toBe(
      members.length - medicare,
    );
  });

  it('every attribution scenario occurs, and both outcomes for each contract', () => {
    const seen = new Set(members.map((m) => m.attribution.scenario));
    expect([...seen].sort()).toEqual(Object.keys(ATTRIBUTION_MEANS).sort());
    for (const c of [MSSP_CONTRACT, COMMERCIAL_CONTRACT]) {
      const of = members.filter((m) => m.contractId === c);
      expect(of.some((m) => m.attribution.attributed)).toBe(true);
      expect(of.some((m) => !m.attribution.attributed)).toBe(true);
    }
  });

  it('every scenario of every group decides at least one expected status', () => {
    const decided = new Map<string, number>();
    for (const m of members)
      for (const g of m.gaps)
        if (g.status !== 'not-in-denominator') decided.set(g.scenario, (decided.get(g.scenario) ?? 0) + 1);
    const missing: string[] = [];
    for (const [g, def] of Object.entries(GROUPS) as [GroupId, (typeof GROUPS)[GroupId]][])
      for (const s of Object.keys(def.table)) if (!decided.has(s)) missing.push(`${g}:${s}`);
    for (const s of ['hospice', 'deceased', 'palliative-care']) if (!decided.has(s)) missing.push(s);
    expect(missing).toEqual([]);
    // Denominator twists show as not-in-denominator.
    const nid = new Set(
      members.flatMap((m) => m.gaps.filter((g) => g.status === 'not-in-denominator').map((g) => g.scenario)),
    );
    for (const s of [
      'not-attributed',
      'no-roster-enrollment',
      'enrollment-gap-73-days',
      'htn-dx-after-june',
      'no-diabetes',
      'sex-M',
    ])
      expect(nid.has(s), s).toBe(true);
  });

  it('every status occurs for every measure', () => {
    const byMeasure = new Map<string, Set<string>>();
    for (const m of members)
      for (const g of m.gaps) {
        if (!byMeasure.has(g.measureId)) byMeasure.set(g.measureId, new Set());
        byMeasure.get(g.measureId)!.add(g.status);
      }
    for (const [measure, statuses] of byMeasure)
      expect({ measure, statuses: [...statuses].sort() }).toEqual({
        measure,
        statuses: ['closed', 'excluded', 'not-in-denominator', 'open'],
      });
  });

  it('age band edges are populated: 74/75/76, 85/86, 44/45/46, 23/24, 51/52, 17/18', () => {
    const ages = new Set(members.map((m) => `${m.contractId === MSSP_CONTRACT ? 'M' : 'C'}${m.age}`));
    for (const a of [
      'M74',
      'M75',
      'M76',
      'M85',
      'M86',
      'M65',
      'C44',
      'C45',
      'C46',
      'C23',
      'C24',
      'C51',
      'C52',
      'C17',
      'C18',
      'C64',
    ])
      expect(ages.has(a), a).toBe(true);
    // The commercial 2026.2 override: a 45-year-old is in the CMS130 denominator there.
    const c45 = members.filter(
      (m) => m.contractId === COMMERCIAL_CONTRACT && m.age === 45 && m.attribution.scenario === 'roster-ours',
    );
    expect(
      c45.some((m) => m.gaps.some((g) => g.measureId === 'CMS130' && g.status !== 'not-in-denominator')),
    ).toBe(true);
  });

  it('events: a realistic count per member (about 20-60)', () => {
    const n = members.reduce((a, m) => a + m.events.length, 0) / members.length;
    expect(n).toBeGreaterThan(20);
    expect(n).toBeLessThan(60);
  });
});
