/**
 * Contract tests (docs/contracts.md): small YAML files `contracts/tests/<contract-id>/*.yaml`
 * that describe synthetic members (demographics and facts) and what the contract should make of
 * them on a date: attributed or not, to which NPI, and each measure's gap status. They pin down
 * a contract's meaning the way a payer's own test cases do, and run without Kafka or ClickHouse.
 *
 * The engine is injected (`evaluate`, the signature of processors/gaps/evaluate.ts
 * `evaluatePerson`) so this module depends only on the contract types.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { periodFor, type Period } from './dates.ts';
import { parseYamlText, type ContractLibrary } from './load.ts';
import {
  ContractError,
  ENCOUNTER_SETTINGS,
  byKey,
  idSchema,
  isoDateSchema,
  parseDocument,
  textSchema,
  type ContractProblem,
} from './schema.ts';
import {
  CODE_SYSTEMS,
  type AttributionResult,
  type CodeFact,
  type CodeSystem,
  type EnrollmentFact,
  type Fact,
  type FactSource,
  type GapStatus,
  type IsoDate,
  type MeasureResult,
  type ResolvedContract,
  type ResultFact,
  type VisitFact,
} from './types.ts';
import { codeSystemOf, normalizeCode, type ValueSetIndex } from './value-sets.ts';

// ---------------------------------------------------------------------------------------------
// Types

type WithoutBase<F> = Omit<F, 'id' | 'recordId' | 'source'>;

/** A fact as a test writes it (ids and source are assigned by {@link toFacts}). */
export type TestFact =
  WithoutBase<CodeFact> | WithoutBase<ResultFact> | WithoutBase<VisitFact> | WithoutBase<EnrollmentFact>;

export const GAP_STATUSES = [
  'open',
  'closed',
  'excluded',
  'not-in-denominator',
] as const satisfies readonly GapStatus[];

export interface ContractTestMember {
  /** Unique in its file; part of fact ids, so letters, digits, `.`, `_`, `-`. */
  name: string;
  birthDate: IsoDate | null;
  sex: 'F' | 'M' | null;
  deathDate: IsoDate | null;
  facts: TestFact[];
  expect: {
    attributed?: boolean;
    /** The attributed NPI (null: none). */
    npi?: string | null;
    /** Expected status per measure id; measures not listed are not checked. */
    gaps: Record<string, GapStatus>;
  };
}

export interface ContractTestFile {
  /** Where the test came from (used in fact sources and reports). */
  file: string;
  contract: string;
  /** Evaluation date: selects the contract version and the measurement period. */
  asOf: IsoDate;
  description: string | null;
  members: ContractTestMember[];
}

/** What the engine is given for one person (processors/gaps/evaluate.ts `evaluatePerson`). */
export interface EvaluateContext {
  contract: ResolvedContract;
  valueSets: ValueSetIndex;
  period: Period;
  asOf: IsoDate;
}

/** The engine: one person's facts under one contract version. */
export type EvaluatePerson = (
  facts: readonly Fact[],
  ctx: EvaluateContext,
) => { attribution: AttributionResult; measures: MeasureResult[] };

/** One expectation, met or not. */
export interface ContractTestCheck {
  check: 'attributed' | 'npi' | 'gap';
  /** The measure id for `gap` checks. */
  measure: string | null;
  expected: string;
  actual: string;
  pass: boolean;
  /** The engine's reason (attribution method and reason, or the measure's reason). */
  reason: string;
}

export interface ContractTestMemberResult {
  file: string;
  contract: string;
  /** The contract version effective on asOf (null when none). */
  version: string | null;
  asOf: IsoDate;
  member: string;
  pass: boolean;
  /** Why the member could not be evaluated at all (unknown contract, engine error). */
  error: string | null;
  checks: ContractTestCheck[];
}

export interface ContractTestReport {
  members: ContractTestMemberResult[];
  passed: number;
  failed: number;
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** `CPT|77067` → canonical system and normalized code (HL7 names such as `LN` and `I10` are accepted). */
const systemCodeSchema = z.string().transform((v, ctx): { system: CodeSystem; code: string } => {
  const bar = v.indexOf('|');
  const system = bar < 0 ? null : codeSystemOf(v.slice(0, bar));
  const code = bar < 0 ? '' : v.slice(bar + 1).trim();
  if (system === null || code === '') {
    ctx.addIssue({
      code: 'custom',
      message:
        bar < 0
          ? `expected SYSTEM|CODE (e.g. 'CPT|77067'), got ${JSON.stringify(v)}`
          : system === null
            ? `unknown code system "${v.slice(0, bar)}" in ${JSON.stringify(v)}; expected one of ${CODE_SYSTEMS.join(', ')}`
            : `empty code in ${JSON.stringify(v)}`,
      input: v,
    });
    return z.NEVER;
  }
  return { system, code: normalizeCode(system, code) };
});

const optionalDate = isoDateSchema.nullable().default(null);
const optionalText = textSchema.nullable().default(null);

const codeFactSchema = z
  .strictObject({
    code: systemCodeSchema,
    date: isoDateSchema,
    end: optionalDate,
    setting: z.enum(ENCOUNTER_SETTINGS).nullable().default(null),
  })
  .transform((f): TestFact => ({
    kind: 'code',
    system: f.code.system,
    code: f.code.code,
    date: f.date,
    end: f.end,
    setting: f.setting,
  }));

const resultFactSchema = z
  .strictObject({
    result: systemCodeSchema,
    date: isoDateSchema,
    value: z.number().nullable().default(null),
    /** A non-numeric result (cytology "NILM", FIT "negative"): present without a number. */
    hasResult: z.boolean().optional(),
    status: z.enum(['final', 'corrected', 'preliminary', 'cancelled', 'other']).default('final'),
    recordedAt: z.number().optional(),
  })
  .transform((f): TestFact => ({
    kind: 'result',
    system: f.result.system,
    code: f.result.code,
    date: f.date,
    value: f.value,
    ...(f.hasResult === undefined ? {} : { hasResult: f.hasResult }),
    status: f.status,
    recordedAt: f.recordedAt ?? -1,
  }));

const visitFactSchema = z
  .strictObject({
    visit: systemCodeSchema,
    date: isoDateSchema,
    npi: textSchema,
    tin: optionalText,
    specialty: optionalText,
    amount: z.number().default(0),
  })
  .transform((f): TestFact => ({
    kind: 'visit',
    system: f.visit.system,
    code: f.visit.code,
    date: f.date,
    npi: f.npi,
    tin: f.tin,
    specialty: f.specialty,
    amount: f.amount,
  }));

const enrollmentFactSchema = z
  .strictObject({
    enrollment: z.strictObject({
      start: isoDateSchema,
      end: optionalDate,
      sourceFile: textSchema,
      contractId: optionalText,
      lineOfBusiness: optionalText,
      pcpNpi: optionalText,
      pcpTin: optionalText,
      recordedAt: z.number().optional(),
    }),
  })
  .transform(({ enrollment: e }): TestFact => ({
    kind: 'enrollment',
    start: e.start,
    end: e.end,
    sourceFile: e.sourceFile,
    contractId: e.contractId,
    lineOfBusiness: e.lineOfBusiness,
    pcpNpi: e.pcpNpi,
    pcpTin: e.pcpTin,
    recordedAt: e.recordedAt ?? -1,
  }));

/** One fact: exactly one of `code`, `result`, `visit`, `enrollment` says which. */
const testFactSchema: z.ZodType<TestFact> = byKey<TestFact>({
  code: codeFactSchema,
  result: resultFactSchema,
  visit: visitFactSchema,
  enrollment: enrollmentFactSchema,
});

const memberSchema = z
  .strictObject({
    name: idSchema,
    birthDate: optionalDate,
    sex: z.enum(['F', 'M']).nullable().default(null),
    deathDate: optionalDate,
    facts: z.array(testFactSchema).default([]),
    expect: z
      .strictObject({
        attributed: z.boolean().optional(),
        npi: textSchema.nullable().optional(),
        gaps: z.record(idSchema, z.enum(GAP_STATUSES)).default({}),
      })
      .superRefine((e, ctx) => {
        if (e.attributed === undefined && e.npi === undefined && Object.keys(e.gaps).length === 0)
          ctx.addIssue({
            code: 'custom',
            message: 'expects nothing: give attributed, npi and/or gaps',
            input: e,
          });
      }),
  })
  .transform((m): ContractTestMember => {
    // Facts written without recordedAt are recorded in the order they are listed.
    const facts = m.facts.map((f, n) =>
      (f.kind === 'result' || f.kind === 'enrollment') && f.recordedAt === -1 ? { ...f, recordedAt: n } : f,
    );
    return { ...m, facts };
  });

const testFileSchema = z
  .strictObject({
    contract: textSchema,
    asOf: isoDateSchema,
    description: z.string().nullable().default(null),
    members: z.array(memberSchema).min(1),
  })
  .superRefine((f, ctx) => {
    const seen = new Map<string, number>();
    f.members.forEach((m, i) => {
      const j = seen.get(m.name);
      if (j !== undefined)
        ctx.addIssue({
          code: 'custom',
          message: `member "${m.name}" is defined twice (also members[${j}])`,
          path: ['members', i, 'name'],
          input: m.name,
        });
      seen.set(m.name, i);
    });
  });

/** Parses one test file; throws {@link ContractError} listing every problem (`file: path: message`). */
export function parseContractTests(text: string, file: string): ContractTestFile {
  const problems: ContractProblem[] = [];
  const doc = parseYamlText(text, file, problems);
  if (problems.length > 0) throw new ContractError(problems, 'contract tests');
  const r = parseDocument(testFileSchema, doc, file);
  if (r.data === undefined) throw new ContractError(r.problems, 'contract tests');
  return { file, ...r.data };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The test files under `<dir>/tests/<contract-id>/*.yaml`, for the given contract ids (all when
 * none). A file's `contract` must match its directory; a requested id without tests is a problem.
 * Throws {@link ContractError} listing every problem of every file.
 */
export async function loadContractTests(
  dir: string,
  contractIds: readonly string[] = [],
): Promise<ContractTestFile[]> {
  const root = join(dir, 'tests');
  const problems: ContractProblem[] = [];
  const ids =
    contractIds.length > 0
      ? [...contractIds]
      : (await isDirectory(root))
        ? (await readdir(root, { withFileTypes: true }))
            .filter((e) => e.isDirectory())
            .map((e) => e.name)
            .sort()
        : [];
  const files: ContractTestFile[] = [];
  for (const id of ids) {
    const sub = join(root, id);
    const names = (await isDirectory(sub))
      ? (await readdir(sub)).filter((n) => /\.ya?ml$/.test(n)).sort()
      : [];
    if (names.length === 0 && contractIds.length > 0) {
      problems.push({
        file: sub,
        path: '',
        message: `no contract tests for "${id}" (expected ${sub}/*.yaml)`,
      });
      continue;
    }
    for (const name of names) {
      const file = join(sub, name);
      try {
        const t = parseContractTests(await readFile(file, 'utf8'), file);
        if (t.contract !== id)
          problems.push({
            file,
            path: 'contract',
            message: `"${t.contract}" does not match the directory tests/${id}/ it is in`,
          });
        else files.push(t);
      } catch (err) {
        if (!(err instanceof ContractError)) throw err;
        problems.push(...err.problems);
      }
    }
  }
  if (problems.length > 0) throw new ContractError(problems, 'contract tests');
  return files;
}

// ---------------------------------------------------------------------------------------------
// Facts

/**
 * The facts of a test member as the engine sees them: a DemographicsFact (id
 * `test|<member>|demographics`) then one fact per listed fact, id `test|<member>|<n>` with `n`
 * its 0-based position in `facts`; record `test|<member>`; source topic `contract-test`, ref
 * `<file>#<member>`. Deterministic, so reports and evidence are stable across runs.
 */
export function toFacts(member: ContractTestMember, testFile: Pick<ContractTestFile, 'file'>): Fact[] {
  const recordId = `test|${member.name}`;
  const source: FactSource = {
    topic: 'contract-test',
    partition: null,
    offset: null,
    ref: `${testFile.file}#${member.name}`,
  };
  const facts: Fact[] = [
    {
      kind: 'demographics',
      id: `${recordId}|demographics`,
      recordId,
      source,
      birthDate: member.birthDate,
      sex: member.sex,
      deathDate: member.deathDate,
      recordedAt: 0,
    },
  ];
  member.facts.forEach((f, n) =>
    facts.push({ ...f, id: `${recordId}|${n}`, recordId, source: { ...source } }),
  );
  return facts;
}

// ---------------------------------------------------------------------------------------------
// Running

function failAll(file: ContractTestFile, version: string | null, error: string): ContractTestMemberResult[] {
  return file.members.map((m) => ({
    file: file.file,
    contract: file.contract,
    version,
    asOf: file.asOf,
    member: m.name,
    pass: false,
    error,
    checks: [],
  }));
}

function checkMember(
  member: ContractTestMember,
  result: { attribution: AttributionResult; measures: MeasureResult[] },
  contract: ResolvedContract,
): ContractTestCheck[] {
  const checks: ContractTestCheck[] = [];
  const a = result.attribution;
  const attributionReason = `${a.method}: ${a.reason}`;
  if (member.expect.attributed !== undefined)
    checks.push({
      check: 'attributed',
      measure: null,
      expected: String(member.expect.attributed),
      actual: String(a.attributed),
      pass: member.expect.attributed === a.attributed,
      reason: attributionReason,
    });
  if (member.expect.npi !== undefined)
    checks.push({
      check: 'npi',
      measure: null,
      expected: member.expect.npi ?? 'none',
      actual: a.npi ?? 'none',
      pass: member.expect.npi === a.npi,
      reason: attributionReason,
    });
  for (const [measure, expected] of Object.entries(member.expect.gaps)) {
    const m = result.measures.find((x) => x.measure === measure);
    if (m === undefined) {
      checks.push({
        check: 'gap',
        measure,
        expected,
        actual: 'not evaluated',
        pass: false,
        reason: `${measure} is not a measure of ${contract.id}@${contract.version} (measures: ${contract.measures.map((x) => x.id).join(', ')})`,
      });
      continue;
    }
    checks.push({
      check: 'gap',
      measure,
      expected,
      actual: m.status,
      pass: m.status === expected,
      reason:
        m.exclusion !== null && !m.reason.includes(m.exclusion)
          ? `${m.reason} (exclusion ${m.exclusion})`
          : m.reason,
    });
  }
  return checks;
}

/**
 * Runs the test files against the library with the given engine: per file, the contract version
 * effective on `asOf`, its measurement period and value sets; per member, every expectation
 * compared with what the engine returned.
 */
export function runContractTests(
  library: ContractLibrary,
  files: readonly ContractTestFile[],
  evaluate: EvaluatePerson,
): ContractTestReport {
  const members: ContractTestMemberResult[] = [];
  for (const file of files) {
    if (!library.contractIds().includes(file.contract)) {
      members.push(...failAll(file, null, `unknown contract "${file.contract}"`));
      continue;
    }
    const version = library.activeVersion(file.contract, file.asOf);
    if (version === undefined) {
      const versions = library.contracts
        .filter((c) => c.id === file.contract)
        .map((c) => `${c.version} ${c.effective.from} .. ${c.effective.to ?? 'open'}`);
      members.push(
        ...failAll(
          file,
          null,
          `no version of ${file.contract} is effective on ${file.asOf} (${versions.join('; ')})`,
        ),
      );
      continue;
    }
    const ctx: EvaluateContext = {
      contract: library.resolve(version.id, version.version),
      valueSets: library.valueSetsFor(version.id, version.version),
      period: periodFor(version, file.asOf),
      asOf: file.asOf,
    };
    for (const member of file.members) {
      const base = {
        file: file.file,
        contract: file.contract,
        version: version.version,
        asOf: file.asOf,
        member: member.name,
      };
      let result: ReturnType<EvaluatePerson>;
      try {
        result = evaluate(toFacts(member, file), ctx);
      } catch (err) {
        members.push({
          ...base,
          pass: false,
          error: `evaluate failed: ${(err as Error).message}`,
          checks: [],
        });
        continue;
      }
      const checks = checkMember(member, result, ctx.contract);
      members.push({ ...base, pass: checks.every((c) => c.pass), error: null, checks });
    }
  }
  const passed = members.filter((m) => m.pass).length;
  return { members, passed, failed: members.length - passed };
}

/** `CMS125: expected closed, got open (no qualifying evidence)`. */
export function formatCheck(c: ContractTestCheck): string {
  const what = c.check === 'gap' ? c.measure! : c.check;
  return `${what}: expected ${c.expected}, got ${c.actual} (${c.reason})`;
}

/**
 * Report lines: `PASS|FAIL <contract>@<version> <member> (<file>)`, each failed expectation
 * indented under its member, then a summary line.
 */
export function formatContractTestReport(report: ContractTestReport): string {
  const lines: string[] = [];
  for (const m of report.members) {
    lines.push(`${m.pass ? 'PASS' : 'FAIL'} ${m.contract}@${m.version ?? '-'} ${m.member} (${m.file})`);
    if (m.error !== null) lines.push(`    ${m.error}`);
    for (const c of m.checks) if (!c.pass) lines.push(`    ${formatCheck(c)}`);
  }
  lines.push(
    `${report.passed} passed, ${report.failed} failed (${report.members.length} member${report.members.length === 1 ? '' : 's'})`,
  );
  return `${lines.join('\n')}\n`;
}
