/**
 * Decide and publish one claims file, exactly once per content: the core shared by the drop
 * directory watcher (which adds file moves, locks and reports) and `gapstream ingest` (a one-off
 * load with a progress bar). Steps: open the content's transactional producer (fencing any
 * earlier publisher of the same bytes), read the manifest, then duplicate → publish nothing;
 * validation fails → QUARANTINED; else publish from the committed position.
 */
import { promises as fsp } from 'node:fs';
import type { Bus, TransactionalProducer } from '../../runtime/bus/types.ts';
import type { Logger } from '../../runtime/telemetry/index.ts';
import type { Codec } from '../../schemas/codec.ts';
import { MANIFEST_TOPIC, type ManifestIndex, type ManifestRecord } from './manifest.ts';
import type { PayerMapping } from './mapping/index.ts';
import { manifestRecord, publishClaimsFile, type PublishProgress } from './publish-file.ts';
import { refusal, validateClaimsFile, type HashedFile, type Validation } from './validate-file.ts';

export interface IngestContext {
  bus: Bus;
  codec: Codec;
  index: ManifestIndex;
  mappings: readonly PayerMapping[];
  watcherId: string;
  linesPerTransaction: number;
  badLineLimit: number;
  logger: Logger;
  now: () => number;
  /** During validation, with the items read so far (every 65,536). */
  onValidate?: (items: number) => void;
  /** After each committed transaction, with the position reached and the start of this run. */
  onCommit?: (p: PublishProgress, resumedFrom: number) => Promise<void> | void;
}

export type IngestOutcome =
  /** Completed earlier under this name by this watcher (a crash came before the file was moved). */
  | { kind: 'already-completed'; prior: ManifestRecord }
  | { kind: 'duplicate'; v: Validation; prior: ManifestRecord; decision: string }
  | { kind: 'quarantine'; v: Validation; decision: string }
  | { kind: 'done'; v: Validation; published: number; resumedFrom: number; decision: string | null };

/** The file grew or was rewritten while it was being published. */
export class FileChangedError extends Error {
  constructor() {
    super('the file changed while it was being published');
    this.name = 'FileChangedError';
  }
}

/** Same size and mtime as when it was hashed (a sender still writing changes both). */
async function unchanged(path: string, file: HashedFile): Promise<boolean> {
  const st = await fsp.stat(path);
  return st.size === file.sizeBytes && st.mtimeMs === file.mtimeMs;
}

/** Kafka transactional id of a content: a second publisher of the same bytes fences the first. */
export function contentTransactionalId(sha256: string): string {
  return `gapstream-claims-${sha256.slice(0, 32)}`;
}

async function writeManifest(
  ctx: IngestContext,
  producer: TransactionalProducer,
  v: Validation,
  name: string,
  event: 'QUARANTINED' | 'DUPLICATE',
): Promise<void> {
  const prior = ctx.index.get(v.sha256);
  const progress = { position: prior?.linesCommitted ?? 0, records: prior?.recordsPublished ?? 0 };
  const value = await ctx.codec.encode(
    MANIFEST_TOPIC,
    manifestRecord(v, name, ctx.watcherId, event, progress, ctx.now()),
  );
  await producer.transaction((tx) => tx.send([{ topic: MANIFEST_TOPIC, key: v.sha256, value }]));
}

/**
 * Ingests `path` (delivered as `name`, already hashed). `recovered`: the file was found
 * unfinished at start-up, so a COMPLETED record of this name by this watcher means "move it".
 * Throws when Kafka fails; the next attempt resumes from the manifest.
 */
export async function ingestClaimsFile(
  ctx: IngestContext,
  path: string,
  name: string,
  file: HashedFile,
  recovered: boolean,
): Promise<IngestOutcome> {
  const producer = await ctx.bus.transactionalProducer(contentTransactionalId(file.sha256));
  try {
    // After initTransactions every earlier transaction of this content is settled, so the
    // manifest read now is the truth.
    await ctx.index.catchUp();
    const prior = ctx.index.get(file.sha256);
    const completed = ctx.index.completed(file.sha256);
    if (prior?.status === 'DONE') {
      if (recovered && completed?.fileName === name && completed.watcherId === ctx.watcherId)
        return { kind: 'already-completed', prior };
      const v = await validateClaimsFile(path, file, ctx.mappings, {
        onItems: ctx.onValidate,
        codec: ctx.codec,
      });
      await writeManifest(ctx, producer, v, name, 'DUPLICATE');
      return {
        kind: 'duplicate',
        v,
        prior,
        decision: `identical content (SHA-256) was already published from ${completed?.fileName ?? prior.fileName}; nothing was published again`,
      };
    }
    const v = await validateClaimsFile(path, file, ctx.mappings, {
      onItems: ctx.onValidate,
      codec: ctx.codec,
    });
    // Lines committed earlier — by a run that crashed, or before a quarantine — stay published:
    // the next run continues after them, never before.
    const committed = prior === undefined ? 0 : prior.linesCommitted;
    const already =
      committed > 0 ? ` (${committed} lines of it were published earlier and stay published)` : '';
    const quarantine = (decision: string): Promise<IngestOutcome> =>
      writeManifest(ctx, producer, v, name, 'QUARANTINED').then(() => ({ kind: 'quarantine', v, decision }));
    if (!(await unchanged(path, file)))
      return await quarantine(
        `the file changed while it was being read (the sender was still writing: use CLAIMS_DROP_COMPLETE=marker); nothing of the new bytes was published${already}`,
      );
    if (committed > 0 && prior!.parseFingerprint !== v.parseFingerprint) {
      ctx.logger.error(
        { file: name, committed },
        'a partly published file now parses differently (mappings or layouts changed): not resumed',
      );
      return await quarantine(
        `${committed} lines of this content were published under other mappings or parser settings, which now give another line sequence; resuming could skip or repeat lines, so nothing more was published: restore the earlier mappings and drop the file again`,
      );
    }
    const refused = refusal(v, ctx.badLineLimit);
    if (refused !== null) return await quarantine(`${refused}; nothing was published${already}`);
    const start =
      committed > 0 ? { position: committed, records: prior!.recordsPublished } : { position: 0, records: 0 };
    if (start.position > 0)
      ctx.logger.info({ file: name, position: start.position, total: v.items }, 'resuming a file');
    let result;
    try {
      result = await publishClaimsFile(
        {
          codec: ctx.codec,
          producer,
          mappings: ctx.mappings,
          watcherId: ctx.watcherId,
          linesPerTransaction: ctx.linesPerTransaction,
          now: ctx.now,
          onCommit: (p) => ctx.onCommit?.(p, start.position),
          beforeCommit: async () => {
            if (!(await unchanged(path, file))) throw new FileChangedError();
          },
        },
        path,
        name,
        v,
        start,
      );
    } catch (err) {
      if (!(err instanceof FileChangedError)) throw err;
      await ctx.index.catchUp(); // the positions this run committed
      const done = ctx.index.get(file.sha256)?.linesCommitted ?? 0;
      return await quarantine(
        `the file changed while it was being published (the sender was still writing: use CLAIMS_DROP_COMPLETE=marker); ${done} lines of the earlier bytes were published and stay published`,
      );
    }
    return {
      kind: 'done',
      v,
      published: result.records,
      resumedFrom: start.position,
      decision:
        v.badLines > 0
          ? `${v.badLines} bad lines were accepted under CLAIMS_BAD_LINE_LIMIT = ${ctx.badLineLimit}: each is listed here and dead-lettered; every other line was published`
          : null,
    };
  } finally {
    await producer.close().catch(() => undefined);
  }
}

/** A progress logger for long files: position, percent and lines/s every `everyMs`. */
export function progressLogger(
  logger: Logger,
  name: string,
  now: () => number,
  everyMs = 5000,
): (p: PublishProgress, resumedFrom: number) => void {
  const t0 = now();
  let last = t0;
  return (p, resumedFrom) => {
    const t = now();
    if (t - last < everyMs) return;
    last = t;
    logger.info(
      {
        file: name,
        position: p.position,
        total: p.total,
        percent: Math.floor((100 * p.position) / Math.max(1, p.total)),
        linesPerSecond: Math.round(((p.position - resumedFrom) * 1000) / Math.max(1, t - t0)),
      },
      'claims file progress',
    );
  };
}
