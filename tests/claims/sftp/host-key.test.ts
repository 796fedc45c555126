import { describe, expect, it } from 'vitest';
import {
  HostKeyMismatchError,
  fingerprintOfPublicKeyLine,
  keyTypeOfBlob,
  normalizeFingerprint,
  openSshFingerprint,
  pinnedHostVerifier,
} from '../../../producers/claims/sftp/host-key.ts';

// Throw-away keys made for this test with ssh-keygen; the fingerprints are what `ssh-keygen -lf` printed.
const ED25519 = {
  line: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII0v4yev9xqwx2FvQS87tS7UBb4b3AOm/V2wridee1ZR fixture',
  fingerprint: 'SHA256:rR2Pp/ThOO5fEgpTDSDxoaKZ3h2N9UZ0kvFkVEcCovE',
};
const ECDSA = {
  line: 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNKQbshbvoFDubew5v+lhg1n4DeNAc74aCnz6b/cV7mB0doCGx5DRlDwR0RN3ud4ghrXOwh7sInswJKfJkV5izU= fixture',
  fingerprint: 'SHA256:ul4z1ZqRNU8KheZBd2Dye7tKNjHX0EyYX8eayznTtU8',
};
const blobOf = (line: string): Buffer => Buffer.from(line.split(' ')[1]!, 'base64');

describe('host key fingerprints', () => {
  it('match what ssh-keygen -lf prints (SHA256:, base64 without padding)', () => {
    expect(openSshFingerprint(blobOf(ED25519.line))).toBe(ED25519.fingerprint);
    expect(openSshFingerprint(blobOf(ECDSA.line))).toBe(ECDSA.fingerprint);
    expect(fingerprintOfPublicKeyLine(ED25519.line)).toBe(ED25519.fingerprint);
  });

  it('read ssh-keyscan lines, which start with the host', () => {
    expect(
      fingerprintOfPublicKeyLine(`[127.0.0.1]:12222 ${ECDSA.line.split(' ').slice(0, 2).join(' ')}`),
    ).toBe(ECDSA.fingerprint);
    expect(() => fingerprintOfPublicKeyLine('not a key')).toThrow(/expected an OpenSSH public key line/);
  });

  it('name the key type from the blob', () => {
    expect(keyTypeOfBlob(blobOf(ED25519.line))).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(blobOf(ECDSA.line))).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOfBlob(Buffer.from([0, 0, 0, 99, 1]))).toBe('unknown');
  });

  it('normalize a configured fingerprint (padding and prefix optional)', () => {
    const body = ED25519.fingerprint.slice('SHA256:'.length);
    expect(normalizeFingerprint(`${ED25519.fingerprint}=`)).toBe(ED25519.fingerprint);
    expect(normalizeFingerprint(body)).toBe(ED25519.fingerprint);
    expect(normalizeFingerprint(` sha256:${body} `)).toBe(ED25519.fingerprint);
  });
});

describe('pinned host verifier', () => {
  it('accepts only the pinned key and remembers what the server presented', () => {
    const v = pinnedHostVerifier(ED25519.fingerprint);
    expect(v.presented()).toBeUndefined();
    expect(v.verify(blobOf(ED25519.line))).toBe(true);
    expect(v.verify(blobOf(ECDSA.line))).toBe(false);
    expect(v.presented()).toEqual({ fingerprint: ECDSA.fingerprint, keyType: 'ecdsa-sha2-nistp256' });
  });

  it('explains a mismatch with both fingerprints and how to check the new one', () => {
    const err = new HostKeyMismatchError(
      'sftp.example:2222',
      ED25519.fingerprint,
      ECDSA.fingerprint,
      'ecdsa',
    );
    expect(err.code).toBe('SFTP_HOST_KEY_MISMATCH');
    expect(err.retriable).toBe(false);
    expect(err.message).toBe(
      `SFTP server sftp.example:2222 presented ecdsa host key ${ECDSA.fingerprint}, expected ${ED25519.fingerprint} (CLAIMS_SFTP_HOST_KEY_SHA256): connection refused; if the server's key really changed, confirm the new fingerprint with its operator and update CLAIMS_SFTP_HOST_KEY_SHA256 (ssh-keyscan -p 2222 sftp.example | ssh-keygen -lf -).`,
    );
  });
});
