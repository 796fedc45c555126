import { describe, expect, it } from 'vitest';
import { MLLP_FIELDS, mllpSettingsFromEnv, parseMllpFields } from '../../producers/mllp/config.ts';

describe('MLLP settings', () => {
  it('has defaults that validate, and every field documented', () => {
    const s = mllpSettingsFromEnv({});
    expect(s.port).toBe(2575);
    expect(s.acceptedProcessingIds).toEqual(['P']);
    expect(s.acceptedMessageTypes).toContain('ORU^R01');
    for (const f of MLLP_FIELDS) {
      expect(f.path.startsWith('mllp.')).toBe(true);
      expect(f.env.startsWith('MLLP_')).toBe(true);
      expect(f.description.length).toBeGreaterThan(20);
      expect(f.example.length).toBeGreaterThan(0);
    }
  });

  it('reports every problem at once, naming key, value and expectation', () => {
    const { settings, problems } = parseMllpFields(
      {},
      { MLLP_PORT: '99999', MLLP_ACCEPTED_MESSAGE_TYPES: 'ADT-A01', MLLP_ACCEPTED_PROCESSING_IDS: 'X' },
    );
    expect(settings).toBeUndefined();
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(
      /^MLLP_PORT \(mllp.port\) = "99999" from environment is invalid: expected a port number/,
    );
  });

  it('checks cross-field rules', () => {
    const { problems } = parseMllpFields(
      {},
      {
        MLLP_TLS_CERT_FILE: '/nonexistent/server.crt',
        MLLP_TLS_ALLOWED_CLIENTS: 'CN=mirth',
        MLLP_TCP_ENABLED: 'false',
        MLLP_MAX_IN_FLIGHT_BYTES: '100000',
      },
    );
    expect(problems.join('\n')).toMatch(/go together/);
    expect(problems.join('\n')).toMatch(/does not exist/);
    expect(problems.join('\n')).toMatch(/REQUIRE_CLIENT_CERT is false/);
    expect(problems.join('\n')).toMatch(/serve nothing/);
    expect(problems.join('\n')).toMatch(/MAX_IN_FLIGHT_BYTES/);
  });
});
