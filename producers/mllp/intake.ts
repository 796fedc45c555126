/**
 * The per-message HL7 intake, independent of how the bytes arrived: check the MSH, charset and
 * allow-lists (message.ts), recognise resends (duplicates.ts, rebuilt from hl7.raw.v1 at start),
 * publish to `hl7.raw.v1` durably through one group-committed writer (writer.ts), or dead-letter a
 * rejection — and say what happened, with the ACK code a sender would get. The MLLP listener
 * (listener.ts) feeds it frames; the drop-directory intake (producers/hl7-files) feeds it the
 * messages of a file. One intake per process, shared by both, so a message that came over MLLP
 * and is later dropped as a file is recognised as the same message (CONVENTIONS.md §8: the
 * outcome is known only once the hand-off is durable).
 */
import { createHash } from 'node:crypto';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Bus, OutRecord, Producer } from '../../runtime/bus/types.ts';
import { DEAD_LETTER_TOPIC, type DeadLetter } from '../../runtime/runner/dead-letter.ts';
import {
  injectTraceContext,
  type Logger,
  type StageMetrics,
  type Telemetry,
} from '../../runtime/telemetry/index.ts';
import type { Codec } from '../../schemas/codec.ts';
import { Hl7ErrorCode, type AckCode, type MshInfo } from '../../runtime/hl7/index.ts';
import { ackCode, isEnhancedMode, type AckOutcome } from './ack.ts';
import type { MllpSettings } from './config.ts';
import { DuplicateIndex, duplicateKey } from './duplicates.ts';
import {
  asSent,
  checkMessage,
  findMsh,
  firstPatientIdentifier,
  rawKey,
  type MessageProblem,
} from './message.ts';
import { mllpMetrics, type MllpMetrics } from './metrics.ts';
import { GroupCommitWriter } from './writer.ts';

export const RAW_TOPIC = 'hl7.raw.v1';
export const MLLP_STAGE = 'mllp';
export const MLLP_COMPONENT = 'producers/mllp';

/** The value of an hl7.raw.v1 record (schemas/hl7.raw.v1.avsc). */
export interface Hl7RawValue {
  messageBytes: Buffer;
  contentSha256: string;
  sendingApplication: string | null;
  sendingFacility: string | null;
  receivingApplication: string | null;
  receivingFacility: string | null;
  messageDateTime: string | null;
  messageCode: string | null;
  triggerEvent: string | null;
  messageStructure: string | null;
  messageControlId: string | null;
  processingId: string | null;
  versionId: string | null;
  characterSets: string[];
  receivedAt: number;
  listenerId: string;
  peerAddress: string | null;
  duplicate: boolean;
  duplicateReason: 'SAME_PAYLOAD' | 'CONTROL_ID_REUSED' | null;
}

/** What the intake is given: the runtime's parts (runtime/open-runtime.ts). */
export interface Hl7IntakeDeps {
  bus: Bus;
  codec: Codec;
  telemetry: Telemetry;
  logger: Logger;
  /** Partitions of hl7.raw.v1 / deadletter.v1 when the intake creates them. */
  partitions: number;
  /** Clock (tests). Default Date.now. */
  now?: () => number;
}

/** The listener settings the intake uses (the MLLP_* allow-lists, charset and duplicate window). */
export type Hl7IntakeSettings = Pick<
  MllpSettings,
  | 'listenerId'
  | 'acceptedMessageTypes'
  | 'acceptedVersions'
  | 'acceptedProcessingIds'
  | 'defaultCharset'
  | 'writeTimeoutMs'
  | 'duplicateWindowMinutes'
  | 'duplicateRestoreRecords'
  | 'duplicateMaxEntries'
>;

/** Where a message came from: written to its record (`listenerId`, `peerAddress`) and dead letter. */
export interface Hl7Origin {
  /** `listenerId` of the hl7.raw.v1 record and the `gapstream-listener` header. */
  listenerId: string;
  /** The sender's address (MLLP) or `file:<name>` (drop directory); null when unknown. */
  peer: string | null;
  /** Stage of metrics and dead letters. Default `mllp`. */
  stage?: string;
  /** Component named in dead letters. Default `producers/mllp`. */
  component?: string;
}

/**
 * What became of one message. `accepted`: published now; `duplicate`: already stored, nothing
 * published; `rejected`: dead-lettered (AR/CR or AE/CE per its problem); `failed`: not stored
 * (write failed or timed out) — resend / retry it.
 */
export type Hl7OutcomeKind = 'accepted' | 'duplicate' | 'rejected' | 'failed';

/** The outcome of one message, with what an ACK needs. */
export interface Hl7Outcome {
  kind: Hl7OutcomeKind;
  /** AA/AE/AR, or CA/CE/CR in enhanced mode. */
  ackCode: AckCode;
  /** The message's MSH (null: none readable). */
  msh: MshInfo | null;
  /** MSH-10 as sent, or null. */
  controlId: string | null;
  /** Bounded metrics label of the sender (MSH-4, else MSH-3). */
  source: string;
  /** Why it was not accepted: table 0357 code, PHI-free text, error code. Null when accepted. */
  problem: MessageProblem | null;
  /** Published with `duplicate: true` (control id reused with a different payload). */
  controlIdReused: boolean;
}

/** One input: message bytes, or bytes with a problem already known (e.g. an oversize frame's head). */
export type Hl7IntakeInput = Buffer | { bytes: Buffer; problem: MessageProblem };

/** Options of {@link Hl7Intake.acceptAll}. */
export interface AcceptOptions {
  /** Receive time written to the records. Default now. */
  receivedAt?: number;
  /** Called once the durable write has settled (or at once when nothing is written), even after a timeout. */
  onSettled?: () => void;
}

/** The reusable intake. */
export interface Hl7Intake {
  /** One message: validate → de-duplicate → publish or dead-letter; resolves with the outcome. */
  accept(bytes: Buffer, origin: Hl7Origin, options?: AcceptOptions): Promise<Hl7Outcome>;
  /**
   * Several messages (one MLLP batch frame, one file) evaluated in order and written in one
   * durable write; outcomes in input order.
   */
  acceptAll(
    messages: readonly Hl7IntakeInput[],
    origin: Hl7Origin,
    options?: AcceptOptions,
  ): Promise<Hl7Outcome[]>;
  /** Entries in the duplicate index. */
  readonly duplicateIndexSize: number;
  /** Records restored into the duplicate index at start. */
  readonly restored: number;
  /** Waits up to `timeoutMs` for queued writes, then closes the producer. */
  close(timeoutMs: number): Promise<void>;
}

/** One message after evaluation: what to write and how to answer. */
interface Plan {
  msh: MshInfo | null;
  source: string;
  problem: MessageProblem | null;
  records: OutRecord[];
  settle?: (stored: boolean) => void;
  duplicate: boolean;
  reused: boolean;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function deferred(): { promise: Promise<boolean>; resolve: (v: boolean) => void } {
  let resolve!: (v: boolean) => void;
  const promise = new Promise<boolean>((r) => (resolve = r));
  return { promise, resolve };
}

/** `p`, or 'timeout' after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const STORE_FAILED: MessageProblem = {
  ack: {
    hl7Code: Hl7ErrorCode.APPLICATION_INTERNAL_ERROR,
    text: 'the message could not be stored durably; resend it',
  },
  errorCode: 'MLLP_WRITE_FAILED',
  severity: 'error',
};
const STORE_TIMEOUT: MessageProblem = {
  ack: {
    hl7Code: Hl7ErrorCode.APPLICATION_INTERNAL_ERROR,
    text: 'the message was not stored durably in time; resend it',
  },
  errorCode: 'MLLP_WRITE_TIMEOUT',
  severity: 'error',
};

/**
 * The hl7.raw.v1 MSH fields (schemas/hl7.raw.v1.avsc): HD, TS, ID and PT fields as sent (the
 * schema says "as received"), MSH-9 components and MSH-12.1 as parsed.
 */
function recordMshFields(
  msh: MshInfo,
): Omit<
  Hl7RawValue,
  | 'messageBytes'
  | 'contentSha256'
  | 'receivedAt'
  | 'listenerId'
  | 'peerAddress'
  | 'duplicate'
  | 'duplicateReason'
> {
  return {
    sendingApplication: asSent(msh, 3),
    sendingFacility: asSent(msh, 4),
    receivingApplication: asSent(msh, 5),
    receivingFacility: asSent(msh, 6),
    messageDateTime: asSent(msh, 7),
    messageCode: msh.messageCode ?? null,
    triggerEvent: msh.triggerEvent ?? null,
    messageStructure: msh.messageStructure ?? null,
    messageControlId: asSent(msh, 10),
    processingId: asSent(msh, 11),
    versionId: msh.versionId ?? null,
    characterSets: msh.characterSets,
  };
}

/** Rebuilds the duplicate index from the newest records of each hl7.raw.v1 partition. */
async function restoreDuplicates(
  deps: Hl7IntakeDeps,
  settings: Hl7IntakeSettings,
  index: DuplicateIndex,
  now: number,
): Promise<number> {
  if (settings.duplicateRestoreRecords === 0) return 0;
  const since = now - settings.duplicateWindowMinutes * 60_000;
  const found: { key: string; hash: string; at: number }[] = [];
  for (const { partition, offset: end } of await deps.bus.endOffsets(RAW_TOPIC)) {
    if (end === 0) continue;
    const from = Math.max(0, end - settings.duplicateRestoreRecords);
    for await (const r of deps.bus.readPartition(RAW_TOPIC, partition, from)) {
      if (r.value === null || r.timestamp < since) continue;
      const v = await deps.codec.decode<Hl7RawValue>(RAW_TOPIC, r.value);
      if (v.messageControlId === null || v.receivedAt < since) continue;
      found.push({
        key: duplicateKey(v.sendingApplication, v.sendingFacility, v.messageControlId),
        hash: v.contentSha256,
        at: v.receivedAt,
      });
    }
  }
  found.sort((a, b) => a.at - b.at);
  for (const f of found) index.restore(f.key, f.hash, f.at);
  return found.length;
}

/**
 * Creates the intake: creates the topics, rebuilds the duplicate index from hl7.raw.v1 and opens
 * a producer. Settings must have passed validateMllpConfig (the MLLP_* allow-lists apply to every
 * way HL7 comes in).
 */
export async function createHl7Intake(deps: Hl7IntakeDeps, settings: Hl7IntakeSettings): Promise<Hl7Intake> {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'producers/mllp/intake' });
  await deps.bus.ensureTopics([
    { topic: RAW_TOPIC, partitions: deps.partitions },
    { topic: DEAD_LETTER_TOPIC, partitions: deps.partitions },
  ]);
  const dedup = new DuplicateIndex(settings.duplicateWindowMinutes * 60_000, settings.duplicateMaxEntries);
  const restored = await restoreDuplicates(deps, settings, dedup, now());
  const producer: Producer = await deps.bus.producer();
  const writer = new GroupCommitWriter(producer);
  const metrics: MllpMetrics = mllpMetrics(deps.telemetry);
  const stages = new Map<string, StageMetrics>();
  const stageOf = (origin: Hl7Origin): StageMetrics => {
    const name = origin.stage ?? MLLP_STAGE;
    let s = stages.get(name);
    if (s === undefined) stages.set(name, (s = deps.telemetry.stage(name)));
    return s;
  };

  /** Evaluates one message: rejection, resend, or a new record to publish. */
  async function plan(message: Buffer, origin: Hl7Origin, receivedAt: number): Promise<Plan> {
    stageOf(origin).received();
    const found = findMsh(message);
    const problem = checkMessage(message, found, settings, settings.defaultCharset);
    if (problem !== null) return rejectPlan(message, found.msh, problem, origin, receivedAt);
    const msh = found.msh!;
    const fields = recordMshFields(msh);
    const source = metrics.source(fields.sendingFacility, fields.sendingApplication);
    const hash = sha256(message);
    // checkMessage passed, so MSH-10 is present.
    const dkey = duplicateKey(fields.sendingApplication, fields.sendingFacility, fields.messageControlId!);
    let verdict = dedup.check(dkey, hash, receivedAt);
    if (verdict.kind === 'same' && verdict.pending !== null) {
      // The first copy is still being written (its ACK timed out and the sender resent):
      // wait for its outcome rather than publishing a second copy.
      const stored = await withTimeout(verdict.pending, settings.writeTimeoutMs);
      if (stored === 'timeout')
        return { msh, source, problem: STORE_TIMEOUT, records: [], duplicate: false, reused: false };
      verdict = stored ? { kind: 'same', pending: null } : dedup.check(dkey, hash, receivedAt);
    }
    if (verdict.kind === 'same') {
      metrics.duplicate(source);
      return { msh, source, problem: null, records: [], duplicate: true, reused: false };
    }
    const reused = verdict.kind === 'reused';
    if (reused) metrics.duplicate(source);
    const value: Hl7RawValue = {
      messageBytes: message,
      contentSha256: hash,
      ...fields,
      receivedAt,
      listenerId: origin.listenerId,
      peerAddress: origin.peer,
      duplicate: reused,
      duplicateReason: reused ? 'CONTROL_ID_REUSED' : null,
    };
    // The message's trace starts here; the span ends once the write is durable (or failed).
    const span = deps.telemetry.startRecordSpan(origin.stage ?? MLLP_STAGE, { topic: RAW_TOPIC });
    let encoded: Buffer;
    try {
      encoded = await deps.codec.encode(RAW_TOPIC, value);
    } catch (err) {
      span.end();
      throw err;
    }
    const record: OutRecord = {
      topic: RAW_TOPIC,
      key: rawKey(msh, firstPatientIdentifier(message, msh)),
      value: encoded,
      headers: injectTraceContext({ 'gapstream-listener': origin.listenerId }, span),
    };
    const d = deferred();
    dedup.begin(dkey, hash, receivedAt, d.promise);
    const settle = (stored: boolean): void => {
      d.resolve(stored);
      if (!stored) span.setStatus({ code: SpanStatusCode.ERROR, message: 'durable write failed' });
      span.end();
    };
    return { msh, source, problem: null, records: [record], settle, duplicate: false, reused };
  }

  async function rejectPlan(
    bytes: Buffer,
    msh: MshInfo | null,
    problem: MessageProblem,
    origin: Hl7Origin,
    receivedAt: number,
  ): Promise<Plan> {
    const source = metrics.source(msh === null ? null : asSent(msh, 4), msh === null ? null : asSent(msh, 3));
    const key = msh === null ? null : rawKey(msh, null);
    const headers: Record<string, string> = {
      'gapstream-listener': origin.listenerId,
      'hl7-error-code': problem.ack.hl7Code,
    };
    if (origin.peer !== null) headers['peer-address'] = origin.peer;
    const controlId = msh === null ? null : asSent(msh, 10);
    if (controlId !== null) headers['hl7-control-id'] = controlId;
    const letter: DeadLetter = {
      stage: origin.stage ?? MLLP_STAGE,
      component: origin.component ?? MLLP_COMPONENT,
      errorCode: problem.errorCode,
      reason: `HL7 ${problem.ack.hl7Code}: ${problem.ack.text}`,
      sourceTopic: null,
      sourcePartition: null,
      sourceOffset: null,
      key,
      originalBytes: bytes,
      headers,
      failedAt: receivedAt,
      attempts: 1,
    };
    const record: OutRecord = {
      topic: DEAD_LETTER_TOPIC,
      key,
      value: await deps.codec.encode(DEAD_LETTER_TOPIC, letter),
      headers,
    };
    return { msh, source, problem, records: [record], duplicate: false, reused: false };
  }

  async function acceptAll(
    messages: readonly Hl7IntakeInput[],
    origin: Hl7Origin,
    options: AcceptOptions = {},
  ): Promise<Hl7Outcome[]> {
    const receivedAt = options.receivedAt ?? now();
    const stage = stageOf(origin);
    const plans: Plan[] = [];
    for (const m of messages)
      plans.push(
        Buffer.isBuffer(m)
          ? await plan(m, origin, receivedAt)
          : await rejectPlan(m.bytes, findMsh(m.bytes).msh, m.problem, origin, receivedAt),
      );

    // One durable write for everything (raw records and dead letters).
    const records = plans.flatMap((p) => p.records);
    let writeProblem: MessageProblem | null = null;
    if (records.length > 0) {
      const settled = writer.write(records).then(
        () => true,
        (err: unknown) => {
          log.warn({ peer: origin.peer, err }, 'durable write failed');
          return false;
        },
      );
      void settled.then((ok) => {
        for (const p of plans) p.settle?.(ok);
        options.onSettled?.();
        if (ok) {
          for (const p of plans)
            if (p.records.length > 0) {
              if (p.problem === null) stage.emitted();
              else stage.deadLettered(p.problem.errorCode);
            }
        }
      });
      const outcome = await withTimeout(settled, settings.writeTimeoutMs);
      if (outcome !== true) writeProblem = outcome === 'timeout' ? STORE_TIMEOUT : STORE_FAILED;
    } else options.onSettled?.();

    return plans.map((p): Hl7Outcome => {
      // A rejection whose dead letter could not be stored is answered as a storage error
      // (AE/CE 207, "resend") so the audit copy is never lost.
      const failed = writeProblem !== null && p.records.length > 0;
      const problem = failed ? writeProblem : p.problem;
      const ack: AckOutcome =
        problem === null ? 'accept' : problem.severity === 'reject' ? 'reject' : 'error';
      const code = ackCode(ack, isEnhancedMode(p.msh));
      const controlId = p.msh === null ? null : asSent(p.msh, 10);
      const storageProblem = problem === STORE_FAILED || problem === STORE_TIMEOUT;
      const kind: Hl7OutcomeKind =
        problem === null ? (p.duplicate ? 'duplicate' : 'accepted') : storageProblem ? 'failed' : 'rejected';
      if (problem !== null) {
        stage.error(problem.errorCode);
        log.warn(
          {
            peer: origin.peer,
            controlId,
            ackCode: code,
            hl7Code: problem.ack.hl7Code,
            code: problem.errorCode,
          },
          'message not accepted',
        );
      } else if (p.duplicate) {
        log.info({ peer: origin.peer, controlId }, 'resend re-acknowledged');
      }
      return {
        kind,
        ackCode: code,
        msh: p.msh,
        controlId,
        source: p.source,
        problem,
        controlIdReused: p.reused,
      };
    });
  }

  let closed: Promise<void> | undefined;
  return {
    accept: async (bytes, origin, options) => (await acceptAll([bytes], origin, options))[0]!,
    acceptAll,
    get duplicateIndexSize() {
      return dedup.size;
    },
    restored,
    close: (timeoutMs) =>
      (closed ??= (async () => {
        await withTimeout(writer.drained(), timeoutMs);
        await producer.close().catch((err: unknown) => log.warn({ err }, 'producer close failed'));
      })()),
  };
}
