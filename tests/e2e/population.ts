/**
 * The main job end to end through the real CLI: `gapstream demo` generates a seeded population
 * (HL7 ADT/ORU, CCLF, 837, a payer roster; identities corrupted as in real feeds), runs it through
 * every stage, and prints the contract rates and the agreement with the generator's truth, which
 * is decided by construction (nothing here computes it). Then `gapstream report gaps` reads the
 * same tables, and a second run over the same files changes nothing (nothing counted twice).
 */
import { expect } from 'vitest';
import { startCli } from '../support/child.ts';

function tables(stdout: string): string {
  // The rates tables and the agreement line; timings and log lines differ between runs.
  return stdout
    .split('\n')
    .filter((l) => !l.startsWith('pipeline ') && !l.startsWith('{'))
    .join('\n');
}

export async function populationScenario(
  env: Record<string, string>,
  mode: 'embedded' | 'distributed',
  members: number,
): Promise<void> {
  const first = startCli(['demo', '--members', String(members), '--seed', '5'], env);
  expect(await first.exited, first.stderr()).toBe(0);
  const out = first.stdout();
  expect(out).toContain(
    `gapstream demo: ${members} generated members (seed 5) as of 2026-11-25, ${mode} mode`,
  );
  expect(out).toContain('example-mssp-aco (version 2026.1):');
  expect(out).toContain('example-health-commercial (version 2026.2):');
  for (const m of ['CMS122', 'CMS122-LT8', 'CMS124', 'CMS125', 'CMS130', 'CMS165', 'AWV'])
    expect(out).toMatch(new RegExp(`^${m} `, 'm'));
  // Every member's attribution and every member-measure status as the generator built them.
  expect(out).toMatch(
    new RegExp(`attribution 100\\.0 % of ${members} members, gap status 100\\.0 % of \\d+ member-measures`),
  );

  const report = startCli(['report', 'gaps', '--contract', 'example-mssp-aco', '--format', 'json'], env);
  expect(await report.exited, report.stderr()).toBe(0);
  // JSON lines, one per measure.
  const rates = report
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { measureId: string; denominator: number; numerator: number });
  expect(rates.map((r) => r.measureId).sort()).toEqual(['CMS122', 'CMS125', 'CMS130', 'CMS165']);
  const mssp = out.slice(out.indexOf('example-mssp-aco (version')).split('\n\n')[0]!.split('\n');
  for (const r of rates) {
    const row = mssp.find((l) => l.startsWith(`${r.measureId} `))!;
    expect(row.split(/\s+/).slice(2, 4).map(Number)).toEqual([r.denominator, r.numerator]);
  }

  const again = startCli(['demo', '--members', String(members), '--seed', '5'], env);
  expect(await again.exited, again.stderr()).toBe(0);
  expect(tables(again.stdout())).toBe(tables(out));
}
