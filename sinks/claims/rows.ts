/**
 * Pure record → row mappings of the claims sinks (CONVENTIONS.md §5: the sink's `toRows`).
 * Columns: tables.ts; DDL: sinks/clickhouse/migrations/0003_claims_landing.sql.
 */
import type { StepContext } from '../../runtime/runner/step.ts';
import { finalActionGroup } from '../../processors/claims/final-action-chunks.ts';
import { BadRecordError } from '../../runtime/errors.ts';
import { dateTimeText, toRow } from './columns.ts';
import {
  CLAIM_LINE_COLUMNS,
  FILE_MANIFEST_COLUMNS,
  MEMBER_XREF_COLUMNS,
  ROSTER_MEMBER_COLUMNS,
  SOURCE_COLUMNS,
} from './tables.ts';

/** A row for one of the landing tables (column name → JSONEachRow value). */
export type LandingRow = Record<string, unknown>;

/** A decoded topic value (the Avro codec has checked its shape). */
export type TopicValue = Readonly<Record<string, unknown>>;

function sourceOf(ctx: StepContext): LandingRow {
  return toRow(SOURCE_COLUMNS, {
    sourcePartition: ctx.source.partition,
    sourceOffset: ctx.source.offset,
    publishedAt: ctx.timestamp,
  });
}

/** `claim.line.v1` → `claim_lines`, with the row's final-action group. */
export function claimLineRow(value: TopicValue, ctx: StepContext): LandingRow {
  const group = finalActionGroup({
    sourceFormat: value['sourceFormat'] as string,
    claimId: value['claimId'] as string,
    claimControlNumber: value['claimControlNumber'] as string | null,
    memberId: value['memberId'] as string,
  });
  return { ...toRow(CLAIM_LINE_COLUMNS, value), final_action_group: group, ...sourceOf(ctx) };
}

/** `roster.member.v1` → `roster_members`. */
export function rosterMemberRow(value: TopicValue, ctx: StepContext): LandingRow {
  return { ...toRow(ROSTER_MEMBER_COLUMNS, value), ...sourceOf(ctx) };
}

/** `member.xref.v1` → `member_xref`. */
export function memberXrefRow(value: TopicValue, ctx: StepContext): LandingRow {
  return { ...toRow(MEMBER_XREF_COLUMNS, value), ...sourceOf(ctx) };
}

/**
 * Order of manifest events that share a millisecond, for "latest state" (file_manifest_latest):
 * a file starts, makes progress, then ends; a DUPLICATE is only written for a finished content.
 */
export const MANIFEST_EVENT_RANK: Readonly<Record<string, number>> = {
  STARTED: 0,
  PROGRESS: 1,
  COMPLETED: 2,
  QUARANTINED: 2,
  DUPLICATE: 3,
};

/** `file.manifest.v1` → `file_manifest`. */
export function fileManifestRow(value: TopicValue, ctx: StepContext): LandingRow {
  const event = value['event'] as string;
  const rank = MANIFEST_EVENT_RANK[event];
  if (rank === undefined)
    throw new BadRecordError(
      'CLICKHOUSE_ROW_MANIFEST_EVENT',
      `file.manifest.v1 event is not one of ${Object.keys(MANIFEST_EVENT_RANK).join(', ')}.`,
    );
  return {
    ...toRow(FILE_MANIFEST_COLUMNS, value),
    at: dateTimeText(value['at'] as number),
    event_rank: rank,
    ...sourceOf(ctx),
  };
}
