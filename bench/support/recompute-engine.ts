/**
 * The care-gaps engine over a synthetic population, for bench/care-gaps-recompute.bench.ts.
 *
 * - `runStreaming`: members one at a time (a person's history grouped, as after a sort by key):
 *   each person event through `extractFacts` + `addFacts` into a fresh `PersonState`, then
 *   `reconcile` for every contract (trigger RECOMPUTE), statuses counted, the state dropped.
 *   Optionally writes every extracted fact as a TSV row for the SQL baseline (timed apart).
 * - `runInMemory`: what `gapstream recompute` does with the log it read: `foldHistory` of every
 *   person event into one Map of states, then `recompute` against an empty previous state.
 *
 * Generation (synth member + person events: HL7 through the real normalizer, claims/roster
 * mapped) is timed apart from the engine in both.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { ContractLibrary } from '../../processors/contracts/load.ts';
import type { Fact } from '../../processors/contracts/types.ts';
import { loadFeedProfiles } from '../../processors/normalize/feed-profile.ts';
import { extractFacts, type DecodedPersonEvent, type ZoneOf } from '../../processors/gaps/facts.ts';
import { reconcile } from '../../processors/gaps/reconcile.ts';
import { foldHistory, recompute, type HistoryRecord } from '../../processors/gaps/recompute.ts';
import { addFacts, emptyState, type PersonState } from '../../processors/gaps/state.ts';
import { feedZones, keptCodes } from '../../processors/gaps/step.ts';
import { generateMembers } from '../../producers/synth/index.ts';
import type { SynthMember } from '../../producers/synth/types.ts';
import { PersonEventSource } from './recompute-sources.ts';

export interface RunOptions {
  members: number;
  seed: number;
  year: number;
  asOf: string;
  /** Members generated, then folded, per round (streaming). */
  batch: number;
  /** `at` of the change records (fixed: same output every run). */
  at: number;
}

/** `${contract}|${measure}|${status}` (measure `ATTRIBUTION`: attributed / not-attributed) → persons. */
export type StatusCounts = Record<string, number>;

/** Contract id → measure ids of the version active on the as-of date. */
export function measureLists(library: ContractLibrary, asOf: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const id of library.contractIds()) {
    const v = library.activeVersion(id, asOf);
    if (v !== undefined) out[id] = library.resolve(id, v.version).measures.map((m) => m.id);
  }
  return out;
}

function count(counts: StatusCounts, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Adds one evaluated person's statuses (memos after reconcile) to the counts. */
export function countPerson(state: PersonState, lists: Record<string, string[]>, counts: StatusCounts): void {
  for (const [contract, measures] of Object.entries(lists)) {
    count(
      counts,
      `${contract}|ATTRIBUTION|${state.attribution[contract]?.attributed ? 'attributed' : 'not-attributed'}`,
    );
    // No memo: never published, i.e. not in the denominator (reconcile keeps no memo for it).
    for (const m of measures)
      count(counts, `${contract}|${m}|${state.gaps[`${contract}|${m}`]?.status ?? 'not-in-denominator'}`);
  }
}

/** Peak RSS seen by sampling, and the kernel's high-water mark (VmHWM) of this process. */
export class MemoryWatch {
  peakRss = 0;
  peakHeap = 0;
  sample(): void {
    const m = process.memoryUsage();
    if (m.rss > this.peakRss) this.peakRss = m.rss;
    if (m.heapUsed > this.peakHeap) this.peakHeap = m.heapUsed;
  }
  static hwm(): number {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

/** HL7 times are dated in the feed's zone, as the pipeline does (feed profiles of feeds/). */
const zones = (): ZoneOf => feedZones(loadFeedProfiles());

/** heapUsed after a full GC (null without --expose-gc). */
export function heapAfterGc(): number | null {
  if (gc === undefined) return null;
  gc();
  return process.memoryUsage().heapUsed;
}

// ---------------------------------------------------------------------------------------------
// TSV export of the facts for chDB (columns of `facts` and `demographics` in the .sql file).

const TSV_SPECIAL = /[\t\n\\]/;
const esc = (s: string): string =>
  TSV_SPECIAL.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : s;
const opt = (s: string | null | undefined): string => (s === null || s === undefined ? '\\N' : esc(s));
const txt = (s: string | null | undefined): string => (s === null || s === undefined ? '' : esc(s));

/** Writes facts as TSV rows: `facts` (coded facts and enrollment) and `demographics`. */
export class FactExport {
  private readonly facts: number;
  private readonly demo: number;
  private factRows: string[] = [];
  private demoRows: string[] = [];
  rows = 0;
  bytes = 0;

  constructor(factsPath: string, demographicsPath: string) {
    this.facts = openSync(factsPath, 'w');
    this.demo = openSync(demographicsPath, 'w');
  }

  add(person: number, f: Fact): void {
    this.rows++;
    switch (f.kind) {
      case 'demographics':
        this.demoRows.push(
          `${person}\t${esc(f.id)}\t${opt(f.birthDate)}\t${txt(f.sex)}\t${opt(f.deathDate)}\t${f.recordedAt}\n`,
        );
        return;
      case 'enrollment':
        this.factRows.push(
          `${person}\t${esc(f.id)}\tenrollment\t\t\t${f.start}\t${opt(f.end)}\t\t\\N\t0\t\t${f.recordedAt}\t\t\t\t0\t${esc(f.sourceFile)}\t${txt(f.pcpNpi)}\t${txt(f.pcpTin)}\n`,
        );
        return;
      case 'code':
        this.factRows.push(
          `${person}\t${esc(f.id)}\tcode\t${f.system}\t${esc(f.code)}\t${f.date}\t${opt(f.end)}\t${f.setting ?? ''}\t\\N\t0\t\t0\t\t\t\t0\t\t\t\n`,
        );
        return;
      case 'result':
        this.factRows.push(
          `${person}\t${esc(f.id)}\tresult\t${f.system}\t${esc(f.code)}\t${f.date}\t\\N\t\t${f.value === null ? '\\N' : String(f.value)}\t${(f.hasResult ?? f.value !== null) ? 1 : 0}\t${f.status}\t${f.recordedAt}\t\t\t\t0\t\t\t\n`,
        );
        return;
      case 'visit':
        this.factRows.push(
          `${person}\t${esc(f.id)}\tvisit\t${f.system}\t${esc(f.code)}\t${f.date}\t\\N\t\t\\N\t0\t\t0\t${esc(f.npi)}\t${txt(f.tin)}\t${txt(f.specialty)}\t${f.amount}\t\t\t\n`,
        );
        return;
    }
  }

  flush(): void {
    for (const [fd, rows] of [
      [this.facts, this.factRows],
      [this.demo, this.demoRows],
    ] as const) {
      if (rows.length === 0) continue;
      const buf = Buffer.from(rows.join(''), 'utf8');
      this.bytes += buf.length;
      writeSync(fd, buf);
    }
    this.factRows = [];
    this.demoRows = [];
  }

  close(): void {
    this.flush();
    closeSync(this.facts);
    closeSync(this.demo);
  }
}

// ---------------------------------------------------------------------------------------------

export interface Timings {
  /** Synth members built (producers/synth). */
  synthMs: number;
  /** Their person events built (HL7 normalized, claims/roster mapped). */
  eventsMs: number;
}

export interface StreamingResult extends Timings {
  members: number;
  personEvents: number;
  facts: number;
  engineMs: number;
  exportMs: number;
  exportRows: number;
  exportBytes: number;
  gapChanges: number;
  attributionChanges: number;
  counts: StatusCounts;
  /** The engine against the generator's truth: own contract's attribution and every measure. */
  truth: {
    attribution: number;
    gaps: number;
    gapsAgree: number;
    attributionAgree: number;
    samples: string[];
  };
  sourceCounts: PersonEventSource['counts'];
  peakRss: number;
  peakHeap: number;
  vmHwm: number;
  heapAfterGc: number | null;
  wallMs: number;
}

/** Streaming: a person's events folded and evaluated, then the state dropped. */
export function runStreaming(
  library: ContractLibrary,
  o: RunOptions,
  exportTo: FactExport | null,
  progress: (done: number) => void,
): StreamingResult {
  const wall = performance.now();
  const lists = measureLists(library, o.asOf);
  const src = new PersonEventSource(o.year, o.asOf);
  const members = generateMembers({ members: o.members, seed: o.seed, year: o.year, asOf: o.asOf });
  const watch = new MemoryWatch();
  const counts: StatusCounts = {};
  const truth = { attribution: 0, gaps: 0, gapsAgree: 0, attributionAgree: 0, samples: [] as string[] };
  const r = {
    synthMs: 0,
    eventsMs: 0,
    engineMs: 0,
    exportMs: 0,
    personEvents: 0,
    facts: 0,
    gapChanges: 0,
    attributionChanges: 0,
  };
  // The codes worth keeping, as the care-gaps step decides them (the library's value sets here).
  const vs = keptCodes(library);
  const zoneOf = zones();
  const batchMembers: SynthMember[] = [];
  const batchEvents: DecodedPersonEvent[][] = [];
  const batchFacts: Fact[][][] = [];
  const batchStates: PersonState[] = [];
  let done = 0;
  while (done < o.members) {
    const n = Math.min(o.batch, o.members - done);
    let t = performance.now();
    for (let i = 0; i < n; i++) batchMembers[i] = members.next().value as SynthMember;
    let t2 = performance.now();
    r.synthMs += t2 - t;
    for (let i = 0; i < n; i++)
      batchEvents[i] = src.eventsOf(batchMembers[i]!, String(batchMembers[i]!.index + 1));
    t = performance.now();
    r.eventsMs += t - t2;

    // --- the engine: fold, reconcile, count
    for (let i = 0; i < n; i++) {
      const events = batchEvents[i]!;
      const personId = events[0]?.personId ?? String(batchMembers[i]!.index + 1);
      const state = emptyState();
      const extracted: Fact[][] = [];
      for (const e of events) {
        const facts = extractFacts(e, vs, zoneOf);
        addFacts(state, facts);
        extracted.push(facts);
      }
      const c = reconcile(state, library, { personId, asOf: o.asOf, at: o.at, trigger: 'RECOMPUTE' });
      r.gapChanges += c.gaps.length;
      r.attributionChanges += c.attributions.length;
      countPerson(state, lists, counts);
      batchFacts[i] = extracted;
      batchStates[i] = state;
    }
    t2 = performance.now();
    r.engineMs += t2 - t;

    // --- outside the engine's time: export for chDB, agreement with the truth
    for (let i = 0; i < n; i++) {
      const m = batchMembers[i]!;
      r.personEvents += batchEvents[i]!.length;
      for (const facts of batchFacts[i]!) {
        r.facts += facts.length;
        if (exportTo !== null) for (const f of facts) exportTo.add(m.index + 1, f);
      }
      const state = batchStates[i]!;
      truth.attribution++;
      if ((state.attribution[m.contractId]?.attributed ?? false) === m.attribution.attributed)
        truth.attributionAgree++;
      for (const g of m.gaps) {
        truth.gaps++;
        const got = state.gaps[`${m.contractId}|${g.measureId}`]?.status ?? 'not-in-denominator';
        if (got === g.status) truth.gapsAgree++;
        else if (truth.samples.length < 10)
          truth.samples.push(
            `member ${m.index} ${m.contractId} ${g.measureId} (${g.scenario}): truth ${g.status}, engine ${got}`,
          );
      }
    }
    exportTo?.flush();
    r.exportMs += performance.now() - t2;
    batchFacts.length = 0;
    batchStates.length = 0;
    done += n;
    watch.sample();
    progress(done);
  }
  exportTo?.close();
  watch.sample();
  return {
    members: o.members,
    ...r,
    exportRows: exportTo?.rows ?? 0,
    exportBytes: exportTo?.bytes ?? 0,
    counts,
    truth,
    sourceCounts: src.counts,
    peakRss: watch.peakRss,
    peakHeap: watch.peakHeap,
    vmHwm: MemoryWatch.hwm(),
    heapAfterGc: heapAfterGc(),
    wallMs: performance.now() - wall,
  };
}

export interface InMemoryResult extends Timings {
  members: number;
  persons: number;
  personsWithChanges: number;
  personEvents: number;
  foldMs: number;
  recomputeMs: number;
  gapChanges: number;
  attributionChanges: number;
  counts: StatusCounts;
  /** heapUsed after GC with every state folded, and after recompute (states + changes). */
  heapStates: number | null;
  heapAfterRecompute: number | null;
  peakRss: number;
  peakHeap: number;
  vmHwm: number;
  wallMs: number;
}

/** All in memory: `foldHistory` over every person event, then `recompute` (gapstream recompute). */
export function runInMemory(
  library: ContractLibrary,
  o: RunOptions,
  progress: (done: number) => void,
): InMemoryResult {
  const wall = performance.now();
  const lists = measureLists(library, o.asOf);
  const src = new PersonEventSource(o.year, o.asOf);
  const members = generateMembers({ members: o.members, seed: o.seed, year: o.year, asOf: o.asOf });
  const watch = new MemoryWatch();
  const t = { synthMs: 0, eventsMs: 0, personEvents: 0 };
  function* history(): Generator<HistoryRecord> {
    for (let i = 0; i < o.members; i++) {
      const t0 = performance.now();
      const m = members.next().value as SynthMember;
      const t1 = performance.now();
      const key = String(m.index + 1);
      const events = src.eventsOf(m, key);
      t.synthMs += t1 - t0;
      t.eventsMs += performance.now() - t1;
      t.personEvents += events.length;
      for (const input of events) yield { key, input };
      if ((i + 1) % o.batch === 0) {
        watch.sample();
        progress(i + 1);
      }
    }
  }
  const f0 = performance.now();
  const folded = foldHistory(history(), library, zones());
  const foldMs = performance.now() - f0 - t.synthMs - t.eventsMs;
  watch.sample();
  const heapStates = heapAfterGc();
  const r0 = performance.now();
  const result = recompute(folded, new Map(), library, { asOf: o.asOf, at: o.at });
  const recomputeMs = performance.now() - r0;
  watch.sample();
  const counts: StatusCounts = {};
  let gapChanges = 0;
  let attributionChanges = 0;
  for (const state of result.states.values()) countPerson(state, lists, counts);
  for (const c of result.changes.values()) {
    gapChanges += c.gaps.length;
    attributionChanges += c.attributions.length;
  }
  const heapAfterRecompute = heapAfterGc();
  // Read after the GC so the states and changes are still live when measured.
  const persons = result.states.size;
  const personsWithChanges = result.changes.size;
  return {
    members: o.members,
    persons,
    personsWithChanges,
    ...t,
    foldMs,
    recomputeMs,
    gapChanges,
    attributionChanges,
    counts,
    heapStates,
    heapAfterRecompute,
    peakRss: watch.peakRss,
    peakHeap: watch.peakHeap,
    vmHwm: MemoryWatch.hwm(),
    wallMs: performance.now() - wall,
  };
}
