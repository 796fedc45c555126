/**
 * The MLLP listener: TCP and TLS servers, one {@link Connection} per sender, each message
 * written durably to `hl7.raw.v1` before its ACK (CONVENTIONS.md §8), rejections ACKed with the
 * table 0357 code and kept in `deadletter.v1`, resends recognised, reads paused under
 * back-pressure. The per-message work (checks, duplicates, durable write, dead letters) is the
 * socket-independent intake (intake.ts), shared with the drop directory (producers/hl7-files);
 * what stays here is sockets, framing (framer.ts), batch frames, back-pressure and ACKs (ack.ts).
 * Each published hl7.raw.v1 record starts a trace (a PRODUCER span per message, W3C trace
 * context in its headers) that the normalizer and sinks continue.
 */
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Bus } from '../../runtime/bus/types.ts';
import type { Logger, StageMetrics, Telemetry } from '../../runtime/telemetry/index.ts';
import type { Codec } from '../../schemas/codec.ts';
import {
  Hl7ErrorCode,
  Hl7ParseError,
  readHl7Header,
  splitHl7Bytes,
  type MshInfo,
} from '../../runtime/hl7/index.ts';
import { buildAckText, buildBatchAckText, frameAck } from './ack.ts';
import type { MllpSettings } from './config.ts';
import { MllpFramer, type FramingErrorKind } from './framer.ts';
import {
  MLLP_COMPONENT,
  MLLP_STAGE,
  createHl7Intake,
  type Hl7Intake,
  type Hl7IntakeInput,
  type Hl7Origin,
} from './intake.ts';
import type { MessageProblem } from './message.ts';
import { mllpMetrics, type MllpMetrics } from './metrics.ts';

export { RAW_TOPIC, MLLP_STAGE, type Hl7RawValue } from './intake.ts';
const COMPONENT = MLLP_COMPONENT;
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
  /**
   * A shared intake (intake.ts), e.g. one also fed by the drop directory (producers/hl7-files),
   * so both see one duplicate index. The caller closes it. Default: the listener creates its own
   * and closes it on close().
   */
  intake?: Hl7Intake;
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
  /** The per-message intake this listener feeds (share it with producers/hl7-files). */
  readonly intake: Hl7Intake;
  /**
   * Stops accepting connections and reading, lets every frame already read be written and
   * ACKed (or NAKed) within `drainTimeoutMs`, then closes the sockets and the producer.
   */
  close(): Promise<void>;
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
  intake: Hl7Intake;
  flow: Flow;
  closing: boolean;
}

function peerOf(socket: Socket): string | null {
  const addr = socket.remoteAddress;
  if (addr === undefined) return null;
  return addr.includes(':') ? `[${addr}]:${socket.remotePort}` : `${addr}:${socket.remotePort}`;
}

/** The batch header (BHS, else FHS) as MshInfo, or null when its delimiters are unusable. */
function readBatchHeader(segment: Buffer): MshInfo | null {
  try {
    return readHl7Header(segment.toString('latin1'));
  } catch (err) {
    if (err instanceof Hl7ParseError) return null;
    throw err;
  }
}

class Connection {
  private readonly framer: MllpFramer;
  private readonly queue: Item[] = [];
  private busy = false;
  private socketPaused = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  readonly peer: string | null;
  private readonly origin: Hl7Origin;

  constructor(
    readonly socket: Socket,
    private readonly s: Shared,
  ) {
    this.peer = peerOf(socket);
    this.origin = { listenerId: s.settings.listenerId, peer: this.peer };
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
    const inputs: Hl7IntakeInput[] = [];
    let batch: { header: MshInfo | null } | null = null;
    if (item.kind === 'oversize') {
      // Only the head was kept (framer.ts): its MSH is enough to answer.
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
      inputs.push({ bytes: item.head, problem });
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
      inputs.push(...messages);
    }

    // Validate, de-duplicate, then one durable write for everything the frame produced.
    const outcomes = await s.intake.acceptAll(inputs, this.origin, {
      receivedAt: item.receivedAt,
      onSettled: () => s.flow.release(bytes),
    });

    const now = s.now();
    const acks: string[] = [];
    for (const o of outcomes) {
      acks.push(buildAckText(o.msh, o.ackCode, { now, problem: o.problem }));
      s.metrics.ack(o.ackCode, o.source, now - item.receivedAt);
    }
    const text = batch ? buildBatchAckText(batch.header, acks, now) : acks.join('');
    if (!this.socket.destroyed) this.socket.write(frameAck(text));
  }
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
  const ownIntake = deps.intake === undefined;
  const intake = deps.intake ?? (await createHl7Intake(deps, settings));
  const shared: Shared = {
    settings,
    deps,
    now,
    log,
    stage: deps.telemetry.stage(MLLP_STAGE),
    metrics: mllpMetrics(deps.telemetry),
    intake,
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
    if (ownIntake) await intake.close(0);
    throw err;
  }
  log.info({ port, tlsPort, restoredDuplicateIds: intake.restored }, 'MLLP listener started');

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
      return intake.duplicateIndexSize;
    },
    intake,
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
        if (ownIntake) await intake.close(settings.drainTimeoutMs);
        log.info({}, 'MLLP listener closed');
      })()),
  };
}
