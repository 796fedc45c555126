/** `gapstream synth`: argument parsing and a small run. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSynthArgs, runSynth, SYNTH_USAGE, SynthUsageError } from './synth-cli.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('gapstream synth', () => {
  it('parses the options with defaults', () => {
    expect(parseSynthArgs(['--members', '10', '--out', 'x'])).toEqual({
      members: 10,
      out: 'x',
      seed: 1,
      year: 2026,
      asOf: '2026-11-25',
    });
    expect(parseSynthArgs(['--members', '5', '--out', 'y', '--seed', '9', '--as-of', '2026-08-01'])).toEqual({
      members: 5,
      out: 'y',
      seed: 9,
      year: 2026,
      asOf: '2026-08-01',
    });
    expect(SYNTH_USAGE).toContain('gapstream synth --members N --out DIR');
  });

  it('refuses bad command lines with a message that says what to type', () => {
    const bad: [string[], RegExp][] = [
      [['--out', 'x'], /--members N is required/],
      [['--members', '10'], /--out DIR is required/],
      [['--members', 'ten', '--out', 'x'], /--members must be a whole number/],
      [['--members', '10', '--out', 'x', '--as-of', '2026-02-30'], /asOf must be a date/],
      [['--members', '10', '--out', 'x', '--as-of', '2026-01-15'], /asOf must fall between/],
      [['--members', '10', '--out', 'x', '--year', '2025'], /year must be 2026 or later/],
      [['--members', '10', '--out', 'x', '--bogus'], /Unknown option/],
      [['--members', '10', '--out', 'x', 'extra'], /positional/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseSynthArgs(argv)).toThrow(SynthUsageError);
      expect(() => parseSynthArgs(argv)).toThrow(message);
    }
  });

  it('writes a population and prints one summary line; a second run into the same directory fails', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gapstream-synth-cli-'));
    dirs.push(root);
    const out = join(root, 'pop');
    let text = '';
    const sink = { write: (s: string): void => void (text += s) };
    expect(await runSynth(parseSynthArgs(['--members', '40', '--out', out, '--seed', '5']), sink)).toBe(0);
    expect(text).toMatch(/^gapstream synth: 40 members \(seed 5, as of 2026-11-25\) -> \d+ files in /);
    expect(readdirSync(out).sort()).toEqual(['claims', 'hl7', 'truth']);
    expect(
      readFileSync(join(out, 'truth', 'members.csv'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(41);
    text = '';
    expect(await runSynth(parseSynthArgs(['--members', '40', '--out', out]), sink)).toBe(1);
    expect(text).toMatch(/not empty/);
  });
});
