/**
 * The claims sinks: `claim.line.v1`, `roster.member.v1`, `member.xref.v1` and `file.manifest.v1`
 * into their ClickHouse tables, one sink (consumer group) per topic. Exactly-once results as for
 * every sink (docs/runtime.md, "Sinks"): the runner writes, then commits; the tables are
 * ReplacingMergeTree keyed by the record's content position, so a re-delivered batch reads once.
 */
import type { SinkDeps, SinkSpec } from '../../runtime/runner/sink-runner.ts';
import { startSink } from '../../runtime/runner/sink-runner.ts';
import type { StepContext } from '../../runtime/runner/step.ts';
import type { Store } from '../clickhouse/store.ts';
import {
  claimLineRow,
  fileManifestRow,
  memberXrefRow,
  rosterMemberRow,
  type LandingRow,
  type TopicValue,
} from './rows.ts';
import { CLAIMS_TABLES } from './tables.ts';

/** The four sink definitions, by what they land. */
export interface ClaimsSinks {
  claimLines: SinkSpec<TopicValue, LandingRow>;
  rosterMembers: SinkSpec<TopicValue, LandingRow>;
  memberXref: SinkSpec<TopicValue, LandingRow>;
  fileManifest: SinkSpec<TopicValue, LandingRow>;
}

/** Topic of the content manifest: one compacted partition keyed by SHA-256 (schemas/file.manifest.v1.avsc). */
export const FILE_MANIFEST_TOPIC = 'file.manifest.v1';

/** The claims sinks writing through `store`. */
export function claimsSinks(store: Store): ClaimsSinks {
  const sink = (
    name: string,
    input: string,
    table: string,
    toRow: (value: TopicValue, ctx: StepContext) => LandingRow,
  ): SinkSpec<TopicValue, LandingRow> => ({
    name,
    input,
    toRows: (value, ctx) => [toRow(value, ctx)],
    write: (rows) => store.insert(table, rows),
  });
  return {
    claimLines: sink('claims-lines-clickhouse', 'claim.line.v1', CLAIMS_TABLES.claimLines, claimLineRow),
    rosterMembers: sink(
      'claims-roster-clickhouse',
      'roster.member.v1',
      CLAIMS_TABLES.rosterMembers,
      rosterMemberRow,
    ),
    memberXref: sink('claims-xref-clickhouse', 'member.xref.v1', CLAIMS_TABLES.memberXref, memberXrefRow),
    fileManifest: sink(
      'claims-manifest-clickhouse',
      FILE_MANIFEST_TOPIC,
      CLAIMS_TABLES.fileManifest,
      fileManifestRow,
    ),
  };
}

/**
 * Starts the four sinks. The manifest topic is created first with its own shape (one compacted
 * partition): `startSink` would otherwise create a missing input topic with `deps.partitions`
 * plain partitions if the sinks start before the watcher.
 */
export async function startClaimsSinks(
  store: Store,
  deps: SinkDeps,
): Promise<{ name: string; stop(): Promise<void> }[]> {
  await deps.bus.ensureTopics([{ topic: FILE_MANIFEST_TOPIC, partitions: 1, compacted: true }]);
  const specs = claimsSinks(store);
  const started: { name: string; stop(): Promise<void> }[] = [];
  try {
    for (const spec of [specs.claimLines, specs.rosterMembers, specs.memberXref, specs.fileManifest])
      started.push(await startSink(spec, deps));
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
  return started;
}
