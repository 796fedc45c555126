/** The care-gap sinks, their tables and readers (docs/clickhouse-store.md, migration 0006). */
export { careGapSinks, startCareGapSinks, type CareGapSinks } from './care-gap-sinks.ts';
export { gapMembers, gapRates } from './readers.ts';
export {
  attributionChangeRows,
  evidenceJson,
  gapChangeRows,
  gapMemberFromRow,
  gapRateFromRow,
  isIsoDate,
  parseEvidence,
  statusVersion,
  type AttributionChangeRow,
  type AttributionChangeRows,
  type AttributionChangeValue,
  type AttributionStatusRow,
  type ChangeTrigger,
  type GapChangeRow,
  type GapChangeRows,
  type GapChangeStatus,
  type GapChangeValue,
  type GapMember,
  type GapRate,
  type GapStatusRow,
} from './rows.ts';
export {
  ATTRIBUTION_CHANGE_COLUMNS,
  ATTRIBUTION_CHANGE_TOPIC,
  ATTRIBUTION_STATUS_COLUMNS,
  CARE_GAP_TABLES,
  GAP_CHANGE_COLUMNS,
  GAP_CHANGE_TOPIC,
  GAP_RATE_COLUMNS,
  GAP_STATUS_COLUMNS,
  GAP_WORKLIST_COLUMNS,
} from './tables.ts';
