/**
 * Feed profiles: what the normalizer must know about one HL7 source that the message does not
 * say itself (docs/normalize.md, "Feed profiles"). One YAML file per source in `feeds/`,
 * validated with zod; every problem of every file is reported at once, naming the file and the
 * key (CONVENTIONS.md 3 and 4).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../runtime/errors.ts';

/** Where a feed puts the payer's member id (senders differ; domain-facts.md 1.5, IN1). */
export const MEMBER_ID_LOCATIONS = ['IN1-49', 'IN1-36', 'IN1-2', 'PID-19', 'PID-3'] as const;
export type MemberIdLocation = (typeof MEMBER_ID_LOCATIONS)[number];

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const nonEmpty = z.string().trim().min(1);

/** The YAML shape of one feed profile (unknown keys are refused: a misspelt key is an error). */
export const feedProfileSchema = z.strictObject({
  id: nonEmpty.regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes, e.g. northclinic-epic'),
  description: z.string().optional(),
  match: z
    .strictObject({
      /** MSH-4.1 sending facility namespace (or the whole MSH-4 as received). */
      sendingFacility: nonEmpty.optional(),
      /** MSH-3.1 sending application namespace (or the whole MSH-3 as received). */
      sendingApplication: nonEmpty.optional(),
      /** Only the default profile matches everything. */
      default: z.literal(true).optional(),
    })
    .refine(
      (m) => m.default === true || m.sendingFacility !== undefined || m.sendingApplication !== undefined,
      {
        message:
          'needs sendingFacility and/or sendingApplication (or default: true for the fallback profile)',
      },
    ),
  /** IANA zone for HL7 timestamps without an offset, e.g. America/Chicago. */
  timeZone: nonEmpty.refine(validTimeZone, { message: 'not an IANA time zone, e.g. America/Chicago or UTC' }),
  mrn: z.strictObject({
    /** PID-3 CX.5 identifier type codes that mark the MRN (HL7 table 0203), in preference order. */
    identifierTypes: z.array(nonEmpty).default(['MR']),
    /** PID-3 CX.4 assigning authorities accepted for the MRN; empty = any. */
    assigningAuthorities: z.array(nonEmpty).default([]),
    /**
     * When no PID-3 repetition matches: `first-identifier` keys by the first identifier and emits
     * a MRN_NOT_FOUND data-quality event; `reject` dead-letters the message.
     */
    fallback: z.enum(['first-identifier', 'reject']).default('first-identifier'),
  }),
  memberId: z
    .strictObject({
      location: z.enum(MEMBER_ID_LOCATIONS),
      /** For PID-3: the CX.5 types (e.g. MB, MC, MA) and/or CX.4 authorities that mark the member id. */
      identifierTypes: z.array(nonEmpty).default(['MB', 'MC', 'MA']),
      assigningAuthorities: z.array(nonEmpty).default([]),
    })
    .default({ location: 'IN1-49', identifierTypes: ['MB', 'MC', 'MA'], assigningAuthorities: [] }),
  codeMaps: z
    .strictObject({
      /**
       * Local OBX-3 (and OBR-4) codes -> LOINC. Key `CODE` or `SYSTEM:CODE` (the system-qualified
       * key wins), value the LOINC code, e.g. `99LAB:GLU: 2345-7`.
       */
      observations: z
        .record(nonEmpty, nonEmpty.regex(/^\d{1,7}-\d$/, 'a LOINC code such as 2345-7'))
        .default({}),
      /** OBX-6 unit as sent -> UCUM, e.g. `mg/dl: mg/dL`. */
      units: z.record(nonEmpty, nonEmpty).default({}),
    })
    .default({ observations: {}, units: {} }),
  /**
   * OBR-24 diagnostic service sections whose orders also stand for a performed procedure (a
   * screening mammogram or colonoscopy report), emitted as PROCEDURE besides their OBX results.
   */
  procedureSections: z.array(nonEmpty).default(['RAD']),
});

export type FeedProfile = z.infer<typeof feedProfileSchema>;

/** The directory of shipped profiles (`feeds/` at the project root). */
export const FEEDS_DIR = resolve(import.meta.dirname, '../../feeds');

/** A set of profiles with the lookup the normalizer does per message. */
export interface FeedProfiles {
  readonly all: readonly FeedProfile[];
  readonly fallback: FeedProfile;
  /** The profile for a source: facility+application match, then facility, then application, then default. */
  resolve(sendingApplication: string | null, sendingFacility: string | null): FeedProfile;
}

function first(hd: string | null): string | null {
  if (hd === null) return null;
  const i = hd.indexOf('^');
  return i < 0 ? hd : hd.slice(0, i);
}

/** Build the lookup over validated profiles; exactly one must be the default. */
export function feedProfiles(profiles: readonly FeedProfile[], where = 'feed profiles'): FeedProfiles {
  const problems: string[] = [];
  const defaults = profiles.filter((p) => p.match.default === true);
  if (defaults.length !== 1)
    problems.push(
      `${where}: expected exactly one profile with match.default: true (found ${defaults.length}); ship feeds/default.yaml`,
    );
  const seen = new Map<string, string>();
  for (const p of profiles) {
    if (p.match.default === true) continue;
    const k = `${p.match.sendingFacility ?? '*'}|${p.match.sendingApplication ?? '*'}`;
    const other = seen.get(k);
    if (other !== undefined)
      problems.push(`${where}: profiles ${other} and ${p.id} have the same match (${k})`);
    seen.set(k, p.id);
  }
  const ids = new Set<string>();
  for (const p of profiles) {
    if (ids.has(p.id)) problems.push(`${where}: profile id ${p.id} is used twice`);
    ids.add(p.id);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const fallback = defaults[0]!;
  const byBoth = new Map<string, FeedProfile>();
  const byFacility = new Map<string, FeedProfile>();
  const byApp = new Map<string, FeedProfile>();
  for (const p of profiles) {
    const { sendingFacility: f, sendingApplication: a } = p.match;
    if (f !== undefined && a !== undefined) byBoth.set(`${f}|${a}`, p);
    else if (f !== undefined) byFacility.set(f, p);
    else if (a !== undefined) byApp.set(a, p);
  }
  // Cache per (app, facility) text: a feed has few distinct senders, and resolve runs per message.
  const cache = new Map<string, FeedProfile>();
  return {
    all: profiles,
    fallback,
    resolve(app, facility) {
      const ck = `${app ?? ''}\u0000${facility ?? ''}`;
      const hit = cache.get(ck);
      if (hit !== undefined) return hit;
      const fs = [facility, first(facility)].filter((x): x is string => x !== null && x !== '');
      const as = [app, first(app)].filter((x): x is string => x !== null && x !== '');
      let found: FeedProfile | undefined;
      for (const f of fs) for (const a of as) found ??= byBoth.get(`${f}|${a}`);
      for (const f of fs) found ??= byFacility.get(f);
      for (const a of as) found ??= byApp.get(a);
      const result = found ?? fallback;
      if (cache.size < 10_000) cache.set(ck, result);
      return result;
    },
  };
}

/** Validate one parsed YAML document; problems name the file and the key path. */
export function parseFeedProfile(doc: unknown, file: string): { profile?: FeedProfile; problems: string[] } {
  const r = feedProfileSchema.safeParse(doc);
  if (r.success) return { profile: r.data, problems: [] };
  return {
    problems: r.error.issues.map((i) => {
      const key = i.path.length > 0 ? i.path.map(String).join('.') : '(top level)';
      return `${file}: ${key}: ${i.message}`;
    }),
  };
}

/** Load and validate every `*.yaml`/`*.yml` in a directory; throws ConfigError listing every problem. */
export function loadFeedProfiles(dir: string = FEEDS_DIR): FeedProfiles {
  const problems: string[] = [];
  const profiles: FeedProfile[] = [];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort();
  } catch (err) {
    throw new ConfigError([`feed profiles: cannot read directory ${dir}: ${(err as Error).message}`]);
  }
  for (const name of names) {
    const file = join(dir, name);
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      problems.push(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
      continue;
    }
    const r = parseFeedProfile(doc, file);
    problems.push(...r.problems);
    if (r.profile) profiles.push(r.profile);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return feedProfiles(profiles, basename(dir) === 'feeds' ? dir : `feed profiles in ${dir}`);
}
