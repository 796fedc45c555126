/**
 * The measure engine against the shipped contract test cases (contracts/tests): hand-built
 * scenarios per measure — age boundaries, window edges (the day before and the first day),
 * exclusions, claims-only vs clinical-only evidence, CPT II result codes, attribution steps and
 * tie-breaks, continuous enrollment, contract versions. Expected statuses are written by hand
 * from the measure logic (docs/contracts.md), never computed by the engine.
 */
import { describe, expect, it } from 'vitest';
import { loadContractLibrary } from '../contracts/load.ts';
import {
  formatContractTestReport,
  loadContractTests,
  runContractTests,
} from '../contracts/contract-tests.ts';
import { continuouslyEnrolled, evaluatePerson } from './evaluate.ts';

describe('shipped contract tests', () => {
  it('every member of contracts/tests gets its expected attribution and statuses', async () => {
    const library = await loadContractLibrary('contracts');
    const files = await loadContractTests('contracts');
    const report = runContractTests(library, files, evaluatePerson);
    expect(report.members.length).toBeGreaterThan(80);
    expect(report.failed, formatContractTestReport(report)).toBe(0);
  });
});

describe('continuouslyEnrolled', () => {
  const window = { from: '2026-01-01', to: '2026-12-31' };
  const rule = { allowedGapDays: 45, maxGaps: 1 };
  it('merges adjacent spans and needs coverage on the last day', () => {
    expect(continuouslyEnrolled([{ start: '2025-06-01', end: null }], window, rule)).toBe(true);
    expect(
      continuouslyEnrolled(
        [
          { start: '2026-01-01', end: '2026-03-31' },
          { start: '2026-04-01', end: null },
        ],
        window,
        rule,
      ),
    ).toBe(true);
    expect(continuouslyEnrolled([{ start: '2026-01-01', end: '2026-12-30' }], window, rule)).toBe(false);
  });
  it('allows one gap of at most 45 days, not two', () => {
    const gap = (end: string, start: string) => [
      { start: '2025-01-01', end },
      { start, end: null },
    ];
    expect(continuouslyEnrolled(gap('2026-03-31', '2026-05-16'), window, rule)).toBe(true); // 45 days
    expect(continuouslyEnrolled(gap('2026-03-31', '2026-05-17'), window, rule)).toBe(false); // 46 days
    expect(
      continuouslyEnrolled(
        [
          { start: '2025-01-01', end: '2026-02-28' },
          { start: '2026-03-10', end: '2026-06-30' },
          { start: '2026-07-10', end: null },
        ],
        window,
        rule,
      ),
    ).toBe(false);
    // A gap at the start of the window counts too.
    expect(continuouslyEnrolled([{ start: '2026-02-20', end: null }], window, rule)).toBe(false);
    expect(continuouslyEnrolled([{ start: '2026-02-15', end: null }], window, rule)).toBe(true);
  });
});
