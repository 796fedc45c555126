/**
 * `gapstream contracts …`: the contract library as code (docs/contracts.md).
 *
 * - `contracts validate` loads contracts, measures, shared exclusions and value sets and prints a
 *   one-line summary, or every problem as `file: key.path: message` (exit 1);
 * - `contracts test` runs the contract tests `<dir>/tests/<contract-id>/*.yaml` with the measure
 *   engine and prints one PASS/FAIL line per member, each failed expectation under it, and a
 *   summary (exit 1 on any failure).
 *
 * The engine is passed in (`runContractsCommand(cmd, out, evaluatePerson)`), so this file needs
 * nothing but the contracts module. Nothing here opens Kafka or ClickHouse.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  formatContractTestReport,
  loadContractTests,
  runContractTests,
  type EvaluatePerson,
} from '../processors/contracts/contract-tests.ts';
import { loadContractLibrary, type ContractLibrary } from '../processors/contracts/load.ts';
import { ContractError, formatProblem, suggestion } from '../processors/contracts/schema.ts';

/** Help lines of `gapstream contracts`, for the CLI usage text. */
export const CONTRACTS_USAGE = `  gapstream contracts validate [--dir DIR] [--value-sets DIR]...
        check contracts, measures, exclusions and value sets in DIR (default: the project's contracts/);
        prints a summary, or every problem as file: key.path: message (exit 1)
  gapstream contracts test [--dir DIR] [--value-sets DIR]... [<contract-id>...]
        run the contract tests DIR/tests/<contract-id>/*.yaml (all contracts when none is named);
        one PASS/FAIL line per member with the failed expectations, then a summary (exit 1 on failure)`;

/** A parsed `gapstream contracts …` command line. */
export type ContractsCommand =
  | { command: 'validate'; dir: string; valueSetDirs: string[] }
  | { command: 'test'; dir: string; valueSetDirs: string[]; contractIds: string[] };

/** A command line that cannot be run (exit 2); the message says what to type instead. */
export class ContractsUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractsUsageError';
  }
}

/** Where output goes (process.stdout, or a test buffer). */
export interface Output {
  write(text: string): unknown;
}

/** The shipped library: `contracts/` at the project root. */
export const CONTRACTS_DIR = resolve(import.meta.dirname, '../contracts');

/** The shipped library as a path relative to the working directory when it is below it (shorter messages). */
function defaultDir(): string {
  const rel = relative(process.cwd(), CONTRACTS_DIR);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? CONTRACTS_DIR : rel;
}

/** Parses the arguments after `gapstream contracts`; throws {@link ContractsUsageError}. */
export function parseContractsArgs(argv: readonly string[]): ContractsCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        dir: { type: 'string' },
        'value-sets': { type: 'string', multiple: true },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new ContractsUsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [sub, ...args] = positionals;
  const dir = values.dir ?? defaultDir();
  if (dir.trim() === '') throw new ContractsUsageError('--dir needs a directory.');
  const valueSetDirs = values['value-sets'] ?? [];
  if (valueSetDirs.some((d) => d.trim() === ''))
    throw new ContractsUsageError('--value-sets needs a directory.');
  switch (sub) {
    case 'validate':
      if (args.length > 0)
        throw new ContractsUsageError(
          `\`contracts validate\` takes no arguments (got ${args.join(' ')}); use --dir to choose the library.`,
        );
      return { command: 'validate', dir, valueSetDirs };
    case 'test':
      return { command: 'test', dir, valueSetDirs, contractIds: args };
    case undefined:
    default:
      throw new ContractsUsageError(
        `Unknown contracts command "${sub ?? ''}": expected \`contracts validate\` or \`contracts test\`.`,
      );
  }
}

/** Loads the library, or prints every problem and returns undefined. */
async function libraryOrReport(
  cmd: { dir: string; valueSetDirs: string[] },
  out: Output,
): Promise<ContractLibrary | undefined> {
  try {
    return await loadContractLibrary(cmd.dir, { valueSetDirs: cmd.valueSetDirs });
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
    reportProblems(err, out);
    return undefined;
  }
}

function reportProblems(err: ContractError, out: Output): void {
  for (const p of err.problems) out.write(`${formatProblem(p)}\n`);
  out.write(`${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n`);
}

/** `ok: 2 contracts (3 versions), 7 measures, 36 value sets (812 codes)`. */
export function librarySummary(library: ContractLibrary): string {
  const ids = library.valueSets.ids();
  const codes = ids.reduce((n, id) => n + (library.valueSets.get(id)?.codes.length ?? 0), 0);
  const contracts = library.contractIds().length;
  const versions = library.contracts.length;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `ok: ${plural(contracts, 'contract')} (${plural(versions, 'version')}), ${plural(library.measures.size, 'measure')}, ${plural(ids.length, 'value set')} (${plural(codes, 'code')})`;
}

/** Runs a parsed command; returns the exit code (0 ok, 1 problems or failed tests). */
export async function runContractsCommand(
  cmd: ContractsCommand,
  out: Output,
  evaluate: EvaluatePerson,
): Promise<number> {
  const library = await libraryOrReport(cmd, out);
  if (library === undefined) return 1;
  switch (cmd.command) {
    case 'validate':
      out.write(`${librarySummary(library)}\n`);
      return 0;
    case 'test': {
      const unknown = cmd.contractIds.filter((id) => !library.contractIds().includes(id));
      if (unknown.length > 0) {
        for (const id of unknown)
          out.write(
            `unknown contract "${id}"${suggestion(id, library.contractIds())}; contracts: ${library.contractIds().join(', ')}\n`,
          );
        return 1;
      }
      let files;
      try {
        files = await loadContractTests(cmd.dir, cmd.contractIds);
      } catch (err) {
        if (!(err instanceof ContractError)) throw err;
        reportProblems(err, out);
        return 1;
      }
      if (files.length === 0) {
        out.write(`no contract tests in ${cmd.dir}/tests/<contract-id>/*.yaml\n`);
        return 0;
      }
      const report = runContractTests(library, files, evaluate);
      out.write(formatContractTestReport(report));
      return report.failed === 0 ? 0 : 1;
    }
    default: {
      const never: never = cmd;
      throw new Error(`unhandled contracts command ${JSON.stringify(never)}`);
    }
  }
}
