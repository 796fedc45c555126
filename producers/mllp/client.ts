import { connect, type Socket } from 'node:net';
import { MllpFramer } from './framer.ts';

const VT = Buffer.from([0x0b]);
const FS_CR = Buffer.from([0x1c, 0x0d]);

/**
 * A minimal MLLP sender: one persistent connection, one message in flight at a time (as
 * interface engines send), each send resolving with the ACK's text. For the demo, benchmarks
 * and tools; tests also use @medplum/hl7's client as an independent peer.
 */
export class MllpClient {
  private pending: { resolve: (ack: string) => void; reject: (err: Error) => void } | undefined;

  private constructor(private readonly socket: Socket) {
    const framer = new MllpFramer(
      {
        frame: (payload) => {
          const p = this.pending;
          this.pending = undefined;
          p?.resolve(payload.toString('latin1'));
        },
        oversize: () => this.fail(new Error('ACK larger than the client accepts')),
        error: (kind) => this.fail(new Error(`the listener sent bytes that are not MLLP (${kind})`)),
      },
      1024 * 1024,
    );
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed before the ACK')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<MllpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new MllpClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one message and resolves with its ACK (rejects on timeout or a closed connection). */
  send(message: Buffer, timeoutMs = 30_000): Promise<string> {
    if (this.pending) return Promise.reject(new Error('one message at a time: await the previous ACK'));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no ACK within ${timeoutMs} ms`)), timeoutMs);
      this.pending = {
        resolve: (ack) => {
          clearTimeout(timer);
          resolve(ack);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.socket.write(Buffer.concat([VT, message, FS_CR]));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }
}

/** MSA-1 of an ACK text (AA, AE, AR, CA, CE, CR), or '' when there is no MSA segment. */
export function ackCodeOf(ack: string): string {
  const msa = ack.split(/\r\n|\r|\n/).find((s) => s.startsWith('MSA'));
  return msa?.split(msa[3] ?? '|')[1] ?? '';
}
