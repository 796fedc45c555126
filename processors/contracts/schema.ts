/**
 * The YAML shapes of contracts as code (docs/contracts.md): contract files (`contracts/*.yaml`),
 * measure files (`contracts/measures/*.yaml`) and the shared exclusions
 * (`contracts/measures/exclusions.yaml`), as zod schemas that also turn the compact YAML spellings
 * (window strings, `calendar-year`, `- ref: hospice`) into the types of ./types.ts.
 *
 * Every object is strict: an unknown key is an error with a did-you-mean suggestion, because a
 * misspelt key (`qualifyingValueSet:`) silently ignored would change what a contract pays for.
 * Problems name the file, the key path and the bad value (CONVENTIONS.md 3 and 4); checks that
 * need more than one file (value-set ids, measure references, `extends`) are in ./load.ts.
 */
import { z } from 'zod';
import { GapstreamError } from '../../runtime/errors.ts';
import { emptyWindowExample, formatDateExpr, isIsoDate, parseWindow } from './dates.ts';
import type {
  Anchor,
  AttributionSpec,
  ClaimsAttributionSpec,
  Condition,
  ContractMeasureRef,
  Criterion,
  EncounterSetting,
  IsoDate,
  MeasureSpec,
  NamedCondition,
  NumeratorSpec,
  WindowSpec,
} from './types.ts';

// ---------------------------------------------------------------------------------------------
// Problems and their wording

/** One validation problem: the file, the key path in it (`versions[0].attribution.unit`) and what is wrong. */
export interface ContractProblem {
  file: string;
  path: string;
  message: string;
}

/** `file: path: message` (the path is left out when empty). */
export function formatProblem(p: ContractProblem): string {
  return p.path === '' ? `${p.file}: ${p.message}` : `${p.file}: ${p.path}: ${p.message}`;
}

/** Invalid contract library or contract test files; `problems` holds every problem found, not just the first. */
export class ContractError extends GapstreamError {
  readonly problems: readonly ContractProblem[];

  constructor(problems: readonly ContractProblem[], what = 'contract library') {
    super(
      'CONTRACT_INVALID',
      `Invalid ${what} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  ${formatProblem(p)}`)
        .join('\n')}`,
    );
    this.name = 'ContractError';
    this.problems = problems;
  }
}

/** `versions[0].attribution.claims.unit` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? String(k) : `.${String(k)}`;
  }
  return out;
}

/** A value as a message shows it: strings quoted, lists and objects named. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`. */
export function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]!}`;
}

/** Optimal-string-alignment edit distance (a transposition counts as one edit). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The one candidate closest to `word` within `max` edits (case-insensitive), if exactly one is
 * closest. Words of up to three characters allow one edit, and fewer edits than their length,
 * so `"1"` does not suggest `"5"`.
 */
export function didYouMean(word: string, candidates: Iterable<string>, max = 2): string | undefined {
  const limit = Math.min(max, word.length <= 3 ? 1 : max, word.length - 1);
  let best: string | undefined;
  let bestDistance = limit + 1;
  let ties = 0;
  for (const c of candidates) {
    if (c === word) continue;
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    if (dist < bestDistance) [best, bestDistance, ties] = [c, dist, 1];
    else if (dist === bestDistance) ties++;
  }
  return ties === 1 ? best : undefined;
}

/** ` (did you mean "x"?)` or nothing. */
export function suggestion(word: string, candidates: Iterable<string>): string {
  const s = didYouMean(word, candidates);
  return s === undefined ? '' : ` (did you mean "${s}"?)`;
}

/** `unknown key "units" (did you mean "unit"?)`, or the allowed keys when nothing is close. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  const parts = keys.map((k) => {
    const s = didYouMean(k, known);
    return s === undefined ? `"${k}"` : `"${k}" (did you mean "${s}"?)`;
  });
  const allowed = parts.some((p) => p.includes('did you mean')) ? '' : `; allowed: ${known.join(', ')}`;
  return `unknown key${keys.length === 1 ? '' : 's'} ${parts.join(', ')}${allowed}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};

/**
 * Wording of zod's built-in issues: `expected "visits" or "allowed", got "visit"`,
 * `unknown key "units" (did you mean "unit"?)`, `required`. Numbers where YAML text was meant
 * (`version: 2026.1`, `specialties: [08]`) get a hint to quote them.
 */
export const contractErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type': {
      if (iss.input === undefined) return 'required';
      const expected = TYPE_NAMES[iss.expected] ?? iss.expected;
      if (iss.expected === 'string' && typeof iss.input === 'number')
        return `expected a string, got the number ${iss.input} (quote it: YAML reads unquoted digits as a number and drops leading zeros)`;
      return `expected ${expected}, got ${show(iss.input)}`;
    }
    case 'invalid_value':
      return `expected ${oneOf(iss.values)}, got ${show(iss.input)}`;
    case 'unrecognized_keys': {
      const def = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod
        ?.def;
      return unknownKeysMessage(iss.keys, Object.keys(def?.shape ?? {}));
    }
    case 'too_small':
      if (iss.origin === 'array')
        return `needs at least ${String(iss.minimum)} item${iss.minimum === 1 ? '' : 's'}`;
      if (iss.origin === 'string') return 'must not be empty';
      return `must be ${iss.inclusive === false ? 'more than' : 'at least'} ${String(iss.minimum)}, got ${show(iss.input)}`;
    case 'too_big':
      return `must be ${iss.inclusive === false ? 'less than' : 'at most'} ${String(iss.maximum)}, got ${show(iss.input)}`;
    case 'invalid_format':
      return `${show(iss.input)} is not ${iss.format === 'regex' ? 'in the expected format' : `a valid ${iss.format}`}`;
    case 'invalid_key':
      // A record key (`codedResults: { 304F: 1 }`): the key schema's own wording.
      return iss.issues.map((i) => i.message).join('; ');
    case 'custom':
    case 'invalid_union':
    case 'invalid_element':
    case 'not_multiple_of':
    default:
      return undefined;
  }
};

/** Validates a parsed YAML document; problems carry `file` and the key path. */
export function parseDocument<T>(
  schema: z.ZodType<T>,
  doc: unknown,
  file: string,
): { data: T; problems: [] } | { data: undefined; problems: ContractProblem[] } {
  const r = schema.safeParse(doc, { error: contractErrorMap, reportInput: true });
  if (r.success) return { data: r.data, problems: [] };
  return {
    data: undefined,
    problems: r.error.issues.map((i) => ({ file, path: formatPath(i.path), message: i.message })),
  };
}

/**
 * Validates an object field by field with the schemas of `shape`, so that one bad field does not
 * hide the problems (or the cross-file checks) of the others. Unknown keys and missing required
 * ones are problems as with a strict object; `complete` is true when there were none.
 */
export function parseFields(
  shape: Readonly<Record<string, z.ZodType>>,
  raw: unknown,
  file: string,
  prefix: readonly PropertyKey[] = [],
): { data: Record<string, unknown>; complete: boolean; problems: ContractProblem[] } {
  const problems: ContractProblem[] = [];
  const data: Record<string, unknown> = {};
  if (!isPlainObject(raw)) {
    problems.push({ file, path: formatPath(prefix), message: `expected an object, got ${show(raw)}` });
    return { data, complete: false, problems };
  }
  const known = Object.keys(shape);
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    problems.push({ file, path: formatPath(prefix), message: unknownKeysMessage(unknown, known) });
  for (const key of known) {
    const r = shape[key]!.safeParse(raw[key], { error: contractErrorMap, reportInput: true });
    if (r.success) {
      if (r.data !== undefined) data[key] = r.data;
    } else
      for (const i of r.error.issues)
        problems.push({
          file,
          path: formatPath([...prefix, key, ...i.path]),
          message: i.message,
        });
  }
  return { data, complete: problems.length === 0, problems };
}

/**
 * Parses `value` with `schema` inside a transform, re-raising its issues under the current path
 * (so dispatch on a key, e.g. the numerator `kind`, reports the chosen shape's own problems).
 */
function subParse<T>(schema: z.ZodType<T>, value: unknown, ctx: z.RefinementCtx): { data: T } | undefined {
  const r = schema.safeParse(value, { error: contractErrorMap, reportInput: true });
  if (r.success) return { data: r.data };
  for (const i of r.error.issues)
    ctx.addIssue({ code: 'custom', message: i.message, path: [...i.path], input: value });
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Chooses the schema by the value of `key` (a tagged union with readable errors). */
function byKind<T>(key: string, options: Record<string, z.ZodType<T>>): z.ZodType<T> {
  const kinds = Object.keys(options);
  return z.unknown().transform((v, ctx): T => {
    if (!isPlainObject(v)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an object with ${key}: ${kinds.join(' | ')}, got ${show(v)}`,
        input: v,
      });
      return z.NEVER;
    }
    const kind = v[key];
    const schema = typeof kind === 'string' ? options[kind] : undefined;
    if (schema === undefined) {
      const hint = typeof kind === 'string' ? suggestion(kind, kinds) : '';
      ctx.addIssue({
        code: 'custom',
        message:
          kind === undefined
            ? `required: ${oneOf(kinds)}`
            : `expected ${oneOf(kinds)}, got ${show(kind)}${hint}`,
        path: [key],
        input: kind,
      });
      return z.NEVER;
    }
    return subParse(schema, v, ctx)?.data ?? z.NEVER;
  });
}

/**
 * Chooses the schema by which one of the option keys the object has (`{ code: ... }` vs
 * `{ result: ... }`): exactly one must be present.
 */
export function byKey<T>(options: Record<string, z.ZodType<T>>): z.ZodType<T> {
  const keys = Object.keys(options);
  return z.unknown().transform((v, ctx): T => {
    const present = isPlainObject(v) ? keys.filter((k) => v[k] !== undefined) : [];
    if (!isPlainObject(v) || present.length !== 1) {
      const extra = isPlainObject(v)
        ? present.length === 0
          ? `, got none${suggestionForKeys(Object.keys(v), keys)}`
          : `, got ${present.join(' and ')}`
        : `, got ${show(v)}`;
      ctx.addIssue({
        code: 'custom',
        message: `expected an object with exactly one of ${keys.join(', ')}${extra}`,
        input: v,
      });
      return z.NEVER;
    }
    return subParse(options[present[0]!]!, v, ctx)?.data ?? z.NEVER;
  });
}

function suggestionForKeys(written: readonly string[], keys: readonly string[]): string {
  for (const w of written) {
    const s = didYouMean(w, keys);
    if (s !== undefined) return ` ("${w}": did you mean "${s}"?)`;
  }
  return '';
}

// ---------------------------------------------------------------------------------------------
// Scalars

/** A non-blank string (trimmed). */
export const textSchema = z.string().trim().min(1);
const text = textSchema;

/** Ids of measures, value sets, exclusions: letters, digits, `.`, `_`, `-`. */
export const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  error: (iss) => `${show(iss.input)} is not an id: use letters, digits, ".", "_" and "-"`,
});

const versionSchema = text;

export const isoDateSchema: z.ZodType<IsoDate> = z.string().superRefine((v, ctx) => {
  if (!isIsoDate(v))
    ctx.addIssue({ code: 'custom', message: `expected a date YYYY-MM-DD, got ${show(v)}`, input: v });
});

const nonNegativeInt = z.int().min(0);

/** NPI check digit for the first nine digits: Luhn over `80840` + the nine digits (CMS NPI check digit spec). */
export function npiCheckDigit(first9: string): number {
  // The 80840 prefix contributes the constant 24 to the Luhn sum.
  let sum = 24;
  for (let i = 0; i < 9; i++) {
    let d = first9.charCodeAt(8 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * A National Provider Identifier: 10 digits whose last is the Luhn check digit computed with the
 * `80840` prefix (CMS, "Requirements for NPI Check Digit"; 45 CFR 162.406).
 */
export const npiSchema = z.string().superRefine((v, ctx) => {
  if (!/^\d{10}$/.test(v))
    ctx.addIssue({ code: 'custom', message: `${show(v)} is not an NPI: expected 10 digits`, input: v });
  else if (npiCheckDigit(v.slice(0, 9)) !== Number(v[9]))
    ctx.addIssue({
      code: 'custom',
      message: `${show(v)} is not a valid NPI: check digit ${v[9]!} should be ${npiCheckDigit(v.slice(0, 9))} (Luhn with prefix 80840)`,
      input: v,
    });
});

/** A Taxpayer Identification Number (EIN/SSN form without the dash): 9 digits. */
export const tinSchema = z.string().superRefine((v, ctx) => {
  if (!/^\d{9}$/.test(v))
    ctx.addIssue({ code: 'custom', message: `${show(v)} is not a TIN: expected 9 digits`, input: v });
});

/** A JavaScript regular expression source (roster file names). */
const regexSchema = z.string().superRefine((v, ctx) => {
  try {
    new RegExp(v);
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `not a valid regular expression: ${(err as Error).message}`,
      input: v,
    });
  }
});

/** A CPT Category II code (four digits and F), the keys of `codedResults`. */
const cpt2Schema = z.string().regex(/^\d{4}F$/, {
  error: (iss) => `${show(iss.input)} is not a CPT II code (four digits and F, e.g. 3044F)`,
});

const anchorSchema: z.ZodType<Anchor> = z.enum(['mp-start', 'mp-end']);

export const ENCOUNTER_SETTINGS = [
  'ambulatory',
  'emergency',
  'inpatient',
  'other',
] as const satisfies readonly EncounterSetting[];
const settingSchema = z.enum(ENCOUNTER_SETTINGS);

/** `mp`, `'mp-start - 2y .. mp-end'`, `'any .. mp-end'` → WindowSpec; a window empty for some anchor is an error. */
export const windowSchema: z.ZodType<WindowSpec> = z.string().transform((v, ctx): WindowSpec => {
  let w: WindowSpec;
  try {
    w = parseWindow(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message, input: v });
    return z.NEVER;
  }
  const empty = emptyWindowExample(w);
  if (empty !== null) {
    ctx.addIssue({
      code: 'custom',
      message: `window "${v}": from (${formatDateExpr(w.from!)}) is after to (${formatDateExpr(w.to)}), e.g. ${empty.from} > ${empty.to} for ${w.to.anchor} ${empty.anchor}`,
      input: v,
    });
    return z.NEVER;
  }
  return w;
});

const ageRangeSchema = z
  .strictObject({ min: nonNegativeInt.optional(), max: nonNegativeInt.optional() })
  .superRefine((a, ctx) => {
    if (a.min !== undefined && a.max !== undefined && a.min > a.max)
      ctx.addIssue({ code: 'custom', message: `min ${a.min} is greater than max ${a.max}`, input: a });
  });

const valueSetList = z.array(idSchema).min(1);

// ---------------------------------------------------------------------------------------------
// Conditions

export const criterionSchema: z.ZodType<Criterion> = z.strictObject({
  valueSets: valueSetList,
  window: windowSchema,
  minDistinctDates: z.int().min(1).optional(),
  ageAtEvidence: ageRangeSchema.optional(),
  requireResult: z.boolean().optional(),
  settings: z.array(settingSchema).min(1).optional(),
});

const CONDITION_KEYS = ['allOf', 'anyOf', 'evidence', 'age', 'deceased', 'ref'] as const;

/**
 * A condition: exactly one of `allOf`, `anyOf`, `evidence`, `age`, `deceased: true`, `ref`
 * (a name in exclusions.yaml). Several keys in one object are refused rather than and-ed: the
 * author must say `allOf` to mean it.
 */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .strictObject({
      allOf: z.array(conditionSchema).min(1).optional(),
      anyOf: z.array(conditionSchema).min(1).optional(),
      evidence: criterionSchema.optional(),
      age: ageRangeSchema.optional(),
      deceased: z.literal(true).optional(),
      ref: idSchema.optional(),
    })
    .transform((c, ctx): Condition => {
      const set = CONDITION_KEYS.filter((k) => c[k] !== undefined);
      if (set.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message:
            set.length === 0
              ? `a condition needs exactly one of ${CONDITION_KEYS.join(', ')}`
              : `a condition takes exactly one of ${CONDITION_KEYS.join(', ')}, got ${set.join(' and ')} (wrap them in allOf or anyOf)`,
          input: c,
        });
        return z.NEVER;
      }
      switch (set[0]!) {
        case 'allOf':
          return { allOf: c.allOf! };
        case 'anyOf':
          return { anyOf: c.anyOf! };
        case 'evidence':
          return { evidence: c.evidence! };
        case 'age':
          return { age: c.age! };
        case 'deceased':
          return { deceased: true };
        case 'ref':
          return { ref: c.ref! };
      }
    }),
);

/** A measure's exclusion: `{ ref: hospice }` (a shared one, named after it) or `{ name, condition }`. */
export const namedExclusionSchema: z.ZodType<NamedCondition> = z
  .strictObject({
    ref: idSchema.optional(),
    name: idSchema.optional(),
    condition: conditionSchema.optional(),
  })
  .transform((e, ctx): NamedCondition => {
    if (e.ref !== undefined && e.name === undefined && e.condition === undefined)
      return { name: e.ref, condition: { ref: e.ref } };
    if (e.ref === undefined && e.name !== undefined && e.condition !== undefined)
      return { name: e.name, condition: e.condition };
    ctx.addIssue({
      code: 'custom',
      message: 'an exclusion is either { ref: <name in exclusions.yaml> } or { name, condition }',
      input: e,
    });
    return z.NEVER;
  });

// ---------------------------------------------------------------------------------------------
// Measures

const populationShape = {
  age: z
    .strictObject({ min: nonNegativeInt, max: nonNegativeInt, at: anchorSchema })
    .superRefine((a, ctx) => {
      if (a.min > a.max)
        ctx.addIssue({ code: 'custom', message: `min ${a.min} is greater than max ${a.max}`, input: a });
    }),
  sex: z.enum(['F', 'M']).optional(),
  qualifying: conditionSchema.optional(),
  enrollment: z
    .strictObject({ window: windowSchema, allowedGapDays: nonNegativeInt, maxGaps: nonNegativeInt })
    .optional(),
};

export const populationSchema: z.ZodType<MeasureSpec['population']> = z.strictObject(populationShape);

/** Contract overrides of a population: any of its fields, each complete (`age` needs min, max and at). */
export const populationOverrideSchema: z.ZodType<Partial<MeasureSpec['population']>> = z
  .strictObject(populationShape)
  .partial();

const codedResultsSchema = z.record(cpt2Schema, z.number());

export const numeratorSchema: z.ZodType<NumeratorSpec> = byKind<NumeratorSpec>('kind', {
  evidence: z.strictObject({
    kind: z.literal('evidence'),
    condition: conditionSchema,
  }),
  'latest-result': z.strictObject({
    kind: z.literal('latest-result'),
    valueSets: valueSetList,
    window: windowSchema,
    met: z.strictObject({ op: z.enum(['<', '<=', '>', '>=']), value: z.number() }),
    missing: z.enum(['met', 'not-met']),
    codedResults: codedResultsSchema.optional(),
  }),
  'blood-pressure': z.strictObject({
    kind: z.literal('blood-pressure'),
    window: windowSchema,
    systolic: z.strictObject({
      valueSets: valueSetList,
      below: z.number(),
      codedResults: codedResultsSchema.optional(),
    }),
    diastolic: z.strictObject({
      valueSets: valueSetList,
      below: z.number(),
      codedResults: codedResultsSchema.optional(),
    }),
    excludeSettings: z.array(settingSchema),
  }),
});

/** Fields of a measure file, each validated on its own by ./load.ts (see parseFields). */
export const measureFileShape = {
  id: idSchema,
  version: versionSchema,
  title: text,
  basis: text,
  scoring: z.enum(['proportion', 'inverse']),
  population: populationSchema,
  numerator: numeratorSchema,
  exclusions: z.array(namedExclusionSchema).default([]),
};

/** One measure file (`contracts/measures/<id>.yaml`). */
export const measureFileSchema: z.ZodType<MeasureSpec> = z.strictObject(measureFileShape);

/** `contracts/measures/exclusions.yaml`: shared conditions by name. */
export const exclusionsFileSchema: z.ZodType<Record<string, Condition>> = z.record(idSchema, conditionSchema);

// ---------------------------------------------------------------------------------------------
// Contracts

const measurementPeriodSchema = z.unknown().transform((v, ctx) => {
  if (v === 'calendar-year') return { kind: 'calendar-year' as const };
  if (!isPlainObject(v)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected calendar-year or { start: 'YYYY-MM-DD', end: 'YYYY-MM-DD' }, got ${show(v)}`,
      input: v,
    });
    return z.NEVER;
  }
  const fixed = subParse(
    z.strictObject({ start: isoDateSchema, end: isoDateSchema }).superRefine((p, c) => {
      if (p.start > p.end)
        c.addIssue({ code: 'custom', message: `start ${p.start} is after end ${p.end}`, input: p });
    }),
    v,
    ctx,
  );
  return fixed === undefined
    ? z.NEVER
    : { kind: 'fixed' as const, start: fixed.data.start, end: fixed.data.end };
});

export const TIE_BREAKS = ['most-recent', 'amount', 'npi'] as const;

export const claimsAttributionSchema: z.ZodType<ClaimsAttributionSpec> = z.strictObject({
  window: windowSchema,
  unit: z.enum(['visits', 'allowed']),
  qualifyingValueSets: valueSetList,
  steps: z
    .array(
      z.strictObject({
        name: idSchema,
        specialties: z.array(
          // CMS specialty codes (CCLF) or NUCC provider taxonomies (X12 837 PRV03).
          z.string().regex(/^(?:[0-9A-Z]{2}|[0-9]{3}[0-9A-Z]{6}X)$/, {
            error: (iss) =>
              `${show(iss.input)} is neither a CMS specialty code (two characters, e.g. '08') nor a NUCC taxonomy (e.g. '207Q00000X')`,
          }),
        ),
      }),
    )
    .min(1),
  tieBreak: z.array(z.enum(TIE_BREAKS)).min(1),
});

export const attributionSchema: z.ZodType<AttributionSpec> = z
  .strictObject({
    method: z.enum(['roster', 'claims', 'roster-then-claims']),
    timing: z.enum(['prospective', 'retrospective']),
    claims: claimsAttributionSchema.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.method !== 'roster' && a.claims === undefined)
      ctx.addIssue({
        code: 'custom',
        message: `required when method is ${a.method}`,
        path: ['claims'],
        input: a,
      });
  });

export const measureRefSchema: z.ZodType<ContractMeasureRef> = z.strictObject({
  id: idSchema,
  version: versionSchema,
  overrides: z
    .strictObject({
      population: populationOverrideSchema.optional(),
      numerator: numeratorSchema.optional(),
      exclusions: z.array(idSchema).optional(),
    })
    .optional(),
});

/**
 * One entry of `versions:` as written: every field but `version` may be left out and inherited
 * through `extends` (./load.ts checks that the merged version is complete).
 */
export const contractVersionShape = {
  version: versionSchema,
  extends: versionSchema.optional(),
  effective: z
    .strictObject({ from: isoDateSchema, to: isoDateSchema.nullable().default(null) })
    .superRefine((e, ctx) => {
      if (e.to !== null && e.from > e.to)
        ctx.addIssue({ code: 'custom', message: `from ${e.from} is after to ${e.to}`, input: e });
    })
    .optional(),
  measurementPeriod: measurementPeriodSchema.optional(),
  providers: z.strictObject({ tins: z.array(tinSchema), npis: z.array(npiSchema) }).optional(),
  roster: z
    .strictObject({
      sourceFile: regexSchema.optional(),
      contractId: text.optional(),
      lineOfBusiness: text.optional(),
    })
    .nullable()
    .optional(),
  requireEnrollment: z.boolean().optional(),
  attribution: attributionSchema.optional(),
  measures: z.array(measureRefSchema).optional(),
  valueSets: z.array(text).optional(),
};

export const contractVersionSchema = z.strictObject(contractVersionShape);

export type ContractVersionDoc = z.output<typeof contractVersionSchema>;

/** Fields a contract version must have once `extends` is resolved. */
export const REQUIRED_VERSION_FIELDS = [
  'effective',
  'measurementPeriod',
  'providers',
  'requireEnrollment',
  'attribution',
  'measures',
] as const satisfies readonly (keyof ContractVersionDoc)[];

/** Fields of a contract file (`contracts/<id>.yaml`). */
export const contractFileShape = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, {
    error: (iss) => `${show(iss.input)} is not a contract id: use lower-case letters, digits and "-"`,
  }),
  name: text,
  payer: text,
  lineOfBusiness: text,
  /** Each version is parsed on its own (contractVersionSchema) so one bad version does not hide the others' problems. */
  versions: z.array(z.unknown()).min(1),
};

export const contractFileSchema = z.strictObject(contractFileShape);

export type ContractFileDoc = z.output<typeof contractFileSchema>;
