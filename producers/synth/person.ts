/**
 * People and the ways their registration data goes wrong, built on the identity generator's
 * pools and corruption functions (bench/support/identity-synth.ts): US name frequencies,
 * nicknames, keyboard typos, digit slips, address variants.
 */
import {
  digitTypo,
  dobDigitTypo,
  synthAddress,
  synthFamilyName,
  synthGivenName,
  synthPhone,
  titleCase,
  typo,
} from '../../bench/support/identity-synth.ts';
import { nicknamesOf } from '../../processors/identity/nicknames.ts';
import { daysInMonth } from './dates.ts';
import type { Random } from './rng.ts';

/** One person's demographics as a source wrote them (names lower case until a writer formats them). */
export interface Demographics {
  given: string;
  family: string;
  middle: string | null;
  sex: 'F' | 'M';
  /** YYYY-MM-DD. */
  birthDate: string;
  street: string;
  street2: string | null;
  city: string;
  state: string;
  postalCode: string;
  /** Ten digits, or null when the source left it out. */
  phone: string | null;
  /** The given name was typed in lower case (case noise): writers keep it as is. */
  givenAsTyped: boolean;
}

/** A person's true demographics plus the spelled-out street variant a clerk may type. */
export interface Person extends Demographics {
  streetLong: string;
}

/** A new person of the given sex and birth date, drawn from the identity generator's pools. */
export function makePerson(rng: Random, sex: 'F' | 'M', birthDate: string): Person {
  const given = synthGivenName(rng, sex);
  const family = synthFamilyName(rng);
  let middle = rng.chance(0.6) ? synthGivenName(rng, sex) : null;
  for (let i = 0; i < 3 && middle === given; i++) middle = synthGivenName(rng, sex);
  if (middle === given) middle = null;
  const address = synthAddress(rng);
  return {
    given,
    family,
    middle,
    sex,
    birthDate,
    street: address.street,
    streetLong: address.streetLong,
    street2: address.street2,
    city: address.city,
    state: address.state,
    postalCode: address.postalCode,
    phone: synthPhone(rng, address.area),
    givenAsTyped: false,
  };
}

/** What a corruption did (for counting; never printed with the value). */
export type Corruption =
  | 'nickname'
  | 'given-typo'
  | 'family-typo'
  | 'dob-slip'
  | 'phone-typo'
  | 'phone-missing'
  | 'street-variant'
  | 'middle-dropped'
  | 'case-noise';

const KINDS: readonly Corruption[] = [
  'nickname',
  'given-typo',
  'family-typo',
  'dob-slip',
  'phone-typo',
  'phone-missing',
  'street-variant',
  'middle-dropped',
  'case-noise',
];

/**
 * A birth date with one month/day slip that keeps the year (so the age at the end of the
 * measurement period, which only the year decides, never changes): a mistyped month or day
 * digit, else day and month swapped; null when neither gives another valid date.
 */
export function dobSlip(rng: Random, birthDate: string): string | null {
  const y = Number(birthDate.slice(0, 4));
  const m = Number(birthDate.slice(5, 7));
  const d = Number(birthDate.slice(8, 10));
  for (let i = 0; i < 4; i++) {
    const [ny, nm, nd] = dobDigitTypo(rng, y, m, d);
    if (ny === y && (nm !== m || nd !== d)) return fmt(y, nm, nd);
  }
  if (d <= 12 && d !== m && m <= daysInMonth(y, d)) return fmt(y, d, m);
  return null;
}

function fmt(y: number, m: number, d: number): string {
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * One source's copy of a person: with probability `rate`, one corruption of the kinds real
 * feeds show (identity-synth's typo/nickname/digit functions). `stableDob` forbids DOB slips
 * (members whose truth depends on the exact birthday). Sex is never corrupted: it decides
 * measure eligibility.
 */
export function observe(
  rng: Random,
  p: Person,
  rate: number,
  stableDob: boolean,
): { demo: Demographics; corruption: Corruption | null } {
  const demo: Demographics = {
    given: p.given,
    family: p.family,
    middle: p.middle,
    sex: p.sex,
    birthDate: p.birthDate,
    street: p.street,
    street2: p.street2,
    city: p.city,
    state: p.state,
    postalCode: p.postalCode,
    phone: p.phone,
    givenAsTyped: false,
  };
  if (!rng.chance(rate)) return { demo, corruption: null };
  const kind = rng.pick(KINDS);
  switch (kind) {
    case 'nickname': {
      const nicks = nicknamesOf(p.given);
      if (nicks.length === 0) {
        demo.given = typo(rng, p.given);
        return { demo, corruption: 'given-typo' };
      }
      demo.given = rng.pick(nicks);
      return { demo, corruption: kind };
    }
    case 'given-typo':
      demo.given = typo(rng, p.given);
      return { demo, corruption: kind };
    case 'family-typo':
      demo.family = typo(rng, p.family);
      return { demo, corruption: kind };
    case 'dob-slip': {
      const slipped = stableDob ? null : dobSlip(rng, p.birthDate);
      if (slipped === null) {
        demo.family = typo(rng, p.family);
        return { demo, corruption: 'family-typo' };
      }
      demo.birthDate = slipped;
      return { demo, corruption: kind };
    }
    case 'phone-typo':
      if (p.phone === null) return { demo, corruption: null };
      demo.phone = digitTypo(rng, p.phone, 3);
      return { demo, corruption: kind };
    case 'phone-missing':
      demo.phone = null;
      return { demo, corruption: kind };
    case 'street-variant':
      demo.street = p.streetLong;
      return { demo, corruption: kind };
    case 'middle-dropped':
      demo.middle = null;
      return { demo, corruption: kind };
    case 'case-noise':
      demo.givenAsTyped = true;
      return { demo, corruption: kind };
  }
}

/** A name as a source writes it: upper case, title case, or (case noise) as typed. */
export function nameCase(s: string, style: 'upper' | 'title', asTyped = false): string {
  if (asTyped) return s;
  return style === 'upper' ? s.toUpperCase() : titleCase(s);
}
