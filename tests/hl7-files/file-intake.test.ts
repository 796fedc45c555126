/**
 * The HL7 drop directory on the embedded bus (fsync always). Fixtures are hand-written,
 * synthetic messages (tests/mllp/helpers.ts `hl7()`: made-up people, no real person).
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../runtime/bus/embedded/index.ts';
import { REPO_ROOT } from '../../runtime/bus/embedded/test-helpers/child.ts';
import type { Bus, InRecord } from '../../runtime/bus/types.ts';
import type { DeadLetter } from '../../runtime/runner/dead-letter.ts';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/index.ts';
import { createLocalCodec, type Codec } from '../../schemas/codec.ts';
import { defaultMllpSettings } from '../../producers/mllp/config.ts';
import { createHl7Intake, type Hl7Intake, type Hl7RawValue } from '../../producers/mllp/intake.ts';
import { defaultHl7FileSettings, type Hl7FileSettings } from '../../producers/hl7-files/config.ts';
import {
  createHl7FileIntake,
  type FileResult,
  type Hl7FileIntake,
} from '../../producers/hl7-files/file-intake.ts';
import type { FileReport } from '../../producers/hl7-files/report.ts';
import { hl7 } from '../mllp/helpers.ts';
import { readTopic } from '../support/read-topic.ts';

const silent = pino({ level: 'silent' });

/** A batch file: FHS, BHS, the messages, BTS with `bts` (default: the real count), FTS|1. */
function batchFile(messages: string[], bts: number = messages.length): string {
  return [
    'FHS|^~\\&|TEST-EHR|CLINIC-A|GAPSTREAM|VBC|20260101120000||||F001\r',
    'BHS|^~\\&|TEST-EHR|CLINIC-A|GAPSTREAM|VBC|20260101120000||||B001\r',
    ...messages,
    `BTS|${bts}\r`,
    'FTS|1\r',
  ].join('');
}

describe('HL7 drop directory (embedded bus, fsync always)', () => {
  let dir: string;
  let dataDir: string;
  let drop: string;
  let bus: Bus;
  let codec: Codec;
  let telemetry: Telemetry;
  let intake: Hl7Intake | undefined;
  let files: Hl7FileIntake | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-hl7files-'));
    dataDir = join(dir, 'data');
    drop = join(dir, 'drop');
    bus = await createEmbeddedBus({ dataDir, fsync: 'always' });
    codec = await createLocalCodec();
    telemetry = await createTelemetry({ serviceName: 'hl7-files-test', inMemory: true });
  });
  afterEach(async () => {
    await files?.close();
    await intake?.close(1000);
    files = undefined;
    intake = undefined;
    await bus.close();
    await telemetry.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(over: Partial<Hl7FileSettings> = {}): Promise<Hl7FileIntake> {
    intake = await createHl7Intake(
      { bus, codec, telemetry, logger: silent, partitions: 2 },
      defaultMllpSettings(),
    );
    files = createHl7FileIntake(
      { intake, logger: silent, stage: telemetry.stage('hl7-files') },
      defaultHl7FileSettings({ dir: drop, pollMs: 50, ...over }),
    );
    // The first poll creates the directories.
    await files.poll();
    return files;
  }
  function dropFile(name: string, content: string | Buffer): void {
    writeFileSync(join(drop, 'inbox', name), content);
  }
  /** Stable completion needs two polls that see the same size and mtime. */
  async function settle(): Promise<FileResult[]> {
    return [...(await files!.poll()), ...(await files!.poll())];
  }
  const readAll = (topic: string): Promise<InRecord[]> => readTopic(bus, topic);
  async function raws(): Promise<Hl7RawValue[]> {
    return Promise.all(
      (await readAll('hl7.raw.v1')).map((r) => codec.decode<Hl7RawValue>('hl7.raw.v1', r.value!)),
    );
  }
  async function letters(): Promise<DeadLetter[]> {
    return Promise.all(
      (await readAll('deadletter.v1')).map((r) => codec.decode<DeadLetter>('deadletter.v1', r.value!)),
    );
  }
  function ls(sub: string): string[] {
    return readdirSync(join(drop, sub)).sort();
  }
  function report(name: string): FileReport {
    return JSON.parse(readFileSync(join(drop, 'quarantine', `${name}.report.json`), 'utf8')) as FileReport;
  }

  it('publishes a single-message file and moves it to done/', async () => {
    await start();
    dropFile('adt.hl7', hl7({ controlId: 'S1', patient: 'P100' }));
    const results = await settle();
    expect(results).toMatchObject([{ name: 'adt.hl7', disposition: 'done', finalName: 'adt.hl7' }]);
    expect(ls('done')).toEqual(['adt.hl7']);
    expect(ls('inbox')).toEqual([]);
    expect(ls('processing')).toEqual([]);
    const r = await raws();
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({
      messageControlId: 'S1',
      listenerId: 'hl7-files',
      peerAddress: 'file:adt.hl7',
      duplicate: false,
    });
    expect(r[0]!.messageBytes.toString('latin1')).toBe(hl7({ controlId: 'S1', patient: 'P100' }));
  });

  it('publishes every message of a multi-message file (LF endings, UTF-8 BOM), in order', async () => {
    await start();
    const msgs = ['M1', 'M2', 'M3'].map((id) =>
      hl7({ controlId: id, patient: 'P200' }).replaceAll('\r', '\n'),
    );
    dropFile(
      'many.hl7',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(msgs.join(''), 'latin1')]),
    );
    expect(await settle()).toMatchObject([{ disposition: 'done' }]);
    expect((await raws()).map((v) => v.messageControlId)).toEqual(['M1', 'M2', 'M3']);
  });

  it('publishes a FHS/BHS batch with correct BTS/FTS counts', async () => {
    await start();
    dropFile('batch.hl7', batchFile([hl7({ controlId: 'B1' }), hl7({ controlId: 'B2', patient: 'P2' })]));
    expect(await settle()).toMatchObject([{ disposition: 'done' }]);
    expect((await raws()).map((v) => v.messageControlId).sort()).toEqual(['B1', 'B2']);
    expect(await letters()).toEqual([]);
  });

  it('quarantines a batch whose BTS count disagrees, with a report, publishing nothing', async () => {
    await start();
    dropFile('short.hl7', batchFile([hl7({ controlId: 'C1' }), hl7({ controlId: 'C2' })], 3));
    expect(await settle()).toMatchObject([{ disposition: 'quarantine', finalName: 'short.hl7' }]);
    expect(ls('quarantine')).toEqual(['short.hl7', 'short.hl7.report.json', 'short.hl7.report.txt']);
    const rep = report('short.hl7');
    expect(rep).toMatchObject({
      format: 1,
      file: 'short.hl7',
      disposition: 'quarantine',
      problem: { code: 'HL7_FILE_COUNT_MISMATCH', hl7Code: '100' },
      batch: { fhs: true, batches: 1 },
      counts: { messages: 2, skipped: 2 },
    });
    expect(rep.messages.map((m) => [m.index, m.controlId, m.outcome])).toEqual([
      [1, 'C1', 'skipped'],
      [2, 'C2', 'skipped'],
    ]);
    expect(readFileSync(join(drop, 'quarantine', 'short.hl7.report.txt'), 'utf8')).toContain(
      'HL7_FILE_COUNT_MISMATCH (HL7 100)',
    );
    expect(await raws()).toEqual([]);
  });

  it('a file with one bad message: good ones published, bad one dead-lettered, file quarantined', async () => {
    await start();
    dropFile(
      'mixed.hl7',
      [
        hl7({ controlId: 'G1', patient: 'P301' }),
        hl7({ controlId: 'X2', type: 'ORM^O01', patient: 'P302' }),
        hl7({ controlId: 'G3', patient: 'P303' }),
      ].join(''),
    );
    expect(await settle()).toMatchObject([{ disposition: 'quarantine' }]);
    expect((await raws()).map((v) => v.messageControlId).sort()).toEqual(['G1', 'G3']);
    const dl = await letters();
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({
      stage: 'hl7-files',
      component: 'producers/hl7-files',
      errorCode: 'MLLP_UNSUPPORTED_MESSAGE_TYPE',
    });
    expect(dl[0]!.headers['hl7-control-id']).toBe('X2');
    const rep = report('mixed.hl7');
    expect(rep.problem).toMatchObject({ code: 'HL7_FILE_REJECTED_MESSAGES' });
    expect(rep.counts).toMatchObject({ messages: 3, accepted: 2, rejected: 1 });
    expect(rep.messages[1]).toMatchObject({
      index: 2,
      controlId: 'X2',
      outcome: 'rejected',
      ackCode: 'AR',
      hl7Code: '200',
      errorCode: 'MLLP_UNSUPPORTED_MESSAGE_TYPE',
    });
    // No PHI in either report: the made-up patient's name, birth date and ids are not there.
    for (const f of ['mixed.hl7.report.json', 'mixed.hl7.report.txt']) {
      const text = readFileSync(join(drop, 'quarantine', f), 'utf8');
      for (const phi of ['DOE', 'JANE', '19800101', 'P301', 'P302']) expect(text).not.toContain(phi);
    }
  });

  it('quarantines a file that is not HL7 at all', async () => {
    await start();
    dropFile('notes.txt', 'Dear colleague,\nplease find attached.\n');
    dropFile('empty.hl7', '');
    const results = await settle();
    expect(results.map((r) => [r.name, r.disposition])).toEqual([
      ['empty.hl7', 'quarantine'],
      ['notes.txt', 'quarantine'],
    ]);
    expect(report('notes.txt').problem).toMatchObject({ code: 'HL7_FILE_NOT_HL7' });
    expect(await raws()).toEqual([]);
  });

  it('a re-dropped identical file publishes nothing new', async () => {
    await start();
    const content = batchFile([hl7({ controlId: 'R1' }), hl7({ controlId: 'R2', patient: 'P9' })]);
    dropFile('again.hl7', content);
    await settle();
    expect(await raws()).toHaveLength(2);
    dropFile('again.hl7', content);
    expect(await settle()).toMatchObject([{ disposition: 'done', finalName: 'again.hl7~2' }]);
    expect(await raws()).toHaveLength(2);
    expect(ls('done')).toEqual(['again.hl7', 'again.hl7~2']);
  });

  it('a restarted intake still recognises a re-dropped file (index rebuilt from hl7.raw.v1)', async () => {
    await start();
    const content = hl7({ controlId: 'K1' });
    dropFile('k.hl7', content);
    await settle();
    await files!.close();
    await intake!.close(1000);
    await start();
    dropFile('k.hl7', content);
    expect(await settle()).toMatchObject([{ disposition: 'done' }]);
    expect(await raws()).toHaveLength(1);
  });

  it('refuses odd names and never follows symlinks', async () => {
    await start();
    const outside = join(dir, 'outside.hl7');
    writeFileSync(outside, hl7({ controlId: 'OUT1' }));
    dropFile('.hidden.hl7', hl7({ controlId: 'H1' }));
    dropFile('ctl\u0001name.hl7', hl7({ controlId: 'O1' }));
    dropFile('back\\slash.hl7', hl7({ controlId: 'O2' }));
    symlinkSync(outside, join(drop, 'inbox', 'link.hl7'));
    mkdirSync(join(drop, 'inbox', 'subdir'));
    const results = await settle();
    expect(results.map((r) => r.disposition)).toEqual(['quarantine', 'quarantine', 'quarantine']);
    // Nothing of them was published; the symlink's target is untouched.
    expect(await raws()).toEqual([]);
    expect(readFileSync(outside, 'latin1')).toBe(hl7({ controlId: 'OUT1' }));
    // The hidden file stays (an upload in progress by convention), the directory too.
    expect(ls('inbox')).toEqual(['.hidden.hl7', 'subdir']);
    const q = ls('quarantine');
    expect(q).toContain('link.hl7');
    expect(report('link.hl7').problem).toMatchObject({ code: 'HL7_FILE_NOT_REGULAR' });
    const refused = q.filter((n) => n.startsWith('refused-') && !n.includes('.report.'));
    expect(refused).toHaveLength(2);
    for (const n of refused) {
      expect(n).toMatch(/^[A-Za-z0-9._~-]+$/);
      expect(report(n).problem).toMatchObject({ code: 'HL7_FILE_NAME_REFUSED' });
    }
  });

  it('marker completion: a file is taken only once <name>.done exists', async () => {
    await start({ complete: 'marker' });
    dropFile('m.hl7', hl7({ controlId: 'MK1' }));
    expect(await settle()).toEqual([]);
    dropFile('m.hl7.done', '');
    expect(await files!.poll()).toMatchObject([{ name: 'm.hl7', disposition: 'done' }]);
    expect(ls('inbox')).toEqual([]);
    expect(await raws()).toHaveLength(1);
  });

  it('stable completion: a file still growing is not taken', async () => {
    await start();
    dropFile('g.hl7', hl7({ controlId: 'GR1' }).slice(0, 20));
    expect(await files!.poll()).toEqual([]);
    dropFile('g.hl7', hl7({ controlId: 'GR1' }));
    expect(await files!.poll()).toEqual([]);
    expect(await files!.poll()).toMatchObject([{ disposition: 'done' }]);
  });

  it('kill -9 mid-file: on restart the file in processing/ is done and every message published once', async () => {
    await bus.close(); // the child owns the data directory
    mkdirSync(join(drop, 'inbox'), { recursive: true });
    const ids = ['K1', 'K2', 'K3', 'K4', 'K5', 'K6'];
    writeFileSync(
      join(drop, 'inbox', 'crash.hl7'),
      batchFile(ids.map((id, i) => hl7({ controlId: id, patient: `P${i}` }))),
    );
    writeFileSync(join(drop, 'inbox', 'crash.hl7.done'), '');
    const child = spawn(
      process.execPath,
      ['bin/run-ts.mjs', 'tests/hl7-files/crash-child.ts', dataDir, drop],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<void>((r) => child.once('close', () => r()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child never wrote 2 messages; stderr: ${err}`)),
        30_000,
      );
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('wrote 2\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('close', () => reject(new Error(`child exited early: ${out} ${err}`)));
    });
    child.kill('SIGKILL');
    await exited;
    expect(out).not.toContain('finished');
    expect(readdirSync(join(drop, 'processing'))).toEqual(['crash.hl7']);

    bus = await createEmbeddedBus({ dataDir, fsync: 'always' });
    const before = (await raws()).map((v) => v.messageControlId);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(ids.length);
    await start({ complete: 'marker' });
    expect(ls('processing')).toEqual([]);
    expect(ls('done')).toEqual(['crash.hl7']);
    const after = (await raws()).map((v) => v.messageControlId!).sort();
    expect(after).toEqual([...ids].sort());
    expect(existsSync(join(drop, 'inbox', 'crash.hl7.done'))).toBe(false);
  });
});
