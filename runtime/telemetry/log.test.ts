import { describe, expect, it } from 'vitest';
import { BadRecordError, ConfigError } from '../errors.ts';
import { createLogger, REDACTED, redactPaths } from './log.ts';

type Line = Record<string, unknown> & { err?: Record<string, unknown> };

/** An in-memory pino destination: one parsed JSON object per line. */
function memory(): { write(line: string): void; text: () => string; lines: () => Line[] } {
  let text = '';
  return {
    write: (line) => {
      text += line;
    },
    text: () => text,
    lines: () =>
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Line),
  };
}

describe('createLogger', () => {
  it('redacts PHI keys at the top level and nested, and keeps record coordinates', () => {
    const dest = memory();
    const log = createLogger({ name: 'gapstream-test', destination: dest }).child({
      component: 'producers/mllp',
    });
    log.info(
      {
        topic: 'hl7.adt',
        partition: 3,
        offset: 42,
        controlId: 'MSG00001',
        name: 'DOE^JANE',
        patient: { family: 'Doe', given: ['Jane'], birthDate: '1961-07-04', ids: { ssn: '123-45-6789' } },
        segments: [{ address: '1 Main St^^Springfield' }],
        value: Buffer.from('MSH|^~\\&|...|PID|||123||DOE^JANE||19610704'),
        message: 'MSH|^~\\&|...|PID|||123||DOE^JANE||19610704',
      },
      'record received',
    );
    const text = dest.text();
    for (const phi of ['DOE', 'Doe', 'Jane', '1961', '19610704', '123-45-6789', 'Main St'])
      expect(text).not.toContain(phi);

    const [line] = dest.lines();
    expect(line).toMatchObject({
      service: 'gapstream-test',
      component: 'producers/mllp',
      topic: 'hl7.adt',
      partition: 3,
      offset: 42,
      controlId: 'MSG00001',
      name: REDACTED,
      patient: { family: REDACTED, given: REDACTED, birthDate: REDACTED, ids: { ssn: REDACTED } },
      msg: 'record received',
    });
  });

  it('logs errors by type and code, never by a message that may quote the record', () => {
    const dest = memory();
    const log = createLogger({ destination: dest });
    let parseError: unknown;
    try {
      JSON.parse('{"name": "DOE^JANE", dob: 19610704}');
    } catch (err) {
      parseError = err;
    }
    log.error(
      { err: new BadRecordError('HL7_BAD_DOB', 'PID-7 "19610704x" is not a date', parseError) },
      'bad record',
    );
    log.error({ err: new ConfigError(['bus.brokers is ""; expected host:port']) }, 'cannot start');

    const text = dest.text();
    expect(text).not.toContain('19610704');
    expect(text).not.toContain('DOE');
    const [bad, config] = dest.lines();
    expect(bad?.err).toMatchObject({
      type: 'BadRecordError',
      code: 'HL7_BAD_DOB',
      retriable: false,
      cause: { type: 'SyntaxError' },
    });
    expect(bad?.err?.['reason']).toBeUndefined();
    expect(typeof bad?.err?.['stack']).toBe('string');
    // Our own non-record errors keep their message: it is about configuration, not patients.
    expect(config?.err).toMatchObject({
      type: 'ConfigError',
      code: 'CONFIG_INVALID',
      reason: expect.stringContaining('bus.brokers'),
    });
  });

  it('honours the level', () => {
    const dest = memory();
    const log = createLogger({ level: 'warn', destination: dest });
    log.info('dropped');
    log.warn('kept');
    expect(dest.lines().map((l) => l['msg'])).toEqual(['kept']);
  });

  it('builds redact paths for every depth', () => {
    expect(redactPaths(['dob'], 2)).toEqual(['dob', '*.dob', '*.*.dob']);
  });
});
