import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checksumOf, DEFAULT_MIGRATIONS_DIR, loadMigrations, splitStatements } from './migrations.ts';

describe('splitStatements', () => {
  it('splits at lines ending in ;, keeps ; inside lines, drops comment lines', () => {
    expect(
      splitStatements("-- c\nCREATE TABLE a (x String DEFAULT ';')\nENGINE = Memory;\n\nSELECT 1;\nSELECT 2"),
    ).toEqual(["CREATE TABLE a (x String DEFAULT ';')\nENGINE = Memory", 'SELECT 1', 'SELECT 2']);
  });
});

describe('checksumOf', () => {
  it('ignores CRLF vs LF, but not content', () => {
    expect(checksumOf('a\r\nb\n')).toBe(checksumOf('a\nb\n'));
    expect(checksumOf('a\nb\n')).not.toBe(checksumOf('a\nc\n'));
  });
});

describe('loadMigrations', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('ships 0001 slice_results and 0002 deadletter, with no-datetime64 variants for old servers, then the claims tables', () => {
    const modern = loadMigrations({ dir: DEFAULT_MIGRATIONS_DIR, lacks: new Set() });
    expect(modern.map((m) => [m.version, m.name, m.variant])).toEqual([
      [1, 'slice_results', 'default'],
      [2, 'deadletter', 'default'],
      [3, 'claims_landing', 'default'],
      [4, 'claim_final_action', 'default'],
      [5, 'identity', 'default'],
      [6, 'care_gaps', 'default'],
    ]);
    expect(modern[0]?.statements[0]).toMatch(
      /DateTime64\(3, 'UTC'\)[\s\S]*ReplacingMergeTree[\s\S]*ORDER BY event_id/,
    );
    const old = loadMigrations({ dir: DEFAULT_MIGRATIONS_DIR, lacks: new Set(['datetime64']) });
    expect(old.map((m) => m.variant)).toEqual([
      'no-datetime64',
      'no-datetime64',
      'default',
      'default',
      'default',
      'default',
    ]);
    expect(old[0]?.statements[0]).not.toMatch(/DateTime64/);
  });

  it('rejects misnamed files with the expected pattern in the message', () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-mig-'));
    writeFileSync(join(dir, '1_bad.sql'), 'SELECT 1;');
    expect(() => loadMigrations({ dir: dir!, lacks: new Set() })).toThrow(/misnamed; expected NNNN_name.sql/);
  });
});
