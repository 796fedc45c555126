/**
 * Value sets: loading (CSV and FHIR ValueSet JSON), code-system mapping and the in-memory index
 * the measure engine asks "which value sets hold this code?" once per fact.
 *
 * Sources are files in directories read in order; a later directory replaces same-id sets of an
 * earlier one, so an organization can put its licensed HEDIS value sets (or corrected ones) over
 * the starter sets shipped in contracts/value-sets (see SOURCES.md there).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { GapstreamError } from '../../runtime/errors.ts';
import { CODE_SYSTEMS, type CodeSystem, type ValueSet, type ValueSetCode } from './types.ts';

/** A value-set file that cannot be used; the message starts with `file:line:` (or `file:` for JSON). */
export class ValueSetError extends GapstreamError {
  readonly file: string;
  readonly line: number | null;

  constructor(file: string, line: number | null, message: string) {
    super('VALUE_SET_INVALID', `${file}:${line === null ? '' : `${line}:`} ${message}`);
    this.name = 'ValueSetError';
    this.file = file;
    this.line = line;
  }
}

// ---------------------------------------------------------------------------------------------
// Code systems

/**
 * HL7 v2 coding-system names (table 0396: LN, C4, HCPCS, I10, I10P, SCT, SNM, CVX, ...) and the
 * spellings feeds use, compared upper-cased without `-`, `_`, `.` and spaces.
 */
const SYSTEM_NAMES: Readonly<Record<string, CodeSystem>> = {
  LN: 'LOINC',
  LOINC: 'LOINC',
  CPT: 'CPT',
  C4: 'CPT',
  CPT4: 'CPT',
  HCPCS: 'HCPCS',
  HCPC: 'HCPCS',
  I10: 'ICD10CM',
  I10C: 'ICD10CM',
  ICD10: 'ICD10CM',
  ICD10CM: 'ICD10CM',
  I10P: 'ICD10PCS',
  ICD10PCS: 'ICD10PCS',
  SCT: 'SNOMEDCT',
  SNM: 'SNOMEDCT',
  SNOMED: 'SNOMEDCT',
  SNOMEDCT: 'SNOMEDCT',
  CVX: 'CVX',
  POS: 'POS',
  CLAIMTYPE: 'CLAIMTYPE',
  PATIENTCLASS: 'PATIENTCLASS',
};

/** HL7 OIDs of the code systems (HL7 OID registry, root 2.16.840.1.113883.6). */
const SYSTEM_OIDS: Readonly<Record<string, CodeSystem>> = {
  '2.16.840.1.113883.6.1': 'LOINC',
  '2.16.840.1.113883.6.12': 'CPT',
  '2.16.840.1.113883.6.285': 'HCPCS',
  '2.16.840.1.113883.6.14': 'HCPCS',
  '2.16.840.1.113883.6.90': 'ICD10CM',
  '2.16.840.1.113883.6.4': 'ICD10PCS',
  '2.16.840.1.113883.6.96': 'SNOMEDCT',
  // HL7 table 0292 (vaccines administered) is CVX.
  '2.16.840.1.113883.12.292': 'CVX',
};

/**
 * FHIR code-system URLs (terminology.hl7.org "External code systems"), lower-cased. VSAC
 * expansions name HCPCS `http://www.nlm.nih.gov/research/umls/hcpcs` (the UMLS source), so that
 * spelling is here too; ICD-10-PCS is `http://www.cms.gov/Medicare/Coding/ICD10`.
 */
const SYSTEM_URLS: Readonly<Record<string, CodeSystem>> = {
  'http://loinc.org': 'LOINC',
  'http://www.ama-assn.org/go/cpt': 'CPT',
  'https://www.cms.gov/medicare/coding/hcpcsreleasecodesets': 'HCPCS',
  'http://www.cms.gov/medicare/coding/hcpcsreleasecodesets': 'HCPCS',
  'http://www.nlm.nih.gov/research/umls/hcpcs': 'HCPCS',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD10CM',
  'http://www.cms.gov/medicare/coding/icd10': 'ICD10PCS',
  'http://snomed.info/sct': 'SNOMEDCT',
  'http://hl7.org/fhir/sid/cvx': 'CVX',
  'https://www.cms.gov/medicare/coding/place-of-service-codes/place_of_service_code_set': 'POS',
  'http://terminology.hl7.org/codesystem/v2-0004': 'PATIENTCLASS',
};

const OID_SHAPE = /^\d+(\.\d+)+$/;

/**
 * The canonical code system for an HL7 table-0396 name, an OID (bare or `urn:oid:`) or a FHIR
 * system URL; null when unknown or absent.
 */
export function codeSystemOf(name: string | null): CodeSystem | null {
  if (name === null) return null;
  const raw = name.trim().replace(/^urn:oid:/i, '');
  if (raw === '') return null;
  if (OID_SHAPE.test(raw)) return SYSTEM_OIDS[raw] ?? null;
  if (/^https?:\/\//i.test(raw)) return SYSTEM_URLS[raw.toLowerCase().replace(/\/+$/, '')] ?? null;
  return SYSTEM_NAMES[raw.toUpperCase().replace(/[-_. ]/g, '')] ?? null;
}

/**
 * A code in the form the index and the facts use: trimmed, upper case, and ICD-10 without the
 * dot (`e11.9` -> `E119`), the form of the CMS code files, X12 HI segments and CCLF.
 */
export function normalizeCode(system: CodeSystem, code: string): string {
  const c = code.trim().toUpperCase();
  return system === 'ICD10CM' || system === 'ICD10PCS' ? c.replace(/\./g, '') : c;
}

/**
 * The system of a claim-line procedure code (CCLF HCPCS_CD, X12 SV1-1 `HC`): HCPCS Level II
 * codes start with a letter; everything else is CPT (HCPCS Level I), Category II codes such as
 * `3044F` included.
 */
export function claimProcedureSystem(code: string): CodeSystem {
  return /^[A-Za-z]/.test(code.trim()) ? 'HCPCS' : 'CPT';
}

/**
 * Shapes of normalized codes, to catch a code filed under the wrong system (an ICD-10 code in the
 * CPT column) or a pasted modifier (`99213-25`). Membership in the code system is not checked.
 */
const CODE_SHAPES: Readonly<Record<CodeSystem, RegExp>> = {
  // Category I: 5 digits; II: 4 digits + F; III: 4 digits + T; PLA: 4 digits + U.
  CPT: /^\d{4}[0-9A-Z]$/,
  // Level II (a letter and 4 digits); Level I codes (CPT) are sometimes filed as HCPCS too.
  HCPCS: /^[A-Z0-9]\d{3}[0-9A-Z]$/,
  // Term codes and LOINC answer/part codes (LA..., LP...), all with a check digit.
  LOINC: /^(\d{1,7}|L[AGP]\d{1,7})-\d$/,
  ICD10CM: /^[A-Z]\d[0-9A-Z]{1,5}$/,
  ICD10PCS: /^[0-9A-Z]{7}$/,
  // SCTID: 6 to 18 digits (SNOMED CT technical guide, "SCTID").
  SNOMEDCT: /^\d{6,18}$/,
  CVX: /^\d{1,3}$/,
  POS: /^\d{2}$/,
  CLAIMTYPE: /^\d{1,3}$/,
  PATIENTCLASS: /^[A-Z0-9]{1,3}$/,
};

function codeShapeProblem(system: CodeSystem, code: string): string | null {
  if (code === '') return 'empty code';
  return CODE_SHAPES[system].test(code) ? null : `code "${code}" is not a ${system} code`;
}

// ---------------------------------------------------------------------------------------------
// CSV

interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
}

/**
 * RFC 4180 records: comma-separated, fields optionally in double quotes (`""` is a quote inside
 * them; quoted fields may hold commas and line breaks), CRLF or LF line ends. Blank lines and
 * lines starting with `#` are skipped, so files can carry comments.
 */
function csvRecords(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const atLineEnd = (): boolean => i >= n || text[i] === '\n' || text[i] === '\r';
  const skipLineEnd = (): void => {
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
  };
  const skipBlanks = (): void => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  while (i < n) {
    const lineStart = i;
    skipBlanks();
    if (text[i] === '#' || atLineEnd()) {
      while (!atLineEnd()) i++;
      if (i < n) skipLineEnd();
      continue;
    }
    i = lineStart;
    const start = line;
    const fields: string[] = [];
    for (;;) {
      const fieldStart = i;
      skipBlanks();
      if (text[i] !== '"') i = fieldStart;
      if (text[i] === '"') {
        const opened = line;
        let value = '';
        i++;
        for (;;) {
          if (i >= n) throw new ValueSetError(file, opened, 'unterminated quoted field');
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          value += ch;
          i++;
        }
        skipBlanks();
        if (!atLineEnd() && text[i] !== ',')
          throw new ValueSetError(file, line, 'unexpected text after a closing quote');
        fields.push(value);
      } else {
        const from = i;
        while (!atLineEnd() && text[i] !== ',') {
          if (text[i] === '"')
            throw new ValueSetError(file, line, 'quote inside an unquoted field (quote the whole field)');
          i++;
        }
        fields.push(text.slice(from, i).trim());
      }
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    records.push({ line: start, fields });
    if (i < n) skipLineEnd();
  }
  return records;
}

const CSV_COLUMNS = ['value_set_id', 'code_system', 'code', 'display'] as const;
const REQUIRED_COLUMNS = ['value_set_id', 'code_system', 'code'] as const;
const ID_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Column positions from the header; `display` is optional, extra columns are ignored. */
function csvColumns(header: CsvRecord, file: string): Record<(typeof CSV_COLUMNS)[number], number> {
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0)
    throw new ValueSetError(
      file,
      header.line,
      `header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (expected ${CSV_COLUMNS.join(',')})`,
    );
  return {
    value_set_id: names.indexOf('value_set_id'),
    code_system: names.indexOf('code_system'),
    code: names.indexOf('code'),
    display: names.indexOf('display'),
  };
}

/**
 * Value sets from a CSV with the header `value_set_id,code_system,code,display` (display
 * optional). One file may hold several sets; rows are grouped by id in first-seen order and a
 * repeated system+code within a set is kept once. Name is the id; source is the file name.
 */
export function parseValueSetCsv(text: string, file: string): ValueSet[] {
  const records = csvRecords(text, file);
  const header = records[0];
  if (header === undefined) throw new ValueSetError(file, 1, `missing header (${CSV_COLUMNS.join(',')})`);
  const col = csvColumns(header, file);
  const sets = new Map<string, { set: ValueSet; seen: Set<string> }>();
  for (const rec of records.slice(1)) {
    if (rec.fields.length !== header.fields.length)
      throw new ValueSetError(
        file,
        rec.line,
        `expected ${header.fields.length} fields as in the header, found ${rec.fields.length}`,
      );
    const field = (i: number): string => (i < 0 ? '' : rec.fields[i]!.trim());
    const id = field(col.value_set_id);
    if (!ID_SHAPE.test(id))
      throw new ValueSetError(
        file,
        rec.line,
        id === '' ? 'empty value_set_id' : `value_set_id "${id}" must be letters, digits, '.', '_' or '-'`,
      );
    const systemName = field(col.code_system);
    const system = codeSystemOf(systemName);
    if (system === null)
      throw new ValueSetError(
        file,
        rec.line,
        `unknown code system "${systemName}" (expected one of ${CODE_SYSTEMS.join(', ')})`,
      );
    const code = normalizeCode(system, field(col.code));
    const problem = codeShapeProblem(system, code);
    if (problem !== null) throw new ValueSetError(file, rec.line, problem);
    let entry = sets.get(id);
    if (entry === undefined) {
      entry = { set: { id, oid: null, name: id, source: basename(file), codes: [] }, seen: new Set() };
      sets.set(id, entry);
    }
    const key = `${system}|${code}`;
    if (entry.seen.has(key)) continue;
    entry.seen.add(key);
    const display = field(col.display);
    entry.set.codes.push({ system, code, display: display === '' ? null : display });
  }
  return [...sets.values()].map((e) => e.set);
}

// ---------------------------------------------------------------------------------------------
// FHIR ValueSet

/** Codes a FHIR ValueSet carried in systems gapstream does not model (RxNorm, ...), per system URL. */
export type SkippedCodes = Record<string, number>;

export interface FhirValueSetRead {
  valueSet: ValueSet;
  skipped: SkippedCodes;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arrayAt(obj: Json, key: string): unknown[] {
  const v = obj[key];
  return Array.isArray(v) ? v : [];
}

function stringAt(obj: Json, key: string): string | null {
  const v = obj[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/** The set's OID: from `identifier` (`urn:oid:...` or a bare OID, as VSAC writes it), else the url's last segment. */
function oidOf(vs: Json, url: string | null): string | null {
  for (const ident of arrayAt(vs, 'identifier')) {
    const value = isObject(ident) ? stringAt(ident, 'value') : null;
    const oid = value?.replace(/^urn:oid:/i, '') ?? '';
    if (OID_SHAPE.test(oid)) return oid;
  }
  const last = url?.split('/').pop() ?? '';
  return OID_SHAPE.test(last) ? last : url;
}

/** Collects one code entry; unknown systems are counted, not fatal (a set may mix in RxNorm). */
function collect(
  entry: Json,
  systemUrl: string | null,
  where: string,
  file: string,
  out: { codes: ValueSetCode[]; seen: Set<string>; skipped: SkippedCodes },
): void {
  const rawCode = stringAt(entry, 'code');
  if (rawCode === null) throw new ValueSetError(file, null, `${where}: empty code`);
  const system = codeSystemOf(systemUrl);
  if (system === null) {
    const key = systemUrl ?? '(no system)';
    out.skipped[key] = (out.skipped[key] ?? 0) + 1;
    return;
  }
  const code = normalizeCode(system, rawCode);
  const problem = codeShapeProblem(system, code);
  if (problem !== null) throw new ValueSetError(file, null, `${where}: ${problem}`);
  const key = `${system}|${code}`;
  if (out.seen.has(key)) return;
  out.seen.add(key);
  out.codes.push({ system, code, display: stringAt(entry, 'display') });
}

/** `expansion.contains[]`, nested `contains` included; abstract grouping entries carry no usable code. */
function collectExpansion(
  contains: unknown[],
  path: string,
  file: string,
  out: Parameters<typeof collect>[4],
): void {
  contains.forEach((c, i) => {
    if (!isObject(c)) return;
    const where = `${path}[${i}]`;
    if (c.abstract !== true && c.code !== undefined) collect(c, stringAt(c, 'system'), where, file, out);
    collectExpansion(arrayAt(c, 'contains'), `${where}.contains`, file, out);
  });
}

/** `compose.include[].concept[]` minus enumerated `compose.exclude[].concept[]`. */
function collectCompose(compose: Json, file: string, out: Parameters<typeof collect>[4]): void {
  const excluded = new Set<string>();
  for (const exc of arrayAt(compose, 'exclude')) {
    if (!isObject(exc)) continue;
    const system = codeSystemOf(stringAt(exc, 'system'));
    for (const c of arrayAt(exc, 'concept')) {
      const code = isObject(c) ? stringAt(c, 'code') : null;
      if (system !== null && code !== null) excluded.add(`${system}|${normalizeCode(system, code)}`);
    }
  }
  arrayAt(compose, 'include').forEach((inc, i) => {
    if (!isObject(inc)) return;
    const systemUrl = stringAt(inc, 'system');
    arrayAt(inc, 'concept').forEach((c, j) => {
      if (!isObject(c)) return;
      const system = codeSystemOf(systemUrl);
      const code = stringAt(c, 'code');
      if (system !== null && code !== null && excluded.has(`${system}|${normalizeCode(system, code)}`))
        return;
      collect(c, systemUrl, `compose.include[${i}].concept[${j}]`, file, out);
    });
  });
}

/**
 * A FHIR ValueSet resource, with the codes of unknown systems it skipped. Codes come from
 * `expansion.contains` when the resource has an expansion, else from the concepts enumerated in
 * `compose.include` (filters and imported value sets cannot be resolved offline: load an
 * expansion, e.g. VSAC `$expand`). The id defaults to the url's last segment (the OID for VSAC).
 */
export function readFhirValueSet(json: unknown, file: string, id?: string): FhirValueSetRead {
  if (!isObject(json) || json.resourceType !== 'ValueSet')
    throw new ValueSetError(file, null, 'not a FHIR ValueSet resource (resourceType must be "ValueSet")');
  const url = stringAt(json, 'url');
  const setId = id ?? url?.replace(/\/+$/, '').split('/').pop() ?? stringAt(json, 'id');
  if (setId === null || setId === undefined || setId === '')
    throw new ValueSetError(file, null, 'ValueSet has neither url nor id: pass an id');
  const out = { codes: [] as ValueSetCode[], seen: new Set<string>(), skipped: {} as SkippedCodes };
  const expansion = isObject(json.expansion) ? json.expansion : null;
  const contains = expansion === null ? [] : arrayAt(expansion, 'contains');
  if (contains.length > 0) collectExpansion(contains, 'expansion.contains', file, out);
  else if (isObject(json.compose)) collectCompose(json.compose, file, out);
  if (out.codes.length === 0 && Object.keys(out.skipped).length === 0)
    throw new ValueSetError(
      file,
      null,
      `ValueSet ${setId} lists no codes: no expansion.contains and no compose.include[].concept (load an expansion)`,
    );
  const valueSet: ValueSet = {
    id: setId,
    oid: oidOf(json, url),
    name: stringAt(json, 'title') ?? stringAt(json, 'name') ?? setId,
    source: basename(file),
    codes: out.codes,
  };
  return { valueSet, skipped: out.skipped };
}

/** A FHIR ValueSet resource as a ValueSet (see readFhirValueSet; skipped systems are dropped). */
export function parseFhirValueSet(json: unknown, file: string, id?: string): ValueSet {
  return readFhirValueSet(json, file, id).valueSet;
}

// ---------------------------------------------------------------------------------------------
// Index

/** Lookups the engine makes; `setsOf` is on the per-fact hot path. */
export interface ValueSetIndex {
  has(id: string): boolean;
  get(id: string): ValueSet | undefined;
  /** Ids, sorted. */
  ids(): string[];
  /** Ids of the sets holding a NORMALIZED code (normalizeCode); a shared frozen empty array when none. */
  setsOf(system: CodeSystem, code: string): readonly string[];
}

const NONE: readonly string[] = Object.freeze([]);

/** An index over the sets; a later set with the same id replaces an earlier one. */
export function buildValueSetIndex(sets: ValueSet[]): ValueSetIndex {
  const byId = new Map<string, ValueSet>();
  for (const s of sets) byId.set(s.id, s);
  const members = new Map<string, string[]>();
  for (const s of byId.values())
    for (const c of s.codes) {
      const key = `${c.system}|${c.code}`;
      const ids = members.get(key);
      if (ids === undefined) members.set(key, [s.id]);
      else if (!ids.includes(s.id)) ids.push(s.id);
    }
  // Frozen so that callers holding a result cannot corrupt the index.
  const bySystemCode = new Map<string, readonly string[]>();
  for (const [key, ids] of members) bySystemCode.set(key, Object.freeze(ids.sort()));
  const sortedIds = [...byId.keys()].sort();
  return {
    has: (id) => byId.has(id),
    get: (id) => byId.get(id),
    ids: () => [...sortedIds],
    setsOf: (system, code) => bySystemCode.get(`${system}|${code}`) ?? NONE,
  };
}

// ---------------------------------------------------------------------------------------------
// Loading

/** The loaded index plus what the files carried that gapstream cannot use. */
export interface LoadedValueSets extends ValueSetIndex {
  /** Files read, in load order. */
  files: string[];
  skipped: { file: string; system: string; count: number }[];
}

/**
 * Value sets of one file: a CSV (any number of sets), a FHIR ValueSet JSON, or a FHIR Bundle of
 * ValueSets. A single-ValueSet file's id is its file name without `.json` and a leading
 * `ValueSet-`, so `mammography.json` replaces the starter `mammography` and a VSAC download
 * `ValueSet-<oid>.json` is known by its OID; Bundle entries are known by their url's last segment.
 */
export async function readValueSetFile(
  file: string,
): Promise<{ sets: ValueSet[]; skipped: { system: string; count: number }[] }> {
  const text = await readFile(file, 'utf8');
  if (extname(file).toLowerCase() === '.csv') return { sets: parseValueSetCsv(text, file), skipped: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ValueSetError(file, null, `invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const reads: FhirValueSetRead[] = [];
  if (isObject(json) && json.resourceType === 'Bundle') {
    for (const entry of arrayAt(json, 'entry'))
      if (isObject(entry) && isObject(entry.resource) && entry.resource.resourceType === 'ValueSet')
        reads.push(readFhirValueSet(entry.resource, file));
  } else {
    reads.push(readFhirValueSet(json, file, basename(file, extname(file)).replace(/^ValueSet-/, '')));
  }
  return {
    sets: reads.map((r) => r.valueSet),
    skipped: reads.flatMap((r) => Object.entries(r.skipped).map(([system, count]) => ({ system, count }))),
  };
}

async function valueSetFilesIn(dir: string): Promise<string[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new ValueSetError(dir, null, 'value set directory not found');
  }
  if (!isDir) throw new ValueSetError(dir, null, 'not a directory');
  const names = await readdir(dir);
  return names
    .filter((n) => /\.(csv|json)$/i.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Every `*.csv` and `*.json` value-set file of the directories (not recursive, file-name order).
 * Within one directory an id may be defined once; a later directory replaces same-id sets of an
 * earlier one as a whole (organization overrides, never a merge of codes).
 */
export async function loadValueSets(dirs: string[]): Promise<LoadedValueSets> {
  const byId = new Map<string, ValueSet>();
  const files: string[] = [];
  const skipped: LoadedValueSets['skipped'] = [];
  for (const dir of dirs) {
    const definedIn = new Map<string, string>();
    for (const file of await valueSetFilesIn(dir)) {
      files.push(file);
      const read = await readValueSetFile(file);
      for (const s of read.skipped) skipped.push({ file, ...s });
      for (const set of read.sets) {
        const other = definedIn.get(set.id);
        if (other !== undefined)
          throw new ValueSetError(file, null, `value set "${set.id}" is also defined in ${basename(other)}`);
        definedIn.set(set.id, file);
        byId.set(set.id, set);
      }
    }
  }
  return { ...buildValueSetIndex([...byId.values()]), files, skipped };
}
