/**
 * Settings of the identity processor (processors/identity, docs/identity.md): the model file,
 * the two thresholds and the guards. Field table in the shape of runtime/config/fields.ts (every
 * key under `identity.`), merged into the central table.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import type { FieldSpec } from '../../runtime/config/fields.ts';
import { boolSetting } from '../../runtime/config/value-schemas.ts';
import { DEFAULT_DENY_LISTS, type DenyLists } from './features.ts';
import { DEFAULT_THRESHOLDS } from './defaults.ts';
import type { ModelParams } from './model.ts';
import type { IdentityConfig } from './identity-index.ts';

export interface IdentitySettings {
  /** JSON model file (m/u per level); undefined = the shipped default model. */
  modelFile?: string;
  autoLinkThreshold: number;
  reviewThreshold: number;
  /** YAML/JSON file with deny lists replacing the defaults (keys: names, ssn, phone, email, identifiers). */
  denyListFile?: string;
  sharedValueLimit: number;
  maxBlock: number;
  namesakeGuard: boolean;
}

const num = z.coerce.number().min(-100).max(200);
const posInt = (min: number, max: number): z.ZodType => z.coerce.number().int().min(min).max(max);

export const IDENTITY_FIELDS: readonly FieldSpec[] = [
  {
    path: 'identity.modelFile',
    env: 'IDENTITY_MODEL_FILE',
    description:
      'Fellegi–Sunter model (JSON: m and u per comparison level) written by `gapstream identity train`. Unset: the shipped model `processors/identity/default-model.json`, estimated with EM from a synthetic population.',
    expected: 'a JSON file path',
    example: '/etc/gapstream/identity-model.json',
    schema: z.string().min(1),
  },
  {
    path: 'identity.autoLinkThreshold',
    env: 'IDENTITY_AUTO_LINK_THRESHOLD',
    description:
      'Match weight (bits, log2 Bayes factor) at or above which a record is linked to a person automatically. Higher = fewer false merges, more reviews.',
    expected: 'a number of bits, e.g. 14',
    example: '16',
    default: String(DEFAULT_THRESHOLDS.autoLink),
    schema: num,
  },
  {
    path: 'identity.reviewThreshold',
    env: 'IDENTITY_REVIEW_THRESHOLD',
    description:
      'Match weight at or above which (and below the auto-link threshold) a pair goes to the review queue (`gapstream identity review`). Below it: a new person.',
    expected: 'a number of bits below the auto-link threshold',
    example: '6',
    default: String(DEFAULT_THRESHOLDS.review),
    schema: num,
  },
  {
    path: 'identity.denyListFile',
    env: 'IDENTITY_DENY_LIST_FILE',
    description:
      'YAML or JSON file of placeholder values that never link (keys `names`, `ssn`, `phone`, `email`, `identifiers`, each a list); replaces the built-in lists key by key.',
    expected: 'a file path',
    example: '/etc/gapstream/identity-deny.yaml',
    schema: z.string().min(1),
  },
  {
    path: 'identity.sharedValueLimit',
    env: 'IDENTITY_SHARED_VALUE_LIMIT',
    description:
      'An SSN, phone or email already held by this many index records is treated as a shared placeholder (a clinic phone, a family SSN) and ignored for matching.',
    expected: 'a whole number, 2 to 1000',
    example: '5',
    default: '5',
    schema: posInt(2, 1000),
  },
  {
    path: 'identity.maxBlock',
    env: 'IDENTITY_MAX_BLOCK',
    description:
      'Blocks (records sharing one blocking key) larger than this are skipped when looking for candidates: a too-common key says little and costs much.',
    expected: 'a whole number, 10 to 100000',
    example: '200',
    default: '200',
    schema: posInt(10, 100_000),
  },
  {
    path: 'identity.namesakeGuard',
    env: 'IDENTITY_NAMESAKE_GUARD',
    description:
      'Send a match to review instead of linking it when nothing of the address or phone agrees and no SSN or email does: a different person with the same name and birth date looks exactly like the same person who moved. On: fewer false merges, more reviews (bench/RESULTS.md, identity).',
    expected: 'true or false',
    example: 'false',
    default: 'true',
    schema: boolSetting,
  },
];

/** The settings with every default (benchmarks, tests and tools outside the config loader). */
export function defaultIdentitySettings(overrides: Partial<IdentitySettings> = {}): IdentitySettings {
  return {
    autoLinkThreshold: DEFAULT_THRESHOLDS.autoLink,
    reviewThreshold: DEFAULT_THRESHOLDS.review,
    sharedValueLimit: 5,
    maxBlock: 200,
    namesakeGuard: true,
    ...overrides,
  };
}

/** Cross-field checks (pure). */
export function validateIdentityConfig(s: IdentitySettings): string[] {
  return s.reviewThreshold < s.autoLinkThreshold
    ? []
    : [
        `IDENTITY_REVIEW_THRESHOLD (identity.reviewThreshold) = ${s.reviewThreshold} must be below IDENTITY_AUTO_LINK_THRESHOLD = ${s.autoLinkThreshold}.`,
      ];
}

const DEFAULT_MODEL = new URL('./default-model.json', import.meta.url);

/** Reads the model and deny lists the settings name and builds the index configuration. */
export function identityConfig(s: IdentitySettings): IdentityConfig {
  const model = JSON.parse(readFileSync(s.modelFile ?? DEFAULT_MODEL, 'utf8')) as ModelParams;
  let deny: DenyLists = DEFAULT_DENY_LISTS;
  if (s.denyListFile !== undefined) {
    const doc = parseYaml(readFileSync(s.denyListFile, 'utf8')) as Partial<DenyLists> | null;
    deny = { ...DEFAULT_DENY_LISTS, ...(doc ?? {}) };
  }
  return {
    model,
    thresholds: { autoLink: s.autoLinkThreshold, review: s.reviewThreshold },
    deny,
    sharedValueLimit: s.sharedValueLimit,
    maxBlock: s.maxBlock,
    namesakeGuard: s.namesakeGuard,
  };
}
