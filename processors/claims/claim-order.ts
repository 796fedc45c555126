/**
 * Small pure helpers shared by the final-action computation (processors/claims/final-action.ts):
 * total orders over claim versions, exact amount comparison and content-addressed identities.
 * Every comparison here is a deterministic function of the values alone (no locale, no clock,
 * no arrival order) — that is what makes the final-action set order-independent.
 */

/** Code-unit string comparison (never `localeCompare`: its result depends on the runtime locale). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Nullable string comparison with null ordered first ("oldest"/"unknown" sorts before any value). */
export function compareNullableStrings(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return compareStrings(a, b);
}

/**
 * Claim ids such as CCLF CUR_CLM_UNIQ_ID are 13-digit numbers (IP v36 `9(13)`); Tuva's Part B
 * rule keeps the "highest" one. Digit strings compare numerically (leading zeros ignored),
 * anything else by code unit, and digit strings sort before other strings.
 */
export function compareClaimIds(a: string, b: string): number {
  const da = /^\d+$/.test(a);
  const db = /^\d+$/.test(b);
  if (da && db) {
    const na = a.replace(/^0+/, '');
    const nb = b.replace(/^0+/, '');
    if (na.length !== nb.length) return na.length - nb.length;
    return compareStrings(na, nb) || compareStrings(a, b);
  }
  if (da !== db) return da ? -1 : 1;
  return compareStrings(a, b);
}

/** CMS placeholder dates for "missing" (CCLF IP §3.6, via Tuva); parsers should already null them. */
const PLACEHOLDER_DATES = new Set(['1000-01-01', '9999-12-31']);

/** An ISO `YYYY-MM-DD` date, or null when absent, blank or a CMS placeholder. */
export function effectiveDate(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' || PLACEHOLDER_DATES.has(trimmed) ? null : trimmed;
}

/**
 * The delivery stamp of a CMS file name (`P.A1234.ACO.ZC1Y24.D240215.T0101010` → `240215T0101010`),
 * which orders CCLF deliveries; null for names without one (X12, payer files). Tuva derives its
 * `file_date` from the same `D` field (int_beneficiary_xref_deduped.sql).
 */
export function deliveryStamp(sourceFile: string | null | undefined): string | null {
  if (!sourceFile) return null;
  const m = /(?:^|\.)D(\d{6})\.T(\d{6,7})(?:\.|$)/.exec(sourceFile);
  return m ? `${m[1]}T${m[2]}` : null;
}

/**
 * Orders deliveries of the same content: the file's delivery stamp (none first), then the file
 * name. Two files with the same stamp and name are the same delivery.
 */
export function compareDeliveries(
  a: { readonly sourceFile?: string | null },
  b: { readonly sourceFile?: string | null },
): number {
  return (
    compareNullableStrings(deliveryStamp(a.sourceFile), deliveryStamp(b.sourceFile)) ||
    compareNullableStrings(a.sourceFile ?? null, b.sourceFile ?? null)
  );
}

/**
 * Canonical absolute value of a decimal string (`"-0080.50"` → `"80.5"`), used to pair a Part A
 * cancellation with the claim it cancels. Absolute because the CCLF IP says a cancellation is
 * generated identical to the claim it cancels (§5.2.1) while our schema notes amounts may arrive
 * negative on cancellations; either way the magnitudes match. Null stays null (SQL `PARTITION BY`
 * groups nulls together, and so do we); a malformed amount keeps its own group.
 */
export function canonicalAbsAmount(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const m = /^\s*[+-]?(\d*)(?:\.(\d*))?\s*$/.exec(value);
  if (!m || ((m[1] ?? '') === '' && (m[2] ?? '') === '')) return `malformed:${value}`;
  const int = (m[1] ?? '').replace(/^0+/, '') || '0';
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return frac === '' ? int : `${int}.${frac}`;
}

/**
 * Content identity of a record: JSON with object keys sorted at every level, so two deliveries of
 * the same record (or the same object re-delivered) collapse to one entry in a state map.
 */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(compareStrings)) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
