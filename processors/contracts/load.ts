/**
 * Loads and validates the contract library (docs/contracts.md): contract files `<dir>/*.yaml`,
 * measures `<dir>/measures/*.yaml`, shared exclusions `<dir>/measures/exclusions.yaml` and value
 * sets `<dir>/value-sets` (then any extra directories, later ones replacing same-id sets).
 *
 * Validation is pure and reports every problem of every file at once (CONVENTIONS.md 3), as
 * `file: key.path: message`. Beyond the shapes of ./schema.ts it checks what spans files:
 * `extends`, overlapping effective periods, measure references (`id@version`), value-set ids and
 * `ref` names (with did-you-mean suggestions), duplicate ids.
 *
 * What the engine runs is `library.resolve(contractId, version)`: the contract version with its
 * measures merged with their overrides and every `{ ref: name }` replaced by the named condition,
 * so the engine never sees `ref`.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument as parseYamlDocument } from 'yaml';
import { compareDates } from './dates.ts';
import {
  ContractError,
  REQUIRED_VERSION_FIELDS,
  conditionSchema,
  contractFileShape,
  contractVersionShape,
  idSchema,
  measureFileShape,
  parseDocument,
  parseFields,
  show,
  suggestion,
  type ContractFileDoc,
  type ContractProblem,
  type ContractVersionDoc,
} from './schema.ts';
import type {
  Condition,
  Contract,
  ContractMeasureRef,
  IsoDate,
  MeasureSpec,
  NamedCondition,
  NumeratorSpec,
  ResolvedContract,
  ValueSet,
} from './types.ts';
import {
  buildValueSetIndex,
  loadValueSets,
  readValueSetFile,
  ValueSetError,
  type ValueSetIndex,
} from './value-sets.ts';

export { ContractError, type ContractProblem } from './schema.ts';
export { addToDate, ageOn, compareDates, daysBetween, periodFor, windowDates, type Period } from './dates.ts';

/** The validated library: every contract version, the measure specs, shared exclusions and value sets. */
export interface ContractLibrary {
  /** Every version of every contract, `extends` resolved, ordered by id then effective date. */
  contracts: Contract[];
  /** Measure specs by `${id}@${version}`, as written (refs not inlined). */
  measures: Map<string, MeasureSpec>;
  /** Shared conditions of exclusions.yaml by name. */
  exclusions: Map<string, Condition>;
  valueSets: ValueSetIndex;
  /** The version with its measures resolved; throws when the contract or version is unknown. */
  resolve(contractId: string, version: string): ResolvedContract;
  /** The version effective on `date` (inclusive bounds), if any. */
  activeVersion(contractId: string, date: IsoDate): Contract | undefined;
  /** Contract ids, sorted. */
  contractIds(): string[];
  /**
   * The value sets a contract version evaluates with: the library's, with the sets of the
   * version's own `valueSets` files (paths relative to the library directory) replacing same ids.
   */
  valueSetsFor(contractId: string, version: string): ValueSetIndex;
}

export interface LoadOptions {
  /** Extra value-set directories read after `<dir>/value-sets`; later ones replace same-id sets. */
  valueSetDirs?: string[];
}

const EXCLUSIONS_FILE = 'exclusions.yaml';

/** `CMS125@2024.0`. */
export function measureKey(id: string, version: string): string {
  return `${id}@${version}`;
}

// ---------------------------------------------------------------------------------------------
// Condition walking

/** Every `ref` in a condition with its key path (`allOf[1].ref`). */
function* refsIn(c: Condition, path: string): Generator<{ name: string; path: string }> {
  if ('ref' in c) yield { name: c.ref, path: `${path}.ref` };
  else if ('allOf' in c) for (const [i, x] of c.allOf.entries()) yield* refsIn(x, `${path}.allOf[${i}]`);
  else if ('anyOf' in c) for (const [i, x] of c.anyOf.entries()) yield* refsIn(x, `${path}.anyOf[${i}]`);
}

/** Every value-set id in a condition with its key path (`evidence.valueSets[0]`). */
function* valueSetsIn(c: Condition, path: string): Generator<{ id: string; path: string }> {
  if ('evidence' in c)
    for (const [i, id] of c.evidence.valueSets.entries())
      yield { id, path: `${path}.evidence.valueSets[${i}]` };
  else if ('allOf' in c) for (const [i, x] of c.allOf.entries()) yield* valueSetsIn(x, `${path}.allOf[${i}]`);
  else if ('anyOf' in c) for (const [i, x] of c.anyOf.entries()) yield* valueSetsIn(x, `${path}.anyOf[${i}]`);
}

/** Key path of an exclusion's condition: `{ ref: x }` entries are written as `exclusions[i].ref`. */
function exclusionConditionPath(e: NamedCondition, path: string): string {
  return 'ref' in e.condition && e.condition.ref === e.name ? path : `${path}.condition`;
}

/** The conditions of a measure with the key paths where they are written. */
function measureConditions(
  m: {
    population?: Partial<MeasureSpec['population']>;
    numerator?: NumeratorSpec;
    exclusions?: NamedCondition[];
  },
  prefix: string,
): { condition: Condition; path: string }[] {
  const out: { condition: Condition; path: string }[] = [];
  const p = prefix === '' ? '' : `${prefix}.`;
  if (m.population?.qualifying !== undefined)
    out.push({ condition: m.population.qualifying, path: `${p}population.qualifying` });
  if (m.numerator?.kind === 'evidence')
    out.push({ condition: m.numerator.condition, path: `${p}numerator.condition` });
  for (const [i, e] of (m.exclusions ?? []).entries())
    out.push({ condition: e.condition, path: exclusionConditionPath(e, `${p}exclusions[${i}]`) });
  return out;
}

/** Value-set ids a measure (or an override) names outside conditions: result numerators. */
function numeratorValueSets(n: NumeratorSpec | undefined, prefix: string): { id: string; path: string }[] {
  const p = `${prefix === '' ? '' : `${prefix}.`}numerator`;
  if (n === undefined) return [];
  switch (n.kind) {
    case 'evidence':
      return [];
    case 'latest-result':
      return n.valueSets.map((id, i) => ({ id, path: `${p}.valueSets[${i}]` }));
    case 'blood-pressure':
      return [
        ...n.systolic.valueSets.map((id, i) => ({ id, path: `${p}.systolic.valueSets[${i}]` })),
        ...n.diastolic.valueSets.map((id, i) => ({ id, path: `${p}.diastolic.valueSets[${i}]` })),
      ];
    default: {
      const never: never = n;
      throw new Error(`unknown numerator ${JSON.stringify(never)}`);
    }
  }
}

/** Strips a leading `.` left by an empty prefix. */
function clean(path: string): string {
  return path.startsWith('.') ? path.slice(1) : path;
}

/**
 * A copy of `condition` with every `{ ref: name }` replaced by the named condition (recursively).
 * Throws on an unknown name or a cycle (`a -> b -> a`); a loaded library has neither.
 */
export function resolveRefs(
  condition: Condition,
  exclusions: ReadonlyMap<string, Condition>,
  stack: readonly string[] = [],
): Condition {
  if ('ref' in condition) {
    if (stack.includes(condition.ref))
      throw new Error(`exclusion ref cycle: ${[...stack, condition.ref].join(' -> ')}`);
    const target = exclusions.get(condition.ref);
    if (target === undefined) throw new Error(`unknown exclusion "${condition.ref}"`);
    return resolveRefs(target, exclusions, [...stack, condition.ref]);
  }
  if ('allOf' in condition) return { allOf: condition.allOf.map((c) => resolveRefs(c, exclusions, stack)) };
  if ('anyOf' in condition) return { anyOf: condition.anyOf.map((c) => resolveRefs(c, exclusions, stack)) };
  return condition;
}

function resolveNumerator(n: NumeratorSpec, exclusions: ReadonlyMap<string, Condition>): NumeratorSpec {
  return n.kind === 'evidence' ? { ...n, condition: resolveRefs(n.condition, exclusions) } : n;
}

/**
 * A library spec with a contract's overrides applied (population fields shallow-merged, numerator
 * replaced, exclusions filtered to the listed names in the spec's order) and refs inlined.
 */
export function applyMeasureRef(
  spec: MeasureSpec,
  ref: ContractMeasureRef,
  exclusions: ReadonlyMap<string, Condition>,
): MeasureSpec {
  const o = ref.overrides;
  const population = { ...spec.population, ...(o?.population ?? {}) };
  const keep = o?.exclusions === undefined ? undefined : new Set(o.exclusions);
  return {
    ...spec,
    population: {
      ...population,
      ...(population.qualifying === undefined
        ? {}
        : { qualifying: resolveRefs(population.qualifying, exclusions) }),
    },
    numerator: resolveNumerator(o?.numerator ?? spec.numerator, exclusions),
    exclusions: spec.exclusions
      .filter((e) => keep === undefined || keep.has(e.name))
      .map((e) => ({ name: e.name, condition: resolveRefs(e.condition, exclusions) })),
  };
}

// ---------------------------------------------------------------------------------------------
// Reading files

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function yamlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
}

/** Reads and parses one YAML file; syntax errors (with line and column) become problems. */
async function readYaml(file: string, problems: ContractProblem[]): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    problems.push({ file, path: '', message: `cannot read: ${(err as Error).message}` });
    return undefined;
  }
  return parseYamlText(text, file, problems);
}

/** YAML text to a plain value; every syntax error (duplicate keys included) is a problem. */
export function parseYamlText(text: string, file: string, problems: ContractProblem[]): unknown {
  // prettyErrors computes linePos; the message's own " at line L, column C:" and snippet are dropped.
  const doc = parseYamlDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      const message = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      problems.push({
        file,
        path: '',
        message: `invalid YAML${pos === undefined ? '' : ` at line ${pos.line}, column ${pos.col}`}: ${message}`,
      });
    }
    return undefined;
  }
  return doc.toJS() as unknown;
}

// ---------------------------------------------------------------------------------------------
// Contracts

interface ParsedVersion {
  /** The fields that are valid (all of them when `complete`). */
  doc: Partial<ContractVersionDoc>;
  /** The version name, when valid. */
  name: string | undefined;
  complete: boolean;
  /** `versions[i]` */
  path: string;
  index: number;
}

interface ParsedContract {
  file: string;
  top: Partial<ContractFileDoc>;
  versions: ParsedVersion[];
  /** Names of versions as written, valid or not (an `extends` to a broken version is not "unknown"). */
  writtenNames: Set<string>;
}

function formatPeriod(from: IsoDate, to: IsoDate | null): string {
  return `${from} .. ${to ?? 'open'}`;
}

/**
 * The complete fields of each version merged down its `extends` chain: every field a version
 * does not set comes from the version it extends. Duplicate names, unknown names and cycles are
 * reported; versions with invalid fields (already reported) merge to nothing.
 */
function mergeVersions(
  c: ParsedContract,
  problems: ContractProblem[],
): Map<ParsedVersion, ContractVersionDoc> {
  const byName = new Map<string, ParsedVersion>();
  for (const v of c.versions) {
    if (v.name === undefined) continue;
    const other = byName.get(v.name);
    if (other !== undefined)
      problems.push({
        file: c.file,
        path: `${v.path}.version`,
        message: `version "${v.name}" is defined twice (also ${other.path})`,
      });
    else byName.set(v.name, v);
  }
  const merged = new Map<ParsedVersion, ContractVersionDoc>();
  const failed = new Set<ParsedVersion>();
  const merge = (v: ParsedVersion, chain: string[]): ContractVersionDoc | undefined => {
    const done = merged.get(v);
    if (done !== undefined) return done;
    if (failed.has(v)) return undefined;
    let result: ContractVersionDoc | undefined = v.complete ? (v.doc as ContractVersionDoc) : undefined;
    const parentName = v.doc.extends;
    if (result !== undefined && parentName !== undefined) {
      const parent = byName.get(parentName);
      if (parent === undefined) {
        if (!c.writtenNames.has(parentName))
          problems.push({
            file: c.file,
            path: `${v.path}.extends`,
            message: `unknown version "${parentName}"${suggestion(parentName, byName.keys())}; versions: ${[...byName.keys()].join(', ')}`,
          });
        result = undefined;
      } else if (chain.includes(parentName)) {
        problems.push({
          file: c.file,
          path: `${v.path}.extends`,
          message: `extends cycle: ${[...chain, parentName].join(' -> ')}`,
        });
        result = undefined;
      } else {
        const base = merge(parent, [...chain, parentName]);
        result = base === undefined ? undefined : { ...base, ...definedFields(v.doc) };
        if (result !== undefined) delete result.extends;
      }
    }
    if (result === undefined) failed.add(v);
    else merged.set(v, result);
    return result;
  };
  for (const v of byName.values()) if (v.name !== undefined) merge(v, [v.name]);
  return merged;
}

function definedFields<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A complete Contract from a merged version, or problems naming the missing fields. */
function toContract(
  c: ParsedContract,
  v: ParsedVersion,
  doc: ContractVersionDoc,
  problems: ContractProblem[],
): Contract | undefined {
  const missing = REQUIRED_VERSION_FIELDS.filter((f) => doc[f] === undefined);
  for (const f of missing)
    problems.push({
      file: c.file,
      path: `${v.path}.${f}`,
      message:
        v.doc.extends === undefined
          ? 'required'
          : `required (not set here nor in version "${v.doc.extends}" it extends)`,
    });
  const top = c.top as ContractFileDoc;
  if (missing.length > 0) return undefined;
  const contract: Contract = {
    id: top.id,
    version: doc.version,
    name: top.name,
    payer: top.payer,
    lineOfBusiness: top.lineOfBusiness,
    effective: doc.effective!,
    measurementPeriod: doc.measurementPeriod!,
    providers: doc.providers!,
    requireEnrollment: doc.requireEnrollment!,
    attribution: doc.attribution!,
    measures: doc.measures!,
  };
  if (doc.roster !== undefined) contract.roster = doc.roster;
  if (doc.valueSets !== undefined) contract.valueSets = doc.valueSets;
  return contract;
}

/** Versions whose effective periods share a day (inclusive bounds; `to: null` is open-ended). */
function checkOverlaps(
  c: ParsedContract,
  versions: { v: ParsedVersion; contract: Contract }[],
  problems: ContractProblem[],
): void {
  const sorted = [...versions].sort((a, b) =>
    compareDates(a.contract.effective.from, b.contract.effective.from),
  );
  for (let i = 0; i < sorted.length; i++)
    for (let j = i + 1; j < sorted.length; j++) {
      const ea = sorted[i]!.contract.effective;
      const eb = sorted[j]!.contract.effective;
      // eb starts on or after ea; they share days unless ea ends before eb starts.
      if (ea.to !== null && compareDates(ea.to, eb.from) < 0) continue;
      const end =
        ea.to === null ? eb.to : eb.to === null ? ea.to : compareDates(ea.to, eb.to) < 0 ? ea.to : eb.to;
      // Reported on the version written later in the file.
      const [earlier, later] =
        sorted[i]!.v.index < sorted[j]!.v.index ? [sorted[i]!, sorted[j]!] : [sorted[j]!, sorted[i]!];
      const el = later.contract.effective;
      const ee = earlier.contract.effective;
      problems.push({
        file: c.file,
        path: `${later.v.path}.effective`,
        message: `${formatPeriod(el.from, el.to)} overlaps version "${earlier.contract.version}" (${formatPeriod(ee.from, ee.to)}) on ${formatPeriod(eb.from, end)}`,
      });
    }
}

// ---------------------------------------------------------------------------------------------
// The loader

/** Collected state while loading; one problem list for everything. */
class Loader {
  readonly problems: ContractProblem[] = [];
  valueSets: ValueSetIndex | undefined;
  readonly exclusions = new Map<string, Condition>();
  /** Exclusion names whose condition is invalid (refs to them are not also "unknown"). */
  readonly brokenExclusions = new Set<string>();
  exclusionsFile: string;
  readonly measures = new Map<string, MeasureSpec>();
  readonly measureFiles = new Map<string, string>();
  /** `id@version` of measure files with problems (refs to them are not also "missing"). */
  readonly brokenMeasures = new Set<string>();
  readonly contracts: Contract[] = [];
  readonly overlays = new Map<string, ValueSetIndex>();
  /** Value-set ids to check, by where they are written (a measure used by several contracts is reported once). */
  readonly valueSetUses = new Map<string, { file: string; path: string; id: string; index: ValueSetIndex }>();
  /** Shared exclusions some contract uses, with the value sets to check them against. */
  readonly usedExclusions = new Map<string, ValueSetIndex>();

  constructor(readonly dir: string) {
    this.exclusionsFile = join(dir, 'measures', EXCLUSIONS_FILE);
  }

  problem(file: string, path: string, message: string): void {
    this.problems.push({ file, path, message });
  }

  useValueSet(file: string, path: string, id: string, index: ValueSetIndex | undefined): void {
    if (index !== undefined) this.valueSetUses.set(`${file}\u0000${path}`, { file, path, id, index });
  }

  /** A `ref` must name an exclusion of exclusions.yaml. */
  knownRef(name: string, file: string, path: string): void {
    if (this.exclusions.has(name) || this.brokenExclusions.has(name)) return;
    const names = [...this.exclusions.keys(), ...this.brokenExclusions];
    this.problem(
      file,
      path,
      `unknown exclusion "${name}"${suggestion(name, names)}; ${this.exclusionsFile} defines: ${names.join(', ') || 'nothing'}`,
    );
  }

  /** Marks an exclusion and those it refers to as used (their value sets get checked). */
  markUsed(name: string, index: ValueSetIndex | undefined): void {
    if (index === undefined || this.usedExclusions.has(name)) return;
    this.usedExclusions.set(name, index);
    const c = this.exclusions.get(name);
    if (c !== undefined) for (const r of refsIn(c, '')) this.markUsed(r.name, index);
  }

  async loadValueSets(extra: readonly string[]): Promise<void> {
    const own = join(this.dir, 'value-sets');
    const dirs = [...((await isDirectory(own)) ? [own] : []), ...extra];
    try {
      this.valueSets = await loadValueSets(dirs);
    } catch (err) {
      if (!(err instanceof ValueSetError)) throw err;
      this.problems.push(valueSetProblem(err));
    }
  }

  async loadExclusions(): Promise<void> {
    const file = this.exclusionsFile;
    if (!(await isDirectory(join(this.dir, 'measures')))) return;
    if (!(await yamlFiles(join(this.dir, 'measures'))).includes(EXCLUSIONS_FILE)) return;
    const doc = await readYaml(file, this.problems);
    if (doc === undefined || doc === null) return;
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      this.problem(file, '', `expected named conditions (name: condition), got ${show(doc)}`);
      return;
    }
    for (const [name, raw] of Object.entries(doc as Record<string, unknown>)) {
      const id = parseDocument(idSchema, name, file);
      for (const p of id.problems) this.problem(file, name, `bad name: ${p.message}`);
      const r = parseDocument(conditionSchema, raw, file);
      for (const p of r.problems) this.problem(file, p.path === '' ? name : `${name}.${p.path}`, p.message);
      if (r.data === undefined) this.brokenExclusions.add(name);
      else this.exclusions.set(name, r.data);
    }
    for (const [name, c] of this.exclusions)
      for (const r of refsIn(c, name)) {
        this.knownRef(r.name, file, r.path);
        if (r.name === name || refCycle(r.name, name, this.exclusions))
          this.problem(file, r.path, `ref cycle: "${name}" refers back to itself through "${r.name}"`);
      }
  }

  async loadMeasures(): Promise<void> {
    const dir = join(this.dir, 'measures');
    if (!(await isDirectory(dir))) return;
    for (const name of await yamlFiles(dir)) {
      if (name === EXCLUSIONS_FILE) continue;
      const file = join(dir, name);
      const doc = await readYaml(file, this.problems);
      if (doc === undefined) continue;
      const r = parseFields(measureFileShape, doc, file);
      this.problems.push(...r.problems);
      const m = r.data as Partial<MeasureSpec>;
      let key: string | undefined;
      if (m.id !== undefined && m.version !== undefined) {
        key = measureKey(m.id, m.version);
        const other =
          this.measureFiles.get(key) ?? (this.brokenMeasures.has(key) ? 'another file' : undefined);
        if (other !== undefined) {
          this.problem(file, 'version', `${key} is also defined in ${other}`);
          continue;
        }
        if (r.complete) {
          this.measures.set(key, m as MeasureSpec);
          this.measureFiles.set(key, file);
        } else this.brokenMeasures.add(key);
      }
      for (const { condition, path } of measureConditions(m, ''))
        for (const ref of refsIn(condition, path)) this.knownRef(ref.name, file, clean(ref.path));
      const names = new Map<string, number>();
      for (const [i, e] of (m.exclusions ?? []).entries()) {
        const j = names.get(e.name);
        if (j !== undefined)
          this.problem(
            file,
            `exclusions[${i}]`,
            `exclusion "${e.name}" is listed twice (also exclusions[${j}])`,
          );
        else names.set(e.name, i);
      }
    }
  }

  async loadContracts(): Promise<void> {
    const files = new Map<string, string>();
    for (const name of await yamlFiles(this.dir)) {
      const file = join(this.dir, name);
      const doc = await readYaml(file, this.problems);
      if (doc === undefined) continue;
      const top = parseFields(contractFileShape, doc, file);
      this.problems.push(...top.problems);
      const data = top.data as Partial<ContractFileDoc>;
      if (data.id !== undefined) {
        const other = files.get(data.id);
        if (other !== undefined) {
          this.problem(file, 'id', `contract "${data.id}" is also defined in ${other}`);
          continue;
        }
        files.set(data.id, file);
      }
      const c: ParsedContract = { file, top: data, versions: [], writtenNames: new Set() };
      for (const [i, raw] of (data.versions ?? []).entries()) {
        const r = parseFields(contractVersionShape, raw, file, ['versions', i]);
        this.problems.push(...r.problems);
        const written = (raw as { version?: unknown } | null)?.version;
        if (typeof written === 'string' || typeof written === 'number') c.writtenNames.add(String(written));
        const vdoc = r.data as Partial<ContractVersionDoc>;
        c.versions.push({
          doc: vdoc,
          name: vdoc.version,
          complete: r.complete,
          path: `versions[${i}]`,
          index: i,
        });
      }
      await this.checkContract(c, top.complete);
    }
  }

  private async checkContract(c: ParsedContract, topComplete: boolean): Promise<void> {
    const merged = mergeVersions(c, this.problems);
    const complete: { v: ParsedVersion; contract: Contract }[] = [];
    for (const v of c.versions) {
      const doc = merged.get(v);
      if (doc === undefined || !topComplete) continue;
      const contract = toContract(c, v, doc, this.problems);
      if (contract !== undefined) complete.push({ v, contract });
    }
    checkOverlaps(c, complete, this.problems);
    for (const v of c.versions) {
      const index = await this.versionValueSets(c, v);
      const contract = complete.find((x) => x.v === v)?.contract;
      if (contract !== undefined) {
        if (index !== undefined) this.overlays.set(measureKey(contract.id, contract.version), index);
        this.contracts.push(contract);
      }
      this.checkVersionFields(c.file, v, index);
    }
  }

  /** The library's value sets with the version's own `valueSets` files over them. */
  private async versionValueSets(c: ParsedContract, v: ParsedVersion): Promise<ValueSetIndex | undefined> {
    const base = this.valueSets;
    if (v.doc.valueSets === undefined || base === undefined) return base;
    const own: ValueSet[] = [];
    for (const [i, rel] of v.doc.valueSets.entries()) {
      try {
        own.push(...(await readValueSetFile(join(this.dir, rel))).sets);
      } catch (err) {
        if (err instanceof ValueSetError)
          this.problem(c.file, `${v.path}.valueSets[${i}]`, valueSetProblem(err).message);
        else
          this.problem(
            c.file,
            `${v.path}.valueSets[${i}]`,
            `cannot read ${join(this.dir, rel)}: ${(err as Error).message}`,
          );
      }
    }
    return buildValueSetIndex([...base.ids().map((id) => base.get(id)!), ...own]);
  }

  /**
   * Cross-file checks of what a version writes itself (inherited fields are checked where they
   * are written): value sets of attribution, measure references and their overrides.
   */
  private checkVersionFields(file: string, v: ParsedVersion, index: ValueSetIndex | undefined): void {
    const p = v.path;
    const claims = v.doc.attribution?.claims;
    if (claims !== undefined)
      for (const [i, id] of claims.qualifyingValueSets.entries())
        this.useValueSet(file, `${p}.attribution.claims.qualifyingValueSets[${i}]`, id, index);
    const seen = new Map<string, number>();
    for (const [i, ref] of (v.doc.measures ?? []).entries()) {
      const rp = `${p}.measures[${i}]`;
      const j = seen.get(ref.id);
      if (j !== undefined)
        this.problem(file, `${rp}.id`, `measure ${ref.id} is listed twice (also measures[${j}])`);
      seen.set(ref.id, i);
      const key = measureKey(ref.id, ref.version);
      const spec = this.measures.get(key);
      if (spec === undefined) {
        if (!this.brokenMeasures.has(key)) this.problem(file, rp, this.missingMeasure(ref.id, ref.version));
        continue;
      }
      const o = ref.overrides;
      const names = spec.exclusions.map((e) => e.name);
      for (const [k, name] of (o?.exclusions ?? []).entries())
        if (!names.includes(name))
          this.problem(
            file,
            `${rp}.overrides.exclusions[${k}]`,
            `${ref.id} has no exclusion "${name}"${suggestion(name, names)}; its exclusions: ${names.join(', ')}`,
          );
      if (o !== undefined) {
        for (const { condition, path } of measureConditions(
          { population: o.population, numerator: o.numerator },
          `${rp}.overrides`,
        )) {
          for (const r of refsIn(condition, path)) {
            this.knownRef(r.name, file, r.path);
            this.markUsed(r.name, index);
          }
          for (const u of valueSetsIn(condition, path)) this.useValueSet(file, u.path, u.id, index);
        }
        for (const u of numeratorValueSets(o.numerator, `${rp}.overrides`))
          this.useValueSet(file, u.path, u.id, index);
      }
      // The parts of the library spec this version uses (overridden parts were checked above).
      const mf = this.measureFiles.get(key)!;
      const used = {
        population: o?.population?.qualifying === undefined ? spec.population : {},
        numerator: o?.numerator === undefined ? spec.numerator : undefined,
        exclusions: spec.exclusions.filter(
          (e) => o?.exclusions === undefined || o.exclusions.includes(e.name),
        ),
      };
      for (const { condition, path } of measureConditions(used, '')) {
        for (const u of valueSetsIn(condition, path)) this.useValueSet(mf, clean(u.path), u.id, index);
        for (const r of refsIn(condition, path)) this.markUsed(r.name, index);
      }
      for (const u of numeratorValueSets(used.numerator, '')) this.useValueSet(mf, u.path, u.id, index);
    }
  }

  private missingMeasure(id: string, version: string): string {
    const all = [...this.measures.values()];
    const versions = all.filter((m) => m.id === id).map((m) => m.version);
    if (versions.length > 0)
      return `measure ${measureKey(id, version)} is not in the library; available versions of ${id}: ${versions.sort().join(', ')}`;
    const ids = [...new Set(all.map((m) => m.id))].sort();
    return `measure ${measureKey(id, version)} is not in the library: no measure ${id}${suggestion(id, ids)}; measures: ${ids.join(', ')}`;
  }

  /** Unknown value-set ids, once all uses are known. */
  checkValueSets(): void {
    for (const [name, index] of this.usedExclusions) {
      const c = this.exclusions.get(name);
      if (c !== undefined)
        for (const u of valueSetsIn(c, name)) this.useValueSet(this.exclusionsFile, u.path, u.id, index);
    }
    for (const u of this.valueSetUses.values())
      if (!u.index.has(u.id))
        this.problem(u.file, u.path, `unknown value set "${u.id}"${suggestion(u.id, u.index.ids())}`);
  }
}

/**
 * Loads `<dir>` (see the module comment). Throws {@link ContractError} listing every problem.
 * Value-set ids are checked in attribution and in the measures some contract uses (with the
 * shared exclusions they reference): there a missing set would silently open or close gaps.
 */
export async function loadContractLibrary(dir: string, opts: LoadOptions = {}): Promise<ContractLibrary> {
  if (!(await isDirectory(dir)))
    throw new ContractError([{ file: dir, path: '', message: 'contract directory not found' }]);
  const loader = new Loader(dir);
  await loader.loadValueSets(opts.valueSetDirs ?? []);
  await loader.loadExclusions();
  await loader.loadMeasures();
  await loader.loadContracts();
  loader.checkValueSets();
  // Grouped by file (stable: within a file, in the order found).
  if (loader.problems.length > 0)
    throw new ContractError(
      [...loader.problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
    );
  return makeLibrary(
    loader.contracts,
    loader.measures,
    loader.exclusions,
    loader.valueSets!,
    loader.overlays,
  );
}

/** True when `from` reaches `target` through refs. */
function refCycle(
  from: string,
  target: string,
  exclusions: ReadonlyMap<string, Condition>,
  seen = new Set<string>(),
): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  const c = exclusions.get(from);
  if (c === undefined) return false;
  for (const r of refsIn(c, ''))
    if (r.name === target || refCycle(r.name, target, exclusions, seen)) return true;
  return false;
}

function valueSetProblem(err: ValueSetError): ContractProblem {
  const prefix = `${err.file}:${err.line === null ? '' : `${err.line}:`} `;
  const message = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  return { file: err.file, path: err.line === null ? '' : `line ${err.line}`, message };
}

function makeLibrary(
  contracts: Contract[],
  measures: Map<string, MeasureSpec>,
  exclusions: Map<string, Condition>,
  valueSets: ValueSetIndex,
  overlays: Map<string, ValueSetIndex>,
): ContractLibrary {
  contracts.sort((a, b) => a.id.localeCompare(b.id) || compareDates(a.effective.from, b.effective.from));
  const resolved = new Map<string, ResolvedContract>();
  const find = (contractId: string, version: string): Contract => {
    const c = contracts.find((x) => x.id === contractId && x.version === version);
    if (c !== undefined) return c;
    const versions = contracts.filter((x) => x.id === contractId).map((x) => x.version);
    throw new Error(
      versions.length === 0
        ? `unknown contract "${contractId}"${suggestion(contractId, new Set(contracts.map((x) => x.id)))}`
        : `contract ${contractId} has no version "${version}"; versions: ${versions.join(', ')}`,
    );
  };
  return {
    contracts,
    measures,
    exclusions,
    valueSets,
    resolve(contractId, version) {
      const key = measureKey(contractId, version);
      const hit = resolved.get(key);
      if (hit !== undefined) return hit;
      const c = find(contractId, version);
      const r: ResolvedContract = {
        ...c,
        measures: c.measures.map((ref) =>
          applyMeasureRef(measures.get(measureKey(ref.id, ref.version))!, ref, exclusions),
        ),
      };
      resolved.set(key, r);
      return r;
    },
    activeVersion(contractId, date) {
      return contracts.find(
        (c) =>
          c.id === contractId &&
          compareDates(c.effective.from, date) <= 0 &&
          (c.effective.to === null || compareDates(date, c.effective.to) <= 0),
      );
    },
    contractIds() {
      return [...new Set(contracts.map((c) => c.id))].sort();
    },
    valueSetsFor(contractId, version) {
      find(contractId, version);
      return overlays.get(measureKey(contractId, version)) ?? valueSets;
    },
  };
}
