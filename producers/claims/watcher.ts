/**
 * The claims/roster drop directory: files dropped into `<dir>/inbox/` (locally, or by the SFTP
 * pull) are taken once complete, moved to `processing/<watcher>/`, validated (first pass), then
 * published exactly once (second pass) and moved to `done/`, or moved to `quarantine/` with a
 * report. See docs/claims-watcher.md.
 *
 * Exactly once, per content: the file's SHA-256 keys the `file.manifest.v1` manifest. A content
 * already DONE publishes nothing (a re-drop or a renamed copy goes to done/ as a duplicate); an
 * IN_PROGRESS content resumes after the last committed transaction; several watchers on one
 * directory race only on the atomic rename out of `inbox/` (one wins each file), and on a
 * content lock when the same bytes arrive under two names at once.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Bus } from '../../runtime/bus/types.ts';
import { DEAD_LETTER_TOPIC } from '../../runtime/runner/dead-letter.ts';
import { freeName, isErrno, moveInto, moveWithReports, syncDir } from '../../runtime/drop-dir/fs.ts';
import { InboxScanner, MARKER } from '../../runtime/drop-dir/inbox-scan.ts';
import { createPollLoop } from '../../runtime/drop-dir/poll-loop.ts';
import { safeStandIn } from '../../runtime/drop-dir/names.ts';
import type { Logger, StageMetrics } from '../../runtime/telemetry/index.ts';
import { BadRecordError, describeError, GapstreamError } from '../../runtime/errors.ts';
import type { Codec } from '../../schemas/codec.ts';
import type { ClaimsSettings } from './config.ts';
import { acquireContentLock } from './content-lock.ts';
import { MANIFEST_TOPIC, ManifestIndex } from './manifest.ts';
import type { PayerMapping } from './mapping/index.ts';
import { ingestClaimsFile, progressLogger } from './ingest-file.ts';
import { CLAIMS_COMPONENT, type PublishProgress } from './publish-file.ts';
import { buildReport, reportText, type ClaimsDisposition, type ClaimsFileReport } from './report.ts';
import { hashPath, type Validation } from './validate-file.ts';

export const CLAIM_TOPICS = ['claim.line.v1', 'roster.member.v1', 'member.xref.v1'] as const;

export interface ClaimsWatcherDeps {
  bus: Bus;
  codec: Codec;
  logger: Logger;
  /** `telemetry.stage('claims')`: files by outcome as errors, lines as received/emitted. */
  stage: StageMetrics;
  mappings: readonly PayerMapping[];
  /** Unique per running watcher (its processing/ subdirectory and lock owner). */
  watcherId: string;
  /** Partitions of the claim topics when they are created. */
  partitions: number;
  now?: () => number;
  /** After each committed transaction (tests: a crash point; logs: progress). */
  onCommit?: (file: string, p: PublishProgress) => Promise<void> | void;
}

/** What happened to one file in a poll. */
export interface ClaimsFileResult {
  name: string;
  disposition: ClaimsDisposition | 'busy' | 'retry';
  finalName?: string;
  report?: ClaimsFileReport;
}

export interface ClaimsWatcher {
  poll(): Promise<ClaimsFileResult[]>;
  start(): void;
  close(): Promise<void>;
}

/** Creates the topics the watcher writes (the manifest: one compacted partition). */
export async function ensureClaimsTopics(bus: Bus, partitions: number): Promise<void> {
  await bus.ensureTopics([
    ...CLAIM_TOPICS.map((topic) => ({ topic, partitions })),
    { topic: DEAD_LETTER_TOPIC, partitions },
    { topic: MANIFEST_TOPIC, partitions: 1, compacted: true },
  ]);
}

const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOSPC',
  'EMFILE',
  'ENFILE',
  'EBUSY',
]);

/**
 * Worth retrying the same file later: Kafka (kafkajs errors, the runtime's bus errors), network
 * and resource errors. Everything else is about the file and quarantines it.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof BadRecordError) return false;
  if (err instanceof GapstreamError) return true;
  if (!(err instanceof Error)) return false;
  if (err.name.startsWith('KafkaJS')) return true;
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && TRANSIENT_ERRNO.has(code);
}

export function createClaimsWatcher(deps: ClaimsWatcherDeps, settings: ClaimsSettings): ClaimsWatcher {
  if (settings.dir === undefined) throw new TypeError('createClaimsWatcher: settings.dir is required');
  const root = settings.dir;
  const dirs = {
    inbox: join(root, 'inbox'),
    processing: join(root, 'processing', deps.watcherId),
    done: join(root, 'done'),
    quarantine: join(root, 'quarantine'),
    locks: join(root, '.state', 'locks'),
  };
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: CLAIMS_COMPONENT, watcher: deps.watcherId });
  const scanner = new InboxScanner(dirs.inbox, settings.complete, log);
  const index = new ManifestIndex(deps.bus, deps.codec);
  let prepared = false;

  async function prepare(): Promise<void> {
    if (prepared) return;
    for (const d of Object.values(dirs)) await fsp.mkdir(d, { recursive: true, mode: 0o750 });
    await ensureClaimsTopics(deps.bus, deps.partitions);
    prepared = true;
  }

  async function finish(
    from: string | Buffer,
    name: string,
    disposition: ClaimsDisposition,
    report: Omit<Parameters<typeof buildReport>[0], 'file' | 'originalName' | 'disposition' | 'at'> | null,
    v: Validation | null,
    targetName = name,
  ): Promise<ClaimsFileResult> {
    const dir = disposition === 'quarantine' ? dirs.quarantine : dirs.done;
    let full: ClaimsFileReport | undefined;
    let finalName: string;
    if (report !== null) {
      finalName = await freeName(dir, targetName);
      full = buildReport({ ...report, file: finalName, originalName: name, disposition, at: now() }, v);
      await moveWithReports(from, dir, finalName, {
        json: JSON.stringify(full, null, 2) + '\n',
        txt: reportText(full),
      });
    } else {
      finalName = await moveInto(from, dir, targetName);
    }
    if (disposition === 'quarantine') deps.stage.error(v?.problemCodes[0] ?? 'CLAIMS_FILE_QUARANTINED');
    log[disposition === 'quarantine' ? 'warn' : 'info'](
      {
        file: finalName,
        disposition,
        format: v?.format,
        items: v?.items,
        records: v?.records,
        badLines: v?.badLines,
        codes: v?.problemCodes,
      },
      `claims file ${disposition}`,
    );
    return { name, disposition, finalName, report: full };
  }

  /** Decides and publishes one file of processing/<me>/. */
  async function processFile(name: string, recovered: boolean): Promise<ClaimsFileResult> {
    const path = join(dirs.processing, name);
    const file = await hashPath(path);
    if (!file.ok)
      return finish(
        path,
        name,
        'quarantine',
        { decision: `the file ${file.reason}: never followed or read` },
        null,
      );
    const lock = await acquireContentLock(dirs.locks, file.sha256, deps.watcherId, settings.lockLeaseMs, now);
    if (lock === null) {
      log.info({ file: name }, 'the same content is being published by another watcher; retried later');
      return { name, disposition: 'busy' };
    }
    const renew = setInterval(() => void lock.renew(), Math.max(250, Math.floor(settings.lockLeaseMs / 3)));
    try {
      const progress = progressLogger(log, name, now);
      const outcome = await ingestClaimsFile(
        {
          bus: deps.bus,
          codec: deps.codec,
          index,
          mappings: deps.mappings,
          watcherId: deps.watcherId,
          linesPerTransaction: settings.linesPerTransaction,
          badLineLimit: settings.badLineLimit,
          logger: log,
          now,
          onCommit: async (p, resumedFrom) => {
            progress(p, resumedFrom);
            await deps.onCommit?.(name, p);
          },
        },
        path,
        name,
        file,
        recovered,
      );
      switch (outcome.kind) {
        case 'already-completed':
          return await finish(path, name, 'done', null, null);
        case 'duplicate':
          return await finish(path, name, 'duplicate', { decision: outcome.decision }, outcome.v);
        case 'quarantine':
          return await finish(path, name, 'quarantine', { decision: outcome.decision }, outcome.v);
        case 'done':
          deps.stage.received(outcome.v.items - outcome.resumedFrom);
          deps.stage.emitted(outcome.published);
          return await finish(
            path,
            name,
            'done',
            outcome.decision === null ? null : { decision: outcome.decision, published: outcome.published },
            outcome.v,
          );
      }
    } finally {
      clearInterval(renew);
      await lock.release();
    }
  }

  /** Moves an inbox entry to processing/<me>/ (atomic rename: the claim); false when another took it. */
  async function claim(name: string): Promise<boolean> {
    try {
      await fsp.rename(join(dirs.inbox, name), join(dirs.processing, name));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
    await syncDir(dirs.processing);
    if (settings.complete === 'marker') await fsp.rm(join(dirs.inbox, name + MARKER), { force: true });
    return true;
  }

  async function attempt(name: string, recovered: boolean): Promise<ClaimsFileResult> {
    try {
      return await processFile(name, recovered);
    } catch (err) {
      if (isTransient(err)) {
        // Kafka or disk trouble: the file stays in processing/<me>/ and resumes from the manifest.
        deps.stage.error('CLAIMS_FILE_RETRY');
        log.warn({ file: name, err }, 'claims file not finished; retried on the next poll');
        return { name, disposition: 'retry' };
      }
      // Anything else is about this file (unreadable, a line too long to hold, a bug it
      // triggers): quarantine it with the reason, so one file never blocks the others.
      const { code, message } = describeError(err);
      log.error({ file: name, code }, 'claims file could not be processed: quarantined');
      try {
        return await finish(
          join(dirs.processing, name),
          name,
          'quarantine',
          {
            decision: `the file could not be processed (${code}: ${message}); lines committed before stay published`,
          },
          null,
        );
      } catch (moveErr) {
        log.error(
          { file: name, err: moveErr },
          'claims file could not be quarantined; retried on the next poll',
        );
        return { name, disposition: 'retry' };
      }
    }
  }

  /** Files found in processing/<me>/ at start-up: left by a crash of this watcher. */
  let leftovers: Set<string> | undefined;

  async function pollOnce(): Promise<ClaimsFileResult[]> {
    await prepare();
    const results: ClaimsFileResult[] = [];
    const inProcessing = (await fsp.readdir(dirs.processing)).sort();
    leftovers ??= new Set(inProcessing);
    for (const name of inProcessing) {
      if (loop.stopped) return results;
      const r = await attempt(name, leftovers.has(name));
      if (r.disposition !== 'busy' && r.disposition !== 'retry') leftovers.delete(name);
      results.push(r);
      if (r.disposition === 'retry') return results;
    }
    const { ready, refused } = await scanner.scan();
    for (const { name, path, reason } of refused) {
      try {
        results.push(
          await finish(
            path,
            name,
            'quarantine',
            { decision: `file name refused: ${reason}; not read` },
            null,
            safeStandIn(name, now()),
          ),
        );
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    for (const name of ready) {
      if (loop.stopped) break;
      if (!(await claim(name))) continue;
      const r = await attempt(name, false);
      leftovers?.delete(name);
      results.push(r);
      if (r.disposition === 'retry') break;
    }
    return results;
  }

  const loop = createPollLoop<ClaimsFileResult>(pollOnce, settings.pollMs, (err) => {
    deps.stage.error('CLAIMS_INTERNAL');
    log.error({ err }, 'claims drop directory poll failed; retrying on the next poll');
  });
  return loop;
}
