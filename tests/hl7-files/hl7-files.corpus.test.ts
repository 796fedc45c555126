/**
 * Every FHS/BHS batch file of the public corpus (../shared/data/hl7, read in place, never copied)
 * run through the drop directory: each ends in done/ or in quarantine/ with its report, never a
 * crash. The intake takes files from its inbox only and never follows symlinks, so each file is
 * dropped as a hard link (the same bytes, read in place; the intake never writes a file it takes,
 * it only renames its link). Where a hard link is impossible (another file system) the bytes are
 * written into the temporary inbox, which is deleted afterwards.
 */
import { linkSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../runtime/bus/embedded/index.ts';
import type { Bus } from '../../runtime/bus/types.ts';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/index.ts';
import { createLocalCodec } from '../../schemas/codec.ts';
import { defaultMllpSettings } from '../../producers/mllp/config.ts';
import { createHl7Intake, type Hl7Intake } from '../../producers/mllp/intake.ts';
import { defaultHl7FileSettings } from '../../producers/hl7-files/config.ts';
import { createHl7FileIntake, type Hl7FileIntake } from '../../producers/hl7-files/file-intake.ts';
import type { FileReport } from '../../producers/hl7-files/report.ts';
import { sharedFiles } from '../support/shared-data.ts';

/** A segment FHS or BHS at the start of the file or of a line (CR, LF or CRLF endings). */
const BATCH = /(^|[\r\n])(FHS|BHS)./;
const batchFiles = sharedFiles('hl7').filter((f) => BATCH.test(readFileSync(f, 'latin1')));

describe('public corpus batch files through the drop directory', () => {
  let dir: string;
  let bus: Bus;
  let telemetry: Telemetry;
  let intake: Hl7Intake;
  let files: Hl7FileIntake;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-hl7files-corpus-'));
    bus = await createEmbeddedBus({ dataDir: join(dir, 'data'), fsync: 'always' });
    telemetry = await createTelemetry({ serviceName: 'hl7-files-corpus', inMemory: true });
    const logger = pino({ level: 'silent' });
    intake = await createHl7Intake(
      { bus, codec: await createLocalCodec(), telemetry, logger, partitions: 1 },
      // Accept every type and processing id the corpus uses, so the test exercises splitting
      // and counting rather than the production allow-list.
      defaultMllpSettings({
        acceptedMessageTypes: ['ADT^*', 'ORU^*', 'ORM^*', 'SIU^*', 'MDM^*', 'DFT^*', 'VXU^*'],
        acceptedProcessingIds: ['P', 'T', 'D'],
      }),
    );
    files = createHl7FileIntake(
      { intake, logger, stage: telemetry.stage('hl7-files') },
      defaultHl7FileSettings({ dir: join(dir, 'drop'), complete: 'marker' }),
    );
    await files.poll();
  });
  afterAll(async () => {
    await files.close();
    await intake.close(1000);
    await bus.close();
    await telemetry.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the batch files (at least the python-hl7 samples)', () => {
    expect(batchFiles.length).toBeGreaterThanOrEqual(10);
  });

  it.each(batchFiles.map((f) => [f.slice(f.indexOf('/hl7/') + 5), f]))(
    '%s → done or quarantine with a report',
    async (_label, path) => {
      const name = basename(path);
      const target = join(dir, 'drop', 'inbox', name);
      try {
        linkSync(path, target);
      } catch {
        writeFileSync(target, readFileSync(path));
      }
      writeFileSync(join(dir, 'drop', 'inbox', `${name}.done`), '');
      const results = await files.poll();
      expect(results).toHaveLength(1);
      const [r] = results;
      expect(['done', 'quarantine']).toContain(r!.disposition);
      if (r!.disposition === 'quarantine') {
        const q = join(dir, 'drop', 'quarantine');
        const rep = JSON.parse(readFileSync(join(q, `${r!.finalName}.report.json`), 'utf8')) as FileReport;
        expect(rep.problem).not.toBeNull();
        expect(rep.messages.every((m) => m.outcome !== 'failed')).toBe(true);
        expect(readdirSync(q)).toContain(`${r!.finalName}.report.txt`);
      }
      expect(readdirSync(join(dir, 'drop', 'processing'))).toEqual([]);
    },
  );
});
