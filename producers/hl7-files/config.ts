/**
 * Settings of the HL7 drop-directory intake (producers/hl7-files), one field table in the shape
 * of runtime/config/fields.ts (every key under `hl7Files.`) for the lead to merge into the
 * central table, plus the pure cross-field validation. Which messages are accepted (types,
 * versions, processing ids, default charset, duplicate window) is the MLLP listener's table
 * (`MLLP_ACCEPTED_*`, `MLLP_DEFAULT_CHARSET`, `MLLP_DUPLICATE_*`): a message is judged the same
 * whichever way it came in.
 */
import { z } from 'zod';
import { ConfigError } from '../../runtime/errors.ts';
import type { FieldSpec } from '../../runtime/config/fields.ts';
import { parseFields } from '../../runtime/config/parse-fields.ts';

/** How a file in `inbox/` is known to be completely written. */
export const COMPLETION_MODES = ['stable', 'marker'] as const;
export type CompletionMode = (typeof COMPLETION_MODES)[number];

/** The drop-directory intake's settings after validation. */
export interface Hl7FileSettings {
  /** Root of the drop directory (`inbox/`, `processing/`, `done/`, `quarantine/` below it); undefined = off. */
  dir?: string;
  /** Poll interval of `inbox/`, milliseconds. */
  pollMs: number;
  /** `stable`: size and mtime unchanged across two polls; `marker`: `<name>.done` exists. */
  complete: CompletionMode;
  /** `listenerId` written to each hl7.raw.v1 record from a file. */
  listenerId: string;
  /** Largest file read; a larger one is quarantined unread. */
  maxFileBytes: number;
}

/** The intake's fields, for the central table (runtime/config/fields.ts). */
export const HL7_FILE_FIELDS: readonly FieldSpec[] = [
  {
    path: 'hl7Files.dir',
    env: 'HL7_DROP_DIR',
    description:
      'Drop directory for HL7 v2 files (one message, several, or an FHS/BHS batch). Files are dropped into `<dir>/inbox/`; gapstream creates `processing/`, `done/` and `quarantine/` beside it. Unset: the file intake is off. Give gapstream its own directory on a local file system (renames must be atomic).',
    expected: 'a directory path',
    example: '/var/lib/gapstream/hl7-drop',
    schema: z.string().min(1),
  },
  {
    path: 'hl7Files.pollMs',
    env: 'HL7_DROP_POLL_MS',
    description:
      'How often `inbox/` is listed. With `stable` completion a file is picked up after two polls that see the same size and mtime, so at least this long after its last write.',
    expected: 'milliseconds, 50 to 3600000',
    example: '1000',
    default: '1000',
    schema: z.coerce.number().int().min(50).max(3_600_000),
  },
  {
    path: 'hl7Files.complete',
    env: 'HL7_DROP_COMPLETE',
    description:
      'When a file counts as completely written: `stable` = size and mtime unchanged across two polls (for senders that write in place); `marker` = an empty `<name>.done` file exists beside it (the sender creates it after the file; safer for slow or interrupted transfers).',
    expected: `one of ${COMPLETION_MODES.join(', ')}`,
    example: 'marker',
    default: 'stable',
    schema: z.enum(COMPLETION_MODES),
  },
  {
    path: 'hl7Files.listenerId',
    env: 'HL7_DROP_LISTENER_ID',
    description:
      'Id written to every hl7.raw.v1 record that came from a dropped file (`listenerId`; `peerAddress` is `file:<name>`).',
    expected: 'letters, digits, dots, dashes or underscores',
    example: 'hl7-files-clinic-a',
    default: 'hl7-files',
    schema: z.string().regex(/^[A-Za-z0-9._-]+$/),
  },
  {
    path: 'hl7Files.maxFileBytes',
    env: 'HL7_DROP_MAX_FILE_BYTES',
    description:
      'Largest file read (it is held in memory while its messages are published); a larger file is moved to `quarantine/` unread, with a report.',
    expected: 'a whole number of bytes, at least 1024',
    example: '104857600',
    default: '104857600',
    schema: z.coerce.number().int().min(1024),
  },
];

/** Cross-field validation (pure): every problem, one sentence each. */
export function validateHl7FileConfig(s: Hl7FileSettings): string[] {
  const problems: string[] = [];
  if (s.dir !== undefined && s.dir.includes('\0'))
    problems.push(
      `HL7_DROP_DIR (hl7Files.dir) = ${JSON.stringify(s.dir)} holds a NUL character: expected a directory path.`,
    );
  return problems;
}

/**
 * Applies each field's schema to raw values (by dotted path, e.g. from a config file) and the
 * environment (wins), then {@link validateHl7FileConfig}. Every problem is collected.
 */
export function parseHl7FileFields(
  values: Record<string, string | undefined>,
  env: Record<string, string | undefined> = {},
): { settings?: Hl7FileSettings; problems: string[] } {
  const parsed = parseFields(HL7_FILE_FIELDS, values, env);
  if (parsed.problems.length > 0) return { problems: parsed.problems };
  const settings = (parsed.values.hl7Files ?? {}) as Hl7FileSettings;
  const problems = validateHl7FileConfig(settings);
  return problems.length > 0 ? { problems } : { settings, problems };
}

/** Defaults of every field (the intake off), with overrides: what tests start from. */
export function defaultHl7FileSettings(overrides: Partial<Hl7FileSettings> = {}): Hl7FileSettings {
  const { settings } = parseHl7FileFields({});
  if (settings === undefined) throw new Error('HL7 file intake defaults do not validate'); // programming error
  return { ...settings, ...overrides };
}

/** Settings from the environment (HL7_DROP_*), or a ConfigError listing every problem. */
export function hl7FileSettingsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Hl7FileSettings {
  const { settings, problems } = parseHl7FileFields({}, env);
  if (settings === undefined) throw new ConfigError(problems);
  return settings;
}
