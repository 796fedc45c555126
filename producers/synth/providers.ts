/**
 * Providers of the synthetic population: the organization's four NPIs and TIN (the test values
 * of contracts/*.yaml) and a few outside practices. All made up; every NPI carries a valid CMS
 * check digit so the parsers accept it.
 */

/** The organization's TIN (contracts/example-*.yaml `providers.tins`). */
export const OUR_TIN = '123456789';

/** A rendering provider (or a facility, for the hospice). */
export interface Provider {
  npi: string;
  tin: string;
  /** CMS provider specialty code (CCLF5 CLM_PRVDR_SPCLTY_CD). */
  specialty: string;
  /** NUCC taxonomy (837P PRV03), what a commercial claim carries instead of a CMS specialty. */
  taxonomy: string;
  family: string;
  given: string;
  /** Practice (or facility) name. */
  practice: string;
  ours: boolean;
}

/**
 * NPI check digit: Luhn over the 9 leading digits with the 80840 prefix (constant 24 added), as
 * processors/normalize/codes.ts `isValidNpi` checks it (CMS "Requirements for NPI Check Digit").
 */
export function withNpiCheckDigit(base9: string): string {
  let sum = 24;
  for (let i = 8; i >= 0; i--) {
    let d = base9.charCodeAt(i) - 48;
    if ((8 - i) % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return base9 + String((10 - (sum % 10)) % 10);
}

const OUR_PRACTICE = 'NORTH CLINIC MEDICAL GROUP';

/**
 * The contract NPIs with a specialty each: three primary care physicians (CMS 08 family
 * practice, 11 internal medicine, 38 geriatric medicine: MSSP step 1) and a nurse practitioner
 * (50: a primary care professional for the commercial contract, not a physician for MSSP step 1).
 */
export const OUR_PROVIDERS: readonly Provider[] = [
  {
    npi: '1234567893',
    tin: OUR_TIN,
    specialty: '08',
    taxonomy: '207Q00000X',
    family: 'ASHGROVE',
    given: 'ELENA',
    practice: OUR_PRACTICE,
    ours: true,
  },
  {
    npi: '1987654328',
    tin: OUR_TIN,
    specialty: '11',
    taxonomy: '207R00000X',
    family: 'BRANDT',
    given: 'OWEN',
    practice: OUR_PRACTICE,
    ours: true,
  },
  {
    npi: '1543210987',
    tin: OUR_TIN,
    specialty: '38',
    taxonomy: '207QG0300X',
    family: 'CALLOWAY',
    given: 'NINA',
    practice: OUR_PRACTICE,
    ours: true,
  },
  {
    npi: '1765432103',
    tin: OUR_TIN,
    specialty: '50',
    taxonomy: '363LF0000X',
    family: 'DURAND',
    given: 'PAUL',
    practice: OUR_PRACTICE,
    ours: true,
  },
];

/** Our physicians (MSSP step-1 specialties 01/08/11/38). */
export const OUR_PCPS: readonly Provider[] = OUR_PROVIDERS.filter((p) => p.specialty !== '50');
/** Our nurse practitioner. */
export const OUR_NP: Provider = OUR_PROVIDERS[3]!;

/** The group's organizational NPI: the 837P billing provider of our claims. */
export const OUR_BILLING_NPI = withNpiCheckDigit('156789012');

function outside(
  base9: string,
  tin: string,
  specialty: string,
  taxonomy: string,
  family: string,
  given: string,
  practice: string,
): Provider {
  return { npi: withNpiCheckDigit(base9), tin, specialty, taxonomy, family, given, practice, ours: false };
}

/** Outside primary care physicians (other practices' TINs). */
export const OUTSIDE_PCPS: readonly Provider[] = [
  outside('161803398', '987654321', '08', '207Q00000X', 'FENWICK', 'ROSA', 'LAKEVIEW FAMILY PHYSICIANS'),
  outside('161803399', '987654321', '08', '207Q00000X', 'GALLOWAY', 'IAN', 'LAKEVIEW FAMILY PHYSICIANS'),
  outside('171828182', '555123456', '11', '207R00000X', 'HOLLIS', 'MAYA', 'RIVERBEND INTERNAL MEDICINE'),
];

/** Outside specialists and facilities that supply evidence but never primary care. */
export const OUTSIDE_GI = outside(
  '141421356',
  '444555666',
  '10',
  '207RG0100X',
  'IVERSEN',
  'TOMAS',
  'GREAT LAKES GI ASSOCIATES',
);
export const OUTSIDE_RADIOLOGY = outside(
  '173205080',
  '333222111',
  '30',
  '2085R0202X',
  'JARDINE',
  'LENA',
  'NORTHSHORE IMAGING',
);
export const OUTSIDE_ED = outside(
  '122360679',
  '222333444',
  '93',
  '207P00000X',
  'KOVAC',
  'DMITRI',
  'MERCY EMERGENCY PHYSICIANS',
);
export const OUTSIDE_SURGEON = outside(
  '126457513',
  '666777888',
  '02',
  '208600000X',
  'LINDQVIST',
  'ANNA',
  'LAKESHORE SURGICAL',
);
/** A hospice agency: facility NPI and CMS certification number (CCN 14xxxx: Illinois, 1500-1799 hospice). */
export const HOSPICE = outside('131415926', '777888999', '', '251G00000X', '', '', 'HARBOR HOSPICE');
export const HOSPICE_CCN = '141523';

/** Every provider by NPI. */
export const PROVIDERS_BY_NPI: ReadonlyMap<string, Provider> = new Map(
  [
    ...OUR_PROVIDERS,
    ...OUTSIDE_PCPS,
    OUTSIDE_GI,
    OUTSIDE_RADIOLOGY,
    OUTSIDE_ED,
    OUTSIDE_SURGEON,
    HOSPICE,
  ].map((p) => [p.npi, p]),
);
