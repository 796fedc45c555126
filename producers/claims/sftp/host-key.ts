/**
 * Host key pinning for the SFTP pull. The server is known by the SHA-256 fingerprint of its host
 * key, written as OpenSSH prints it (`ssh-keygen -lf`, `ssh-keyscan … | ssh-keygen -lf -`):
 * `SHA256:` + base64 of the digest of the public key blob, without `=` padding. Fingerprints
 * identify a key, they grant nothing, so they appear in logs and errors.
 */
import { createHash } from 'node:crypto';
import { GapstreamError } from '../../../runtime/errors.ts';

const PREFIX = 'SHA256:';

/** The OpenSSH SHA-256 fingerprint of a public key blob (the SSH wire encoding of the key). */
export function openSshFingerprint(keyBlob: Buffer): string {
  return PREFIX + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** A configured fingerprint in the form {@link openSshFingerprint} returns (`SHA256:` prefix, no padding). */
export function normalizeFingerprint(fingerprint: string): string {
  const body = fingerprint.trim().replace(/^SHA256:/i, '');
  return PREFIX + body.replace(/=+$/, '');
}

/** The key type named at the start of a key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …), or `unknown`. */
export function keyTypeOfBlob(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > keyBlob.length) return 'unknown';
  const type = keyBlob.subarray(4, 4 + len).toString('latin1');
  return /^[a-z0-9@.-]+$/.test(type) ? type : 'unknown';
}

/** The fingerprint of an OpenSSH public key line (`ssh-ed25519 AAAA… comment`, a `*.pub` file or ssh-keyscan output). */
export function fingerprintOfPublicKeyLine(line: string): string {
  const fields = line.trim().split(/\s+/);
  // ssh-keyscan lines start with the host; the blob is the field after the key type.
  const typeAt = fields.findIndex((f) => /^(ssh-|ecdsa-|sk-)/.test(f));
  const blob = typeAt >= 0 ? fields[typeAt + 1] : undefined;
  if (blob === undefined || !/^[A-Za-z0-9+/]+=*$/.test(blob))
    throw new Error('expected an OpenSSH public key line: "<type> <base64 blob> [comment]"');
  return openSshFingerprint(Buffer.from(blob, 'base64'));
}

/** The server presented another host key than the pinned one: the connection is refused. */
export class HostKeyMismatchError extends GapstreamError {
  readonly expected: string;
  readonly received: string;

  constructor(server: string, expected: string, received: string, keyType: string) {
    const [host, port] = [
      server.slice(0, server.lastIndexOf(':')),
      server.slice(server.lastIndexOf(':') + 1),
    ];
    super(
      'SFTP_HOST_KEY_MISMATCH',
      `SFTP server ${server} presented ${keyType} host key ${received}, expected ${expected} (CLAIMS_SFTP_HOST_KEY_SHA256): connection refused; if the server's key really changed, confirm the new fingerprint with its operator and update CLAIMS_SFTP_HOST_KEY_SHA256 (ssh-keyscan -p ${port} ${host} | ssh-keygen -lf -).`,
      { retriable: false },
    );
    this.name = 'HostKeyMismatchError';
    this.expected = expected;
    this.received = received;
  }
}

/** A host verifier for ssh2 that accepts only the pinned key, and remembers the key it was shown. */
export interface PinnedHostVerifier {
  /** For ssh2's `hostVerifier`: true only for the pinned key. */
  verify(keyBlob: Buffer): boolean;
  /** What the server presented (after a handshake got that far). */
  presented(): { fingerprint: string; keyType: string } | undefined;
}

/** Builds a {@link PinnedHostVerifier} for `expected` (any form {@link normalizeFingerprint} accepts). */
export function pinnedHostVerifier(expected: string): PinnedHostVerifier {
  const want = normalizeFingerprint(expected);
  let seen: { fingerprint: string; keyType: string } | undefined;
  return {
    verify(keyBlob) {
      seen = { fingerprint: openSshFingerprint(keyBlob), keyType: keyTypeOfBlob(keyBlob) };
      return seen.fingerprint === want;
    },
    presented: () => seen,
  };
}
