import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../runtime/config/load.ts';
import { ConfigError } from '../runtime/errors.ts';
import { FIELDS } from '../runtime/config/fields.ts';
import { openRuntime } from '../runtime/open-runtime.ts';
import { loadFeedProfiles } from '../processors/normalize/feed-profile.ts';
import { expectedDemoEvents, sendDemoMessages } from './demo.ts';
import { runMllpListener } from '../producers/mllp/command.ts';
import { identitySummary, sliceSummary, startPipeline } from './pipeline.ts';
import { inspectHl7 } from './inspect-hl7.ts';
import { inspectClaims } from './inspect-claims.ts';
import { ingestPaths } from './ingest.ts';
import { runFilesThroughPipeline } from './scenario.ts';
import { materializeFinalAction } from '../processors/claims/final-action-job.ts';
import {
  IDENTITY_USAGE,
  IdentityUsageError,
  needsStore,
  parseIdentityArgs,
  runIdentityCommand,
  type IdentityCommand,
} from './identity-cli.ts';
import {
  parseReportArgs,
  REPORT_USAGE,
  ReportUsageError,
  runReportCommand,
  type ReportCommand,
} from './report-cli.ts';

import {
  CONTRACTS_USAGE,
  ContractsUsageError,
  parseContractsArgs,
  runContractsCommand,
} from './contracts-cli.ts';
import { RECOMPUTE_USAGE, RecomputeUsageError, parseRecomputeArgs, runRecompute } from './recompute-cli.ts';
import { evaluatePerson } from '../processors/gaps/evaluate.ts';
import { DEMO_USAGE, DemoUsageError, parseDemoArgs, runPopulationDemo } from './population-demo.ts';
import { SYNTH_USAGE, SynthUsageError, parseSynthArgs, runSynth } from './synth-cli.ts';

const USAGE = `gapstream — streaming integration pipeline for value-based care

Usage:
${DEMO_USAGE}
${SYNTH_USAGE}
  gapstream run [--no-mllp] [--demo] [--count N] [--patients N]
        run the pipeline until SIGINT/SIGTERM: MLLP listener (MLLP_PORT, default 2575), normalizer,
        stateful slice, ClickHouse sink; --demo listens on a free loopback port, sends N synthetic
        HL7 messages over MLLP, waits until their events reached ClickHouse, prints a summary, exits
  gapstream listen-mllp                               only the MLLP listener (distributed mode)
  gapstream send-demo --port P [--host H] [--count N] [--patients N]
        send synthetic HL7 messages to an MLLP listener and count the ACK codes
  gapstream inspect hl7 <file|dir>...                 print each message's canonical events, or its
                                                       rejection with reason and HL7 error code (JSON lines)
  gapstream inspect claims <file>...                  print the claim/roster records a claims file would
                                                       publish (JSON lines), or its quarantine report
  gapstream ingest [--publish-only] <file|dir>...     load HL7, claims and roster files (directories recursively;
                                                       same manifests as the watchers: duplicates skipped, resumes);
                                                       embedded mode runs them through the whole pipeline and
                                                       returns when every stage has caught up
  gapstream claims final-action                       recompute the final-action claim set from ClickHouse
                                                       (claim_final_action_current); prints counts as JSON
${IDENTITY_USAGE}
${CONTRACTS_USAGE}
${RECOMPUTE_USAGE}
${REPORT_USAGE}
  gapstream config                                    print the validated configuration (secrets hidden)
  gapstream help

Mode: embedded (in-process bus + chDB under GAPSTREAM_DATA_DIR) unless KAFKA_BROKERS is set.
Configuration: environment variables or GAPSTREAM_CONFIG=<file.yaml>; see docs/configuration.md.`;

/** sysexits.h EX_CONFIG: the configuration is invalid. */
const EX_CONFIG = 78;

/** The validated configuration, or undefined after printing every problem to stderr. */
function configOrReport(): Config | undefined {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return undefined;
  }
}

/** CLI entry: returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  if (command === 'inspect') return inspect(rest);
  if (command === 'ingest') return ingest(rest);
  if (command === 'identity') return identity(rest);
  if (command === 'contracts') return contracts(rest);
  if (command === 'synth') return synth(rest);
  if (command === 'demo') return demo(rest);
  if (command === 'recompute') return recomputeCommand(rest);
  if (command === 'report') return report(rest);
  let args;
  try {
    args = parseArgs({
      args: rest,
      options: {
        demo: { type: 'boolean', default: false },
        'no-mllp': { type: 'boolean', default: false },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string' },
        count: { type: 'string', default: '1000' },
        patients: { type: 'string', default: '100' },
      },
      allowPositionals: command === 'claims',
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

  const config = configOrReport();
  if (config === undefined) return EX_CONFIG;

  switch (command) {
    case 'run':
      return run(config, { demo: args.values.demo, mllp: !args.values['no-mllp'], count, patients });
    case 'listen-mllp':
      return listenMllp(config);
    case 'send-demo': {
      const port = Number(args.values.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        process.stderr.write('send-demo needs --port with the MLLP listener port (1-65535).\n');
        return 2;
      }
      const codes = await sendDemoMessages(port, count, patients, { host: args.values.host });
      process.stdout.write(`${JSON.stringify({ sent: count, acks: codes })}\n`);
      return codes.AA === count || codes.CA === count ? 0 : 1;
    }
    case 'claims':
      return claimsCommand(config, args.positionals);
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

/** Resolves with the signal name on SIGINT/SIGTERM. */
function stopSignal(): Promise<string> {
  return new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

async function listenMllp(config: Config): Promise<number> {
  const rt = await openRuntime(config, 'gapstream-mllp', { store: false });
  try {
    const listener = await runMllpListener(rt, config.mllp);
    rt.logger.info({ port: listener.port, tlsPort: listener.tlsPort }, 'MLLP listener ready');
    rt.logger.info({ signal: await stopSignal() }, 'stopping');
    await listener.close();
    return 0;
  } finally {
    await rt.close();
  }
}

interface RunOptions {
  demo: boolean;
  mllp: boolean;
  count: number;
  patients: number;
}

async function run(config: Config, o: RunOptions): Promise<number> {
  const rt = await openRuntime(config, 'gapstream');
  // The demo listens on a free loopback port so it never clashes with a real listener.
  const pipeline = await startPipeline(rt, {
    mllp: o.mllp || o.demo,
    mllpOverrides: o.demo ? { host: '127.0.0.1', port: 0, tcpEnabled: true } : {},
  });
  const stopped = stopSignal();
  try {
    if (!o.demo) {
      rt.logger.info({ mllpPort: pipeline.mllpPort }, 'pipeline running');
      rt.logger.info({ signal: await stopped }, 'stopping');
      return 0;
    }
    const expected = expectedDemoEvents(o.count, o.patients, loadFeedProfiles(config.feeds.dir));
    // Progress is logged while sending and while the pipeline works (operators and the crash
    // tests watch these lines).
    let last = -1;
    let done = false;
    const progress = (async (): Promise<void> => {
      while (!done) {
        const { results } = await sliceSummary(rt);
        if (results !== last) rt.logger.info({ results, total: expected }, 'demo progress');
        last = results;
        if (results >= expected) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const acks = await sendDemoMessages(pipeline.mllpPort!, o.count, o.patients, {
      onAck: (acked) => {
        if (acked % 100 === 0 || acked === o.count) rt.logger.info({ acked, total: o.count }, 'demo sent');
      },
    });
    rt.logger.info({ sent: o.count, acks }, 'demo messages sent over MLLP');
    const finished = await Promise.race([progress.then(() => 'done' as const), stopped]);
    done = true;
    if (finished !== 'done') return 130;
    const summary = await sliceSummary(rt);
    // The identity index runs beside the slice: wait (bounded) until every patient's record is in.
    let identity = await identitySummary(rt);
    for (let i = 0; i < 150 && identity.records < summary.patients; i++) {
      await new Promise((r) => setTimeout(r, 200));
      identity = await identitySummary(rt);
    }
    process.stdout.write(
      `gapstream demo: ${o.count} HL7 messages over MLLP (ACKs ${JSON.stringify(acks)}) → ${expected} clinical events → ${summary.results} rows in ClickHouse slice_results for ${summary.patients} patients (max ${summary.maxCount} events per patient); patient index: ${identity.records} records → ${identity.persons} persons, ${identity.reviews} pairs for review. Mode: ${config.mode}, store: ${rt.store.driver}.\n`,
    );
    return acks.AA === o.count ? 0 : 1;
  } finally {
    await pipeline.stop();
    await rt.close();
  }
}

/** `inspect hl7|claims …`: offline, no bus or store. */
async function inspect(rest: string[]): Promise<number> {
  const [what, ...paths] = rest;
  if (what !== 'hl7' && what !== 'claims') {
    process.stderr.write(
      `Unknown inspect target "${what ?? ''}": expected \`gapstream inspect hl7 <file|dir>...\` or \`gapstream inspect claims <file>...\`.\n`,
    );
    return 2;
  }
  const config = configOrReport();
  if (config === undefined) return EX_CONFIG;
  if (what === 'claims')
    return inspectClaims(paths, process.stdout, process.stderr, {
      mappingsDir: config.claims.mappingsDir,
      badLineLimit: config.claims.badLineLimit,
    });
  return inspectHl7(paths, process.stdout, { profilesDir: config.feeds.dir });
}

/** `claims final-action`: the final-action job over what the claims sinks landed in ClickHouse. */
async function claimsCommand(config: Config, positionals: string[]): Promise<number> {
  if (positionals.join(' ') !== 'final-action') {
    process.stderr.write(
      `Unknown claims command "${positionals.join(' ')}": expected \`gapstream claims final-action\`.\n`,
    );
    return 2;
  }
  const rt = await openRuntime(config, 'gapstream-claims');
  try {
    const run = await materializeFinalAction(rt.store);
    const problems: Record<string, number> = {};
    for (const p of run.problems) problems[p.code] = (problems[p.code] ?? 0) + 1;
    process.stdout.write(`${JSON.stringify({ ...run, problems })}\n`);
    return 0;
  } finally {
    await rt.close();
  }
}

/**
 * `identity review|unlink|show …`: the review workflow of the master patient index. Arguments are
 * checked before the configuration is read; decisions open only the bus, listings only need the store.
 */
async function identity(rest: string[]): Promise<number> {
  let cmd: IdentityCommand;
  try {
    cmd = parseIdentityArgs(rest);
  } catch (err) {
    if (!(err instanceof IdentityUsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  const config = configOrReport();
  if (config === undefined) return EX_CONFIG;
  const rt = await openRuntime(config, 'gapstream-identity', { store: needsStore(cmd) });
  try {
    return await runIdentityCommand(cmd, rt, process.stdout, process.stderr);
  } finally {
    await rt.close();
  }
}

/** `report gaps …`: rates and member statuses from ClickHouse. Arguments are checked before the configuration is read. */
async function report(rest: string[]): Promise<number> {
  let cmd: ReportCommand;
  try {
    cmd = parseReportArgs(rest);
  } catch (err) {
    if (!(err instanceof ReportUsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  const config = configOrReport();
  if (config === undefined) return EX_CONFIG;
  // csv/json go to stdout, where the runtime logs too: keep its info lines out of them.
  const chatty = ['info', 'debug', 'trace'].includes(config.log.level);
  const rtConfig = cmd.format !== 'table' && chatty ? { ...config, log: { level: 'warn' as const } } : config;
  const rt = await openRuntime(rtConfig, 'gapstream-report');
  try {
    return await runReportCommand(rt.store, cmd, (s) => process.stdout.write(s));
  } finally {
    await rt.close();
  }
}

/** `ingest <file>...`: publishes claims files once, on the configured bus (no store needed). */
async function ingest(paths: string[]): Promise<number> {
  const publishOnly = paths.includes('--publish-only');
  const files = paths.filter((p) => p !== '--publish-only');
  if (files.length === 0 || files.some((p) => p.startsWith('-'))) {
    process.stderr.write(
      `ingest needs one or more files or directories: gapstream ingest [--publish-only] <file|dir>...\n\n${USAGE}\n`,
    );
    return 2;
  }
  const config = configOrReport();
  if (config === undefined) return EX_CONFIG;
  // Distributed mode: the running pipeline processes what is published. Embedded mode: this
  // process owns the bus, so it runs the pipeline until everything loaded has gone through.
  const through = config.mode === 'embedded' && !publishOnly;
  const rt = await openRuntime(config, 'gapstream-ingest', { store: through });
  try {
    if (!through) return (await ingestPaths(rt, files, process.stderr)).code;
    return (await runFilesThroughPipeline(rt, files)).code;
  } finally {
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

/** `contracts validate|test`: offline checks of contracts/, no bus or store. */
async function contracts(rest: string[]): Promise<number> {
  try {
    return await runContractsCommand(parseContractsArgs(rest), process.stdout, evaluatePerson);
  } catch (err) {
    if (!(err instanceof ContractsUsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    return 2;
  }
}

/** `recompute --contract <id>`: replays person history through the current contract logic. */
async function recomputeCommand(rest: string[]): Promise<number> {
  let cmd;
  try {
    cmd = parseRecomputeArgs(rest);
  } catch (err) {
    if (!(err instanceof RecomputeUsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  const config = configOrReport();
  if (config === undefined) return EX_CONFIG;
  const rt = await openRuntime(config, 'gapstream-recompute', { store: false });
  try {
    const summary = await runRecompute(rt, cmd);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof RecomputeUsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 2;
  } finally {
    await rt.close();
  }
}

/** `synth --members N --out DIR`: write a seeded population with its truth (no bus or store). */
async function synth(rest: string[]): Promise<number> {
  try {
    return await runSynth(parseSynthArgs(rest), process.stdout);
  } catch (err) {
    if (!(err instanceof SynthUsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    return 2;
  }
}

/** `demo`: the main job — a generated population through the whole pipeline, then the rates tables. */
async function demo(rest: string[]): Promise<number> {
  let args;
  try {
    args = parseDemoArgs(rest);
  } catch (err) {
    if (!(err instanceof DemoUsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  const config = configOrReport();
  if (config === undefined) return EX_CONFIG;
  // The tables are the output: keep the runtime's info lines out of them unless asked for.
  const quiet = process.env.LOG_LEVEL === undefined ? { ...config, log: { level: 'warn' as const } } : config;
  return runPopulationDemo(quiet, args, process.stdout);
}
