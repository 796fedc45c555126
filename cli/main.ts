import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../runtime/config/load.ts';
import { ConfigError } from '../runtime/errors.ts';
import { FIELDS } from '../runtime/config/fields.ts';
import { openRuntime } from '../runtime/open-runtime.ts';
import { publishDemoMessages, sliceSummary, startSlicePipeline } from '../processors/slice/pipeline.ts';

const USAGE = `gapstream — streaming integration pipeline for value-based care

Usage:
  gapstream run [--demo] [--count N] [--patients N]   run the pipeline until stopped (SIGINT/SIGTERM);
                                                       --demo publishes N synthetic HL7 messages, waits
                                                       until all reached ClickHouse, prints a summary, exits
  gapstream produce-demo [--count N] [--patients N]   publish synthetic HL7 messages to hl7.raw.v1
  gapstream config                                    print the validated configuration (secrets hidden)
  gapstream help

Mode: embedded (in-process bus + chDB under GAPSTREAM_DATA_DIR) unless KAFKA_BROKERS is set.
Configuration: environment variables or GAPSTREAM_CONFIG=<file.yaml>; see docs/configuration.md.`;

/** CLI entry: returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  let args;
  try {
    args = parseArgs({
      args: rest,
      options: {
        demo: { type: 'boolean', default: false },
        count: { type: 'string', default: '1000' },
        patients: { type: 'string', default: '100' },
      },
      allowPositionals: false,
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const count = Number(args.values.count);
  const patients = Number(args.values.patients);
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(patients) || patients < 1) {
    process.stderr.write('--count must be a whole number >= 0 and --patients a whole number >= 1.\n');
    return 2;
  }

  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 78; // EX_CONFIG
    }
    throw err;
  }

  switch (command) {
    case 'run':
      return run(config, args.values.demo, count, patients);
    case 'produce-demo':
      return produceDemo(config, count, patients);
    case 'config':
      process.stdout.write(`${JSON.stringify(redacted(config), null, 2)}\n`);
      return 0;
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
      return 2;
  }
}

async function produceDemo(config: Config, count: number, patients: number): Promise<number> {
  const rt = await openRuntime(config, 'gapstream-demo-producer', { store: false });
  try {
    const published = await publishDemoMessages(rt, count, patients);
    rt.logger.info({ published, total: count }, 'demo messages published');
    return 0;
  } finally {
    await rt.close();
  }
}

async function run(config: Config, demo: boolean, count: number, patients: number): Promise<number> {
  const rt = await openRuntime(config, 'gapstream');
  const pipeline = await startSlicePipeline(rt);
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  try {
    if (!demo) {
      const signal = await stopped;
      rt.logger.info({ signal }, 'stopping');
      return 0;
    }
    const published = await publishDemoMessages(rt, count, patients);
    rt.logger.info({ published, total: count }, 'demo messages published');
    let last = -1;
    for (;;) {
      const summary = await sliceSummary(rt);
      if (summary.results !== last)
        rt.logger.info({ results: summary.results, total: count }, 'demo progress');
      last = summary.results;
      if (summary.results >= count) {
        process.stdout.write(
          `gapstream demo: ${count} HL7 messages → ${summary.results} rows in ClickHouse slice_results for ${summary.patients} patients (max ${summary.maxCount} events per patient). Mode: ${config.mode}, store: ${rt.store.driver}.\n`,
        );
        return 0;
      }
      const signal = await Promise.race([stopped, new Promise<undefined>((r) => setTimeout(r, 250))]);
      if (signal) return 130;
    }
  } finally {
    await pipeline.stop();
    await rt.close();
  }
}

function redacted(config: Config): unknown {
  const secrets = new Set(FIELDS.filter((f) => f.secret).map((f) => f.path));
  const walk = (node: unknown, prefix: string): unknown => {
    if (node === null || typeof node !== 'object' || Array.isArray(node))
      return secrets.has(prefix) ? '(hidden)' : node;
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, walk(v, prefix ? `${prefix}.${k}` : k)]),
    );
  };
  return walk(config, '');
}
