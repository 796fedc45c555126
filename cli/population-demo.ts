/**
 * `gapstream demo`: the main job on the embedded default. Generates a seeded population (HL7
 * ADT/ORU, CCLF and 837 claims, a payer roster; identities corrupted as in real feeds; the truth
 * beside the files), runs every file through the whole pipeline (MLLP-equivalent intake, normalize,
 * identity, care gaps, ClickHouse), and prints the contract rates tables and how far the result
 * agrees with the generator's truth. Re-running with the same seed reuses the files; loading them
 * again is a no-op (the intake manifests skip duplicates), so the tables come back unchanged.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import type { Config } from '../runtime/config/load.ts';
import { openRuntime } from '../runtime/open-runtime.ts';
import { generatePopulation, writePopulation } from '../producers/synth/index.ts';
import { loadContractLibrary } from '../processors/contracts/load.ts';
import { formatRatesTable, gapRates } from './report-cli.ts';
import { identitySummary } from './pipeline.ts';
import { runFilesThroughPipeline } from './scenario.ts';
import { percent, truthAgreement } from './truth-agreement.ts';

export const DEMO_USAGE = `  gapstream demo [--members N] [--seed S]
        the main job: generate a seeded population (HL7, CCLF, 837, roster; default 2000 members),
        run it through the whole pipeline, print each contract's rates table and the agreement
        with the generator's truth`;

export class DemoUsageError extends Error {}

export interface DemoArgs {
  members: number;
  seed: number;
}

export function parseDemoArgs(argv: string[]): DemoArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { members: { type: 'string', default: '2000' }, seed: { type: 'string', default: '1' } },
    }));
  } catch (err) {
    throw new DemoUsageError((err as Error).message);
  }
  const members = Number(values.members);
  const seed = Number(values.seed);
  if (!Number.isInteger(members) || members < 1 || members > 1_000_000)
    throw new DemoUsageError('--members must be a whole number from 1 to 1000000.');
  if (!Number.isInteger(seed) || seed < 0) throw new DemoUsageError('--seed must be a whole number >= 0.');
  return { members, seed };
}

const discard = (): Writable => new Writable({ write: (_c, _e, done) => done() });

/** stderr without the per-file progress bars (problems and quarantine reports still show). */
const withoutProgress = (): Writable =>
  new Writable({
    write(chunk: Buffer, _e, done) {
      const text = chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => !/ (publishing|validating) /.test(l))
        .join('\n');
      if (text.trim() !== '') process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
      done();
    },
  });

export async function runPopulationDemo(
  config: Config,
  args: DemoArgs,
  out: NodeJS.WritableStream,
): Promise<number> {
  const started = performance.now();
  const population = generatePopulation({ members: args.members, seed: args.seed });
  const dir = join(config.dataDir, 'demo', `population-${args.seed}-${args.members}`);
  if (!existsSync(join(dir, 'truth', 'gaps.csv'))) {
    process.stderr.write(`generating ${args.members} members (seed ${args.seed}) in ${dir} ...\n`);
    await writePopulation(population, dir);
  }
  const asOf = population.options.asOf;
  // The population is dated around its as-of day: evaluate as of that day, whatever today is.
  const rt = await openRuntime({ ...config, gaps: { ...config.gaps, asOf } }, 'gapstream-demo');
  try {
    process.stderr.write(`loading ${dir} through the pipeline (${config.mode} mode) ...\n`);
    const run = await runFilesThroughPipeline(rt, [dir], { out: discard(), err: withoutProgress() });
    const identity = await identitySummary(rt);
    const library = await loadContractLibrary(config.gaps.contractsDir, {
      valueSetDirs: config.gaps.valueSetDirs ?? [],
    });
    const lines: string[] = [
      '',
      `gapstream demo: ${args.members} generated members (seed ${args.seed}) as of ${asOf}, ${config.mode} mode, store ${rt.store.driver}`,
      `patient index: ${identity.records} records → ${identity.persons} persons, ${identity.reviews} pairs for review`,
    ];
    for (const id of library.contractIds()) {
      const version = library.activeVersion(id, asOf);
      lines.push(
        '',
        `${id} (version ${version?.version ?? '-'}):`,
        formatRatesTable(await gapRates(rt.store, id)).trimEnd(),
      );
    }
    const truth = await truthAgreement(rt.store, dir);
    lines.push(
      '',
      `agreement with the generator's truth: attribution ${percent(truth.attribution)} of ${truth.attribution.total} members, gap status ${percent(truth.gaps)} of ${truth.gaps.total} member-measures`,
      `pipeline ${run.seconds.toFixed(1)} s, total ${((performance.now() - started) / 1000).toFixed(1)} s`,
      '',
    );
    out.write(lines.join('\n'));
    return run.code;
  } finally {
    await rt.close();
  }
}
