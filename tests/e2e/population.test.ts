import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { populationScenario } from './population.ts';

describe('gapstream demo on the embedded default (in-process bus, chDB)', () => {
  it('a generated population agrees with its truth, and a second run changes nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gs-pop-'));
    try {
      await populationScenario({ GAPSTREAM_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, 'embedded', 300);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
