/**
 * Writes a population as the files the producers accept, streaming: one member at a time is
 * turned into text and appended to the open files (each buffered up to 1 MiB, honouring
 * back-pressure), so memory stays flat however many members there are.
 *
 * Layout under the output directory:
 *   hl7/NORTHCLINIC_ADT_<date>_<n>.hl7     ADT^A04/A08, FHS/BHS..BTS/FTS batches of <= 2,000 messages
 *   hl7/NORTHCLINIC_ORU_<date>_<n>.hl7     ORU^R01, messages back to back, <= 2,000 per file
 *   claims/P.A1234.ACO.ZC{1,2,4,5,8}Y<yy>.D<yymmdd>.T1200000   CMS CCLF (Medicare)
 *   claims/EXH_837P_<date>_<n>.x12          837P (commercial), <= 10,000 claims per file
 *   claims/EXH_ROSTER_<yyyymm>01.csv        Example Health PCP roster
 *   truth/members.csv, truth/gaps.csv, truth/README.md
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { cclf5Lines, cclf8Record, cclfFileName, hospiceRecords, type CclfWritten } from './cclf.ts';
import { compact, iso } from './dates.ts';
import { batchHeader, batchTrailer, hl7Message } from './hl7.ts';
import {
  calendarOf,
  generateMembers,
  resolveOptions,
  type GenerateOptions,
  type ResolvedOptions,
} from './member.ts';
import { ROSTER_HEADER, rosterFileName, rosterLine } from './roster.ts';
import { GAPS_HEADER, gapRows, MEMBERS_HEADER, memberRow, truthReadme } from './truth.ts';
import type { SynthMember } from './types.ts';
import { X12File } from './x12.ts';

/** Messages per HL7 file. */
export const HL7_MESSAGES_PER_FILE = 2000;
/** Claims per 837P file. */
export const CLAIMS_PER_X12_FILE = 10_000;

const FLUSH_AT = 1 << 20;

/** A file written in 1 MiB pieces. */
class Sink {
  private parts: string[] = [];
  private size = 0;
  private readonly stream: WriteStream;

  constructor(path: string) {
    // `wx`: never overwrite (writePopulation also refuses a non-empty directory).
    this.stream = createWriteStream(path, { flags: 'wx', encoding: 'latin1' });
  }

  async write(s: string): Promise<void> {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= FLUSH_AT) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** A family of files of at most `perFile` items, opened lazily. */
class Rotating {
  private sink: Sink | null = null;
  private inFile = 0;
  private files = 0;

  constructor(
    private readonly name: (n: number) => string,
    private readonly perFile: number,
    private readonly header: (n: number) => string,
    private readonly trailer: (count: number) => string,
    private readonly created: string[],
  ) {}

  /** One item; a function is called once the file it goes to is open (its header written). */
  async item(text: string | (() => string)): Promise<void> {
    if (this.sink !== null && this.inFile >= this.perFile) await this.close();
    if (this.sink === null) {
      this.files++;
      const path = this.name(this.files);
      this.created.push(path);
      this.sink = new Sink(path);
      this.inFile = 0;
      await this.sink.write(this.header(this.files));
    }
    this.inFile++;
    await this.sink.write(typeof text === 'string' ? text : text());
  }

  async close(): Promise<void> {
    if (this.sink === null) return;
    await this.sink.write(this.trailer(this.inFile));
    await this.sink.close();
    this.sink = null;
  }
}

/** A single file opened on its first line. */
class Lazy {
  private sink: Sink | null = null;

  constructor(
    private readonly path: string,
    private readonly header: string,
    private readonly created: string[],
  ) {}

  async write(text: string): Promise<void> {
    if (this.sink === null) {
      this.created.push(this.path);
      this.sink = new Sink(this.path);
      if (this.header !== '') await this.sink.write(this.header);
    }
    await this.sink.write(text);
  }

  async close(): Promise<void> {
    await this.sink?.close();
    this.sink = null;
  }
}

/** A population to write: the options and a fresh member sequence on each call. */
export interface Population {
  readonly options: ResolvedOptions;
  members(): Generator<SynthMember>;
}

/** A seeded, deterministic population (lazy: members are built as they are read). */
export function generatePopulation(options: GenerateOptions): Population {
  const o = resolveOptions(options);
  return { options: o, members: () => generateMembers(o) };
}

/** What {@link writePopulation} wrote. */
export interface WriteSummary {
  members: number;
  /** Paths relative to the output directory, in creation order. */
  files: string[];
  hl7Messages: number;
  cclfRecords: number;
  x12Claims: number;
  rosterRows: number;
  gapRows: number;
  events: number;
  ms: number;
}

/**
 * Writes `pop` under `outDir` (created; must be empty or absent). Resolves when every file is
 * flushed and closed.
 */
export async function writePopulation(pop: Population, outDir: string): Promise<WriteSummary> {
  const started = performance.now();
  mkdirSync(outDir, { recursive: true });
  if (readdirSync(outDir).length > 0)
    throw new Error(`synth: output directory ${outDir} is not empty; give a new or empty directory`);
  for (const d of ['hl7', 'claims', 'truth']) mkdirSync(join(outDir, d));
  const o = pop.options;
  const cal = calendarOf(o);
  const delivered = o.asOf;
  const stamp = compact(delivered);
  const created: string[] = [];
  const at = `${stamp}120000`;
  const adt = new Rotating(
    (n) => join(outDir, 'hl7', `NORTHCLINIC_ADT_${stamp}_${String(n).padStart(4, '0')}.hl7`),
    HL7_MESSAGES_PER_FILE,
    (n) => batchHeader(`ADT${stamp}${String(n).padStart(4, '0')}`, at),
    batchTrailer,
    created,
  );
  const oru = new Rotating(
    (n) => join(outDir, 'hl7', `NORTHCLINIC_ORU_${stamp}_${String(n).padStart(4, '0')}.hl7`),
    HL7_MESSAGES_PER_FILE,
    () => '',
    () => '',
    created,
  );
  let x12: X12File | null = null;
  const x12Files = new Rotating(
    (n) => join(outDir, 'claims', `EXH_837P_${stamp}_${String(n).padStart(4, '0')}.x12`),
    CLAIMS_PER_X12_FILE,
    (n) => {
      x12 = new X12File(n, delivered);
      return x12.begin();
    },
    () => x12?.end() ?? '',
    created,
  );
  const cclf = new Map<CclfWritten, Lazy>();
  const cclfFile = (kind: CclfWritten): Lazy => {
    let f = cclf.get(kind);
    if (f === undefined) {
      f = new Lazy(join(outDir, 'claims', cclfFileName(kind, o.year, delivered)), '', created);
      cclf.set(kind, f);
    }
    return f;
  };
  const roster = new Lazy(join(outDir, 'claims', rosterFileName(delivered)), ROSTER_HEADER, created);
  const membersCsv = new Lazy(join(outDir, 'truth', 'members.csv'), MEMBERS_HEADER, created);
  const gapsCsv = new Lazy(join(outDir, 'truth', 'gaps.csv'), GAPS_HEADER, created);
  const summary: WriteSummary = {
    members: 0,
    files: [],
    hl7Messages: 0,
    cclfRecords: 0,
    x12Claims: 0,
    rosterRows: 0,
    gapRows: 0,
    events: 0,
    ms: 0,
  };
  // Truth files exist even for an empty population.
  await membersCsv.write('');
  await gapsCsv.write('');
  for (const m of pop.members()) {
    summary.members++;
    summary.events += m.events.length;
    for (const r of m.records) {
      switch (r.type) {
        case 'hl7':
          summary.hl7Messages++;
          await (r.trigger === 'ORU^R01' ? oru : adt).item(hl7Message(m, r));
          break;
        case 'claim':
          if (r.kind === 'hospice') {
            const h = hospiceRecords(m, r);
            await cclfFile('CCLF1').write(h.cclf1 + '\n');
            await cclfFile('CCLF2').write(h.cclf2 + '\n');
            for (const line of h.cclf4) await cclfFile('CCLF4').write(line + '\n');
            summary.cclfRecords += 2 + h.cclf4.length;
          } else if (m.mbi !== null) {
            const lines = cclf5Lines(m, r);
            for (const line of lines) await cclfFile('CCLF5').write(line + '\n');
            summary.cclfRecords += lines.length;
          } else {
            summary.x12Claims++;
            // `x12` is the writer of the file the item goes to (set when that file opens).
            await x12Files.item(() => {
              if (x12 === null) throw new Error('synth: 837P file not open');
              return x12.claim(m, r);
            });
          }
          break;
        case 'roster':
          summary.rosterRows++;
          await roster.write(rosterLine(m, r));
          break;
        case 'cclf8':
          summary.cclfRecords++;
          await cclfFile('CCLF8').write(cclf8Record(m, r, delivered) + '\n');
          break;
      }
    }
    await membersCsv.write(memberRow(m));
    summary.gapRows += m.gaps.length;
    await gapsCsv.write(gapRows(m));
  }
  await adt.close();
  await oru.close();
  await x12Files.close();
  for (const f of cclf.values()) await f.close();
  await roster.close();
  await membersCsv.close();
  await gapsCsv.close();
  const rel = created.map((p) => p.slice(outDir.length + 1).replace(/\\/g, '/'));
  const readmePath = join(outDir, 'truth', 'README.md');
  const readme = new Lazy(readmePath, '', []);
  await readme.write(truthReadme(o, iso(cal.claimsCutoff), [...rel, 'truth/README.md'].sort()));
  await readme.close();
  summary.files = [...rel, 'truth/README.md'];
  summary.ms = Math.round(performance.now() - started);
  return summary;
}
