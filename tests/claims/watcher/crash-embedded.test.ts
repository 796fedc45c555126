import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { crashMidFileThenCheck } from './crash-scenario.ts';

describe('claims watcher survives kill -9 mid-file (embedded bus, fsync always)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-claims-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('killed twice while publishing, resumed each time: every line exactly once', async () => {
    await crashMidFileThenCheck(
      {
        GAPSTREAM_DATA_DIR: join(dir, 'data'),
        GAPSTREAM_FSYNC: 'always',
        CLAIMS_DROP_DIR: join(dir, 'drop'),
        CLAIMS_DROP_COMPLETE: 'marker',
        CLAIMS_LINES_PER_TRANSACTION: '500',
      },
      12_000,
      120_000,
    );
  }, 300_000);
});
