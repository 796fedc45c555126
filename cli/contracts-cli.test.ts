/**
 * `gapstream contracts …`: arguments, `validate` on the shipped library and on a broken copy,
 * and `test` with a stub engine over a copy of the library with test files added.
 */
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvaluatePerson } from '../processors/contracts/contract-tests.ts';
import { loadContractLibrary } from '../processors/contracts/load.ts';
import {
  CONTRACTS_DIR,
  CONTRACTS_USAGE,
  ContractsUsageError,
  librarySummary,
  parseContractsArgs,
  runContractsCommand,
} from './contracts-cli.ts';

function buffer(): { write: (s: string) => void; text: () => string } {
  let buf = '';
  return { write: (s) => void (buf += s), text: () => buf };
}

const usageError = (argv: string[]): string => {
  try {
    parseContractsArgs(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(ContractsUsageError);
    return (err as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
};

/** Every member attributed to 1234567893; every measure closed. */
const allClosed: EvaluatePerson = (_facts, ctx) => ({
  attribution: {
    attributed: true,
    npi: '1234567893',
    tin: null,
    method: 'roster',
    reason: 'stub',
    evidence: [],
  },
  measures: ctx.contract.measures.map((m) => ({
    measure: m.id,
    measureVersion: m.version,
    status: 'closed',
    inDenominator: true,
    numeratorMet: true,
    exclusion: null,
    reason: 'stub evidence',
    evidence: [],
    dueBy: null,
  })),
});

const notCalled: EvaluatePerson = () => {
  throw new Error('evaluate must not be called');
};

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

/** A copy of the shipped library in a temporary directory. */
async function libraryCopy(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'gapstream-contracts-cli-'));
  roots.push(root);
  const dir = join(root, 'contracts');
  await cp(CONTRACTS_DIR, dir, { recursive: true });
  await rm(join(dir, 'tests'), { recursive: true, force: true });
  return dir;
}

const TEST_FILE = `contract: example-mssp-aco
asOf: '2026-12-31'
members:
  - name: woman-58
    birthDate: '1968-05-01'
    sex: F
    facts:
      - { code: 'CPT|77067', date: '2025-11-02' }
    expect:
      attributed: true
      gaps: { CMS125: closed }
  - name: man-70
    birthDate: '1956-03-01'
    sex: M
    expect:
      npi: '1234567893'
      gaps: { CMS130: open }
`;

describe('gapstream contracts: arguments', () => {
  it('parses validate and test with their defaults', () => {
    expect(parseContractsArgs(['validate'])).toEqual({
      command: 'validate',
      dir: 'contracts',
      valueSetDirs: [],
    });
    expect(parseContractsArgs(['validate', '--dir', 'x', '--value-sets', 'a', '--value-sets', 'b'])).toEqual({
      command: 'validate',
      dir: 'x',
      valueSetDirs: ['a', 'b'],
    });
    expect(parseContractsArgs(['test'])).toEqual({
      command: 'test',
      dir: 'contracts',
      valueSetDirs: [],
      contractIds: [],
    });
    expect(parseContractsArgs(['test', 'example-mssp-aco', '--dir', 'lib', 'other'])).toEqual({
      command: 'test',
      dir: 'lib',
      valueSetDirs: [],
      contractIds: ['example-mssp-aco', 'other'],
    });
  });

  it('refuses what it cannot run, saying what to type', () => {
    expect(usageError([])).toBe(
      'Unknown contracts command "": expected `contracts validate` or `contracts test`.',
    );
    expect(usageError(['check'])).toBe(
      'Unknown contracts command "check": expected `contracts validate` or `contracts test`.',
    );
    expect(usageError(['validate', 'extra'])).toBe(
      '`contracts validate` takes no arguments (got extra); use --dir to choose the library.',
    );
    expect(usageError(['validate', '--dir', ''])).toBe('--dir needs a directory.');
    expect(usageError(['validate', '--verbose'])).toMatch(/Unknown option '--verbose'/);
  });

  it('documents both commands', () => {
    expect(CONTRACTS_USAGE).toContain('gapstream contracts validate [--dir DIR] [--value-sets DIR]...');
    expect(CONTRACTS_USAGE).toContain(
      'gapstream contracts test [--dir DIR] [--value-sets DIR]... [<contract-id>...]',
    );
  });
});

describe('gapstream contracts validate', () => {
  it('prints the summary of the shipped library', async () => {
    const out = buffer();
    expect(await runContractsCommand(parseContractsArgs(['validate']), out, notCalled)).toBe(0);
    const lib = await loadContractLibrary(CONTRACTS_DIR);
    const sets = lib.valueSets.ids();
    const codes = sets.reduce((n, id) => n + lib.valueSets.get(id)!.codes.length, 0);
    expect(out.text()).toBe(
      `ok: 2 contracts (3 versions), 7 measures, ${sets.length} value sets (${codes} codes)\n`,
    );
    expect(librarySummary(lib)).toBe(out.text().trimEnd());
  });

  it('prints every problem of a broken library and exits 1', async () => {
    const dir = await libraryCopy();
    const mssp = join(dir, 'example-mssp-aco.yaml');
    const text = await readFile(mssp, 'utf8');
    await writeFile(
      mssp,
      text
        .replace('unit: allowed', 'unit: visit')
        .replace('[primary-care-services]', '[primary-care-service]'),
    );
    await writeFile(
      join(dir, 'measures', 'CMS125-dup.yaml'),
      await readFile(join(dir, 'measures', 'CMS125.yaml')),
    );
    const out = buffer();
    expect(await runContractsCommand(parseContractsArgs(['validate', '--dir', dir]), out, notCalled)).toBe(1);
    expect(out.text()).toBe(
      [
        `${mssp}: versions[0].attribution.claims.unit: expected "visits" or "allowed", got "visit"`,
        `${join(dir, 'measures', 'CMS125.yaml')}: version: CMS125@2024.0 is also defined in ${join(dir, 'measures', 'CMS125-dup.yaml')}`,
        '2 problems',
        '',
      ].join('\n'),
    );
  });

  it('reports a missing directory', async () => {
    const out = buffer();
    expect(
      await runContractsCommand(parseContractsArgs(['validate', '--dir', '/nonexistent/c']), out, notCalled),
    ).toBe(1);
    expect(out.text()).toBe('/nonexistent/c: contract directory not found\n1 problem\n');
  });
});

describe('gapstream contracts test', () => {
  async function withTests(files: Record<string, string>): Promise<string> {
    const dir = await libraryCopy();
    for (const [name, text] of Object.entries(files)) {
      await mkdir(join(dir, 'tests', name, '..'), { recursive: true });
      await writeFile(join(dir, 'tests', name), text);
    }
    return dir;
  }

  it('prints a line per member and a summary; exit 0 when all pass', async () => {
    const dir = await withTests({
      'example-mssp-aco/basics.yaml': TEST_FILE.replace('CMS130: open', 'CMS130: closed'),
    });
    const out = buffer();
    expect(await runContractsCommand(parseContractsArgs(['test', '--dir', dir]), out, allClosed)).toBe(0);
    const file = join(dir, 'tests/example-mssp-aco/basics.yaml');
    expect(out.text()).toBe(
      [
        `PASS example-mssp-aco@2026.1 woman-58 (${file})`,
        `PASS example-mssp-aco@2026.1 man-70 (${file})`,
        '2 passed, 0 failed (2 members)',
        '',
      ].join('\n'),
    );
  });

  it('prints each failed expectation and exits 1', async () => {
    const dir = await withTests({ 'example-mssp-aco/basics.yaml': TEST_FILE });
    const out = buffer();
    expect(
      await runContractsCommand(
        parseContractsArgs(['test', '--dir', dir, 'example-mssp-aco']),
        out,
        allClosed,
      ),
    ).toBe(1);
    expect(out.text()).toContain(
      `FAIL example-mssp-aco@2026.1 man-70 (${join(dir, 'tests/example-mssp-aco/basics.yaml')})\n    CMS130: expected open, got closed (stub evidence)\n`,
    );
    expect(out.text()).toMatch(/1 passed, 1 failed \(2 members\)\n$/);
  });

  it('refuses an unknown contract id, and reports bad test files', async () => {
    const dir = await withTests({ 'example-mssp-aco/basics.yaml': TEST_FILE.replace('sex: M', 'sex: male') });
    const out = buffer();
    expect(
      await runContractsCommand(
        parseContractsArgs(['test', '--dir', dir, 'example-msp-aco']),
        out,
        notCalled,
      ),
    ).toBe(1);
    expect(out.text()).toBe(
      'unknown contract "example-msp-aco" (did you mean "example-mssp-aco"?); contracts: example-health-commercial, example-mssp-aco\n',
    );
    const bad = buffer();
    expect(await runContractsCommand(parseContractsArgs(['test', '--dir', dir]), bad, notCalled)).toBe(1);
    expect(bad.text()).toBe(
      `${join(dir, 'tests/example-mssp-aco/basics.yaml')}: members[1].sex: expected "F" or "M", got "male"\n1 problem\n`,
    );
  });

  it('says so when there are no tests', async () => {
    const dir = await withTests({});
    const out = buffer();
    expect(await runContractsCommand(parseContractsArgs(['test', '--dir', dir]), out, notCalled)).toBe(0);
    expect(out.text()).toBe(`no contract tests in ${dir}/tests/<contract-id>/*.yaml\n`);
  });
});
