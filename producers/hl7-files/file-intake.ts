/**
 * The HL7 drop directory: files dropped into `<dir>/inbox/` are picked up once complete, moved to
 * `processing/`, split into messages (one, several, or an FHS/BHS…BTS/FTS batch; HL7 v2.5.1
 * §2.10.3) and each message handed to the same per-message intake as the MLLP listener
 * (producers/mllp/intake.ts: checks, duplicates, durable write, dead letters). Then the file goes
 * to `done/`, or to `quarantine/` with a report when it is not HL7, a batch count disagrees, or
 * a message was rejected.
 *
 * Exactly once: a file is moved (atomic rename) before it is read and only moved out after every
 * message is durable, so after a crash it is still in `processing/` and is processed again on
 * start; the duplicate index (rebuilt from hl7.raw.v1) turns messages already published into
 * no-ops. The same holds for a file dropped twice. Symlinks are never followed: entries are
 * checked with lstat and files opened with O_NOFOLLOW, then checked with fstat.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import {
  Hl7ErrorCode,
  Hl7ParseError,
  sniffSegment,
  splitHl7Bytes,
  splitHl7Messages,
} from '../../runtime/hl7/index.ts';
import type { Logger, StageMetrics } from '../../runtime/telemetry/index.ts';
import type { Runtime } from '../../runtime/open-runtime.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { validateMllpConfig } from '../mllp/config.ts';
import { createHl7Intake, type Hl7Intake, type Hl7Origin, type Hl7Outcome } from '../mllp/intake.ts';
import { validateHl7FileConfig, type Hl7FileSettings } from './config.ts';
import { freeName, isErrno, moveWithReports, openRegular, syncDir } from '../../runtime/drop-dir/fs.ts';
import { InboxScanner, MARKER } from '../../runtime/drop-dir/inbox-scan.ts';
import { createPollLoop } from '../../runtime/drop-dir/poll-loop.ts';
import { safeStandIn } from '../../runtime/drop-dir/names.ts';
import {
  countOutcomes,
  reportControlId,
  reportText,
  type FileMessageReport,
  type FileProblem,
  type FileReport,
} from './report.ts';

export const HL7_FILES_STAGE = 'hl7-files';
export const HL7_FILES_COMPONENT = 'producers/hl7-files';
/** The four directories under the drop root. */
export const DROP_DIRS = ['inbox', 'processing', 'done', 'quarantine'] as const;
/** Messages per durable write: bounds one write; the group-commit writer caps a send at 1000 records. */
const DEFAULT_MESSAGES_PER_WRITE = 500;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** What the file intake is given. */
export interface Hl7FileIntakeDeps {
  /** The per-message intake, shared with the MLLP listener when both run. */
  intake: Hl7Intake;
  logger: Logger;
  /** `telemetry.stage('hl7-files')`: files are counted as errors by code (quarantined, retried). */
  stage: StageMetrics;
  /** Clock (tests). Default Date.now. */
  now?: () => number;
  /** Messages per durable write (tests use 1 to crash between writes). Default 500. */
  messagesPerWrite?: number;
  /** Called after each durable write of a file's messages (tests: a crash point). */
  onWrite?: (file: string, messagesDone: number) => Promise<void> | void;
}

/** What happened to one file. */
export interface FileResult {
  /** Name in `inbox/` (or `processing/` when recovered). */
  name: string;
  /** `done`, `quarantine`, or `retry` (a write failed: left in processing/ for the next poll). */
  disposition: 'done' | 'quarantine' | 'retry';
  /** Name in done/ or quarantine/. */
  finalName?: string;
  report?: FileReport;
}

/** A drop-directory intake. */
export interface Hl7FileIntake {
  /** One poll: recover `processing/`, then take every complete file from `inbox/`. */
  poll(): Promise<FileResult[]>;
  /** Starts polling every `pollMs` (the first poll at once). */
  start(): void;
  /** Stops polling and waits for the file in progress. */
  close(): Promise<void>;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Why a file that is not a regular file is never read (report text). */
export const NOT_REGULAR_REASON =
  'not a regular file (a symlink, directory or device): never followed or read';

/** Why a file over `HL7_DROP_MAX_FILE_BYTES` is not read (report text). */
export function tooLargeReason(size: number, maxFileBytes: number): string {
  return `the file of ${size} bytes exceeds HL7_DROP_MAX_FILE_BYTES = ${maxFileBytes}; it was not read`;
}

/**
 * Reads a regular file without following a symlink (O_NOFOLLOW), checking the type and size on
 * the open descriptor (no race between check and read).
 */
export async function readRegular(
  path: string,
  maxBytes: number,
): Promise<{ kind: 'ok'; bytes: Buffer } | { kind: 'not-regular' } | { kind: 'too-large'; size: number }> {
  const fh = await openRegular(path);
  if (fh === null) return { kind: 'not-regular' };
  try {
    const st = await fh.stat();
    if (st.size > maxBytes) return { kind: 'too-large', size: st.size };
    return { kind: 'ok', bytes: await fh.readFile() };
  } finally {
    await fh.close();
  }
}

/** A file split into messages, or the reason it cannot be. */
type Split =
  | {
      kind: 'ok';
      messages: Buffer[];
      batch: FileReport['batch'];
    }
  | { kind: 'problem'; problem: FileProblem; messages: Buffer[]; batch: FileReport['batch'] };

/**
 * Splits the file's bytes (splitHl7Bytes keeps each message byte for byte) and checks the
 * BTS-1/FTS-1 counts with splitHl7Messages on a latin1 view (delimiters and counts are ASCII in
 * every accepted charset, so no decoding is needed to count).
 */
export function splitFile(raw: Buffer): Split {
  const bytes = raw.subarray(0, 3).equals(UTF8_BOM) ? raw.subarray(3) : raw;
  const split = splitHl7Bytes(bytes);
  const batch: FileReport['batch'] =
    split.batch === undefined
      ? null
      : { fhs: split.batch.fhs !== undefined, batches: split.batch.batches, declaredCount: null };
  if (sniffSegment(bytes, 'MSH') === undefined)
    return {
      kind: 'problem',
      problem: {
        code: 'HL7_FILE_NOT_HL7',
        hl7Code: Hl7ErrorCode.SEGMENT_SEQUENCE,
        reason: 'the file holds no MSH segment: it is not an HL7 v2 message or batch',
      },
      messages: split.messages,
      batch,
    };
  try {
    const text = splitHl7Messages(bytes.toString('latin1'));
    if (batch !== null) batch.declaredCount = text.batch?.declaredCount ?? null;
  } catch (err) {
    if (!(err instanceof Hl7ParseError)) throw err;
    return {
      kind: 'problem',
      problem: {
        code:
          err.hl7Code === Hl7ErrorCode.SEGMENT_SEQUENCE ? 'HL7_FILE_COUNT_MISMATCH' : 'HL7_FILE_BAD_COUNT',
        hl7Code: err.hl7Code,
        // Hl7ParseError messages name locations and counts, never values (runtime/hl7/errors.ts).
        reason: `${err.message}; no message of this file was published`,
      },
      messages: split.messages,
      batch,
    };
  }
  return { kind: 'ok', messages: split.messages, batch };
}

function messageReport(index: number, o: Hl7Outcome): FileMessageReport {
  return {
    index,
    controlId: reportControlId(o.controlId),
    outcome: o.kind,
    ackCode: o.ackCode,
    hl7Code: o.problem?.ack.hl7Code ?? null,
    errorCode: o.problem?.errorCode ?? null,
    reason: o.problem?.ack.text ?? null,
  };
}

function skippedReport(index: number, message: Buffer): FileMessageReport {
  const msh = sniffSegment(message, 'MSH');
  let controlId: string | null = null;
  if (msh !== undefined && msh.text.length > 3) {
    const v = msh.text.split(msh.text[3]!)[9];
    controlId = v === undefined || v === '' ? null : v;
  }
  return {
    index,
    controlId: reportControlId(controlId),
    outcome: 'skipped',
    ackCode: null,
    hl7Code: null,
    errorCode: null,
    reason: 'not processed: the file as a whole was refused',
  };
}

/** What {@link publishHl7File} did with one file's bytes. */
export type Hl7FilePublishResult =
  /** A problem with the file as a whole: no message was handed to the intake. */
  | {
      kind: 'refused';
      sizeBytes: number;
      sha256: string;
      batch: FileReport['batch'];
      problem: FileProblem;
      /** Every message as `skipped`. */
      messages: FileMessageReport[];
      counts: FileReport['counts'];
    }
  /**
   * A durable write failed: messages before `messagesDone` are stored, the rest are not;
   * `messages` covers the writes tried (the failed one included), `total` is the file's count.
   */
  | { kind: 'retry'; messagesDone: number; total: number; messages: FileMessageReport[] }
  /** Every message went through the intake: accepted, duplicate or rejected (dead-lettered). */
  | {
      kind: 'published';
      sizeBytes: number;
      sha256: string;
      batch: FileReport['batch'];
      messages: FileMessageReport[];
      counts: FileReport['counts'];
    };

/**
 * The drop directory's per-file core, shared with `gapstream ingest`: splits the bytes of one
 * file (one message, several, or a batch) and hands the messages to the per-message intake in
 * durable writes of `messagesPerWrite`, as from `peer = file:<name>` on stage `hl7-files`. Moves
 * no file and writes no report: the caller decides what the outcome means for the file.
 */
export async function publishHl7File(
  deps: {
    intake: Hl7Intake;
    /** Clock (tests). Default Date.now. */
    now?: () => number;
    /** Messages per durable write. Default 500. */
    messagesPerWrite?: number;
    /** Called after each durable write with the messages done so far. */
    onWrite?: (messagesDone: number) => Promise<void> | void;
  },
  bytes: Buffer,
  file: { name: string; listenerId: string },
): Promise<Hl7FilePublishResult> {
  const now = deps.now ?? Date.now;
  const perWrite = Math.max(1, deps.messagesPerWrite ?? DEFAULT_MESSAGES_PER_WRITE);
  const digest = sha256(bytes);
  const split = splitFile(bytes);
  if (split.kind === 'problem') {
    const messages = split.messages.map((m, i) => skippedReport(i + 1, m));
    return {
      kind: 'refused',
      sizeBytes: bytes.length,
      sha256: digest,
      batch: split.batch,
      problem: split.problem,
      messages,
      counts: countOutcomes(messages),
    };
  }
  const origin: Hl7Origin = {
    listenerId: file.listenerId,
    peer: `file:${file.name}`,
    stage: HL7_FILES_STAGE,
    component: HL7_FILES_COMPONENT,
  };
  const receivedAt = now();
  const reports: FileMessageReport[] = [];
  for (let i = 0; i < split.messages.length; i += perWrite) {
    const chunk = split.messages.slice(i, i + perWrite);
    const outcomes = await deps.intake.acceptAll(chunk, origin, { receivedAt });
    outcomes.forEach((o, k) => reports.push(messageReport(i + k + 1, o)));
    if (outcomes.some((o) => o.kind === 'failed'))
      return { kind: 'retry', messagesDone: i, total: split.messages.length, messages: reports };
    await deps.onWrite?.(i + chunk.length);
  }
  return {
    kind: 'published',
    sizeBytes: bytes.length,
    sha256: digest,
    batch: split.batch,
    messages: reports,
    counts: countOutcomes(reports),
  };
}

/**
 * Creates the drop-directory intake over `settings.dir` (required here). Pure construction: the
 * directories are created on the first poll.
 */
export function createHl7FileIntake(deps: Hl7FileIntakeDeps, settings: Hl7FileSettings): Hl7FileIntake {
  if (settings.dir === undefined) throw new TypeError('createHl7FileIntake: settings.dir is required');
  const root = settings.dir;
  const dirs = Object.fromEntries(DROP_DIRS.map((d) => [d, join(root, d)])) as Record<
    (typeof DROP_DIRS)[number],
    string
  >;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: HL7_FILES_COMPONENT });
  const perWrite = Math.max(1, deps.messagesPerWrite ?? DEFAULT_MESSAGES_PER_WRITE);
  const scanner = new InboxScanner(dirs.inbox, settings.complete, log);
  let prepared = false;

  async function prepare(): Promise<void> {
    if (prepared) return;
    for (const d of DROP_DIRS) await fsp.mkdir(dirs[d], { recursive: true, mode: 0o750 });
    prepared = true;
  }

  async function quarantine(
    from: string | Buffer,
    name: string,
    targetName: string,
    report: Omit<FileReport, 'format' | 'file' | 'disposition' | 'processedAt'>,
  ): Promise<FileResult> {
    const finalName = await freeName(dirs.quarantine, targetName);
    const full: FileReport = {
      format: 1,
      file: finalName,
      processedAt: new Date(now()).toISOString(),
      disposition: 'quarantine',
      ...report,
    };
    // Report first, then the file: a crash in between leaves the file in processing/, which is
    // processed again (and reported again) on restart.
    await moveWithReports(from, dirs.quarantine, finalName, {
      json: JSON.stringify(full, null, 2) + '\n',
      txt: reportText(full),
    });
    deps.stage.error(report.problem?.code ?? 'HL7_FILE_QUARANTINED');
    log.warn(
      {
        file: finalName,
        code: report.problem?.code,
        hl7Code: report.problem?.hl7Code,
        counts: report.counts,
      },
      'HL7 file quarantined',
    );
    return { name, disposition: 'quarantine', finalName, report: full };
  }

  /** Processes one file in processing/. */
  async function processFile(name: string): Promise<FileResult> {
    const path = join(dirs.processing, name);
    const read = await readRegular(path, settings.maxFileBytes);
    const base = { sizeBytes: null, sha256: null, batch: null, messages: [], counts: countOutcomes([]) };
    if (read.kind === 'not-regular')
      return quarantine(join(dirs.processing, name), name, name, {
        ...base,
        problem: {
          code: 'HL7_FILE_NOT_REGULAR',
          hl7Code: null,
          reason: NOT_REGULAR_REASON,
        },
      });
    if (read.kind === 'too-large')
      return quarantine(join(dirs.processing, name), name, name, {
        ...base,
        sizeBytes: read.size,
        problem: {
          code: 'HL7_FILE_TOO_LARGE',
          hl7Code: null,
          reason: tooLargeReason(read.size, settings.maxFileBytes),
        },
      });
    const r = await publishHl7File(
      {
        intake: deps.intake,
        now,
        messagesPerWrite: perWrite,
        onWrite: deps.onWrite === undefined ? undefined : (done) => deps.onWrite!(name, done),
      },
      read.bytes,
      { name, listenerId: settings.listenerId },
    );
    if (r.kind === 'refused')
      return quarantine(join(dirs.processing, name), name, name, {
        sizeBytes: r.sizeBytes,
        sha256: r.sha256,
        batch: r.batch,
        problem: r.problem,
        messages: r.messages,
        counts: r.counts,
      });
    if (r.kind === 'retry') {
      // Not stored: leave the file in processing/ and try again on the next poll; what was
      // stored is recognised then as already published.
      deps.stage.error('HL7_FILE_RETRY');
      log.warn(
        { file: name, messagesDone: r.messagesDone },
        'durable write failed: the file is retried on the next poll',
      );
      return { name, disposition: 'retry' };
    }
    const counts = r.counts;
    if (counts.rejected > 0)
      return quarantine(join(dirs.processing, name), name, name, {
        sizeBytes: r.sizeBytes,
        sha256: r.sha256,
        batch: r.batch,
        problem: {
          code: 'HL7_FILE_REJECTED_MESSAGES',
          hl7Code: null,
          reason: `${counts.rejected} of ${counts.messages} messages were rejected (kept in deadletter.v1); the others were published`,
        },
        messages: r.messages,
        counts,
      });
    const finalName = await freeName(dirs.done, name);
    await fsp.rename(path, join(dirs.done, finalName));
    await syncDir(dirs.done);
    log.info(
      { file: finalName, messages: counts.messages, accepted: counts.accepted, duplicates: counts.duplicate },
      'HL7 file done',
    );
    return { name, disposition: 'done', finalName };
  }

  /** Moves an inbox entry to processing/ (atomic rename: the claim). */
  async function claim(name: string): Promise<boolean> {
    try {
      await fsp.rename(join(dirs.inbox, name), join(dirs.processing, name));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false; // taken away meanwhile
      throw err;
    }
    await syncDir(dirs.processing);
    if (settings.complete === 'marker') await fsp.rm(join(dirs.inbox, name + MARKER), { force: true });
    return true;
  }

  /** The complete, takeable files of inbox/, in name order; refused names are quarantined. */
  async function scanInbox(results: FileResult[]): Promise<string[]> {
    const { ready, refused } = await scanner.scan();
    for (const { name, path, reason } of refused) {
      // Moved away under a safe name so it can be looked at, never read as HL7.
      try {
        results.push(
          await quarantine(path, name, safeStandIn(name, now()), {
            sizeBytes: null,
            sha256: null,
            batch: null,
            messages: [],
            counts: countOutcomes([]),
            problem: { code: 'HL7_FILE_NAME_REFUSED', hl7Code: null, reason: `file name refused: ${reason}` },
          }),
        );
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    return ready;
  }

  async function pollOnce(): Promise<FileResult[]> {
    await prepare();
    const results: FileResult[] = [];
    // Files left in processing/ by a crash (or a failed write) first, in name order.
    const leftover = (await fsp.readdir(dirs.processing)).sort();
    for (const name of leftover) {
      if (loop.stopped) return results;
      const r = await processFile(name);
      results.push(r);
      if (r.disposition === 'retry') return results; // storage is failing: do not pile on
    }
    for (const name of await scanInbox(results)) {
      if (loop.stopped) break;
      if (!(await claim(name))) continue;
      const r = await processFile(name);
      results.push(r);
      if (r.disposition === 'retry') break;
    }
    return results;
  }

  const loop = createPollLoop<FileResult>(pollOnce, settings.pollMs, (err) => {
    deps.stage.error('HL7_FILE_INTERNAL');
    log.error({ err }, 'drop directory poll failed; retrying on the next poll');
  });
  return loop;
}

/**
 * Starts the drop-directory intake on the runtime (`gapstream run`), or returns undefined when
 * `HL7_DROP_DIR` is unset. Pass the MLLP listener's intake (`runMllpListener(...).intake`) so both
 * share one duplicate index; without it an intake is created from `rt.config.mllp` and closed on
 * `stop()`. Validates first (every problem at once).
 */
export async function startHl7FileIntake(
  rt: Pick<Runtime, 'bus' | 'codec' | 'telemetry' | 'logger' | 'config'>,
  settings: Hl7FileSettings,
  options: { intake?: Hl7Intake } = {},
): Promise<{ dir: string; poll(): Promise<FileResult[]>; stop(): Promise<void> } | undefined> {
  const problems = validateHl7FileConfig(settings);
  if (options.intake === undefined) problems.push(...validateMllpConfig(rt.config.mllp));
  if (problems.length > 0) throw new ConfigError(problems);
  if (settings.dir === undefined) return undefined;
  const intake =
    options.intake ??
    (await createHl7Intake(
      {
        bus: rt.bus,
        codec: rt.codec,
        telemetry: rt.telemetry,
        logger: rt.logger,
        partitions: rt.config.kafka.partitions,
      },
      rt.config.mllp,
    ));
  const files = createHl7FileIntake(
    { intake, logger: rt.logger, stage: rt.telemetry.stage(HL7_FILES_STAGE) },
    settings,
  );
  files.start();
  rt.logger.info(
    { component: HL7_FILES_COMPONENT, pollMs: settings.pollMs, complete: settings.complete },
    'HL7 drop directory intake started',
  );
  const dir = settings.dir;
  return {
    dir,
    poll: () => files.poll(),
    stop: async () => {
      await files.close();
      if (options.intake === undefined) await intake.close(rt.config.mllp.drainTimeoutMs);
    },
  };
}
