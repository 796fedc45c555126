/**
 * Settings of the claims/roster file watcher (producers/claims): the local drop directory and the
 * optional SFTP pull that feeds it. One field table in the shape of runtime/config/fields.ts
 * (every key under `claims.`), merged into the central table, plus the pure cross-field checks.
 */
import { z } from 'zod';
import { ConfigError } from '../../runtime/errors.ts';
import type { FieldSpec } from '../../runtime/config/fields.ts';
import { parseFields } from '../../runtime/config/parse-fields.ts';
import { COMPLETION_MODES, type CompletionMode } from '../hl7-files/config.ts';

/** What happens to a remote file once its local copy is durable in the drop directory. */
export const SFTP_AFTER = ['delete', 'move'] as const;
export type SftpAfter = (typeof SFTP_AFTER)[number];

/** SFTP pull settings after validation (present when `claims.sftp.host` is set). */
export interface SftpSettings {
  host?: string;
  port: number;
  username?: string;
  password?: string;
  privateKeyFile?: string;
  /** SHA-256 of the server's host key, base64 as `ssh-keygen -lf` prints it (`SHA256:...`). */
  hostKeySha256?: string;
  remoteDir: string;
  pollMs: number;
  after: SftpAfter;
  /** Remote directory files are moved to when `after` is `move`. */
  remoteDoneDir: string;
}

/** The watcher's settings after validation. */
export interface ClaimsSettings {
  /** Root of the drop directory (`inbox/`, `processing/`, `done/`, `quarantine/` below it); undefined = off. */
  dir?: string;
  pollMs: number;
  complete: CompletionMode;
  /** Bad lines a file may hold and still publish its good lines (each bad line reported); 0 = any bad line quarantines the file. */
  badLineLimit: number;
  /** Directory of payer mapping YAML files. */
  mappingsDir: string;
  /** Lines published per Kafka transaction (with one manifest progress record). */
  linesPerTransaction: number;
  /** A content lock whose holder stopped renewing it for this long may be taken over. */
  lockLeaseMs: number;
  sftp: SftpSettings;
}

const posInt = (min: number, max: number): z.ZodType => z.coerce.number().int().min(min).max(max);

/** The watcher's fields, for the central table (runtime/config/fields.ts). */
export const CLAIMS_FIELDS: readonly FieldSpec[] = [
  {
    path: 'claims.dir',
    env: 'CLAIMS_DROP_DIR',
    description:
      'Drop directory for claims and roster files (CMS CCLF files and zipped CCLF sets, X12 837P/837I, payer CSV/pipe files described under `claims.mappingsDir`). Files are dropped into `<dir>/inbox/`; gapstream creates `processing/`, `done/`, `quarantine/` and `.state/` beside it. Unset: the claims watcher is off. Use a local file system (renames must be atomic).',
    expected: 'a directory path',
    example: '/var/lib/gapstream/claims-drop',
    schema: z.string().min(1),
  },
  {
    path: 'claims.pollMs',
    env: 'CLAIMS_DROP_POLL_MS',
    description:
      'How often `inbox/` is listed. With `stable` completion a file is picked up after two polls that see the same size and mtime.',
    expected: 'milliseconds, 50 to 3600000',
    example: '5000',
    default: '2000',
    schema: posInt(50, 3_600_000),
  },
  {
    path: 'claims.complete',
    env: 'CLAIMS_DROP_COMPLETE',
    description:
      'When a dropped file counts as completely written: `stable` = size and mtime unchanged across two polls; `marker` = an empty `<name>.done` file exists beside it (the sender writes it last).',
    expected: `one of ${COMPLETION_MODES.join(', ')}`,
    example: 'marker',
    default: 'stable',
    schema: z.enum(COMPLETION_MODES),
  },
  {
    path: 'claims.badLineLimit',
    env: 'CLAIMS_BAD_LINE_LIMIT',
    description:
      'How many bad lines a file may hold and still have its good lines published: each bad line is then listed in the report beside the file in `done/`, dead-lettered and counted. 0 (default): one bad line sends the whole file to `quarantine/` and nothing of it is published. File-level problems (unknown layout, trailer or summary count mismatch, truncated zip) always quarantine.',
    expected: 'a whole number, 0 or more',
    example: '100',
    default: '0',
    schema: posInt(0, Number.MAX_SAFE_INTEGER),
  },
  {
    path: 'claims.mappingsDir',
    env: 'CLAIMS_MAPPINGS_DIR',
    description:
      'Directory of payer mapping files (`*.yaml`, docs/claims-payer-mapping.md) that describe payer CSV/pipe claims and roster layouts.',
    expected: 'a directory path',
    example: '/etc/gapstream/payers',
    default: 'payers',
    schema: z.string().min(1),
  },
  {
    path: 'claims.linesPerTransaction',
    env: 'CLAIMS_LINES_PER_TRANSACTION',
    description:
      'Source lines published per Kafka transaction, together with one `file.manifest.v1` progress record: after a crash a file resumes after the last committed transaction.',
    expected: 'a whole number, 100 to 1000000',
    example: '20000',
    default: '20000',
    schema: posInt(100, 1_000_000),
  },
  {
    path: 'claims.lockLeaseMs',
    env: 'CLAIMS_LOCK_LEASE_MS',
    description:
      'Watchers sharing one drop directory lock each file content (by SHA-256) and renew the lock while they work; a lock not renewed for this long belongs to a dead watcher and may be taken over (Kafka transaction fencing stops a paused one from writing after that).',
    expected: 'milliseconds, 1000 to 3600000',
    example: '30000',
    default: '30000',
    schema: posInt(1000, 3_600_000),
  },
  {
    path: 'claims.sftp.host',
    env: 'CLAIMS_SFTP_HOST',
    description:
      'SFTP server to pull claims files from into `<claims.dir>/inbox/`. Unset: no SFTP pull (files are dropped locally).',
    expected: 'a host name or IP address',
    example: 'sftp.payer.example',
    schema: z.string().min(1),
  },
  {
    path: 'claims.sftp.port',
    env: 'CLAIMS_SFTP_PORT',
    description: 'SFTP server port.',
    expected: 'a port number, 1 to 65535',
    example: '22',
    default: '22',
    schema: posInt(1, 65_535),
  },
  {
    path: 'claims.sftp.username',
    env: 'CLAIMS_SFTP_USERNAME',
    description: 'SFTP user name.',
    expected: 'a user name',
    example: 'aco-a1234',
    schema: z.string().min(1),
  },
  {
    path: 'claims.sftp.password',
    env: 'CLAIMS_SFTP_PASSWORD',
    description: 'SFTP password (password authentication). Prefer a key.',
    expected: 'a password',
    example: '(secret)',
    secret: true,
    schema: z.string().min(1),
  },
  {
    path: 'claims.sftp.privateKeyFile',
    env: 'CLAIMS_SFTP_PRIVATE_KEY_FILE',
    description: 'Private key file (OpenSSH format) for key authentication.',
    expected: 'a file path',
    example: '/etc/gapstream/sftp_ed25519',
    schema: z.string().min(1),
  },
  {
    path: 'claims.sftp.hostKeySha256',
    env: 'CLAIMS_SFTP_HOST_KEY_SHA256',
    description:
      "The server's host key fingerprint as `ssh-keygen -lf` prints it (`SHA256:` + base64). Required: a connection to a server with another key is refused.",
    expected: 'SHA256: followed by 43 base64 characters',
    example: 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
    schema: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/),
  },
  {
    path: 'claims.sftp.remoteDir',
    env: 'CLAIMS_SFTP_REMOTE_DIR',
    description: 'Remote directory listed for new files.',
    expected: 'a remote path',
    example: '/outbound',
    default: '.',
    schema: z.string().min(1),
  },
  {
    path: 'claims.sftp.pollMs',
    env: 'CLAIMS_SFTP_POLL_MS',
    description:
      'How often the remote directory is listed. A remote file is downloaded once two listings see the same size and mtime (or its `.done` marker exists with `claims.complete` = marker).',
    expected: 'milliseconds, 100 to 86400000',
    example: '60000',
    default: '30000',
    schema: posInt(100, 86_400_000),
  },
  {
    path: 'claims.sftp.after',
    env: 'CLAIMS_SFTP_AFTER',
    description:
      'What happens to a remote file once its local copy is durable in `inbox/`: `move` to `claims.sftp.remoteDoneDir` (default) or `delete`.',
    expected: `one of ${SFTP_AFTER.join(', ')}`,
    example: 'move',
    default: 'move',
    schema: z.enum(SFTP_AFTER),
  },
  {
    path: 'claims.sftp.remoteDoneDir',
    env: 'CLAIMS_SFTP_REMOTE_DONE_DIR',
    description:
      'Remote directory pulled files are moved to when `claims.sftp.after` is `move`; a relative path is relative to `claims.sftp.remoteDir` (`pulled` → `<remoteDir>/pulled`). Created when missing.',
    expected: 'a remote path',
    example: '/outbound/pulled',
    default: 'pulled',
    schema: z.string().min(1),
  },
];

/** Cross-field validation (pure): every problem, one sentence each. */
export function validateClaimsConfig(s: ClaimsSettings): string[] {
  const problems: string[] = [];
  if (s.dir !== undefined && s.dir.includes('\0'))
    problems.push(`CLAIMS_DROP_DIR (claims.dir) holds a NUL character: expected a directory path.`);
  const sftp = s.sftp;
  if (sftp.host !== undefined) {
    if (s.dir === undefined)
      problems.push(
        'CLAIMS_SFTP_HOST is set but CLAIMS_DROP_DIR is not: the SFTP pull needs a local drop directory.',
      );
    if (sftp.username === undefined)
      problems.push('CLAIMS_SFTP_USERNAME is required when CLAIMS_SFTP_HOST is set.');
    if (sftp.password === undefined && sftp.privateKeyFile === undefined)
      problems.push(
        'CLAIMS_SFTP_PRIVATE_KEY_FILE or CLAIMS_SFTP_PASSWORD is required when CLAIMS_SFTP_HOST is set.',
      );
    if (sftp.hostKeySha256 === undefined)
      problems.push(
        'CLAIMS_SFTP_HOST_KEY_SHA256 is required when CLAIMS_SFTP_HOST is set: the server must be identified by its host key (ssh-keygen -lf <key>.pub).',
      );
  }
  return problems;
}

/**
 * Applies each field's schema to raw values (by dotted path) and the environment (wins), then
 * {@link validateClaimsConfig}. Every problem is collected.
 */
export function parseClaimsFields(
  values: Record<string, string | undefined>,
  env: Record<string, string | undefined> = {},
): { settings?: ClaimsSettings; problems: string[] } {
  const parsed = parseFields(CLAIMS_FIELDS, values, env);
  if (parsed.problems.length > 0) return { problems: parsed.problems };
  const settings = (parsed.values.claims ?? {}) as ClaimsSettings;
  const problems = validateClaimsConfig(settings);
  return problems.length > 0 ? { problems } : { settings, problems };
}

/** Defaults of every field (the watcher off), with overrides: what tests start from. */
export function defaultClaimsSettings(overrides: Partial<ClaimsSettings> = {}): ClaimsSettings {
  const { settings } = parseClaimsFields({});
  if (settings === undefined) throw new Error('claims watcher defaults do not validate'); // programming error
  return { ...settings, ...overrides, sftp: { ...settings.sftp, ...overrides.sftp } };
}

/** Settings from the environment (CLAIMS_*), or a ConfigError listing every problem. */
export function claimsSettingsFromEnv(env: Record<string, string | undefined> = process.env): ClaimsSettings {
  const { settings, problems } = parseClaimsFields({}, env);
  if (settings === undefined) throw new ConfigError(problems);
  return settings;
}
