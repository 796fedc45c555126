/**
 * Demographics -> the normalized features the comparisons read. Normalization is where
 * placeholders die: a deny-listed value (SSN 000-00-0000, phone 999-999-9999, "UNKNOWN") becomes
 * missing, so it can neither add weight nor form a block.
 */
import { doubleMetaphone } from 'double-metaphone';
import type { Demographics } from './types.ts';

/** Normalized, comparable features of one observation (null = missing). */
export interface Features {
  given: string | null;
  family: string | null;
  /** Family name tokens when it has several (hyphenated or double-barrelled), else null. */
  familyParts: string[] | null;
  givenPhonetic: string | null;
  familyPhonetic: string | null;
  /** YYYYMMDD. */
  dob: string | null;
  sex: 'f' | 'm' | null;
  streetNumber: string | null;
  streetName: string | null;
  street2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  phone: string | null;
  email: string | null;
  ssn: string | null;
}

/** Placeholder values that must never link two records (configurable, see identity config). */
export interface DenyLists {
  /** Given or family names that are placeholders ("unknown", "baby"): compared as missing. */
  names: readonly string[];
  ssn: readonly string[];
  phone: readonly string[];
  email: readonly string[];
  /** Source identifier values that are placeholders in any system ("0", "UNKNOWN", "999999999"). */
  identifiers: readonly string[];
}

export const DEFAULT_DENY_LISTS: DenyLists = {
  names: [
    'unknown',
    'unk',
    'none',
    'na',
    'nfn',
    'nln',
    'baby',
    'babyboy',
    'babygirl',
    'boy',
    'girl',
    'infant',
    'newborn',
    'test',
    'patient',
    'trauma',
    'xxx',
    'anonymous',
  ],
  ssn: ['000000000', '111111111', '123456789', '999999999', '888888888', '123121234', '078051120'],
  phone: ['0000000000', '9999999999', '1111111111', '1234567890', '5555555555'],
  email: ['none@none.com', 'noemail@noemail.com', 'no@email.com', 'na@na.com', 'test@test.com'],
  identifiers: ['0', '00000000', 'unknown', 'UNKNOWN', '999999999', '000000000', 'NONE', 'TEMP', 'N/A'],
};

/** A deny list compiled for lookups. */
export interface CompiledDenyLists {
  names: Set<string>;
  ssn: Set<string>;
  phone: Set<string>;
  email: Set<string>;
  identifiers: Set<string>;
}

export function compileDenyLists(d: DenyLists): CompiledDenyLists {
  return {
    names: new Set(d.names.map((n) => compact(n))),
    ssn: new Set(d.ssn.map(digits)),
    phone: new Set(d.phone.map(digits)),
    email: new Set(d.email.map((e) => e.toLowerCase())),
    identifiers: new Set(d.identifiers.map((v) => v.trim().toUpperCase())),
  };
}

// Street type and direction abbreviations (USPS Publication 28, Appendix C1/C2 common forms).
const STREET_WORDS: Record<string, string> = {
  st: 'street',
  str: 'street',
  rd: 'road',
  ave: 'avenue',
  av: 'avenue',
  dr: 'drive',
  ln: 'lane',
  ct: 'court',
  pl: 'place',
  blvd: 'boulevard',
  cres: 'crescent',
  cr: 'crescent',
  hwy: 'highway',
  pkwy: 'parkway',
  cir: 'circle',
  ter: 'terrace',
  tce: 'terrace',
  trl: 'trail',
  sq: 'square',
  pde: 'parade',
  cl: 'close',
  wy: 'way',
  n: 'north',
  s: 'south',
  e: 'east',
  w: 'west',
  ne: 'northeast',
  nw: 'northwest',
  se: 'southeast',
  sw: 'southwest',
  apt: 'apartment',
  ste: 'suite',
};

function digits(s: string): string {
  return s.replace(/\D+/g, '');
}

const NON_ASCII = /[^ -~\t\r\n]/;

/** Diacritics split off (NFKD) only when there are any: most input is ASCII. */
function fold(s: string): string {
  return NON_ASCII.test(s) ? s.normalize('NFKD') : s;
}

/** Lowercase ASCII letters only: diacritics folded, everything else dropped ("O'Brien-Smith" -> "obriensmith"). */
function compact(s: string): string {
  return fold(s)
    .toLowerCase()
    .replace(/[^a-z]+/g, '');
}

/** Lowercase words of letters and digits, single spaces. */
function words(s: string): string[] {
  return fold(s)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w.length > 0);
}

function nonEmpty(s: string): string | null {
  return s.length > 0 ? s : null;
}

// Names repeat (a few thousand cover most people): remember their codes, bounded.
const PHONETIC_CACHE_LIMIT = 200_000;
const phoneticCache = new Map<string, string | null>();

function phonetic(name: string | null): string | null {
  if (name === null) return null;
  let code = phoneticCache.get(name);
  if (code === undefined) {
    code = (doubleMetaphone(name)[0] ?? null) || null;
    if (phoneticCache.size >= PHONETIC_CACHE_LIMIT) phoneticCache.clear();
    phoneticCache.set(name, code);
  }
  return code;
}

function name(raw: string | null | undefined, deny: CompiledDenyLists): string | null {
  if (raw === null || raw === undefined) return null;
  const n = compact(raw);
  return n.length === 0 || deny.names.has(n) ? null : n;
}

/** YYYY-MM-DD / YYYYMMDD -> YYYYMMDD when it is a plausible calendar date; else null. */
function birthDate(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const d = digits(raw);
  if (d.length !== 8) return null;
  const month = Number(d.slice(4, 6));
  const day = Number(d.slice(6, 8));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 ? d : null;
}

function street(raw: string | null | undefined): { number: string | null; name: string | null } {
  if (raw === null || raw === undefined) return { number: null, name: null };
  const w = words(raw).map((x) => STREET_WORDS[x] ?? x);
  const number = w.length > 0 && /^\d+[a-z]?$/.test(w[0]!) ? w.shift()! : null;
  return { number, name: nonEmpty(w.join(' ')) };
}

/** Normalizes one observation's demographics. Pure; cheap enough to run per record. */
export function toFeatures(d: Demographics, deny: CompiledDenyLists): Features {
  const given = name(d.given, deny);
  const family = name(d.family, deny);
  // Only names with a separator can have parts.
  const familyWords = d.family && /[\s-]/.test(d.family.trim()) ? words(d.family.replace(/[0-9]/g, '')) : [];
  const st = street(d.street);
  const sexCode = d.sex?.trim().toUpperCase();
  const ssn = d.ssn ? digits(d.ssn) : '';
  const phoneDigits = d.phone ? digits(d.phone).slice(-10) : '';
  const email = d.email ? d.email.trim().toLowerCase() : '';
  const postal = d.postalCode ? d.postalCode.trim().toUpperCase().replace(/\s+/g, '').slice(0, 5) : '';
  return {
    given,
    family,
    familyParts: family !== null && familyWords.length > 1 ? familyWords : null,
    givenPhonetic: phonetic(given),
    familyPhonetic: phonetic(family),
    dob: birthDate(d.birthDate),
    sex: sexCode === 'F' ? 'f' : sexCode === 'M' ? 'm' : null,
    streetNumber: st.number,
    streetName: st.name,
    street2: d.street2
      ? nonEmpty(
          words(d.street2)
            .map((x) => STREET_WORDS[x] ?? x)
            .join(' '),
        )
      : null,
    city: d.city ? nonEmpty(words(d.city).join(' ')) : null,
    state: d.state ? nonEmpty(compact(d.state)) : null,
    postalCode: postal.length >= 3 ? postal : null,
    // Fewer than 7 digits is not a phone number; 7-digit locals compare on their last 7.
    phone: phoneDigits.length >= 7 && !deny.phone.has(phoneDigits) ? phoneDigits : null,
    email: email.includes('@') && !deny.email.has(email) ? email : null,
    // Fewer than 7 digits is not an SSN (FEBRL's are 7); area 000/666 never issued (SSA).
    ssn: ssn.length >= 7 && !deny.ssn.has(ssn) && !/^(000|666)/.test(ssn) ? ssn : null,
  };
}
