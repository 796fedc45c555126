/**
 * `gapstream synth`: write a seeded synthetic population (HL7 v2.5.1 ADT/ORU files, CMS CCLF,
 * X12 837P, the payer roster) with its truth (expected attribution and gap statuses) to a new
 * directory. See producers/synth and the generated truth/README.md.
 */
import { parseArgs } from 'node:util';
import { generatePopulation, writePopulation } from '../producers/synth/index.ts';
import { resolveOptions } from '../producers/synth/member.ts';

/** Help lines of `gapstream synth`, for the CLI usage text. */
export const SYNTH_USAGE = `  gapstream synth --members N --out DIR [--seed S] [--as-of YYYY-MM-DD] [--year YYYY]
        write a synthetic population to DIR (new or empty): hl7/ ADT+ORU files, claims/ CCLF
        (Medicare ACO), 837P and roster (Example Health), truth/ expected attribution and gaps;
        seed default 1, year default 2026 (the measurement period), as-of default <year>-11-25`;

/** A parsed `gapstream synth` command line. */
export interface SynthArgs {
  members: number;
  out: string;
  seed: number;
  year: number;
  asOf: string;
}

/** A command line that cannot be run (exit 2); the message says what to type instead. */
export class SynthUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SynthUsageError';
  }
}

/** Where output goes (process.stdout, or a test buffer). */
export interface Output {
  write(text: string): unknown;
}

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim()))
    throw new SynthUsageError(`--${name} must be a whole number (got "${text}"), e.g. --${name} 1000`);
  return Number(text);
}

/** Parse `synth` arguments (after the word `synth`); throws SynthUsageError naming the fix. */
export function parseSynthArgs(argv: readonly string[]): SynthArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        members: { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string' },
        year: { type: 'string' },
        'as-of': { type: 'string' },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new SynthUsageError((err as Error).message);
  }
  const v = parsed.values;
  const members = integer('members', v.members);
  if (members === undefined) throw new SynthUsageError('--members N is required, e.g. --members 10000');
  if (v.out === undefined || v.out.trim() === '')
    throw new SynthUsageError('--out DIR is required: a new or empty directory, e.g. --out ./synth-2026');
  const year = integer('year', v.year);
  const seed = integer('seed', v.seed);
  try {
    const o = resolveOptions({ members, seed, year, asOf: v['as-of'] });
    return { members: o.members, out: v.out, seed: o.seed, year: o.year, asOf: o.asOf };
  } catch (err) {
    throw new SynthUsageError(`gapstream synth: ${(err as Error).message}`);
  }
}

/** Write the population; prints one summary line. Exit code 0, or 1 when writing failed. */
export async function runSynth(args: SynthArgs, out: Output): Promise<number> {
  const pop = generatePopulation({
    members: args.members,
    seed: args.seed,
    year: args.year,
    asOf: args.asOf,
  });
  try {
    const s = await writePopulation(pop, args.out);
    out.write(
      `gapstream synth: ${s.members} members (seed ${args.seed}, as of ${args.asOf}) -> ${s.files.length} files in ${args.out}: ` +
        `${s.hl7Messages} HL7 messages, ${s.cclfRecords} CCLF records, ${s.x12Claims} 837P claims, ` +
        `${s.rosterRows} roster rows, ${s.gapRows} expected gap rows (truth/README.md) in ${(s.ms / 1000).toFixed(1)} s\n`,
    );
    return 0;
  } catch (err) {
    out.write(`gapstream synth: ${(err as Error).message}\n`);
    return 1;
  }
}
