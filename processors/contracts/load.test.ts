/**
 * The contract library loader: the shipped contracts/ directory, `extends`, overrides and `ref`
 * resolution, and the exact message of every class of problem (small libraries written to a
 * temporary directory; value sets from the shipped contracts/value-sets).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContractError, formatProblem } from './schema.ts';
import { loadContractLibrary, resolveRefs, type ContractLibrary } from './load.ts';
import type { Condition } from './types.ts';

const SHIPPED = resolve(import.meta.dirname, '../../contracts');
const SHIPPED_VALUE_SETS = join(SHIPPED, 'value-sets');

const CONTRACT = `id: acme
name: Acme commercial
payer: acme-health
lineOfBusiness: COMMERCIAL
versions:
  - version: '1'
    effective: { from: '2026-01-01', to: '2026-06-30' }
    measurementPeriod: calendar-year
    providers: { tins: ['123456789'], npis: ['1234567893', '1987654328'] }
    roster: { sourceFile: '^ACME_' }
    requireEnrollment: false
    attribution:
      method: claims
      timing: retrospective
      claims:
        window: mp
        unit: allowed
        qualifyingValueSets: [primary-care-services]
        steps: [{ name: pcp, specialties: ['08', '11'] }]
        tieBreak: [most-recent, npi]
    measures:
      - { id: BCS, version: '1.0' }
  - version: '2'
    extends: '1'
    effective: { from: '2026-07-01', to: null }
    measures:
      - id: BCS
        version: '1.0'
        overrides:
          population: { age: { min: 40, max: 74, at: mp-end } }
          exclusions: [hospice]
`;

const MEASURE = `id: BCS
version: '1.0'
title: Breast cancer screening
basis: test fixture
scoring: proportion
population:
  age: { min: 52, max: 74, at: mp-end }
  sex: F
  qualifying: { evidence: { valueSets: [office-visit], window: mp } }
numerator:
  kind: evidence
  condition: { evidence: { valueSets: [mammography], window: 'mp-start - 2y3m .. mp-end' } }
exclusions:
  - ref: hospice
  - ref: frail-old
  - name: mastectomy
    condition: { evidence: { valueSets: [bilateral-mastectomy], window: 'any .. mp-end' } }
`;

const EXCLUSIONS = `hospice:
  evidence: { valueSets: [hospice-encounter], window: mp }
old:
  age: { min: 66 }
frail-old:
  allOf:
    - ref: old
    - evidence: { valueSets: [frailty], window: mp }
`;

const BASE: Record<string, string> = {
  'acme.yaml': CONTRACT,
  'measures/BCS.yaml': MEASURE,
  'measures/exclusions.yaml': EXCLUSIONS,
};

const tmpRoots: string[] = [];

afterAll(async () => {
  for (const d of tmpRoots) await rm(d, { recursive: true, force: true });
});

/** Writes a library (BASE with `changes`; null deletes a file) and returns its directory. */
async function writeLibrary(changes: Record<string, string | null> = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'gapstream-contracts-'));
  tmpRoots.push(root);
  const dir = join(root, 'contracts');
  const files = { ...BASE, ...changes };
  await mkdir(join(dir, 'measures'), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    if (text === null) continue;
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

async function load(changes: Record<string, string | null> = {}): Promise<ContractLibrary> {
  return loadContractLibrary(await writeLibrary(changes), { valueSetDirs: [SHIPPED_VALUE_SETS] });
}

/** The problems of a broken library as `file: path: message` lines, files relative to the library. */
async function problems(changes: Record<string, string | null>): Promise<string[]> {
  const dir = await writeLibrary(changes);
  try {
    await loadContractLibrary(dir, { valueSetDirs: [SHIPPED_VALUE_SETS] });
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    // Files relative to the library, in messages too.
    return (err as ContractError).problems.map((p) =>
      formatProblem({ ...p, file: relative(dir, p.file), message: p.message.replaceAll(`${dir}/`, '') }),
    );
  }
  throw new Error('expected a ContractError');
}

/** BASE's contract with one text replaced (the text must occur). */
function contractWith(from: string, to: string): Record<string, string> {
  expect(CONTRACT).toContain(from);
  return { 'acme.yaml': CONTRACT.replace(from, to) };
}

function measureWith(from: string, to: string): Record<string, string> {
  expect(MEASURE).toContain(from);
  return { 'measures/BCS.yaml': MEASURE.replace(from, to) };
}

describe('the shipped contracts/ directory', () => {
  it('validates', async () => {
    const lib = await loadContractLibrary(SHIPPED);
    expect(lib.contractIds()).toEqual(['example-health-commercial', 'example-mssp-aco']);
    expect(lib.contracts.map((c) => `${c.id}@${c.version}`)).toEqual([
      'example-health-commercial@2026.1',
      'example-health-commercial@2026.2',
      'example-mssp-aco@2026.1',
    ]);
    expect([...lib.measures.keys()].sort()).toContain('CMS125@2024.0');
    expect(lib.exclusions.has('hospice')).toBe(true);
    expect(lib.valueSets.has('mammography')).toBe(true);
  });

  it('resolves every version without a ref left and with the 2026.2 overrides applied', async () => {
    const lib = await loadContractLibrary(SHIPPED);
    for (const c of lib.contracts) {
      const r = lib.resolve(c.id, c.version);
      expect(JSON.stringify(r.measures)).not.toContain('"ref"');
      expect(r.measures.map((m) => m.id)).toEqual(c.measures.map((m) => m.id));
    }
    const v2 = lib.resolve('example-health-commercial', '2026.2');
    expect(v2.measures.find((m) => m.id === 'CMS130')!.population.age).toEqual({
      min: 45,
      max: 75,
      at: 'mp-end',
    });
    expect(v2.measures.map((m) => m.id)).toContain('AWV');
    // Inherited from 2026.1 through extends.
    expect(v2.attribution.method).toBe('roster-then-claims');
    expect(v2.roster).toEqual({ sourceFile: '^EXH_ROSTER_' });
    const v1 = lib.resolve('example-health-commercial', '2026.1');
    expect(v1.measures.find((m) => m.id === 'CMS130')!.population.age).toEqual({
      min: 46,
      max: 75,
      at: 'mp-end',
    });
  });

  it('picks the version effective on a date', async () => {
    const lib = await loadContractLibrary(SHIPPED);
    expect(lib.activeVersion('example-health-commercial', '2026-06-30')?.version).toBe('2026.1');
    expect(lib.activeVersion('example-health-commercial', '2026-07-01')?.version).toBe('2026.2');
    expect(lib.activeVersion('example-health-commercial', '2025-12-31')).toBeUndefined();
    expect(lib.activeVersion('example-mssp-aco', '2040-01-01')?.version).toBe('2026.1');
    expect(lib.activeVersion('nope', '2026-01-01')).toBeUndefined();
  });
});

describe('extends, overrides and refs', () => {
  it('inherits every field a version does not set', async () => {
    const lib = await load();
    const [v1, v2] = lib.contracts;
    expect(v2!.version).toBe('2');
    expect(v2!.effective).toEqual({ from: '2026-07-01', to: null });
    expect(v2!.providers).toEqual(v1!.providers);
    expect(v2!.attribution).toEqual(v1!.attribution);
    expect(v2!.roster).toEqual({ sourceFile: '^ACME_' });
    expect('extends' in v2!).toBe(false);
    expect(v2!.name).toBe('Acme commercial');
  });

  it('inlines refs (nested too) and keeps the spec as written in library.measures', async () => {
    const lib = await load();
    const v1 = lib.resolve('acme', '1').measures[0]!;
    expect(v1.exclusions.map((e) => e.name)).toEqual(['hospice', 'frail-old', 'mastectomy']);
    expect(v1.exclusions[0]!.condition).toEqual({
      evidence: {
        valueSets: ['hospice-encounter'],
        window: {
          from: { anchor: 'mp-start', years: 0, months: 0, days: 0 },
          to: { anchor: 'mp-end', years: 0, months: 0, days: 0 },
        },
      },
    });
    const frail = v1.exclusions[1]!.condition as { allOf: Condition[] };
    expect(frail.allOf[0]).toEqual({ age: { min: 66 } });
    expect(lib.measures.get('BCS@1.0')!.exclusions[0]!.condition).toEqual({ ref: 'hospice' });
  });

  it('merges population overrides shallowly and keeps only the listed exclusions', async () => {
    const lib = await load();
    const m = lib.resolve('acme', '2').measures[0]!;
    expect(m.population.age).toEqual({ min: 40, max: 74, at: 'mp-end' });
    expect(m.population.sex).toBe('F');
    expect(m.population.qualifying).toEqual(lib.measures.get('BCS@1.0')!.population.qualifying);
    expect(m.exclusions.map((e) => e.name)).toEqual(['hospice']);
    expect(m.numerator).toEqual(lib.measures.get('BCS@1.0')!.numerator);
  });

  it('replaces the numerator', async () => {
    const lib = await load(
      contractWith(
        '          exclusions: [hospice]\n',
        `          exclusions: [hospice]
          numerator:
            kind: latest-result
            valueSets: [hba1c-lab]
            window: mp
            met: { op: '<', value: 8 }
            missing: not-met
            codedResults: { 3044F: 6.5 }
`,
      ),
    );
    const n = lib.resolve('acme', '2').measures[0]!.numerator;
    expect(n.kind).toBe('latest-result');
    expect(n.kind === 'latest-result' && n.codedResults).toEqual({ '3044F': 6.5 });
    expect(lib.resolve('acme', '1').measures[0]!.numerator.kind).toBe('evidence');
  });

  it('resolve names what is missing', async () => {
    const lib = await load();
    expect(() => lib.resolve('acm', '1')).toThrow('unknown contract "acm" (did you mean "acme"?)');
    expect(() => lib.resolve('acme', '3')).toThrow('contract acme has no version "3"; versions: 1, 2');
  });

  it('resolveRefs refuses cycles and unknown names', () => {
    const ex = new Map<string, Condition>([
      ['a', { ref: 'b' }],
      ['b', { anyOf: [{ ref: 'a' }] }],
    ]);
    expect(() => resolveRefs({ ref: 'a' }, ex)).toThrow('exclusion ref cycle: a -> b -> a');
    expect(() => resolveRefs({ allOf: [{ ref: 'zz' }] }, ex)).toThrow('unknown exclusion "zz"');
  });

  it('overlays a version’s own value-set files over the library’s', async () => {
    const dir = await writeLibrary(
      contractWith(
        "    measures:\n      - id: BCS\n        version: '1.0'\n        overrides:",
        "    valueSets: [extra/acme-sets.csv]\n    measures:\n      - id: BCS\n        version: '1.0'\n        overrides:",
      ),
    );
    await mkdir(join(dir, 'extra'));
    await writeFile(
      join(dir, 'extra/acme-sets.csv'),
      'value_set_id,code_system,code\nmammography,CPT,77067\n',
    );
    const lib = await loadContractLibrary(dir, { valueSetDirs: [SHIPPED_VALUE_SETS] });
    expect(lib.valueSetsFor('acme', '2').get('mammography')!.codes).toHaveLength(1);
    expect(lib.valueSetsFor('acme', '1').get('mammography')!.codes.length).toBeGreaterThan(1);
    expect(lib.resolve('acme', '2').valueSets).toEqual(['extra/acme-sets.csv']);
  });
});

describe('problems, each with its exact message', () => {
  it('an enum typo names both choices and the bad value', async () => {
    expect(await problems(contractWith('unit: allowed', 'unit: visit'))).toEqual([
      'acme.yaml: versions[0].attribution.claims.unit: expected "visits" or "allowed", got "visit"',
    ]);
  });

  it('unknown keys are errors, with a did-you-mean', async () => {
    expect(await problems(contractWith('qualifyingValueSets:', 'qualifyingValueSet:'))).toEqual([
      'acme.yaml: versions[0].attribution.claims.qualifyingValueSets: required',
      'acme.yaml: versions[0].attribution.claims: unknown key "qualifyingValueSet" (did you mean "qualifyingValueSets"?)',
    ]);
    expect(await problems(measureWith('scoring: proportion', 'scoring: proportion\ncolour: red'))).toEqual([
      'measures/BCS.yaml: unknown key "colour"; allowed: id, version, title, basis, scoring, population, numerator, exclusions',
    ]);
  });

  it('bad dates', async () => {
    expect(
      await problems(
        contractWith("from: '2026-01-01', to: '2026-06-30'", "from: '2026-02-30', to: '2026-06-30'"),
      ),
    ).toEqual(['acme.yaml: versions[0].effective.from: expected a date YYYY-MM-DD, got "2026-02-30"']);
  });

  it('effective from after to', async () => {
    expect(
      await problems(
        contractWith("from: '2026-01-01', to: '2026-06-30'", "from: '2026-07-01', to: '2026-06-30'"),
      ),
    ).toEqual(['acme.yaml: versions[0].effective: from 2026-07-01 is after to 2026-06-30']);
  });

  it('overlapping effective periods', async () => {
    expect(
      await problems(contractWith("from: '2026-07-01', to: null", "from: '2026-06-01', to: null")),
    ).toEqual([
      'acme.yaml: versions[1].effective: 2026-06-01 .. open overlaps version "1" (2026-01-01 .. 2026-06-30) on 2026-06-01 .. 2026-06-30',
    ]);
  });

  it('a version inheriting its effective period overlaps its parent', async () => {
    expect(await problems(contractWith("    effective: { from: '2026-07-01', to: null }\n", ''))).toEqual([
      'acme.yaml: versions[1].effective: 2026-01-01 .. 2026-06-30 overlaps version "1" (2026-01-01 .. 2026-06-30) on 2026-01-01 .. 2026-06-30',
    ]);
  });

  it('duplicate version', async () => {
    expect(await problems(contractWith("  - version: '2'", "  - version: '1'"))).toEqual([
      'acme.yaml: versions[1].version: version "1" is defined twice (also versions[0])',
    ]);
  });

  it('unknown extends, and extends cycles', async () => {
    expect(await problems(contractWith("extends: '1'", "extends: '0'"))).toEqual([
      'acme.yaml: versions[1].extends: unknown version "0"; versions: 1, 2',
    ]);
    const cyclic = CONTRACT.replace("  - version: '1'\n", "  - version: '1'\n    extends: '2'\n");
    expect(await problems({ 'acme.yaml': cyclic })).toEqual([
      'acme.yaml: versions[1].extends: extends cycle: 1 -> 2 -> 1',
    ]);
  });

  it('a required field missing from a version and the version it extends', async () => {
    const text = CONTRACT.replace('    requireEnrollment: false\n', '');
    expect(await problems({ 'acme.yaml': text })).toEqual([
      'acme.yaml: versions[0].requireEnrollment: required',
      'acme.yaml: versions[1].requireEnrollment: required (not set here nor in version "1" it extends)',
    ]);
  });

  it('a measure reference to a missing id@version lists the available versions', async () => {
    expect(
      await problems(contractWith("- { id: BCS, version: '1.0' }", "- { id: BCS, version: '0.9' }")),
    ).toEqual([
      'acme.yaml: versions[0].measures[0]: measure BCS@0.9 is not in the library; available versions of BCS: 1.0',
    ]);
    expect(
      await problems(contractWith("- { id: BCS, version: '1.0' }", "- { id: BSC, version: '1.0' }")),
    ).toEqual([
      'acme.yaml: versions[0].measures[0]: measure BSC@1.0 is not in the library: no measure BSC (did you mean "BCS"?); measures: BCS',
    ]);
  });

  it('duplicate measure ids in a contract version', async () => {
    expect(
      await problems(
        contractWith(
          "- { id: BCS, version: '1.0' }",
          "- { id: BCS, version: '1.0' }\n      - { id: BCS, version: '1.0' }",
        ),
      ),
    ).toEqual(['acme.yaml: versions[0].measures[1].id: measure BCS is listed twice (also measures[0])']);
  });

  it('a measure id@version defined by two files', async () => {
    expect(await problems({ 'measures/BCS-copy.yaml': MEASURE })).toEqual([
      'measures/BCS.yaml: version: BCS@1.0 is also defined in measures/BCS-copy.yaml',
    ]);
  });

  it('unknown value sets, with a did-you-mean, in attribution, measures and shared exclusions', async () => {
    expect(await problems(contractWith('[primary-care-services]', '[primary-care-service]'))).toEqual([
      'acme.yaml: versions[0].attribution.claims.qualifyingValueSets[0]: unknown value set "primary-care-service" (did you mean "primary-care-services"?)',
    ]);
    expect(await problems(measureWith('[mammography]', '[mamography]'))).toEqual([
      'measures/BCS.yaml: numerator.condition.evidence.valueSets[0]: unknown value set "mamography" (did you mean "mammography"?)',
    ]);
    expect(
      await problems({ 'measures/exclusions.yaml': EXCLUSIONS.replace('[frailty]', '[no-such-set]') }),
    ).toEqual([
      'measures/exclusions.yaml: frail-old.allOf[1].evidence.valueSets[0]: unknown value set "no-such-set"',
    ]);
  });

  it('value sets of measures no contract uses are not checked', async () => {
    const unused = MEASURE.replace('id: BCS', 'id: UNUSED').replace('[mammography]', '[not-shipped]');
    await expect(load({ 'measures/UNUSED.yaml': unused })).resolves.toBeDefined();
  });

  it('unknown ref names (in measures, exclusions.yaml and overrides)', async () => {
    expect(await problems(measureWith('- ref: hospice', '- ref: hospise'))).toEqual([
      // The contract's override names the exclusion the measure no longer has.
      'acme.yaml: versions[1].measures[0].overrides.exclusions[0]: BCS has no exclusion "hospice" (did you mean "hospise"?); its exclusions: hospise, frail-old, mastectomy',
      'measures/BCS.yaml: exclusions[0].ref: unknown exclusion "hospise" (did you mean "hospice"?); measures/exclusions.yaml defines: hospice, old, frail-old',
    ]);
    expect(
      await problems({ 'measures/exclusions.yaml': EXCLUSIONS.replace('ref: old', 'ref: olde') }),
    ).toEqual([
      'measures/exclusions.yaml: frail-old.allOf[0].ref: unknown exclusion "olde" (did you mean "old"?); measures/exclusions.yaml defines: hospice, old, frail-old',
    ]);
    expect(
      await problems(
        contractWith(
          'population: { age: { min: 40, max: 74, at: mp-end } }',
          'population: { age: { min: 40, max: 74, at: mp-end }, qualifying: { ref: nope } }',
        ),
      ),
    ).toEqual([
      'acme.yaml: versions[1].measures[0].overrides.population.qualifying.ref: unknown exclusion "nope"; measures/exclusions.yaml defines: hospice, old, frail-old',
    ]);
    expect(await problems(contractWith('exclusions: [hospice]', 'exclusions: [hospise]'))).toEqual([
      'acme.yaml: versions[1].measures[0].overrides.exclusions[0]: BCS has no exclusion "hospise" (did you mean "hospice"?); its exclusions: hospice, frail-old, mastectomy',
    ]);
  });

  it('ref cycles in exclusions.yaml', async () => {
    const cyclic = EXCLUSIONS.replace('  age: { min: 66 }', '  anyOf: [{ ref: frail-old }]');
    expect(await problems({ 'measures/exclusions.yaml': cyclic })).toEqual([
      'measures/exclusions.yaml: old.anyOf[0].ref: ref cycle: "old" refers back to itself through "frail-old"',
      'measures/exclusions.yaml: frail-old.allOf[0].ref: ref cycle: "frail-old" refers back to itself through "old"',
    ]);
  });

  it('a window whose from is after its to (same anchor)', async () => {
    expect(await problems(contractWith('window: mp', "window: 'mp-start .. mp-start - 1d'"))).toEqual([
      'acme.yaml: versions[0].attribution.claims.window: window "mp-start .. mp-start - 1d": from (mp-start) is after to (mp-start - 1d), e.g. 2023-01-01 > 2022-12-31 for mp-start 2023-01-01',
    ]);
    expect(await problems(measureWith("'mp-start - 2y3m .. mp-end'", "'mp-start - 2y3x .. mp-end'"))).toEqual(
      [
        'measures/BCS.yaml: numerator.condition.evidence.window: "mp-start - 2y3x": cannot read "- 2y3x"; expected terms like + 6m, - 2y3m or - 1d (units y, m, d)',
      ],
    );
  });

  it('age min greater than max', async () => {
    expect(
      await problems(
        measureWith('age: { min: 52, max: 74, at: mp-end }', 'age: { min: 74, max: 52, at: mp-end }'),
      ),
    ).toEqual(['measures/BCS.yaml: population.age: min 74 is greater than max 52']);
    expect(
      await problems({
        'measures/exclusions.yaml': EXCLUSIONS.replace('{ min: 66 }', '{ min: 66, max: 18 }'),
      }),
    ).toEqual(['measures/exclusions.yaml: old.age: min 66 is greater than max 18']);
  });

  it('NPIs need 10 digits and a valid Luhn check digit; TINs 9 digits', async () => {
    expect(
      await problems(
        contractWith(
          "tins: ['123456789'], npis: ['1234567893', '1987654328']",
          "tins: ['12345678'], npis: ['1234567890', '123456789']",
        ),
      ),
    ).toEqual([
      'acme.yaml: versions[0].providers.tins[0]: "12345678" is not a TIN: expected 9 digits',
      'acme.yaml: versions[0].providers.npis[0]: "1234567890" is not a valid NPI: check digit 0 should be 3 (Luhn with prefix 80840)',
      'acme.yaml: versions[0].providers.npis[1]: "123456789" is not an NPI: expected 10 digits',
    ]);
  });

  it('roster.sourceFile must compile as a RegExp', async () => {
    expect(await problems(contractWith("sourceFile: '^ACME_'", "sourceFile: '^ACME_('"))).toEqual([
      'acme.yaml: versions[0].roster.sourceFile: not a valid regular expression: Invalid regular expression: /^ACME_(/: Unterminated group',
    ]);
  });

  it('numbers where YAML text is meant get a hint to quote them', async () => {
    expect(await problems(contractWith("specialties: ['08', '11']", "specialties: [08, '11']"))).toEqual([
      'acme.yaml: versions[0].attribution.claims.steps[0].specialties[0]: expected a string, got the number 8 (quote it: YAML reads unquoted digits as a number and drops leading zeros)',
    ]);
  });

  it('conditions take exactly one key; numerator kinds are named', async () => {
    expect(
      await problems(
        measureWith(
          'qualifying: { evidence: { valueSets: [office-visit], window: mp } }',
          'qualifying: { deceased: true, age: { min: 1 } }',
        ),
      ),
    ).toEqual([
      'measures/BCS.yaml: population.qualifying: a condition takes exactly one of allOf, anyOf, evidence, age, deceased, ref, got age and deceased (wrap them in allOf or anyOf)',
    ]);
    expect(await problems(measureWith('kind: evidence', 'kind: evidense'))).toEqual([
      'measures/BCS.yaml: numerator.kind: expected "evidence", "latest-result" or "blood-pressure", got "evidense" (did you mean "evidence"?)',
    ]);
    expect(
      await problems(measureWith('  - ref: hospice\n', '  - { ref: hospice, name: hospice }\n')),
    ).toEqual([
      'measures/BCS.yaml: exclusions[0]: an exclusion is either { ref: <name in exclusions.yaml> } or { name, condition }',
    ]);
  });

  it('YAML syntax errors name the line', async () => {
    const lines = await problems({
      'acme.yaml': CONTRACT.replace('payer: acme-health', 'payer: [acme-health'),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^acme\.yaml: invalid YAML at line \d+, column \d+: /);
    expect((await problems({ 'acme.yaml': `${CONTRACT}name: again\n` }))[0]).toMatch(
      /^acme\.yaml: invalid YAML at line 32, column 1: Map keys must be unique/,
    );
  });

  it('collects every problem of every file, not just the first', async () => {
    const lines = await problems({
      ...contractWith('unit: allowed', 'unit: visit'),
      ...measureWith('[mammography]', '[mamography]'),
      'measures/exclusions.yaml': EXCLUSIONS.replace('{ min: 66 }', '{ min: 66, max: 18 }'),
    });
    expect(lines).toEqual([
      'acme.yaml: versions[0].attribution.claims.unit: expected "visits" or "allowed", got "visit"',
      'measures/BCS.yaml: numerator.condition.evidence.valueSets[0]: unknown value set "mamography" (did you mean "mammography"?)',
      'measures/exclusions.yaml: old.age: min 66 is greater than max 18',
    ]);
  });

  it('a broken version does not hide the other versions’ problems', async () => {
    const text = CONTRACT.replace('unit: allowed', 'unit: visit').replace(
      "- id: BCS\n        version: '1.0'\n        overrides:",
      "- id: BCS\n        version: '9'\n        overrides:",
    );
    expect(await problems({ 'acme.yaml': text })).toEqual([
      'acme.yaml: versions[0].attribution.claims.unit: expected "visits" or "allowed", got "visit"',
      'acme.yaml: versions[1].measures[0]: measure BCS@9 is not in the library; available versions of BCS: 1.0',
    ]);
  });

  it('the error message lists the problems as file: path: message', async () => {
    const dir = await writeLibrary(contractWith('unit: allowed', 'unit: visit'));
    const err = await loadContractLibrary(dir, { valueSetDirs: [SHIPPED_VALUE_SETS] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ContractError);
    expect((err as Error).message).toBe(
      `Invalid contract library (1 problem):\n  ${join(dir, 'acme.yaml')}: versions[0].attribution.claims.unit: expected "visits" or "allowed", got "visit"`,
    );
    expect((err as ContractError).code).toBe('CONTRACT_INVALID');
  });

  it('a missing directory or value-set directory', async () => {
    await expect(loadContractLibrary('/nonexistent/contracts')).rejects.toThrow(
      'Invalid contract library (1 problem):\n  /nonexistent/contracts: contract directory not found',
    );
    const dir = await writeLibrary();
    const err = (await loadContractLibrary(dir, { valueSetDirs: ['/nonexistent/vs'] }).catch(
      (e: unknown) => e,
    )) as ContractError;
    expect(err.problems).toEqual([
      { file: '/nonexistent/vs', path: '', message: 'value set directory not found' },
    ]);
  });
});
