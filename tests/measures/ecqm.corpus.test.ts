/**
 * Agreement of the measure engine with the published eCQM test cases of CMS122, CMS125, CMS130
 * and CMS165 (2024 QI-Core content, ../shared/data/measures/ecqm-content-qicore-2024): every test
 * patient converted to facts (fhir-facts.ts), evaluated under a roster contract holding our
 * library spec with the MeasureReport's period, and its status compared with the one the
 * expected population counts stand for (ecqm-cases.ts). Twice: with our starter value sets and
 * with the eCQM expansions mapped onto our ids.
 *
 * The exact current disagreements are listed with their reasons in ecqm-agreement.ts; a case that
 * disagrees without being listed, or is listed and now agrees, fails the suite. The table is
 * printed and kept in docs/ecqm-agreement.md.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyMeasureRef,
  loadContractLibrary,
  type ContractLibrary,
} from '../../processors/contracts/load.ts';
import type {
  GapStatus,
  IsoDate,
  MeasureResult,
  MeasureSpec,
  ResolvedContract,
} from '../../processors/contracts/types.ts';
import type { ValueSetIndex } from '../../processors/contracts/value-sets.ts';
import { evaluatePerson } from '../../processors/gaps/evaluate.ts';
import { SHARED_DATA } from '../support/shared-data.ts';
import { EXPECTED_DISAGREEMENTS, type ValueSetRun } from './ecqm-agreement.ts';
import {
  ECQM_MEASURES,
  ECQM_ROOT_SUBDIR,
  ECQM_SCORING,
  ECQM_VALUE_SET_MAP,
  ECQM_VALUE_SETS_NOT_MAPPED,
  ecqmValueSetIndex,
  ecqmValueSetOids,
  loadEcqmMeasure,
  type CaseCopy,
  type EcqmMeasure,
  type EcqmMeasureId,
  type EcqmTestCase,
} from './ecqm-cases.ts';
import { fhirPatientToFacts, patientOf, type FhirResource, type TestEnrollment } from './fhir-facts.ts';

const ROOT = join(SHARED_DATA, ECQM_ROOT_SUBDIR);
const CONTRACTS = resolve(import.meta.dirname, '../../contracts');
const MEASURE_IDS = Object.keys(ECQM_MEASURES) as EcqmMeasureId[];
const RUNS: ValueSetRun[] = ['starter', 'ecqm'];

const PCP = { npi: '1234567893', tin: '123456789' };

/** The measure spec as the engine runs it: refs to shared exclusions inlined, no overrides. */
function specOf(library: ContractLibrary, id: string): MeasureSpec {
  const specs = [...library.measures.values()].filter((m) => m.id === id);
  if (specs.length !== 1) throw new Error(`expected one library spec ${id}, found ${specs.length}`);
  const spec = specs[0]!;
  return applyMeasureRef(spec, { id: spec.id, version: spec.version }, library.exclusions);
}

/** A roster contract with one measure and a fixed period: everyone on the roster is attributed. */
function testContract(spec: MeasureSpec, period: { start: IsoDate; end: IsoDate }): ResolvedContract {
  return {
    id: 'ecqm-test',
    version: '1',
    name: 'eCQM test cases',
    payer: 'test',
    lineOfBusiness: 'TEST',
    effective: { from: period.start, to: null },
    measurementPeriod: { kind: 'fixed', start: period.start, end: period.end },
    providers: { tins: [PCP.tin], npis: [PCP.npi] },
    roster: {},
    requireEnrollment: false,
    attribution: { method: 'roster', timing: 'retrospective' },
    measures: [spec],
  };
}

function enrollment(period: { start: IsoDate; end: IsoDate }): TestEnrollment {
  return {
    start: period.start,
    end: period.end,
    pcpNpi: PCP.npi,
    pcpTin: PCP.tin,
    sourceFile: 'ecqm-roster',
    contractId: null,
    lineOfBusiness: null,
  };
}

interface Outcome {
  testCase: EcqmTestCase;
  copy: CaseCopy;
  result: MeasureResult;
  got: GapStatus;
  agrees: boolean;
}

function evaluateCopy(
  c: EcqmTestCase,
  copy: CaseCopy,
  spec: MeasureSpec,
  valueSets: ValueSetIndex,
): Omit<Outcome, 'agrees'> {
  const { facts } = fhirPatientToFacts(copy.resources, { patientId: c.id, enrollment: enrollment(c.period) });
  const evaluation = evaluatePerson(facts, {
    contract: testContract(spec, c.period),
    valueSets,
    period: c.period,
    asOf: c.period.end,
  });
  if (!evaluation.attribution.attributed)
    throw new Error(`${c.measure} ${c.id}: not attributed (${evaluation.attribution.reason})`);
  const result = evaluation.measures[0]!;
  return { testCase: c, copy, result, got: result.status };
}

const label = (c: EcqmTestCase): string => `${c.name ?? '(unnamed)'} ${c.id}`;

/** References between exported resource types that name no resource of the copy. */
const EXPORTED = /^(Patient|Encounter|Condition|Observation|Procedure|Medication)\//;

function danglingReferences(resources: readonly FhirResource[]): string[] {
  const known = new Set(resources.map((r) => `${r.resourceType}/${r.id ?? ''}`));
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null)
      for (const [k, x] of Object.entries(v)) {
        if (k === 'reference' && typeof x === 'string') {
          const ref = x.replace(/^.*\/([^/]+\/[^/]+)$/, '$1');
          if (EXPORTED.test(ref) && !known.has(ref)) out.push(ref);
        } else walk(x);
      }
  };
  resources.forEach(walk);
  return out;
}

describe('eCQM test cases (2024 QI-Core) through the measure engine', () => {
  let library: ContractLibrary;
  const measures = new Map<EcqmMeasureId, EcqmMeasure>();
  const specs = new Map<EcqmMeasureId, MeasureSpec>();
  const indexes = new Map<ValueSetRun, ValueSetIndex>();
  /** run → measure → outcome per case (folder copy). */
  const outcomes = new Map<ValueSetRun, Map<EcqmMeasureId, Outcome[]>>();

  beforeAll(async () => {
    if (!existsSync(ROOT))
      throw new Error(`public test data not found at ${ROOT}: the corpus suite needs ../shared/data`);
    library = await loadContractLibrary(CONTRACTS);
    indexes.set('starter', library.valueSets);
    indexes.set('ecqm', ecqmValueSetIndex(ROOT, library.valueSets).index);
    for (const id of MEASURE_IDS) {
      measures.set(id, loadEcqmMeasure(ROOT, id));
      specs.set(id, specOf(library, id));
    }
    for (const run of RUNS) {
      const byMeasure = new Map<EcqmMeasureId, Outcome[]>();
      for (const id of MEASURE_IDS) {
        byMeasure.set(
          id,
          measures.get(id)!.cases.map((c) => {
            const o = evaluateCopy(c, c.copies[0]!, specs.get(id)!, indexes.get(run)!);
            return { ...o, agrees: o.got === c.expectedStatus };
          }),
        );
      }
      outcomes.set(run, byMeasure);
    }
  });

  describe('test data', () => {
    it('finds every test case, each exported as a folder and as flat files, with a README name', () => {
      for (const id of MEASURE_IDS) {
        const m = measures.get(id)!;
        expect(m.cases.length, id).toBeGreaterThan(0);
        for (const c of m.cases) {
          expect(c.name, `${id} ${c.id}`).not.toBeNull();
          expect(
            c.copies.map((x) => x.layout),
            `${id} ${label(c)}`,
          ).toEqual(['folder', 'flat']);
          expect(c.copies[0]!.resources.some((r) => r.resourceType === 'Patient')).toBe(true);
        }
      }
      expect(Object.fromEntries(MEASURE_IDS.map((id) => [id, measures.get(id)!.cases.length]))).toEqual({
        CMS122: 43,
        CMS125: 58,
        CMS130: 58,
        CMS165: 60,
      });
    });

    it('reports use the measure period of the Measure, and the scoring direction matches our specs', () => {
      for (const id of MEASURE_IDS) {
        const m = measures.get(id)!;
        for (const c of m.cases) expect(c.period, `${id} ${label(c)}`).toEqual(m.effectivePeriod);
        expect(ECQM_SCORING[id], id).toBe(specs.get(id)!.scoring);
      }
    });

    it('maps every eCQM value set onto one of our ids or says why not', () => {
      const covered = new Set([
        ...Object.values(ECQM_VALUE_SET_MAP).flatMap((m) => m.oids),
        ...Object.keys(ECQM_VALUE_SETS_NOT_MAPPED),
      ]);
      expect(ecqmValueSetOids(ROOT).filter((oid) => !covered.has(oid))).toEqual([]);
      for (const id of Object.keys(ECQM_VALUE_SET_MAP)) expect(library.valueSets.has(id), id).toBe(true);
    });
  });

  describe('agreement with the expected MeasureReports', () => {
    it('prints the per-measure agreement table', () => {
      const lines = ['', 'eCQM agreement (cases / agree / disagree):'];
      lines.push('measure   starter sets          eCQM expansions');
      for (const id of MEASURE_IDS) {
        const cell = (run: ValueSetRun): string => {
          const os = outcomes.get(run)!.get(id)!;
          const agree = os.filter((o) => o.agrees).length;
          return `${os.length} / ${agree} / ${os.length - agree}`.padEnd(22);
        };
        lines.push(`${id.padEnd(10)}${cell('starter')}${cell('ecqm')}`);
      }
      for (const run of RUNS) {
        const kinds = new Map<string, number>();
        for (const d of EXPECTED_DISAGREEMENTS.filter((x) => x.runs.includes(run)))
          kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
        lines.push(
          `  ${run} disagreements by kind: ${[...kinds.entries()].map(([k, n]) => `${k} ${n}`).join(', ')}`,
        );
      }
      // Only what the list does not account for (the listed reasons are in ecqm-agreement.ts).
      for (const run of RUNS)
        for (const id of MEASURE_IDS)
          for (const o of outcomes.get(run)!.get(id)!) {
            const listed = EXPECTED_DISAGREEMENTS.some(
              (d) => d.measure === id && d.caseId === o.testCase.id && d.runs.includes(run),
            );
            if (o.agrees === listed)
              lines.push(
                `  ${o.agrees ? 'now agrees' : 'NEW disagreement'} [${run}] ${id} ${label(o.testCase)}: expected ${o.testCase.expectedStatus}, got ${o.got} (${o.result.reason})`,
              );
          }
      console.log(lines.join('\n'));
    });

    for (const run of RUNS) {
      describe(`with ${run === 'starter' ? 'our starter value sets' : 'the eCQM expansions'}`, () => {
        for (const id of MEASURE_IDS) {
          it(`${id}: disagrees exactly on the listed cases, with the listed status`, () => {
            const actual = outcomes
              .get(run)!
              .get(id)!
              .filter((o) => !o.agrees)
              .map((o) => ({ caseId: o.testCase.id, expected: o.testCase.expectedStatus, got: o.got }));
            const listed = EXPECTED_DISAGREEMENTS.filter((d) => d.measure === id && d.runs.includes(run)).map(
              (d) => ({ caseId: d.caseId, expected: d.expected, got: d.got }),
            );
            const key = (x: { caseId: string }): string => x.caseId;
            expect([...actual].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
              [...listed].sort((a, b) => key(a).localeCompare(key(b))),
            );
          });
        }
      });
    }

    it('lists every disagreement once, with a reason, for a real test case', () => {
      const seen = new Set<string>();
      for (const d of EXPECTED_DISAGREEMENTS) {
        const k = `${d.measure}|${d.caseId}`;
        expect(seen.has(k), k).toBe(false);
        seen.add(k);
        expect(d.why.length, k).toBeGreaterThan(20);
        expect(d.runs.length, k).toBeGreaterThan(0);
        const c = measures.get(d.measure)!.cases.find((x) => x.id === d.caseId);
        expect(c, k).toBeDefined();
        expect(c!.name, k).toBe(d.name);
        expect(c!.expectedStatus, k).toBe(d.expected);
      }
    });
  });

  it('evaluates the folder export: the flat one holds the same resources but dangling references', () => {
    // The flat export re-ids every resource without rewriting references (Encounter.diagnosis,
    // Observation.encounter, medicationReference still name the folder ids), so the folder copy
    // is the one evaluated; the flat copy must hold the same resources apart from ids.
    // Ids and references aside (the flat export rewrites some references, not others).
    const canonical = (r: FhirResource): string => {
      const { id: _id, ...rest } = r;
      return JSON.stringify(rest, (k, v: unknown) => (k === 'reference' && typeof v === 'string' ? '*' : v));
    };
    let danglingInFlat = 0;
    for (const id of MEASURE_IDS) {
      for (const c of measures.get(id)!.cases) {
        const [folder, flat] = c.copies;
        const own = (copy: CaseCopy): string[] =>
          copy.resources
            .filter((r) => patientOf(r) === c.id)
            .map(canonical)
            .sort();
        expect(own(flat!), `${id} ${label(c)}`).toEqual(own(folder!));
        expect(danglingReferences(folder!.resources), `${id} ${label(c)}`).toEqual([]);
        danglingInFlat += danglingReferences(flat!.resources).length;
      }
    }
    expect(danglingInFlat).toBeGreaterThan(0);
  });
});
