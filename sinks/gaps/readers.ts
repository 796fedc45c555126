/**
 * Readers of the care-gap tables for `gapstream report gaps` (and the demo): measure rates from
 * `gap_rates` and per-member statuses from `gap_status`. Filter values (contract id, period) never
 * enter SQL text: bound as query parameters where the server has them (chDB, 21.x+), else looked
 * up through `gap_lookups` (ClickHouse 18.16), as the identity readers do.
 */
import { selectWithValues } from '../clickhouse/select-with-values.ts';
import type { Store } from '../clickhouse/store.ts';
import { gapMemberFromRow, gapRateFromRow, isIsoDate, type GapMember, type GapRate } from './rows.ts';
import { CARE_GAP_TABLES, GAP_RATE_COLUMNS, GAP_STATUS_COLUMNS } from './tables.ts';

function filterValues(contractId: string, periodStart: string | undefined): Record<string, string> {
  if (contractId === '') throw new RangeError('contractId must not be empty');
  if (periodStart !== undefined && !isIsoDate(periodStart))
    throw new RangeError('periodStart must be a YYYY-MM-DD date');
  return periodStart === undefined ? { contract: contractId } : { contract: contractId, period: periodStart };
}

function where(ref: (name: string) => string, values: Readonly<Record<string, string>>): string {
  const clauses = [`contract_id = ${ref('contract')}`];
  if (values['period'] !== undefined) clauses.push(`period_start = ${ref('period')}`);
  return clauses.join(' AND ');
}

/**
 * Rates of a contract (optionally one measurement period) per measure, period and attributed
 * provider, from the current statuses (`gap_rates`, right before merges). Ordered by measure,
 * period, TIN, NPI (no provider last).
 */
export async function gapRates(store: Store, contractId: string, periodStart?: string): Promise<GapRate[]> {
  const values = filterValues(contractId, periodStart);
  const rows = await selectWithValues<Record<string, unknown>>(
    store,
    CARE_GAP_TABLES.lookups,
    (ref) =>
      `SELECT ${GAP_RATE_COLUMNS.join(', ')} FROM ${CARE_GAP_TABLES.gapRates} WHERE ${where(ref, values)} ORDER BY measure_id, period_start, period_end, attributed_tin, attributed_npi`,
    values,
  );
  return rows.map(gapRateFromRow);
}

/**
 * Every person's current status on every measure of a contract (optionally one period), ordered by
 * measure, period and person. Reads `gap_status FINAL` filtered on key columns only, which is
 * right before merges on every server and reads only the contract's part of the key.
 */
export async function gapMembers(
  store: Store,
  contractId: string,
  periodStart?: string,
): Promise<GapMember[]> {
  const values = filterValues(contractId, periodStart);
  const rows = await selectWithValues<Record<string, unknown>>(
    store,
    CARE_GAP_TABLES.lookups,
    (ref) =>
      `SELECT ${GAP_STATUS_COLUMNS.filter((c) => c !== 'version').join(', ')} FROM ${CARE_GAP_TABLES.gapStatus} FINAL WHERE ${where(ref, values)} ORDER BY measure_id, period_start, person_id`,
    values,
  );
  return rows.map(gapMemberFromRow);
}
