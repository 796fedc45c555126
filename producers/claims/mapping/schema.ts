/**
 * The payer mapping file (payers/*.yaml): a declarative description of one payer's CSV/pipe
 * claims or roster layout. Validation is pure and reports every problem at once, each naming the
 * file and the key (CONVENTIONS.md §3, §4). Key reference: docs/claims-payer-mapping.md.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { targetsOf } from './targets.ts';

/** Date formats a column may declare. */
export const DATE_FORMATS = [
  'YYYY-MM-DD',
  'YYYYMMDD',
  'MM/DD/YYYY',
  'M/D/YYYY',
  'MMDDYYYY',
  'MM-DD-YYYY',
] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/** Amount formats: `decimal` is `-12.5`/`80.00`; `implied2` is cents without a point (`1250` = 12.50). */
export const AMOUNT_FORMATS = ['decimal', 'implied2'] as const;
export type AmountFormat = (typeof AMOUNT_FORMATS)[number];

const column = z.union([
  z.string().min(1, 'a header name (non-empty)'),
  z.number().int().min(1, 'a 1-based column position (1 or more)'),
]);

const fieldSchema = z
  .strictObject({
    column: column.optional().describe('Source column: header name, or 1-based position.'),
    columns: z.array(column).min(1).optional().describe('Several source columns for an array target.'),
    constant: z.string().optional().describe('Fixed value for every line (e.g. memberIdType: MBI).'),
    date: z.enum(DATE_FORMATS).optional().describe('Date format of this column; default format.dateFormat.'),
    amount: z.enum(AMOUNT_FORMATS).optional().describe('Amount format; default format.amountFormat.'),
    negativeParens: z.boolean().optional().describe('(12.50) means -12.50; default format.negativeParens.'),
    map: z.record(z.string(), z.string()).optional().describe('Source code -> target value, e.g. 1: M.'),
    unmapped: z
      .enum(['problem', 'keep', 'null'])
      .optional()
      .describe('A value not in map: problem (default), keep as is, or null.'),
    nullValues: z.array(z.string()).optional().describe('Source texts meaning "no value" (e.g. 99991231).'),
    default: z.string().optional().describe('Value when the column is blank (before conversion).'),
  })
  .describe('How one target field is filled.');

const trailerSchema = z.strictObject({
  match: z.string().min(1).describe('Regex recognizing the trailer/footer line, e.g. ^TRAILER\\|.'),
  countColumn: z.number().int().min(1).describe('1-based column of the trailer line holding the count.'),
  required: z.boolean().default(true).describe('A file without the trailer is a problem.'),
});

const formatSchema = z.strictObject({
  delimiter: z.enum([',', '|', '\t']).describe('Field delimiter: comma, pipe or tab.'),
  quote: z.string().length(1).default('"').describe('Quote character (RFC 4180).'),
  header: z.boolean().describe('First line holds column names.'),
  encoding: z.enum(['utf-8', 'latin1']).default('utf-8'),
  dateFormat: z.enum(DATE_FORMATS).default('YYYY-MM-DD').describe('Default date format.'),
  amountFormat: z.enum(AMOUNT_FORMATS).default('decimal').describe('Default amount format.'),
  negativeParens: z.boolean().default(false).describe('Default: (12.50) means -12.50.'),
  trailer: trailerSchema.optional().describe('Trailer/footer carrying the count of data lines.'),
  maxLinesPerRecord: z
    .number()
    .int()
    .min(1)
    .default(20)
    .describe('Physical lines a quoted field may span before the record is refused.'),
});

const mappingSchema = z.strictObject({
  payer: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lower-case id such as acme-health'),
  kind: z.enum(['claims', 'roster']),
  description: z.string().optional(),
  detect: z.strictObject({
    fileName: z.string().min(1).describe('Regex the delivered file name must match.'),
    ignoreCase: z.boolean().default(false),
    firstLine: z.string().optional().describe('Regex the first line must match (content detection).'),
  }),
  format: formatSchema,
  required: z.array(z.string()).default([]).describe('Target fields that must be non-blank on every line.'),
  fields: z.record(z.string(), fieldSchema),
});

/** One field's mapping as written in the file. */
export type FieldMapping = z.infer<typeof fieldSchema>;
/** A validated mapping file. */
export type PayerMapping = z.infer<typeof mappingSchema> & {
  /** Mapping id: the file's base name without extension. */
  id: string;
  /** File the mapping was read from (for messages). */
  file: string;
};

/** One validation problem of a mapping file. */
export interface MappingIssue {
  file: string;
  /** Dotted key path, e.g. `fields.birthDate.date`. */
  key: string;
  message: string;
}

/** A mapping file (or several) failed validation; `issues` lists every problem. */
export class MappingConfigError extends Error {
  readonly code = 'MAPPING_INVALID';
  readonly retriable = false;
  constructor(readonly issues: MappingIssue[]) {
    super(
      `invalid payer mapping: ${issues.map((i) => `${i.file}: ${i.key || '(root)'}: ${i.message}`).join('; ')}`,
    );
    this.name = 'MappingConfigError';
  }
}

function regexIssue(src: string): string | null {
  try {
    new RegExp(src);
    return null;
  } catch (e) {
    return `not a valid regular expression (${(e as Error).message}); escape | . and \\ as in JavaScript`;
  }
}

/** Cross-key rules zod's shape cannot say; returns issues with key paths. */
function crossCheck(m: z.infer<typeof mappingSchema>): { key: string; message: string }[] {
  const out: { key: string; message: string }[] = [];
  const targets = targetsOf(m.kind);
  for (const k of ['fileName', 'firstLine'] as const) {
    const src = m.detect[k];
    const bad = src === undefined ? null : regexIssue(src);
    if (bad) out.push({ key: `detect.${k}`, message: bad });
  }
  if (m.format.trailer) {
    const bad = regexIssue(m.format.trailer.match);
    if (bad) out.push({ key: 'format.trailer.match', message: bad });
  }
  if (m.format.quote === m.format.delimiter)
    out.push({ key: 'format.quote', message: 'must differ from format.delimiter' });
  const names = Object.keys(targets).join(', ');
  for (const [name, f] of Object.entries(m.fields)) {
    const key = `fields.${name}`;
    const t = targets[name];
    if (!t) {
      out.push({ key, message: `unknown ${m.kind} target field; expected one of ${names}` });
      continue;
    }
    const sources = [f.column, f.columns, f.constant].filter((s) => s !== undefined).length;
    if (sources !== 1) out.push({ key, message: 'needs exactly one of column, columns, constant' });
    if (f.columns && !t.array)
      out.push({ key: `${key}.columns`, message: 'only array targets take columns; use column' });
    if (f.column !== undefined && t.array)
      out.push({ key: `${key}.column`, message: 'array target: use columns (a list), even for one column' });
    for (const c of [f.column, ...(f.columns ?? [])])
      if (typeof c === 'string' && !m.format.header)
        out.push({
          key,
          message: `column "${c}" is a name but format.header is false; use a 1-based position`,
        });
    if (f.date && t.kind !== 'date')
      out.push({ key: `${key}.date`, message: 'only date targets take a date format' });
    if ((f.amount || f.negativeParens !== undefined) && t.kind !== 'amount')
      out.push({ key, message: 'only amount targets take amount/negativeParens' });
    if (f.unmapped && !f.map) out.push({ key: `${key}.unmapped`, message: 'only meaningful with map' });
    if (t.kind === 'enum' && t.symbols) {
      const sym = t.symbols;
      const check = (v: string, k: string): void => {
        if (!sym.includes(v)) out.push({ key: k, message: `must be one of ${sym.join(', ')}` });
      };
      if (f.constant !== undefined) check(f.constant, `${key}.constant`);
      for (const [from, to] of Object.entries(f.map ?? {})) check(to, `${key}.map.${from}`);
      if (f.default !== undefined && f.map === undefined) check(f.default, `${key}.default`);
    }
  }
  for (const [name, t] of Object.entries(targets))
    if (t.schemaRequired && !m.fields[name])
      out.push({
        key: `fields.${name}`,
        message: `required by ${m.kind === 'claims' ? 'claim.line.v1' : 'roster.member.v1'}; map it (column or constant)`,
      });
  m.required.forEach((name, i) => {
    if (!m.fields[name]) out.push({ key: `required.${i}`, message: `"${name}" is not a mapped field` });
  });
  return out;
}

/**
 * Validate a parsed mapping document. Throws {@link MappingConfigError} listing every problem.
 * @param doc the YAML document as plain data
 * @param file file name used in messages and as the mapping id
 */
export function validateMapping(doc: unknown, file: string): PayerMapping {
  const id = (file.split('/').pop() ?? file).replace(/\.ya?ml$/i, '');
  const r = mappingSchema.safeParse(doc);
  if (!r.success)
    throw new MappingConfigError(
      r.error.issues.flatMap((i) => {
        const at = i.path.map(String);
        // An unknown key is one issue for several keys in zod; report each key by its own path.
        if (i.code === 'unrecognized_keys')
          return i.keys.map((k) => ({
            file,
            key: [...at, k].join('.'),
            message: 'unknown key; check the spelling (docs/claims-payer-mapping.md)',
          }));
        return [{ file, key: at.join('.'), message: i.message }];
      }),
    );
  const cross = crossCheck(r.data);
  if (cross.length > 0) throw new MappingConfigError(cross.map((c) => ({ file, ...c })));
  return { ...r.data, id, file };
}

/** Parse and validate mapping YAML text. Throws {@link MappingConfigError}. */
export function parseMappingYaml(text: string, file: string): PayerMapping {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new MappingConfigError([{ file, key: '', message: `not valid YAML: ${(e as Error).message}` }]);
  }
  return validateMapping(doc, file);
}
