import { describe, expect, it } from 'vitest';
import {
  HL7_FILE_FIELDS,
  defaultHl7FileSettings,
  parseHl7FileFields,
} from '../../producers/hl7-files/config.ts';
import { checkFileName } from '../../runtime/drop-dir/names.ts';

describe('HL7 drop directory settings', () => {
  it('every field has a description, expectation and example (CONVENTIONS.md §2)', () => {
    for (const f of HL7_FILE_FIELDS) {
      expect(f.path.startsWith('hl7Files.')).toBe(true);
      expect(f.env).toMatch(/^HL7_DROP_/);
      for (const k of ['description', 'expected', 'example'] as const) expect(f[k].length).toBeGreaterThan(0);
    }
  });

  it('is off by default, with a 1 s stable poll', () => {
    expect(defaultHl7FileSettings()).toEqual({
      pollMs: 1000,
      complete: 'stable',
      listenerId: 'hl7-files',
      maxFileBytes: 104857600,
    });
  });

  it('reads the environment and reports every bad value at once', () => {
    expect(
      parseHl7FileFields({}, { HL7_DROP_DIR: '/srv/drop', HL7_DROP_COMPLETE: 'marker' }).settings,
    ).toMatchObject({
      dir: '/srv/drop',
      complete: 'marker',
    });
    const { settings, problems } = parseHl7FileFields(
      {},
      { HL7_DROP_POLL_MS: 'soon', HL7_DROP_COMPLETE: 'eventually' },
    );
    expect(settings).toBeUndefined();
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('HL7_DROP_POLL_MS (hl7Files.pollMs) = "soon"');
    expect(problems[1]).toContain('expected one of stable, marker');
  });
});

describe('dropped file names', () => {
  it.each([
    ['adt_20260101.hl7', 'ok'],
    ['Ünïcode name.hl7', 'ok'],
    ['.upload.tmp', 'ignore'],
    ['..', 'ignore'],
    ['a\\b.hl7', 'refuse'],
    ['tab\there.hl7', 'refuse'],
    ['esc\u001b[31m.hl7', 'refuse'],
    ['c1\u0085.hl7', 'refuse'],
    ['x'.repeat(201), 'refuse'],
    ['x.hl7.report.json', 'refuse'],
  ])('%j → %s', (name, kind) => {
    expect(checkFileName(name).kind).toBe(kind);
  });
});
