/**
 * Code normalization rules of the normalizer, each with its source.
 */

/**
 * HL7 coding-system names that mean ICD-10-CM in DG1-3.3 (HL7 table 0396 `I10`, `I10C`; feeds
 * also send the names spelt out). Matched upper-cased with `-`, `.` and spaces removed.
 */
const ICD10_SYSTEMS = new Set(['I10', 'I10C', 'ICD10', 'ICD10CM', 'I10CM', '2.16.840.1.113883.6.90']);

/** True when a coding-system name denotes ICD-10-CM. */
export function isIcd10System(system: string | null): boolean {
  if (system === null) return false;
  return ICD10_SYSTEMS.has(system.toUpperCase().replace(/[-. ]/g, '')) || system === '2.16.840.1.113883.6.90';
}

/**
 * ICD-10-CM in one form: upper case, no decimal point, no spaces (`e11.9` -> `E119`). This is
 * the form of the CMS/NCHS code files ("icd10cm_codes_YYYY.txt" at
 * https://www.cms.gov/medicare/coding-billing/icd-10-codes lists codes without the dot) and of
 * X12 837 HI segments and CMS CCLF claim files, so HL7 diagnoses compare equal to claims
 * diagnoses without further work. Returns null when the result is not ICD-10-CM shaped: a
 * letter, two more characters (digit, then digit or letter), up to four more letters/digits
 * (3 to 7 characters; the placeholder X is a letter). Validity against the code list itself is
 * a later stage's job.
 */
export function normalizeIcd10(code: string): string | null {
  const c = code.trim().toUpperCase().replace(/[.\s]/g, '');
  return /^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$/.test(c) ? c : null;
}

/**
 * NPI check digit: Luhn mod-10 over the 9 leading digits with the `80840` card-issuer prefix,
 * i.e. the constant 24 added to the sum (CMS, "Requirements for NPI Check Digit",
 * https://www.cms.gov/Regulations-and-Guidance/Administrative-Simplification/NationalProvIdentStand/Downloads/NPIcheckdigit.pdf).
 * NPIs start with 1 or 2 (45 CFR 162.406, 69 FR 3434).
 */
export function isValidNpi(id: string): boolean {
  if (!/^[12]\d{9}$/.test(id)) return false;
  let sum = 24;
  for (let i = 8; i >= 0; i--) {
    let d = id.charCodeAt(i) - 48;
    // Double every other digit starting with the rightmost of the nine.
    if ((8 - i) % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  const check = (10 - (sum % 10)) % 10;
  return check === id.charCodeAt(9) - 48;
}

/** LOINC code shape: up to 7 digits, dash, one check digit (https://loinc.org/kb/users-guide/). */
export function isLoincShaped(code: string): boolean {
  return /^\d{1,7}-\d$/.test(code);
}

/** HL7 coding-system names for LOINC (table 0396 `LN`, and the OID). */
export function isLoincSystem(system: string | null): boolean {
  return (
    system !== null &&
    (system.toUpperCase() === 'LN' || system === '2.16.840.1.113883.6.1' || system.toUpperCase() === 'LOINC')
  );
}

/** Digits of a phone number (US formatting removed); null when none. */
export function phoneDigits(text: string): string | null {
  const d = text.replace(/\D/g, '');
  return d === '' ? null : d;
}
