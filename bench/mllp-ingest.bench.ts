// MLLP ingest with durable ACK into real Kafka (acks=all) vs two bare MLLP echo servers (ACK at
// once, no Kafka) in the same run, the transport ceiling: 'echo' on our own framer
// (producers/mllp/framer.ts) and 'medplum-echo' on @medplum/hl7's Hl7Server (issue 3: is the
// library the bottleneck?):
//   node bin/run-ts.mjs bench/mllp-ingest.bench.ts      (needs the local stack: npm run stack -- start)
// Closed loop with 1, 8 and 32 sender connections (each waits for its ACK, as MLLP senders do),
// messages of ~1-3 KB, BENCH_SECONDS (default 5) per run; then an open loop at a fixed
// BENCH_RATE (default 1000) msgs/s over 16 connections, latency measured from the scheduled send
// time (no coordinated omission). One JSON line per run.
import { randomUUID } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import pino from 'pino';
import { Hl7Server } from '@medplum/hl7';
import { createKafkaBus } from '../runtime/bus/kafka/kafka-bus.ts';
import { withNamespace } from '../runtime/bus/namespaced-bus.ts';
import { createRegistryCodec } from '../schemas/codec.ts';
import { createNoopTelemetry } from '../runtime/telemetry/index.ts';
import { defaultMllpSettings } from '../producers/mllp/config.ts';
import { startMllpListener } from '../producers/mllp/listener.ts';
import { MllpFramer } from '../producers/mllp/framer.ts';
import { buildAckText, frameAck } from '../producers/mllp/ack.ts';
import { findMsh } from '../producers/mllp/message.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const REGISTRY = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7';

function message(conn: number, i: number): Buffer {
  const pad = 800 + ((conn * 7919 + i * 104729) % 2000); // ~1-3 KB in total
  return Buffer.from(
    [
      `MSH|^~\\&|BENCH-EHR|CLINIC-${conn % 4}|GAPSTREAM|VBC|20260101120000||ORU^R01^ORU_R01|B${conn}-${i}-${randomUUID().slice(0, 6)}|P|2.5.1`,
      `PID|1||${conn}-${i % 50}^^^HOSP^MR||DOE^JANE||19800101|F`,
      'OBR|1||F1|4548-4^HbA1c^LN|||20260101',
      `OBX|1|NM|4548-4^HbA1c^LN||7.1|%|4.0-5.6|H|||F`,
      `NTE|1||${'x'.repeat(pad)}`,
      '',
    ].join('\r'),
  );
}

function frame(b: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x0b]), b, Buffer.from([0x1c, 0x0d])]);
}

/** A client connection that sends one frame and resolves at its ACK. */
class Sender {
  private waiting: (() => void)[] = [];
  constructor(private readonly socket: Socket) {
    const framer = new MllpFramer(
      { frame: () => this.waiting.shift()?.(), oversize: () => {}, error: () => socket.destroy() },
      1 << 20,
    );
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => framer.push(c));
  }
  static open(port: number): Promise<Sender> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new Sender(s)));
      s.once('error', reject);
    });
  }
  send(b: Buffer): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(frame(b));
    });
  }
  close(): void {
    this.socket.destroy();
  }
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
}

async function closedLoop(server: string, port: number, conns: number): Promise<void> {
  const senders = await Promise.all(Array.from({ length: conns }, () => Sender.open(port)));
  const lat: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    senders.map(async (s, c) => {
      for (let i = 0; performance.now() < end; i++) {
        const m = message(c, i);
        const t = performance.now();
        await s.send(m);
        lat.push(performance.now() - t);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  for (const s of senders) s.close();
  lat.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'mllp-ingest',
      server,
      mode: 'closed-loop',
      connections: conns,
      messages: lat.length,
      msgs_per_s: Math.round(lat.length / secs),
      ack_p50_ms: pct(lat, 50),
      ack_p99_ms: pct(lat, 99),
    }),
  );
}

async function fixedRate(server: string, port: number, rate: number, conns = 16): Promise<void> {
  const senders = await Promise.all(Array.from({ length: conns }, () => Sender.open(port)));
  const lat: number[] = [];
  const total = rate * SECONDS;
  const interval = 1000 / rate;
  const t0 = performance.now();
  await Promise.all(
    senders.map(async (s, c) => {
      for (let k = c; k < total; k += conns) {
        const scheduled = t0 + k * interval;
        const wait = scheduled - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const sent = performance.now();
        await s.send(message(c, k));
        // From the scheduled time when the sender was late (no coordinated omission), from the
        // actual send when a timer fired a little early.
        lat.push(performance.now() - Math.min(scheduled, sent));
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  for (const s of senders) s.close();
  lat.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'mllp-ingest',
      server,
      mode: 'fixed-rate',
      target_msgs_per_s: rate,
      connections: conns,
      messages: lat.length,
      msgs_per_s: Math.round(lat.length / secs),
      ack_p50_ms: pct(lat, 50),
      ack_p99_ms: pct(lat, 99),
      ack_max_ms: pct(lat, 100),
    }),
  );
}

/** The transport ceiling: frames parsed by the same framer, ACKed at once, nothing stored. */
async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const framer = new MllpFramer(
      {
        frame: (p) => socket.write(frameAck(buildAckText(findMsh(p).msh, 'AA', { now: Date.now() }))),
        oversize: () => socket.destroy(),
        error: () => socket.destroy(),
      },
      1 << 20,
    );
    socket.on('data', (c: Buffer) => framer.push(c));
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * The same ceiling on @medplum/hl7's Hl7Server: its own framing, iconv decode and Hl7Message.parse,
 * ACK built by Hl7Message.buildAck. Nagle is switched off as in echoServer, so only the library
 * differs. Hl7Server.start(port) binds all interfaces; port 0 gives an ephemeral one.
 */
async function medplumEchoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const hl7 = new Hl7Server((connection) => {
    connection.socket.setNoDelay(true);
    connection.addEventListener('message', ({ message }) => connection.send(message.buildAck()));
  });
  hl7.start(0);
  const server = hl7.server!;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => hl7.stop({ forceDrainTimeoutMs: 1000 }),
  };
}

async function main(): Promise<void> {
  const logger = pino({ level: 'silent' });
  const bus = withNamespace(
    await createKafkaBus({
      brokers: BROKERS,
      clientId: 'bench-mllp',
      ssl: false,
      replicationFactor: 1,
      logger,
    }),
    `bench-mllp-${randomUUID().slice(0, 8)}`,
  );
  const codec = await createRegistryCodec({ url: REGISTRY });
  const listener = await startMllpListener(
    { bus, codec, telemetry: createNoopTelemetry('bench-mllp'), logger, partitions: 3 },
    defaultMllpSettings({
      host: '127.0.0.1',
      port: 0,
      acceptedMessageTypes: ['ORU^R01'],
      duplicateRestoreRecords: 0,
    }),
  );
  const echo = await echoServer();
  const medplumEcho = await medplumEchoServer();
  try {
    // Warm-up (connections, metadata, schema ids).
    await closedLoop('warmup', listener.port!, 4).catch(() => {});
    for (const conns of [1, 8, 32]) {
      await closedLoop('echo', echo.port, conns);
      await closedLoop('medplum-echo', medplumEcho.port, conns);
      await closedLoop('gapstream-kafka', listener.port!, conns);
    }
    await fixedRate('echo', echo.port, RATE);
    await fixedRate('medplum-echo', medplumEcho.port, RATE);
    await fixedRate('gapstream-kafka', listener.port!, RATE);
  } finally {
    await listener.close();
    await echo.close();
    await medplumEcho.close();
    await bus.close();
  }
}

await main();
