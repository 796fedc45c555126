/** Test support for the MLLP listener: synthetic messages (made up, no real person) and a raw MLLP client. */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { MllpFramer } from '../../producers/mllp/framer.ts';

export interface MsgOptions {
  controlId?: string;
  type?: string;
  version?: string;
  processingId?: string;
  charset?: string;
  facility?: string;
  app?: string;
  patient?: string;
  enhanced?: boolean;
  pad?: number;
  note?: string;
}

/** A synthetic ADT^A04 (or other type) as text with CR segment endings. */
export function hl7(o: MsgOptions = {}): string {
  const msh = [
    'MSH',
    '^~\\&',
    o.app ?? 'TEST-EHR',
    o.facility ?? 'CLINIC-A',
    'GAPSTREAM',
    'VBC',
    '20260101120000',
    '',
    o.type ?? 'ADT^A04^ADT_A01',
    o.controlId ?? 'C1',
    o.processingId ?? 'P',
    o.version ?? '2.5.1',
    '',
    '',
    o.enhanced ? 'AL' : '',
    o.enhanced ? 'NE' : '',
    '',
    o.charset ?? '',
  ].join('|');
  const segs = [
    msh,
    'EVN|A04|20260101120000',
    `PID|1||${o.patient ?? 'P1'}^^^HOSP^MR||DOE^JANE||19800101|F`,
    'PV1|1|O',
  ];
  if (o.note !== undefined) segs.push(`NTE|1||${o.note}`);
  if (o.pad) segs.push(`NTE|2||${'x'.repeat(o.pad)}`);
  return segs.join('\r') + '\r';
}

export function frame(payload: Buffer | string): Buffer {
  const b = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  return Buffer.concat([Buffer.from([0x0b]), b, Buffer.from([0x1c, 0x0d])]);
}

/** Parsed ACK: MSA-1, MSA-2, ERR-3 code (v2.5 layout) and the raw text. */
export interface Ack {
  code: string;
  controlId: string;
  errCode: string | null;
  text: string;
}

export function parseAck(text: string): Ack {
  const segs = text.split('\r').filter((s) => s !== '');
  const msa = segs.find((s) => s.startsWith('MSA|'))?.split('|') ?? [];
  const err = segs.find((s) => s.startsWith('ERR|'))?.split('|');
  let errCode: string | null = null;
  if (err !== undefined)
    errCode = err[3] ? err[3].split('^')[0]! : ((err[1] ?? '').split('^')[3]?.split('&')[0] ?? null);
  return { code: msa[1] ?? '', controlId: msa[2] ?? '', errCode, text };
}

/** A raw MLLP client: send bytes, await ACK frames in order. */
export class RawClient {
  private readonly acks: string[] = [];
  private waiters: ((t: string) => void)[] = [];
  closed = false;
  private closeWaiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    const framer = new MllpFramer(
      {
        frame: (p) => {
          const w = this.waiters.shift();
          if (w) w(p.toString('latin1'));
          else this.acks.push(p.toString('latin1'));
        },
        oversize: () => {},
        error: () => socket.destroy(),
      },
      10 * 1024 * 1024,
    );
    socket.on('data', (c: Buffer) => framer.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const f of this.closeWaiters.splice(0)) f();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  static connectTls(port: number, options: ConnectionOptions): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ port, host: '127.0.0.1', ...options }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Next ACK frame, or null when the connection closes first or after `timeoutMs`. */
  nextAck(timeoutMs = 10_000): Promise<Ack | null> {
    const queued = this.acks.shift();
    if (queued !== undefined) return Promise.resolve(parseAck(queued));
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(null);
      }, timeoutMs);
      const waiter = (t: string): void => {
        clearTimeout(timer);
        resolve(parseAck(t));
      };
      this.waiters.push(waiter);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(null);
      });
    });
  }

  /** Next raw ACK text (batch ACKs). */
  async nextAckText(timeoutMs = 10_000): Promise<string | null> {
    const a = await this.nextAck(timeoutMs);
    return a?.text ?? null;
  }

  async send(message: string | Buffer, timeoutMs?: number): Promise<Ack | null> {
    this.write(frame(message));
    return this.nextAck(timeoutMs);
  }

  waitClosed(timeoutMs = 10_000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
