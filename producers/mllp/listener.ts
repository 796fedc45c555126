/**
 * The MLLP listener: TCP and TLS servers, one {@link Connection} per sender, each message
 * written durably to `hl7.raw.v1` before its ACK (CONVENTIONS.md §8), rejections ACKed with the
 * table 0357 code and kept in `deadletter.v1`, resends recognised, reads paused under
 * back-pressure. HL7 reading and ACKs come from runtime/hl7 (byte-level where the original bytes
 * matter: bytes.ts), the listener's checks are in message.ts, framing in framer.ts, ACKs in ack.ts.
 * Each published hl7.raw.v1 record starts a trace (a PRODUCER span per message, W3C trace
 * context in its headers) that the normalizer and sinks continue.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Bus, OutRecord, Producer } from '../../runtime/bus/types.ts';
import { DEAD_LETTER_TOPIC, type DeadLetter } from '../../runtime/runner/dead-letter.ts';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  injectTraceContext,
  type Logger,
  type StageMetrics,
  type Telemetry,
} from '../../runtime/telemetry/index.ts';
import type { Codec } from '../../schemas/codec.ts';
import {
  Hl7ErrorCode,
  Hl7ParseError,
  readHl7Header,
  splitHl7Bytes,
  type MshInfo,
} from '../../runtime/hl7/index.ts';
import {
  ackCode,
  buildAckText,
  buildBatchAckText,
  frameAck,
  isEnhancedMode,
  type AckOutcome,
} from './ack.ts';
import type { MllpSettings } from './config.ts';
import { DuplicateIndex, duplicateKey } from './duplicates.ts';
import { MllpFramer, type FramingErrorKind } from './framer.ts';
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
const COMPONENT = 'producers/mllp';
/** Frames a pipelining sender may queue on one connection before its socket is paused. */
const MAX_QUEUED_FRAMES = 4;

/** What the listener is given: the runtime's parts (runtime/open-runtime.ts). */
export interface MllpListenerDeps {
  bus: Bus;
  codec: Codec;
  telemetry: Telemetry;
  logger: Logger;
  /** Partitions of hl7.raw.v1 / deadletter.v1 when the listener creates them. */
  partitions: number;
  /** Clock (tests). Default Date.now. */
  now?: () => number;
}

/** A running listener. */
export interface MllpListener {
  /** Bound plain-TCP port, or undefined when TCP is off. */
  readonly port: number | undefined;
  /** Bound TLS port, or undefined when TLS is off. */
  readonly tlsPort: number | undefined;
  /** Bytes received and not yet settled (durable or failed): the back-pressure gauge. */
  readonly inFlightBytes: number;
  /** Open sender connections. */
  readonly connections: number;
  /** True while reads are paused because maxInFlightBytes is reached. */
  readonly paused: boolean;
  /** Entries in the duplicate index. */
  readonly duplicateIndexSize: number;
  /**
   * Stops accepting connections and reading, lets every frame already read be written and
   * ACKed (or NAKed) within `drainTimeoutMs`, then closes the sockets and the producer.
   */
  close(): Promise<void>;
}

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

/** Back-pressure over all connections: bytes received but not yet settled. */
class Flow {
  used = 0;
  paused = false;
  readonly conns = new Set<Connection>();
  constructor(private readonly max: number) {}
  acquire(n: number): void {
    this.used += n;
    if (!this.paused && this.used >= this.max) {
      this.paused = true;
      for (const c of this.conns) c.updateReading();
    }
  }
  release(n: number): void {
    this.used -= n;
    if (this.paused && this.used < this.max) {
      this.paused = false;
      for (const c of this.conns) c.updateReading();
    }
  }
}

type Item =
  | { kind: 'frame'; payload: Buffer; receivedAt: number }
  | { kind: 'oversize'; head: Buffer; total: number; receivedAt: number };

interface Shared {
  settings: MllpSettings;
  deps: MllpListenerDeps;
  now: () => number;
  log: Logger;
  stage: StageMetrics;
  metrics: MllpMetrics;
  writer: GroupCommitWriter;
  dedup: DuplicateIndex;
  flow: Flow;
  closing: boolean;
}

/** One message of a frame after evaluation: what to write and how to answer. */
interface Plan {
  msh: MshInfo | null;
  source: string;
  problem: MessageProblem | null;
  records: OutRecord[];
  /** Settles the duplicate-index entry with the write outcome. */
  settle?: (stored: boolean) => void;
  /** Re-ACK of a stored resend: nothing to write. */
  duplicate: boolean;
}

function peerOf(socket: Socket): string | null {
  const addr = socket.remoteAddress;
  if (addr === undefined) return null;
  return addr.includes(':') ? `[${addr}]:${socket.remotePort}` : `${addr}:${socket.remotePort}`;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function deferred(): { promise: Promise<boolean>; resolve: (v: boolean) => void } {
  let resolve!: (v: boolean) => void;
  const promise = new Promise<boolean>((r) => (resolve = r));
  return { promise, resolve };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
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

/** The batch header (BHS, else FHS) as MshInfo, or null when its delimiters are unusable. */
function readBatchHeader(segment: Buffer): MshInfo | null {
  try {
    return readHl7Header(segment.toString('latin1'));
  } catch (err) {
    if (err instanceof Hl7ParseError) return null;
    throw err;
  }
}

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

class Connection {
  private readonly framer: MllpFramer;
  private readonly queue: Item[] = [];
  private busy = false;
  private socketPaused = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  readonly peer: string | null;

  constructor(
    readonly socket: Socket,
    private readonly s: Shared,
  ) {
    this.peer = peerOf(socket);
    this.framer = new MllpFramer(
      {
        frame: (payload) => this.enqueue({ kind: 'frame', payload, receivedAt: s.now() }, payload.length),
        oversize: (head, total) =>
          this.enqueue({ kind: 'oversize', head, total, receivedAt: s.now() }, head.length),
        error: (kind, at) => this.framingError(kind, at),
      },
      s.settings.maxMessageBytes,
    );
    socket.setKeepAlive(true, 60_000);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (!this.stopped) this.framer.push(chunk);
    });
    socket.on('end', () => {
      if (this.framer.inFrame)
        s.log.warn({ peer: this.peer, code: 'MLLP_TRUNCATED_FRAME' }, 'connection ended inside a frame');
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      s.log.debug({ peer: this.peer, code: err.code }, 'socket error'),
    );
    socket.on('close', () => {
      s.flow.conns.delete(this);
      s.log.debug({ peer: this.peer }, 'connection closed');
    });
    s.flow.conns.add(this);
    this.updateReading();
  }

  /** Pauses or resumes the socket for the global cap, a deep queue, or shutdown. */
  updateReading(): void {
    const pause = this.s.flow.paused || this.queue.length >= MAX_QUEUED_FRAMES || this.stopped;
    if (pause && !this.socketPaused) {
      this.socketPaused = true;
      this.socket.pause();
    } else if (!pause && this.socketPaused) {
      this.socketPaused = false;
      this.socket.resume();
    }
  }

  /** Stops reading (shutdown or a framing error); frames already read are still answered. */
  stop(): void {
    this.stopped = true;
    this.updateReading();
  }

  /** Closes after flushing the ACKs already written; forced after a second. */
  end(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  /** Resolves when every frame read so far has been answered. */
  idle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private enqueue(item: Item, bytes: number): void {
    this.s.flow.acquire(bytes);
    this.queue.push(item);
    this.updateReading();
    if (!this.busy) void this.run();
  }

  private framingError(kind: FramingErrorKind, at: number): void {
    // No content in the log: the kind of violation and where, as a byte offset of the stream.
    this.s.log.warn({ peer: this.peer, code: `MLLP_${kind}`, atByte: at }, 'bad MLLP framing: closing');
    this.s.stage.error(`MLLP_${kind}`);
    this.stop();
    void this.idle().then(() => this.end());
  }

  private async run(): Promise<void> {
    this.busy = true;
    while (this.queue.length > 0) {
      const item = this.queue.shift()!;
      this.updateReading();
      try {
        await this.handle(item);
      } catch (err) {
        // A bug, not the message's fault: answer nothing, close, let the sender resend.
        this.s.log.error({ peer: this.peer, err }, 'internal error handling a frame: closing');
        this.s.stage.error('MLLP_INTERNAL');
        this.socket.destroy();
      }
    }
    this.busy = false;
    for (const f of this.idleWaiters.splice(0)) f();
  }

  private async handle(item: Item): Promise<void> {
    const s = this.s;
    const bytes = item.kind === 'frame' ? item.payload.length : item.head.length;
    const plans: Plan[] = [];
    let batch: { header: MshInfo | null } | null = null;
    if (item.kind === 'oversize') {
      // Only the head was kept (framer.ts): its MSH is enough to answer.
      const found = findMsh(item.head);
      const problem: MessageProblem = {
        ack: {
          hl7Code: Hl7ErrorCode.APPLICATION_INTERNAL_ERROR,
          text: `the frame of ${item.total} bytes exceeds the limit of ${s.settings.maxMessageBytes} bytes (only its first ${item.head.length} bytes are kept)`,
          segment: 'MSH',
          segmentSequence: 1,
        },
        errorCode: 'MLLP_MESSAGE_TOO_LARGE',
        severity: 'reject',
      };
      plans.push(await this.rejectPlan(item.head, found.msh, problem, item.receivedAt));
    } else {
      let payload = item.payload;
      let start = 0;
      while (
        start < payload.length &&
        (payload[start] === 0x0d || payload[start] === 0x0a || payload[start] === 0x20)
      )
        start++;
      if (start === payload.length) {
        s.log.debug({ peer: this.peer }, 'empty frame ignored');
        s.flow.release(bytes);
        return;
      }
      payload = payload.subarray(start);
      // A frame that starts with FHS or BHS is a batch (docs/mllp.md); any other frame is one
      // message, whatever it holds (a second MSH in it is the sender's error, stored as sent).
      const head = payload.toString('latin1', 0, 3);
      let messages: Buffer[] = [payload];
      if (head === 'FHS' || head === 'BHS') {
        const split = splitHl7Bytes(payload);
        messages = split.messages;
        // Answered with the (first) BHS, else the FHS.
        const header = split.batch?.bhs ?? split.batch?.fhs;
        batch = { header: header === undefined ? null : readBatchHeader(header) };
      }
      for (const message of messages) plans.push(await this.plan(message, item.receivedAt));
    }

    // One durable write for everything the frame produced (raw records and dead letters).
    const records = plans.flatMap((p) => p.records);
    let writeProblem: MessageProblem | null = null;
    if (records.length > 0) {
      const settled = s.writer.write(records).then(
        () => true,
        (err: unknown) => {
          s.log.warn({ peer: this.peer, err }, 'durable write failed');
          return false;
        },
      );
      void settled.then((ok) => {
        for (const p of plans) p.settle?.(ok);
        s.flow.release(bytes);
        if (ok) {
          for (const p of plans)
            if (p.records.length > 0) {
              if (p.problem === null) s.stage.emitted();
              else s.stage.deadLettered(p.problem.errorCode);
            }
        }
      });
      const outcome = await withTimeout(settled, s.settings.writeTimeoutMs);
      if (outcome !== true) writeProblem = outcome === 'timeout' ? STORE_TIMEOUT : STORE_FAILED;
    } else s.flow.release(bytes);

    const now = s.now();
    const acks: string[] = [];
    for (const p of plans) {
      // A rejection whose dead letter could not be stored is answered as a storage error
      // (AE/CE 207, "resend") so the audit copy is never lost.
      const problem = writeProblem !== null && p.records.length > 0 ? writeProblem : p.problem;
      const outcome: AckOutcome =
        problem === null ? 'accept' : problem.severity === 'reject' ? 'reject' : 'error';
      const code = ackCode(outcome, isEnhancedMode(p.msh));
      acks.push(buildAckText(p.msh, code, { now, problem }));
      s.metrics.ack(code, p.source, now - item.receivedAt);
      const controlId = p.msh === null ? null : asSent(p.msh, 10);
      if (problem !== null) {
        s.stage.error(problem.errorCode);
        s.log.warn(
          {
            peer: this.peer,
            controlId,
            ackCode: code,
            hl7Code: problem.ack.hl7Code,
            code: problem.errorCode,
          },
          'message not accepted',
        );
      } else if (p.duplicate) {
        s.log.info({ peer: this.peer, controlId }, 'resend re-acknowledged');
      }
    }
    const text = batch ? buildBatchAckText(batch.header, acks, now) : acks.join('');
    if (!this.socket.destroyed) this.socket.write(frameAck(text));
  }

  /** Evaluates one message: rejection, resend, or a new record to publish. */
  private async plan(message: Buffer, receivedAt: number): Promise<Plan> {
    const s = this.s;
    s.stage.received();
    const found = findMsh(message);
    const problem = checkMessage(message, found, s.settings, s.settings.defaultCharset);
    if (problem !== null) return this.rejectPlan(message, found.msh, problem, receivedAt);
    const msh = found.msh!;
    const fields = recordMshFields(msh);
    const source = s.metrics.source(fields.sendingFacility, fields.sendingApplication);
    const hash = sha256(message);
    // checkMessage passed, so MSH-10 is present.
    const dkey = duplicateKey(fields.sendingApplication, fields.sendingFacility, fields.messageControlId!);
    let verdict = s.dedup.check(dkey, hash, receivedAt);
    if (verdict.kind === 'same' && verdict.pending !== null) {
      // The first copy is still being written (its ACK timed out and the sender resent):
      // wait for its outcome rather than publishing a second copy.
      const stored = await withTimeout(verdict.pending, s.settings.writeTimeoutMs);
      if (stored === 'timeout') return { msh, source, problem: STORE_TIMEOUT, records: [], duplicate: false };
      verdict = stored ? { kind: 'same', pending: null } : s.dedup.check(dkey, hash, receivedAt);
    }
    if (verdict.kind === 'same') {
      s.metrics.duplicate(source);
      return { msh, source, problem: null, records: [], duplicate: true };
    }
    const reused = verdict.kind === 'reused';
    if (reused) s.metrics.duplicate(source);
    const value: Hl7RawValue = {
      messageBytes: message,
      contentSha256: hash,
      ...fields,
      receivedAt,
      listenerId: s.settings.listenerId,
      peerAddress: this.peer,
      duplicate: reused,
      duplicateReason: reused ? 'CONTROL_ID_REUSED' : null,
    };
    // The message's trace starts here; the span ends once the write is durable (or failed).
    const span = s.deps.telemetry.startRecordSpan(MLLP_STAGE, { topic: RAW_TOPIC });
    let encoded: Buffer;
    try {
      encoded = await s.deps.codec.encode(RAW_TOPIC, value);
    } catch (err) {
      span.end();
      throw err;
    }
    const record: OutRecord = {
      topic: RAW_TOPIC,
      key: rawKey(msh, firstPatientIdentifier(message, msh)),
      value: encoded,
      headers: injectTraceContext({ 'gapstream-listener': s.settings.listenerId }, span),
    };
    const d = deferred();
    s.dedup.begin(dkey, hash, receivedAt, d.promise);
    const settle = (stored: boolean): void => {
      d.resolve(stored);
      if (!stored) span.setStatus({ code: SpanStatusCode.ERROR, message: 'durable write failed' });
      span.end();
    };
    return { msh, source, problem: null, records: [record], settle, duplicate: false };
  }

  private async rejectPlan(
    bytes: Buffer,
    msh: MshInfo | null,
    problem: MessageProblem,
    receivedAt: number,
  ): Promise<Plan> {
    const s = this.s;
    const source = s.metrics.source(
      msh === null ? null : asSent(msh, 4),
      msh === null ? null : asSent(msh, 3),
    );
    const key = msh === null ? null : rawKey(msh, null);
    const headers: Record<string, string> = {
      'gapstream-listener': s.settings.listenerId,
      'hl7-error-code': problem.ack.hl7Code,
    };
    if (this.peer !== null) headers['peer-address'] = this.peer;
    const controlId = msh === null ? null : asSent(msh, 10);
    if (controlId !== null) headers['hl7-control-id'] = controlId;
    const letter: DeadLetter = {
      stage: MLLP_STAGE,
      component: COMPONENT,
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
      value: await s.deps.codec.encode(DEAD_LETTER_TOPIC, letter),
      headers,
    };
    return { msh, source, problem, records: [record], duplicate: false };
  }
}

/** Rebuilds the duplicate index from the newest records of each hl7.raw.v1 partition. */
async function restoreDuplicates(
  deps: MllpListenerDeps,
  settings: MllpSettings,
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

function allowListCheck(socket: TLSSocket, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const cert = socket.getPeerCertificate();
  if (cert === null || Object.keys(cert).length === 0) return false;
  const cnRaw: string | string[] | undefined = cert.subject?.CN;
  const cns = cnRaw === undefined ? [] : Array.isArray(cnRaw) ? cnRaw : [cnRaw];
  const fp = (cert.fingerprint256 ?? '').replace(/:/g, '').toLowerCase();
  return allowed.some((entry) =>
    entry.startsWith('CN=')
      ? cns.includes(entry.slice(3))
      : entry.slice('sha256:'.length).replace(/:/g, '').toLowerCase() === fp,
  );
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts the listener: creates the topics, rebuilds the duplicate index, opens a producer and
 * binds the TCP and/or TLS servers. Settings must have passed validateMllpConfig.
 */
export async function startMllpListener(
  deps: MllpListenerDeps,
  settings: MllpSettings,
): Promise<MllpListener> {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: COMPONENT, listenerId: settings.listenerId });
  await deps.bus.ensureTopics([
    { topic: RAW_TOPIC, partitions: deps.partitions },
    { topic: DEAD_LETTER_TOPIC, partitions: deps.partitions },
  ]);
  const dedup = new DuplicateIndex(settings.duplicateWindowMinutes * 60_000, settings.duplicateMaxEntries);
  const restored = await restoreDuplicates(deps, settings, dedup, now());
  const producer: Producer = await deps.bus.producer();
  const shared: Shared = {
    settings,
    deps,
    now,
    log,
    stage: deps.telemetry.stage(MLLP_STAGE),
    metrics: mllpMetrics(deps.telemetry),
    writer: new GroupCommitWriter(producer),
    dedup,
    flow: new Flow(settings.maxInFlightBytes),
    closing: false,
  };
  const servers: Server[] = [];
  const onSocket = (socket: Socket): void => {
    if (shared.closing) {
      socket.destroy();
      return;
    }
    log.debug({ peer: peerOf(socket) }, 'connection opened');
    new Connection(socket, shared);
  };

  let port: number | undefined;
  let tlsPort: number | undefined;
  try {
    if (settings.tcpEnabled) {
      const tcp = createTcpServer(onSocket);
      tcp.maxConnections = settings.maxConnections;
      servers.push(tcp);
      port = await listen(tcp, settings.port, settings.host);
    }
    const { tls } = settings;
    if (tls.certFile !== undefined && tls.keyFile !== undefined) {
      const server = createTlsServer(
        {
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
          ...(tls.caFile !== undefined ? { ca: readFileSync(tls.caFile) } : {}),
          requestCert: tls.requireClientCert,
          rejectUnauthorized: tls.requireClientCert,
          minVersion: 'TLSv1.2',
        },
        (socket) => {
          if (!allowListCheck(socket, tls.allowedClients)) {
            log.warn(
              { peer: peerOf(socket), code: 'MLLP_CLIENT_NOT_ALLOWED' },
              'client certificate not on the allow-list: refused',
            );
            shared.stage.error('MLLP_CLIENT_NOT_ALLOWED');
            socket.destroy();
            return;
          }
          onSocket(socket);
        },
      );
      server.on('tlsClientError', (err: NodeJS.ErrnoException, socket) =>
        log.warn({ peer: peerOf(socket), code: err.code ?? 'TLS_ERROR' }, 'TLS handshake refused'),
      );
      server.maxConnections = settings.maxConnections;
      servers.push(server);
      tlsPort = await listen(server, tls.port, settings.host);
    }
  } catch (err) {
    for (const s of servers) s.close();
    await producer.close();
    throw err;
  }
  log.info({ port, tlsPort, restoredDuplicateIds: restored }, 'MLLP listener started');

  let closed: Promise<void> | undefined;
  return {
    get port() {
      return port;
    },
    get tlsPort() {
      return tlsPort;
    },
    get inFlightBytes() {
      return shared.flow.used;
    },
    get connections() {
      return shared.flow.conns.size;
    },
    get paused() {
      return shared.flow.paused;
    },
    get duplicateIndexSize() {
      return dedup.size;
    },
    close: () =>
      (closed ??= (async () => {
        shared.closing = true;
        const serversClosed = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
        const conns = [...shared.flow.conns];
        for (const c of conns) c.stop();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all(conns.map((c) => c.idle())),
          new Promise((r) => (timer = setTimeout(r, settings.drainTimeoutMs))),
        ]);
        clearTimeout(timer);
        for (const c of conns) c.end();
        await Promise.all(serversClosed);
        await withTimeout(shared.writer.drained(), settings.drainTimeoutMs);
        await producer.close().catch((err: unknown) => log.warn({ err }, 'producer close failed'));
        log.info({}, 'MLLP listener closed');
      })()),
  };
}
