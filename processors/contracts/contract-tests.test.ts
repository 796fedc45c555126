/**
 * Contract tests: parsing (with exact problems), the facts a member turns into, and running them
 * against the shipped library with a stub engine (the real one, processors/gaps/evaluate.ts, has
 * the same signature).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatContractTestReport,
  loadContractTests,
  parseContractTests,
  runContractTests,
  toFacts,
  type EvaluateContext,
  type EvaluatePerson,
} from './contract-tests.ts';
import { loadContractLibrary, type ContractLibrary } from './load.ts';
import { ContractError, formatProblem } from './schema.ts';
import type { Fact, MeasureResult } from './types.ts';

const SHIPPED = resolve(import.meta.dirname, '../../contracts');

const EXAMPLE = `contract: example-mssp-aco
asOf: '2026-12-31'
members:
  - name: woman-58-mammogram-in-window
    birthDate: '1968-05-01'
    sex: F
    deathDate: null
    facts:
      - { code: 'CPT|77067', date: '2025-11-02' }
      - { result: 'LOINC|4548-4', date: '2026-03-02', value: 7.2 }
      - { visit: 'CPT|99214', date: '2026-02-01', npi: '1234567893', tin: '123456789', specialty: '08', amount: 120 }
      - { enrollment: { start: '2025-01-01', end: null, sourceFile: 'EXH_ROSTER_20260101.csv', pcpNpi: '1234567893', pcpTin: '123456789' } }
      - { code: 'ICD10CM|e11.9', date: '2026-01-10', setting: ambulatory }
    expect:
      attributed: true
      npi: '1234567893'
      gaps: { CMS125: closed, CMS130: open, CMS122: excluded }
  - name: man-no-visits
    birthDate: '1950-01-01'
    sex: M
    expect:
      attributed: false
      gaps: { CMS125: not-in-denominator }
`;

function problemsOf(text: string): string[] {
  try {
    parseContractTests(text, 'tests/x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    return (err as ContractError).problems.map(formatProblem);
  }
  throw new Error('expected a ContractError');
}

/**
 * A stub engine: attributed to the NPI of the first visit; CMS125 closed with a CPT 77067 code,
 * not in the denominator for men; CMS122 excluded with any ICD-10 E11 code; everything else open.
 */
const stub: EvaluatePerson = (facts, ctx) => {
  const visit = facts.find((f) => f.kind === 'visit');
  const demo = facts.find((f) => f.kind === 'demographics');
  const has = (system: string, prefix: string): boolean =>
    facts.some((f) => f.kind === 'code' && f.system === system && f.code.startsWith(prefix));
  const measures: MeasureResult[] = ctx.contract.measures.map((m) => {
    let status: MeasureResult['status'] = 'open';
    let reason = 'no qualifying evidence';
    let exclusion: string | null = null;
    if (m.id === 'CMS125' && demo?.kind === 'demographics' && demo.sex === 'M') {
      status = 'not-in-denominator';
      reason = 'sex';
    } else if (m.id === 'CMS125' && has('CPT', '77067')) {
      status = 'closed';
      reason = 'mammography 2025-11-02';
    } else if (m.id === 'CMS122' && has('ICD10CM', 'E11')) {
      status = 'excluded';
      exclusion = 'hospice';
      reason = 'stub';
    }
    return {
      measure: m.id,
      measureVersion: m.version,
      status,
      inDenominator: status !== 'not-in-denominator',
      numeratorMet: status === 'closed',
      exclusion,
      reason,
      evidence: [],
      dueBy: null,
    };
  });
  return {
    attribution: {
      attributed: visit !== undefined,
      npi: visit?.kind === 'visit' ? visit.npi : null,
      tin: null,
      method: visit === undefined ? 'none' : 'claims:primary-care-physicians',
      reason: visit === undefined ? 'no qualifying visits' : 'plurality',
      evidence: [],
    },
    measures,
  };
};

let library: ContractLibrary;
const roots: string[] = [];

beforeAll(async () => {
  library = await loadContractLibrary(SHIPPED);
});

afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

describe('parseContractTests', () => {
  it('reads the documented format', () => {
    const t = parseContractTests(EXAMPLE, 'contracts/tests/example-mssp-aco/basics.yaml');
    expect(t.contract).toBe('example-mssp-aco');
    expect(t.asOf).toBe('2026-12-31');
    expect(t.file).toBe('contracts/tests/example-mssp-aco/basics.yaml');
    const [woman, man] = t.members;
    expect(woman!.facts).toEqual([
      { kind: 'code', system: 'CPT', code: '77067', date: '2025-11-02', end: null, setting: null },
      {
        kind: 'result',
        system: 'LOINC',
        code: '4548-4',
        date: '2026-03-02',
        value: 7.2,
        status: 'final',
        recordedAt: 1,
      },
      {
        kind: 'visit',
        system: 'CPT',
        code: '99214',
        date: '2026-02-01',
        npi: '1234567893',
        tin: '123456789',
        specialty: '08',
        amount: 120,
      },
      {
        kind: 'enrollment',
        start: '2025-01-01',
        end: null,
        sourceFile: 'EXH_ROSTER_20260101.csv',
        contractId: null,
        lineOfBusiness: null,
        pcpNpi: '1234567893',
        pcpTin: '123456789',
        recordedAt: 3,
      },
      { kind: 'code', system: 'ICD10CM', code: 'E119', date: '2026-01-10', end: null, setting: 'ambulatory' },
    ]);
    expect(woman!.expect).toEqual({
      attributed: true,
      npi: '1234567893',
      gaps: { CMS125: 'closed', CMS130: 'open', CMS122: 'excluded' },
    });
    expect(man).toMatchObject({ name: 'man-no-visits', sex: 'M', deathDate: null, facts: [] });
    expect(man!.expect).toEqual({ attributed: false, gaps: { CMS125: 'not-in-denominator' } });
  });

  it('reports every problem with its path', () => {
    const bad = `contract: example-mssp-aco
asOf: '2026-13-01'
members:
  - name: a
    sex: X
    facts:
      - { code: 'CTP|77067', date: '2025-11-02' }
      - { code: 'CPT|77067', result: 'LOINC|4548-4', date: '2025-11-02' }
      - { result: 'LOINC|4548-4', date: '2026-03-02', status: finall }
      - { visit: 'CPT|99214', date: '2026-02-01', npi: '1234567893', amnt: 1 }
      - { cod: 'CPT|77067', date: '2025-11-02' }
    expect:
      gaps: { CMS125: closd }
  - name: a
    expect: {}
`;
    expect(problemsOf(bad)).toEqual([
      'tests/x.yaml: asOf: expected a date YYYY-MM-DD, got "2026-13-01"',
      'tests/x.yaml: members[0].sex: expected "F" or "M", got "X"',
      'tests/x.yaml: members[0].facts[0].code: unknown code system "CTP" in "CTP|77067"; expected one of CPT, HCPCS, LOINC, ICD10CM, ICD10PCS, SNOMEDCT, CVX, POS, CLAIMTYPE, PATIENTCLASS',
      'tests/x.yaml: members[0].facts[1]: expected an object with exactly one of code, result, visit, enrollment, got code and result',
      'tests/x.yaml: members[0].facts[2].status: expected "final", "corrected", "preliminary", "cancelled" or "other", got "finall"',
      'tests/x.yaml: members[0].facts[3]: unknown key "amnt" (did you mean "amount"?)',
      'tests/x.yaml: members[0].facts[4]: expected an object with exactly one of code, result, visit, enrollment, got none ("cod": did you mean "code"?)',
      'tests/x.yaml: members[0].expect.gaps.CMS125: expected "open", "closed", "excluded" or "not-in-denominator", got "closd"',
      'tests/x.yaml: members[1].expect: expects nothing: give attributed, npi and/or gaps',
    ]);
    expect(problemsOf(EXAMPLE.replace('name: man-no-visits', 'name: woman-58-mammogram-in-window'))).toEqual([
      'tests/x.yaml: members[1].name: member "woman-58-mammogram-in-window" is defined twice (also members[0])',
    ]);
    expect(problemsOf('contract: x\nasOf: [')[0]).toMatch(
      /^tests\/x\.yaml: invalid YAML at line \d+, column \d+: /,
    );
    expect(problemsOf("contract: x\nasOf: '2026-01-01'\nmembers: []\n")).toEqual([
      'tests/x.yaml: members: needs at least 1 item',
    ]);
  });
});

describe('toFacts', () => {
  it('gives deterministic ids, one record, the test as source, and demographics first', () => {
    const t = parseContractTests(EXAMPLE, 'contracts/tests/example-mssp-aco/basics.yaml');
    const facts = toFacts(t.members[0]!, t);
    const source = {
      topic: 'contract-test',
      partition: null,
      offset: null,
      ref: 'contracts/tests/example-mssp-aco/basics.yaml#woman-58-mammogram-in-window',
    };
    expect(facts[0]).toEqual({
      kind: 'demographics',
      id: 'test|woman-58-mammogram-in-window|demographics',
      recordId: 'test|woman-58-mammogram-in-window',
      source,
      birthDate: '1968-05-01',
      sex: 'F',
      deathDate: null,
      recordedAt: 0,
    });
    expect(facts.map((f) => f.id)).toEqual([
      'test|woman-58-mammogram-in-window|demographics',
      ...[0, 1, 2, 3, 4].map((n) => `test|woman-58-mammogram-in-window|${n}`),
    ]);
    expect(facts.every((f) => f.recordId === 'test|woman-58-mammogram-in-window')).toBe(true);
    expect(facts.every((f) => JSON.stringify(f.source) === JSON.stringify(source))).toBe(true);
    expect(facts[1]).toMatchObject({ kind: 'code', system: 'CPT', code: '77067', date: '2025-11-02' });
    expect(toFacts(t.members[0]!, t)).toEqual(facts);
  });
});

describe('runContractTests', () => {
  it('passes when the engine agrees and gives the engine the version, period, value sets and date', () => {
    const seen: EvaluateContext[] = [];
    const t = parseContractTests(EXAMPLE, 'basics.yaml');
    const report = runContractTests(library, [t], (facts: readonly Fact[], ctx) => {
      seen.push(ctx);
      return stub(facts, ctx);
    });
    expect(report).toMatchObject({ passed: 2, failed: 0 });
    expect(report.members[0]).toMatchObject({
      contract: 'example-mssp-aco',
      version: '2026.1',
      asOf: '2026-12-31',
      member: 'woman-58-mammogram-in-window',
      pass: true,
      error: null,
    });
    expect(report.members[0]!.checks).toContainEqual({
      check: 'gap',
      measure: 'CMS125',
      expected: 'closed',
      actual: 'closed',
      pass: true,
      reason: 'mammography 2025-11-02',
    });
    expect(seen[0]!.period).toEqual({ start: '2026-01-01', end: '2026-12-31' });
    expect(seen[0]!.asOf).toBe('2026-12-31');
    expect(seen[0]!.contract).toBe(library.resolve('example-mssp-aco', '2026.1'));
    expect(seen[0]!.valueSets.has('mammography')).toBe(true);
  });

  it('reports expected vs actual with the reason on a mismatch', () => {
    const text = EXAMPLE.replace('CMS130: open', 'CMS130: closed').replace(
      "npi: '1234567893'\n      gaps",
      "npi: '1987654328'\n      gaps",
    );
    const report = runContractTests(library, [parseContractTests(text, 'basics.yaml')], stub);
    expect(report).toMatchObject({ passed: 1, failed: 1 });
    const failed = report.members[0]!;
    expect(failed.pass).toBe(false);
    expect(failed.checks.filter((c) => !c.pass)).toEqual([
      {
        check: 'npi',
        measure: null,
        expected: '1987654328',
        actual: '1234567893',
        pass: false,
        reason: 'claims:primary-care-physicians: plurality',
      },
      {
        check: 'gap',
        measure: 'CMS130',
        expected: 'closed',
        actual: 'open',
        pass: false,
        reason: 'no qualifying evidence',
      },
    ]);
    expect(formatContractTestReport(report)).toBe(
      [
        'FAIL example-mssp-aco@2026.1 woman-58-mammogram-in-window (basics.yaml)',
        '    npi: expected 1987654328, got 1234567893 (claims:primary-care-physicians: plurality)',
        '    CMS130: expected closed, got open (no qualifying evidence)',
        'PASS example-mssp-aco@2026.1 man-no-visits (basics.yaml)',
        '1 passed, 1 failed (2 members)',
        '',
      ].join('\n'),
    );
  });

  it('names the exclusion that applied and measures the version does not have', () => {
    const text = EXAMPLE.replace('CMS122: excluded', 'CMS122: open, CMS124: open');
    const report = runContractTests(library, [parseContractTests(text, 'basics.yaml')], stub);
    expect(report.members[0]!.checks.filter((c) => !c.pass)).toEqual([
      {
        check: 'gap',
        measure: 'CMS122',
        expected: 'open',
        actual: 'excluded',
        pass: false,
        reason: 'stub (exclusion hospice)',
      },
      {
        check: 'gap',
        measure: 'CMS124',
        expected: 'open',
        actual: 'not evaluated',
        pass: false,
        reason:
          'CMS124 is not a measure of example-mssp-aco@2026.1 (measures: CMS122, CMS125, CMS130, CMS165)',
      },
    ]);
  });

  it('selects the version by asOf, and fails members when no version applies', () => {
    const commercial = (asOf: string): string =>
      EXAMPLE.replace('contract: example-mssp-aco', 'contract: example-health-commercial').replace(
        "asOf: '2026-12-31'",
        `asOf: '${asOf}'`,
      );
    const versions: string[] = [];
    runContractTests(library, [parseContractTests(commercial('2026-06-30'), 'a.yaml')], (f, ctx) => {
      versions.push(ctx.contract.version);
      return stub(f, ctx);
    });
    runContractTests(library, [parseContractTests(commercial('2026-07-01'), 'b.yaml')], (f, ctx) => {
      versions.push(ctx.contract.version);
      return stub(f, ctx);
    });
    expect(versions).toEqual(['2026.1', '2026.1', '2026.2', '2026.2']);
    const none = runContractTests(library, [parseContractTests(commercial('2025-12-31'), 'c.yaml')], stub);
    expect(none.members.map((m) => [m.pass, m.error])).toEqual([
      [
        false,
        'no version of example-health-commercial is effective on 2025-12-31 (2026.1 2026-01-01 .. 2026-06-30; 2026.2 2026-07-01 .. open)',
      ],
      [
        false,
        'no version of example-health-commercial is effective on 2025-12-31 (2026.1 2026-01-01 .. 2026-06-30; 2026.2 2026-07-01 .. open)',
      ],
    ]);
  });

  it('fails members of an unknown contract and members whose evaluation throws', () => {
    const unknown = runContractTests(
      library,
      [parseContractTests(EXAMPLE.replace('example-mssp-aco', 'nope'), 'x.yaml')],
      stub,
    );
    expect(unknown.members[0]).toMatchObject({
      pass: false,
      error: 'unknown contract "nope"',
      version: null,
    });
    const thrown = runContractTests(library, [parseContractTests(EXAMPLE, 'x.yaml')], () => {
      throw new Error('boom');
    });
    expect(thrown).toMatchObject({ passed: 0, failed: 2 });
    expect(formatContractTestReport(thrown)).toContain(
      'FAIL example-mssp-aco@2026.1 man-no-visits (x.yaml)\n    evaluate failed: boom\n',
    );
  });
});

describe('loadContractTests', () => {
  async function testsDir(files: Record<string, string>): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'gapstream-contract-tests-'));
    roots.push(root);
    for (const [name, text] of Object.entries(files)) {
      await mkdir(join(root, 'tests', name, '..'), { recursive: true });
      await writeFile(join(root, 'tests', name), text);
    }
    return root;
  }

  it('reads tests/<contract-id>/*.yaml, all contracts or the named ones', async () => {
    const dir = await testsDir({
      'example-mssp-aco/a.yaml': EXAMPLE,
      'example-mssp-aco/b.yml': EXAMPLE,
      'example-mssp-aco/notes.txt': 'ignored',
      'example-health-commercial/a.yaml': EXAMPLE.replace('example-mssp-aco', 'example-health-commercial'),
    });
    const all = await loadContractTests(dir);
    expect(all.map((f) => f.file)).toEqual([
      join(dir, 'tests/example-health-commercial/a.yaml'),
      join(dir, 'tests/example-mssp-aco/a.yaml'),
      join(dir, 'tests/example-mssp-aco/b.yml'),
    ]);
    expect((await loadContractTests(dir, ['example-mssp-aco'])).map((f) => f.contract)).toEqual([
      'example-mssp-aco',
      'example-mssp-aco',
    ]);
  });

  it('reports a contract that does not match its directory, bad files and missing tests, all at once', async () => {
    const dir = await testsDir({
      'example-mssp-aco/a.yaml': EXAMPLE.replace('example-mssp-aco', 'example-health-commercial'),
      'example-mssp-aco/b.yaml': EXAMPLE.replace('sex: F', 'sex: female'),
    });
    const err = (await loadContractTests(dir, ['example-mssp-aco', 'other']).catch(
      (e: unknown) => e,
    )) as ContractError;
    expect(err).toBeInstanceOf(ContractError);
    expect(err.problems.map(formatProblem)).toEqual([
      `${join(dir, 'tests/example-mssp-aco/a.yaml')}: contract: "example-health-commercial" does not match the directory tests/example-mssp-aco/ it is in`,
      `${join(dir, 'tests/example-mssp-aco/b.yaml')}: members[0].sex: expected "F" or "M", got "female"`,
      `${join(dir, 'tests/other')}: no contract tests for "other" (expected ${join(dir, 'tests/other')}/*.yaml)`,
    ]);
    expect(err.message).toMatch(/^Invalid contract tests \(3 problems\):\n {2}/);
  });

  it('finds nothing when there is no tests directory', async () => {
    const dir = await testsDir({});
    expect(await loadContractTests(dir)).toEqual([]);
  });
});
