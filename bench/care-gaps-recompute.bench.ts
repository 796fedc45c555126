// Care gaps, full recompute at population scale: the engine over every member of a seeded
// synthetic population (producers/synth: 2 contracts, 7 measures; ~26 person events per member —
// HL7 clinical events, claim lines, roster lines), side by side with the same computation as ONE
// SQL query on embedded chDB (bench/care-gaps-recompute.sql), in the same run:
//
//   node --expose-gc bin/run-ts.mjs bench/care-gaps-recompute.bench.ts [--members 1000000] [--seed 7]
//        [--batch 1000] [--parts stream,memory,sql] [--dir DIR] [--keep]
//
// Each part runs in its own child process so its peak memory is its own:
//   stream  members one at a time (history grouped by person, as after a sort by key): person
//           events → extractFacts → addFacts → reconcile (both contracts, trigger RECOMPUTE) →
//           statuses counted; the state is dropped. Generation (synth member, HL7 text through the
//           real normalizer, claims/roster mapped) is timed apart from the engine. Also writes every
//           extracted fact as a TSV row for the SQL part (timed apart) and checks the engine against
//           the generator's truth.
//   memory  what `gapstream recompute` does with the log it read: foldHistory of every person event
//           into one Map of states, then recompute() against an empty previous state (all changes
//           held). Run with NODE_OPTIONS=--max-old-space-size=16384 (the parent sets it).
//   sql     chDB: tables loaded from the TSV files (load timed apart), then the query; its
//           per-contract/measure/status counts are compared with the engine's.
// Prints a markdown table and one JSON line (bench: care-gaps-recompute).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadContractLibrary } from '../processors/contracts/load.ts';
import {
  FactExport,
  measureLists,
  runInMemory,
  runStreaming,
  type InMemoryResult,
  type RunOptions,
  type StatusCounts,
  type StreamingResult,
} from './support/recompute-engine.ts';
import { runSql, SQL_MEASURES, type SqlResult } from './support/recompute-sql.ts';

const YEAR = 2026;
const AS_OF = '2026-11-25';
const AT = Date.parse('2026-11-25T12:00:00Z');
const RESULT = '@@result ';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: process.env.BENCH_MEMBERS ?? '1000000' },
    seed: { type: 'string', default: '7' },
    batch: { type: 'string', default: '1000' },
    parts: { type: 'string', default: 'stream,memory,sql' },
    part: { type: 'string' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const opts: RunOptions = {
  members: Number(values.members),
  seed: Number(values.seed),
  year: YEAR,
  asOf: AS_OF,
  batch: Number(values.batch),
  at: AT,
};
if (!Number.isInteger(opts.members) || opts.members < 1)
  throw new Error('--members must be a positive integer');

const mb = (n: number | null): number | null => (n === null ? null : Math.round(n / 1048576));
const s = (ms: number): number => Math.round(ms / 100) / 10;
const log = (msg: string): void => console.error(`[care-gaps-recompute ${new Date().toISOString()}] ${msg}`);
const files = (dir: string): { facts: string; demographics: string } => ({
  facts: join(dir, 'facts.tsv'),
  demographics: join(dir, 'demographics.tsv'),
});

function progress(part: string): (done: number) => void {
  let next = 0;
  const t0 = performance.now();
  return (done) => {
    if (done < next && done !== opts.members) return;
    next = done + Math.max(opts.batch, Math.round(opts.members / 20));
    log(`${part}: ${done.toLocaleString('en-US')} members, ${s(performance.now() - t0)} s`);
  };
}

// ---------------------------------------------------------------------------------------------
// Child: one part.

async function child(part: string, dir: string): Promise<void> {
  const library = await loadContractLibrary(resolve('contracts'));
  let out: unknown;
  if (part === 'stream') {
    const f = files(dir);
    out = runStreaming(library, opts, new FactExport(f.facts, f.demographics), progress(part));
  } else if (part === 'memory') out = runInMemory(library, opts, progress(part));
  else if (part === 'sql') out = await runSql(library, dir, files(dir));
  else throw new Error(`unknown part ${part}`);
  process.stdout.write(RESULT + JSON.stringify(out) + '\n');
}

function runChild<T>(part: string, dir: string, nodeOptions?: string): Promise<T> {
  return new Promise((done, fail) => {
    const args = [
      '--expose-gc',
      resolve('bin/run-ts.mjs'),
      resolve('bench/care-gaps-recompute.bench.ts'),
      '--part',
      part,
      '--dir',
      dir,
      '--members',
      String(opts.members),
      '--seed',
      String(opts.seed),
      '--batch',
      String(opts.batch),
    ];
    const env = { ...process.env };
    if (nodeOptions !== undefined) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} ${nodeOptions}`.trim();
    const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.on('error', fail);
    p.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT));
      if (code !== 0 || line === undefined) fail(new Error(`part ${part} failed (exit ${code})`));
      else done(JSON.parse(line.slice(RESULT.length)) as T);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Parent: the parts in turn, then the comparison and the figures.

function diff(a: StatusCounts, b: StatusCounts): { key: string; a: number; b: number }[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.map((key) => ({ key, a: a[key] ?? 0, b: b[key] ?? 0 })).filter((d) => d.a !== d.b);
}

function countsTable(engine: StatusCounts, sql: StatusCounts | undefined): string {
  const rows = new Map<string, Record<string, number>>();
  for (const [k, n] of Object.entries(engine)) {
    const [contract, measure, status] = k.split('|') as [string, string, string];
    const r = rows.get(`${contract}|${measure}`) ?? {};
    r[status] = n;
    rows.set(`${contract}|${measure}`, r);
  }
  const cell = (k: string, st: string): string => {
    const e = engine[`${k}|${st}`] ?? 0;
    const q = sql?.[`${k}|${st}`];
    return q === undefined || q === e
      ? e.toLocaleString('en-US')
      : `${e.toLocaleString('en-US')} (SQL ${q.toLocaleString('en-US')})`;
  };
  const lines = [
    '| contract | measure | open | closed | excluded | not in denominator / attributed, not attributed |',
    '|---|---|---|---|---|---|',
  ];
  for (const k of [...rows.keys()].sort()) {
    const [contract, measure] = k.split('|') as [string, string];
    lines.push(
      measure === 'ATTRIBUTION'
        ? `| ${contract} | attribution | | | | ${cell(k, 'attributed')} / ${cell(k, 'not-attributed')} |`
        : `| ${contract} | ${measure} | ${cell(k, 'open')} | ${cell(k, 'closed')} | ${cell(k, 'excluded')} | ${cell(k, 'not-in-denominator')} |`,
    );
  }
  return lines.join('\n');
}

async function parent(): Promise<void> {
  const parts = values.parts.split(',').map((p) => p.trim());
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'gs-recompute-'));
  mkdirSync(dir, { recursive: true });
  const library = await loadContractLibrary(resolve('contracts'));
  const lists = measureLists(library, AS_OF);
  const listsMatch = JSON.stringify(lists) === JSON.stringify(SQL_MEASURES);
  if (!listsMatch)
    log(
      `WARNING: the active contract versions' measures ${JSON.stringify(lists)} differ from what the SQL encodes`,
    );
  log(
    `${opts.members.toLocaleString('en-US')} members, seed ${opts.seed}, as of ${AS_OF}; ${cpus().length} cores, ` +
      `${mb(totalmem())} MB, load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}; files in ${dir}`,
  );
  const started = performance.now();
  let stream: StreamingResult | undefined;
  let memory: InMemoryResult | undefined;
  let sql: SqlResult | undefined;
  const failed: string[] = [];
  // A part that fails (the all-in-memory one can run out of heap) is reported; the others still run.
  const attempt = async <T>(part: string, nodeOptions?: string): Promise<T | undefined> => {
    if (!parts.includes(part)) return undefined;
    try {
      return await runChild<T>(part, dir, nodeOptions);
    } catch (err) {
      failed.push(`${part}: ${(err as Error).message}`);
      log(`part ${part} failed: ${(err as Error).message}`);
      return undefined;
    }
  };
  try {
    stream = await attempt<StreamingResult>('stream');
    memory = await attempt<InMemoryResult>('memory', '--max-old-space-size=16384');
    sql = await attempt<SqlResult>('sql');
  } finally {
    if (!values.keep && values.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
  const wallMs = performance.now() - started;

  const ref = stream?.counts ?? memory?.counts;
  const sqlDiff = ref && sql ? diff(ref, sql.counts) : null;
  const memDiff = stream && memory ? diff(stream.counts, memory.counts) : null;

  const rows: string[] = [
    '| run | members | person events | generation / load | compute | members/s (compute) | events/s (compute) | peak RSS | heap after GC |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  if (stream) {
    const perS = stream.members / (stream.engineMs / 1000);
    rows.push(
      `| engine, streaming (fold → reconcile per person) | ${fmt(stream.members)} | ${fmt(stream.personEvents)} | ` +
        `synth ${s(stream.synthMs)} s + person events ${s(stream.eventsMs)} s | **${s(stream.engineMs)} s** | ${fmt(perS)} | ` +
        `${fmt(stream.personEvents / (stream.engineMs / 1000))} | ${mb(stream.vmHwm)} MB | ${mb(stream.heapAfterGc) ?? '—'} MB |`,
    );
  }
  if (memory) {
    const ms = memory.foldMs + memory.recomputeMs;
    rows.push(
      `| engine, all in memory (foldHistory → recompute) | ${fmt(memory.members)} | ${fmt(memory.personEvents)} | ` +
        `synth ${s(memory.synthMs)} s + person events ${s(memory.eventsMs)} s | **${s(ms)} s** (fold ${s(memory.foldMs)} + recompute ${s(memory.recomputeMs)}) | ` +
        `${fmt(memory.members / (ms / 1000))} | ${fmt(memory.personEvents / (ms / 1000))} | ${mb(memory.vmHwm)} MB | ` +
        `states ${mb(memory.heapStates) ?? '—'} MB, + changes ${mb(memory.heapAfterRecompute) ?? '—'} MB |`,
    );
  }
  if (sql) {
    rows.push(
      `| SQL on chDB (one query) | ${fmt(opts.members)} | ${fmt(sql.factRows + sql.demographicRows)} fact rows | ` +
        `TSV export ${stream ? s(stream.exportMs) : '—'} s + chDB load ${s(sql.loadMs)} s | **${s(sql.queryMs)} s** | ` +
        `${fmt(opts.members / (sql.queryMs / 1000))} | ${stream ? fmt(stream.personEvents / (sql.queryMs / 1000)) : '—'} | ` +
        `${mb(sql.vmHwm)} MB${sql.queryLog ? ` (query ${mb(sql.queryLog.memoryUsage)} MB)` : ''} | — |`,
    );
  }
  console.log(`\n${rows.join('\n')}\n`);
  if (ref) console.log(`${countsTable(ref, sql?.counts)}\n`);
  if (stream)
    console.log(
      `engine vs the generator's truth: attribution ${stream.truth.attributionAgree}/${stream.truth.attribution}, ` +
        `gaps ${stream.truth.gapsAgree}/${stream.truth.gaps}${stream.truth.samples.length > 0 ? `\n  ${stream.truth.samples.join('\n  ')}` : ''}`,
    );
  if (memDiff)
    console.log(
      `engine streaming vs all-in-memory: ${memDiff.length === 0 ? 'identical counts' : JSON.stringify(memDiff)}`,
    );
  if (sqlDiff)
    console.log(
      `engine vs SQL: ${sqlDiff.length === 0 ? 'identical counts (every contract/measure/status)' : ''}` +
        sqlDiff
          .map((d) => `\n  ${d.key}: engine ${d.a}, SQL ${d.b} (${d.b - d.a > 0 ? '+' : ''}${d.b - d.a})`)
          .join(''),
    );

  console.log(
    JSON.stringify({
      bench: 'care-gaps-recompute',
      members: opts.members,
      seed: opts.seed,
      as_of: AS_OF,
      cores: cpus().length,
      load_average: loadavg().map((x) => Number(x.toFixed(2))),
      wall_s: s(wallMs),
      measures_match_sql: listsMatch,
      failed_parts: failed,
      stream: stream && {
        person_events: stream.personEvents,
        facts: stream.facts,
        source: stream.sourceCounts,
        synth_s: s(stream.synthMs),
        person_events_s: s(stream.eventsMs),
        engine_s: s(stream.engineMs),
        members_per_s: Math.round(stream.members / (stream.engineMs / 1000)),
        events_per_s: Math.round(stream.personEvents / (stream.engineMs / 1000)),
        gap_changes: stream.gapChanges,
        attribution_changes: stream.attributionChanges,
        export_s: s(stream.exportMs),
        export_mb: mb(stream.exportBytes),
        peak_rss_mb: mb(stream.vmHwm),
        peak_heap_mb: mb(stream.peakHeap),
        heap_after_gc_mb: mb(stream.heapAfterGc),
        wall_s: s(stream.wallMs),
        truth: { ...stream.truth, samples: undefined },
      },
      memory: memory && {
        persons: memory.persons,
        person_events: memory.personEvents,
        synth_s: s(memory.synthMs),
        person_events_s: s(memory.eventsMs),
        fold_s: s(memory.foldMs),
        recompute_s: s(memory.recomputeMs),
        members_per_s: Math.round(memory.members / ((memory.foldMs + memory.recomputeMs) / 1000)),
        gap_changes: memory.gapChanges,
        attribution_changes: memory.attributionChanges,
        peak_rss_mb: mb(memory.vmHwm),
        peak_heap_mb: mb(memory.peakHeap),
        heap_states_mb: mb(memory.heapStates),
        heap_after_recompute_mb: mb(memory.heapAfterRecompute),
        wall_s: s(memory.wallMs),
      },
      sql: sql && {
        fact_rows: sql.factRows,
        demographic_rows: sql.demographicRows,
        value_set_rows: sql.valueSetRows,
        load_s: s(sql.loadMs),
        query_s: s(sql.queryMs),
        peak_rss_mb: mb(sql.vmHwm),
        query_memory_mb: sql.queryLog ? mb(sql.queryLog.memoryUsage) : null,
        wall_s: s(sql.wallMs),
      },
      counts: ref && Object.fromEntries(Object.entries(ref).sort(([a], [b]) => (a < b ? -1 : 1))),
      engine_vs_sql_differences: sqlDiff,
      streaming_vs_memory_differences: memDiff,
    }),
  );
}

if (values.part !== undefined) await child(values.part, values.dir ?? tmpdir());
else await parent();
