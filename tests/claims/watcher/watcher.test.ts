/**
 * The claims drop directory on the embedded bus (fsync always): formats, exactly once per
 * content, quarantine reports. Files are synthetic (fixtures.ts), built from the layouts.
 */
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../../runtime/bus/embedded/index.ts';
import type { Bus } from '../../../runtime/bus/types.ts';
import type { DeadLetter } from '../../../runtime/runner/dead-letter.ts';
import { createTelemetry, type Telemetry } from '../../../runtime/telemetry/index.ts';
import { createLocalCodec, type Codec } from '../../../schemas/codec.ts';
import { defaultClaimsSettings, type ClaimsSettings } from '../../../producers/claims/config.ts';
import { loadPayerMappings, type PayerMapping } from '../../../producers/claims/mapping/index.ts';
import type { ManifestRecord } from '../../../producers/claims/manifest.ts';
import type { ClaimsFileReport } from '../../../producers/claims/report.ts';
import {
  createClaimsWatcher,
  type ClaimsWatcher,
  type ClaimsWatcherDeps,
} from '../../../producers/claims/watcher.ts';
import { GapstreamError } from '../../../runtime/errors.ts';
import { schemaProblems } from '../../../producers/claims/validate-file.ts';
import { buildZip } from '../cclf/generate.ts';
import { buildX12, P_BODY } from '../x12/fixtures.ts';
import { readTopic } from '../../support/read-topic.ts';
import { cclf0File, cclf5File, cclf5Line, cclf9Line, cmsName, exhFile, mbi } from './fixtures.ts';

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

describe('claims drop directory (embedded bus)', () => {
  let dir: string;
  let drop: string;
  let bus: Bus;
  let codec: Codec;
  let telemetry: Telemetry;
  let mappings: PayerMapping[];
  const watchers: ClaimsWatcher[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-claims-'));
    drop = join(dir, 'drop');
    bus = await createEmbeddedBus({ dataDir: join(dir, 'data'), fsync: 'always' });
    codec = await createLocalCodec();
    telemetry = await createTelemetry({ serviceName: 'claims-test', inMemory: true });
    mappings = await loadPayerMappings('payers');
  });
  afterEach(async () => {
    for (const w of watchers.splice(0)) await w.close();
    await bus.close();
    await telemetry.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  function watcher(
    over: Partial<ClaimsSettings> = {},
    id = 'w1',
    onCommit?: ClaimsWatcherDeps['onCommit'],
  ): ClaimsWatcher {
    const w = createClaimsWatcher(
      {
        bus,
        codec,
        logger: silent,
        stage: telemetry.stage('claims'),
        mappings,
        watcherId: id,
        partitions: 3,
        onCommit,
      },
      defaultClaimsSettings({ dir: drop, complete: 'marker', linesPerTransaction: 100, ...over }),
    );
    watchers.push(w);
    return w;
  }

  /** Drops a file (and its .done marker) into inbox/. */
  function dropFile(name: string, data: string | Buffer): void {
    mkdirSync(join(drop, 'inbox'), { recursive: true });
    writeFileSync(join(drop, 'inbox', name), data);
    writeFileSync(join(drop, 'inbox', `${name}.done`), '');
  }

  async function values<T>(topic: string): Promise<T[]> {
    const out: T[] = [];
    for (const r of await readTopic(bus, topic)) out.push(await codec.decode<T>(topic, r.value!));
    return out;
  }

  function report(where: 'done' | 'quarantine', name: string): ClaimsFileReport {
    return JSON.parse(readFileSync(join(drop, where, `${name}.report.json`), 'utf8')) as ClaimsFileReport;
  }

  it('publishes every CCLF5 line once, with the manifest telling STARTED, PROGRESS, COMPLETED', async () => {
    const body = cclf5File(250);
    const name = cmsName('CCLF5');
    dropFile(name, body);
    const [r] = await watcher().poll();
    expect(r).toMatchObject({ name, disposition: 'done', finalName: name });
    expect(readdirSync(join(drop, 'done'))).toEqual([name]);
    const lines = await values<Record<string, unknown>>('claim.line.v1');
    expect(lines).toHaveLength(250);
    expect(new Set(lines.map((l) => l.lineNumber)).size).toBe(250);
    const l7 = lines.find((l) => l.lineNumber === 7)!;
    expect(l7).toMatchObject({
      sourceFile: name,
      sourceFileSha256: sha(body),
      sourceFormat: 'CCLF5',
      claimId: '1000000000007',
      memberId: mbi(7),
      memberIdType: 'MBI',
      procedureCode: '99214',
      paidAmount: '7.00',
      serviceFromDate: '2024-03-01',
    });
    // Keyed by member: every line of a member lands on one partition.
    const keys = (await readTopic(bus, 'claim.line.v1')).map((rec) => [rec.key, rec.partition] as const);
    const partOf = new Map<string | null, number>();
    for (const [k, p] of keys) {
      expect(partOf.get(k) ?? p).toBe(p);
      partOf.set(k, p);
    }
    const manifest = await values<ManifestRecord>('file.manifest.v1');
    expect(manifest.map((m) => m.event)).toEqual(['STARTED', 'PROGRESS', 'PROGRESS', 'COMPLETED']);
    expect(manifest.at(-1)).toMatchObject({
      sha256: sha(body),
      fileName: name,
      status: 'DONE',
      format: 'CCLF5',
      linesCommitted: 250,
      linesTotal: 250,
      recordsPublished: 250,
      badLines: 0,
      watcherId: 'w1',
    });
  });

  it('a re-dropped file and a renamed copy publish nothing new and are reported as duplicates', async () => {
    const body = cclf5File(20);
    const w = watcher();
    dropFile(cmsName('CCLF5'), body);
    await w.poll();
    dropFile(cmsName('CCLF5'), body);
    dropFile('renamed-copy.txt', body);
    const results = await w.poll();
    expect(results.map((r) => r.disposition).sort()).toEqual(['duplicate', 'duplicate']);
    expect(await values('claim.line.v1')).toHaveLength(20);
    expect(
      readdirSync(join(drop, 'done'))
        .filter((n) => !n.includes('.report.'))
        .sort(),
    ).toEqual([cmsName('CCLF5'), `${cmsName('CCLF5')}~2`, 'renamed-copy.txt'].sort());
    const rep = report('done', 'renamed-copy.txt');
    expect(rep.disposition).toBe('duplicate');
    expect(rep.decision).toContain(cmsName('CCLF5'));
    const events = (await values<ManifestRecord>('file.manifest.v1')).map((m) => m.event);
    expect(events.filter((e) => e === 'DUPLICATE')).toHaveLength(2);
    expect(events.filter((e) => e === 'COMPLETED')).toHaveLength(1);
  });

  it('a zipped CCLF set: every entry published, CCLF9 to member.xref.v1, entry hashes on records, CCLF0 checked', async () => {
    const c5 = cclf5File(12);
    const c9 = [cclf9Line('9AB1CD2EF34', mbi(3))].join('\n') + '\n';
    const zip = buildZip([
      { name: cmsName('CCLF0'), data: cclf0File({ CCLF5: 12, CCLF9: 1 }) },
      { name: cmsName('CCLF5'), data: c5 },
      { name: cmsName('CCLF9'), data: c9 },
    ]);
    dropFile('P.A1234.ACO.ZCY24.D240301.T1200000.zip', zip);
    const [r] = await watcher().poll();
    expect(r?.disposition).toBe('done');
    const lines = await values<Record<string, unknown>>('claim.line.v1');
    expect(lines).toHaveLength(12);
    expect(new Set(lines.map((l) => l.sourceFileSha256))).toEqual(new Set([sha(c5)]));
    expect(lines[0]?.sourceFile).toBe(cmsName('CCLF5'));
    const xref = await values<Record<string, unknown>>('member.xref.v1');
    expect(xref).toEqual([
      expect.objectContaining({
        previousId: '9AB1CD2EF34',
        currentId: mbi(3),
        idType: 'MBI',
        sourceFileSha256: sha(c9),
      }),
    ]);
    const m = (await values<ManifestRecord>('file.manifest.v1')).at(-1)!;
    expect(m).toMatchObject({ format: 'ZIP', status: 'DONE', recordsPublished: 13, sha256: sha(zip) });
  });

  it('a zipped set whose CCLF0 count disagrees is quarantined whole, with the count problem reported', async () => {
    const zip = buildZip([
      { name: cmsName('CCLF0'), data: cclf0File({ CCLF5: 11 }) },
      { name: cmsName('CCLF5'), data: cclf5File(12) },
    ]);
    dropFile('set.zip', zip);
    const [r] = await watcher().poll();
    expect(r?.disposition).toBe('quarantine');
    expect(await values('claim.line.v1')).toEqual([]);
    const rep = report('quarantine', 'set.zip');
    expect(rep.problems).toEqual([
      expect.objectContaining({ code: 'SUMMARY_COUNT', field: 'TOT_REC_CNT', line: 2 }),
    ]);
    expect(readFileSync(join(drop, 'quarantine', 'set.zip.report.txt'), 'utf8')).toContain('SUMMARY_COUNT');
    expect((await values<ManifestRecord>('file.manifest.v1')).map((m) => [m.event, m.status])).toEqual([
      ['QUARANTINED', 'QUARANTINED'],
    ]);
  });

  it('a truncated zip, a corrupted entry and a path-traversal entry name are quarantined, nothing published', async () => {
    const good = buildZip([{ name: cmsName('CCLF5'), data: cclf5File(30) }]);
    dropFile('truncated.zip', good.subarray(0, good.length - 30));
    const corrupt = Buffer.from(good);
    corrupt[90] = corrupt[90]! ^ 0xff; // inside the deflated data (after the 30-byte header and the name)
    dropFile('corrupt.zip', corrupt);
    dropFile('traversal.zip', buildZip([{ name: '../../etc/cron.d/x', data: cclf5File(1) }]));
    const results = await watcher().poll();
    expect(results.map((r) => r.disposition)).toEqual(['quarantine', 'quarantine', 'quarantine']);
    expect(await values('claim.line.v1')).toEqual([]);
    expect(report('quarantine', 'truncated.zip').problems[0]?.code).toMatch(/^ZIP_/);
    expect(report('quarantine', 'corrupt.zip').problems[0]?.code).toMatch(/^ZIP_/);
    const trav = report('quarantine', 'traversal.zip').problems[0]!;
    expect(trav.code).toMatch(/^ZIP_/);
    expect(trav.message).toContain('path traversal');
    expect(existsSync(join(dir, 'etc'))).toBe(false);
  });

  it('bad lines: quarantined by default with line, field and code; accepted under a limit with each one dead-lettered', async () => {
    const lines = cclf5File(10).split('\n');
    lines[3] = cclf5Line(4).slice(0, 200); // short record
    lines[6] = cclf5Line(7, 10, { CLM_FROM_DT: '2023-02-30' });
    const body = lines.join('\n');
    dropFile(cmsName('CCLF5'), body);
    const [q] = await watcher().poll();
    expect(q?.disposition).toBe('quarantine');
    const rep = report('quarantine', cmsName('CCLF5'));
    expect(rep.counts).toMatchObject({ items: 10, badLines: 2, published: 0 });
    expect(rep.problems.map((p) => [p.line, p.field ?? null, p.code])).toEqual([
      [4, null, 'RECORD_LENGTH'],
      [7, 'CLM_FROM_DT', 'BAD_DATE'],
    ]);
    // No value of the file appears in the report.
    expect(JSON.stringify(rep)).not.toContain('2023-02-30');
    expect(await values('claim.line.v1')).toEqual([]);

    // The same content dropped again after raising the limit: the 8 good lines go out.
    await watchers.pop()!.close();
    dropFile('again.txt', body);
    const [d] = await watcher({ badLineLimit: 2 }).poll();
    expect(d?.disposition).toBe('done');
    const published = await values<Record<string, unknown>>('claim.line.v1');
    expect(published.map((l) => l.lineNumber).sort((a, b) => Number(a) - Number(b))).toEqual([
      1, 2, 3, 5, 6, 8, 9, 10,
    ]);
    expect(report('done', 'again.txt').counts).toMatchObject({ badLines: 2, published: 8 });
    const letters = await values<DeadLetter>('deadletter.v1');
    expect(letters.map((l) => [l.stage, l.errorCode, l.headers['gapstream-source-line']])).toEqual([
      ['claims', 'RECORD_LENGTH', '4'],
      ['claims', 'BAD_DATE', '7'],
    ]);
  });

  it('unknown layout and an X12 trailer count mismatch are quarantined; a good 837P and a payer extract publish', async () => {
    dropFile('notes.txt', 'hello, this is not a claims file\n');
    dropFile('bad.837', buildX12({ txns: [{ body: P_BODY, seCount: 99 }] }));
    dropFile('good.837', buildX12({ txns: [{ body: P_BODY }] }));
    dropFile('EXH_CLAIMS_20240301.txt', exhFile(3));
    dropFile('EXH_CLAIMS_20240302.txt', exhFile(3, 4));
    const results = await watcher().poll();
    const by = Object.fromEntries(results.map((r) => [r.name, r.disposition]));
    expect(by).toEqual({
      'notes.txt': 'quarantine',
      'bad.837': 'quarantine',
      'good.837': 'done',
      'EXH_CLAIMS_20240301.txt': 'done',
      'EXH_CLAIMS_20240302.txt': 'quarantine',
    });
    expect(report('quarantine', 'notes.txt').problems[0]?.code).toBe('UNKNOWN_LAYOUT');
    expect(report('quarantine', 'bad.837').problems.map((p) => p.code)).toContain('TRAILER_COUNT');
    expect(report('quarantine', 'EXH_CLAIMS_20240302.txt').problems.map((p) => p.code)).toContain(
      'TRAILER_COUNT',
    );
    const lines = await values<Record<string, unknown>>('claim.line.v1');
    const formats = lines.map((l) => l.sourceFormat);
    expect(formats.filter((f) => f === 'PAYER_CSV')).toHaveLength(3);
    expect(formats.filter((f) => f === 'X12_837P').length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.sourceFile === 'bad.837')).toEqual([]);
  });

  it('a payer roster publishes roster.member.v1 keyed by member id, UTF-8 names intact', async () => {
    const header =
      'Member ID,Last Name,First Name,Middle Initial,DOB,Gender,Zip,Phone,PCP NPI,PCP TIN,Eff Date,Term Date,Product,LOB';
    const rows = [
      'EXH10000001,Müller,Zoë,,1975-11-05,F,02139,,1234567893,123456789,2024-03-01,,EPO,COM',
      'EXH10000002,Doe,John,Q,1960-01-31,M,02139,,1234567893,123456789,2024-01-01,2024-12-31,PPO,COM',
    ];
    dropFile('EXH_ROSTER_20240301.csv', [header, ...rows].join('\r\n') + '\r\n');
    const [r] = await watcher().poll();
    expect(r?.disposition).toBe('done');
    // Read partition by partition: sort by line.
    const members = (await values<Record<string, unknown>>('roster.member.v1')).sort(
      (a, b) => Number(a.lineNumber) - Number(b.lineNumber),
    );
    expect(members.map((m) => [m.memberId, m.familyName, m.givenName, m.birthDate, m.lineNumber])).toEqual([
      ['EXH10000001', 'Müller', 'Zoë', '1975-11-05', 2],
      ['EXH10000002', 'Doe', 'John', '1960-01-31', 3],
    ]);
    expect((await readTopic(bus, 'roster.member.v1')).map((rec) => rec.key).sort()).toEqual([
      'EXH10000001',
      'EXH10000002',
    ]);
  });

  it('refuses symlinks and unsafe names without reading them; ignores hidden in-progress uploads', async () => {
    mkdirSync(join(drop, 'inbox'), { recursive: true });
    writeFileSync(join(dir, 'secret'), cclf5File(1));
    symlinkSync(join(dir, 'secret'), join(drop, 'inbox', 'link.txt'));
    writeFileSync(join(drop, 'inbox', 'link.txt.done'), '');
    // An unsafe name is refused whether or not it looks complete.
    writeFileSync(join(drop, 'inbox', 'bad\u0007name'), cclf5File(1));
    writeFileSync(join(drop, 'inbox', '.upload.tmp'), cclf5File(1));
    const results = await watcher().poll();
    expect(results.map((r) => r.disposition).sort()).toEqual(['quarantine', 'quarantine']);
    expect(await values('claim.line.v1')).toEqual([]);
    expect(existsSync(join(drop, 'inbox', '.upload.tmp'))).toBe(true);
    expect(readdirSync(join(drop, 'quarantine')).some((n) => n.startsWith('refused-'))).toBe(true);
  });

  it('stable completion waits for two polls with the same size and mtime', async () => {
    mkdirSync(join(drop, 'inbox'), { recursive: true });
    writeFileSync(join(drop, 'inbox', cmsName('CCLF5')), cclf5File(5));
    const w = watcher({ complete: 'stable' });
    expect(await w.poll()).toEqual([]);
    const [r] = await w.poll();
    expect(r?.disposition).toBe('done');
  });

  it('two watchers racing on one directory: each file is published by exactly one of them', async () => {
    const a = watcher({}, 'wa');
    const b = watcher({}, 'wb');
    const n = 12;
    for (let f = 0; f < n; f++)
      dropFile(`EXH_CLAIMS_202403${String(f + 1).padStart(2, '0')}.txt`, exhFile(5 + f));
    // Same bytes under two names at once: one publishes, the other finds it DONE (or busy, then DONE).
    dropFile('twin-a.txt', cclf5File(40));
    dropFile('twin-b.txt', cclf5File(40));
    const results = [...(await Promise.all([a.poll(), b.poll(), a.poll(), b.poll()])).flat()];
    // Files left busy are retried by their watcher's next poll.
    for (let i = 0; i < 3; i++) results.push(...(await Promise.all([a.poll(), b.poll()])).flat());
    const final = results.filter((r) => r.disposition !== 'busy');
    expect(final.map((r) => r.name).sort()).toEqual(
      [
        ...Array.from({ length: n }, (_, f) => `EXH_CLAIMS_202403${String(f + 1).padStart(2, '0')}.txt`),
        'twin-a.txt',
        'twin-b.txt',
      ].sort(),
    );
    const lines = await values<Record<string, unknown>>('claim.line.v1');
    const expected = Array.from({ length: n }, (_, f) => 5 + f).reduce((s, x) => s + x, 0) + 40;
    expect(lines).toHaveLength(expected);
    expect(new Set(lines.map((l) => `${String(l.sourceFile)}:${String(l.lineNumber)}`)).size).toBe(
      expected - 40 + 40,
    );
    expect(
      final
        .filter((r) => r.name.startsWith('twin-'))
        .map((r) => r.disposition)
        .sort(),
    ).toEqual(['done', 'duplicate']);
  });

  it('a file quarantined after part of it was published resumes after those lines when dropped again', async () => {
    const lines = cclf5File(10).split('\n');
    lines[8] = cclf5Line(9).slice(0, 100); // one bad line
    const body = lines.join('\n');
    // Run 1 (limit 1) fails mid-file like Kafka going away: lines 1-4 are committed.
    let commits = 0;
    dropFile(cmsName('CCLF5'), body);
    const w1 = watcher({ badLineLimit: 1, linesPerTransaction: 2 }, 'w1', (_f, p) => {
      if (p.position >= 4 && ++commits === 1)
        throw new GapstreamError('KAFKA_DOWN', 'broker gone', { retriable: true });
    });
    expect((await w1.poll()).map((r) => r.disposition)).toEqual(['retry']);
    await watchers.pop()!.close();
    // Run 2 (limit 0): the bad line now quarantines the file; the report says what stays published.
    const [q] = await watcher({ badLineLimit: 0, linesPerTransaction: 2 }).poll();
    expect(q?.disposition).toBe('quarantine');
    expect(q?.report?.decision).toContain('4 lines of it were published earlier and stay published');
    await watchers.pop()!.close();
    // The operator raises the limit and moves the file back: it resumes after line 4.
    renameSync(join(drop, 'quarantine', cmsName('CCLF5')), join(drop, 'inbox', cmsName('CCLF5')));
    writeFileSync(join(drop, 'inbox', `${cmsName('CCLF5')}.done`), '');
    const [d] = await watcher({ badLineLimit: 1, linesPerTransaction: 2 }).poll();
    expect(d?.disposition).toBe('done');
    const published = (await values<Record<string, unknown>>('claim.line.v1')).map((l) =>
      Number(l.lineNumber),
    );
    expect(published.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10]);
  });

  it('an error about one file (not Kafka) quarantines it with the reason; the next file is taken', async () => {
    dropFile(cmsName('CCLF5', 1), cclf5File(5));
    dropFile(cmsName('CCLF5', 2), cclf5File(6));
    const w = watcher({}, 'w1', (file) => {
      if (file === cmsName('CCLF5', 1)) throw new RangeError('Invalid string length');
    });
    const results = await w.poll();
    expect(results.map((r) => [r.name, r.disposition])).toEqual([
      [cmsName('CCLF5', 1), 'quarantine'],
      [cmsName('CCLF5', 2), 'done'],
    ]);
    expect(report('quarantine', cmsName('CCLF5', 1)).decision).toContain('RangeError');
  });

  it('a file that grows while it is published is quarantined, saying how many lines went out', async () => {
    dropFile(cmsName('CCLF5'), cclf5File(10));
    const w = watcher({ linesPerTransaction: 3 }, 'w1', (_f, p) => {
      // The sender keeps writing through its open descriptor after the first commit.
      if (p.position === 3) appendFileSync(join(drop, 'processing', 'w1', cmsName('CCLF5')), cclf5Line(11));
    });
    const [r] = await w.poll();
    expect(r?.disposition).toBe('quarantine');
    expect(r?.report?.decision).toContain('changed while it was being published');
    expect(r?.report?.decision).toContain('3 lines of the earlier bytes were published');
    expect(await values('claim.line.v1')).toHaveLength(3);
  });

  it('CCLF dates before year 100 are encoded, not a crash half-way through a file', async () => {
    dropFile(cmsName('CCLF5'), cclf5Line(1, 10, { CLM_FROM_DT: '0050-01-01' }) + '\n');
    const [r] = await watcher().poll();
    expect(r?.disposition).toBe('done');
    expect((await values<Record<string, unknown>>('claim.line.v1'))[0]?.fromDate).toBe('0050-01-01');
  });

  it('records the schema refuses are bad lines, named by path, never by value', () => {
    const problems = schemaProblems(codec, {
      lineNumber: 7,
      records: [{ topic: 'claim.line.v1', value: { sourceFile: 'f', lineNumber: 7, sourceFormat: 'CCLF5' } }],
    });
    expect(problems).toEqual([expect.objectContaining({ line: 7, code: 'SCHEMA_VALIDATION' })]);
    expect(problems[0]?.message).toContain('claimId');
  });

  it('a name that is not UTF-8 is quarantined once under a stand-in, without piling up reports', async () => {
    mkdirSync(join(drop, 'inbox'), { recursive: true });
    writeFileSync(Buffer.from(`${join(drop, 'inbox')}/bad-\xff-name`, 'latin1'), cclf5File(1));
    const w = watcher();
    expect((await w.poll()).map((r) => r.disposition)).toEqual(['quarantine']);
    expect(await w.poll()).toEqual([]);
    const q = readdirSync(join(drop, 'quarantine'));
    expect(q.filter((n) => n.endsWith('.report.json'))).toHaveLength(1);
    expect(readdirSync(join(drop, 'inbox'))).toEqual([]);
  });
});
