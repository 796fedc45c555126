import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { crashTwiceThenCheck } from './crash-check.ts';

describe('embedded mode survives kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gs-crash-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('kills the pipeline twice mid-stream; the restarted one ends with exactly N results', async () => {
    await crashTwiceThenCheck({ GAPSTREAM_DATA_DIR: dataDir }, 3_000, 40, 120_000);
  }, 300_000);
});
