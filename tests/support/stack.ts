import { connect } from 'node:net';
import pino from 'pino';
import { createKafkaBus } from '../../runtime/bus/kafka/kafka-bus.ts';
import type { Bus } from '../../runtime/bus/types.ts';

/**
 * Where the integration tests find the real servers started by infra/local (ports come from the
 * environment that scripts/test.sh exports from .local/stack.env, never hard-coded in a test).
 */
export const stack = {
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
  schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7',
  clickhouseUrl: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123',
};

/** Fails loudly (never skips) when a server the integration suite needs is not listening. */
export async function requireListening(what: string, hostPort: string): Promise<void> {
  const [host, portText] = [
    hostPort.slice(0, hostPort.lastIndexOf(':')),
    hostPort.slice(hostPort.lastIndexOf(':') + 1),
  ];
  const ok = await new Promise<boolean>((resolve) => {
    const socket = connect({ host, port: Number(portText) }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(3_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
  if (!ok)
    throw new Error(
      `${what} is not reachable at ${hostPort}: start the local stack with \`npm run stack -- start\` (or run \`npm test\`, which starts it).`,
    );
}

/** A quiet logger for tests. */
export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A Kafka bus on the local stack, checked to be reachable first. */
export async function makeKafkaBus(): Promise<Bus> {
  await requireListening('Kafka', stack.kafkaBrokers[0]!);
  return createKafkaBus({
    brokers: stack.kafkaBrokers,
    clientId: 'gapstream-test',
    ssl: false,
    replicationFactor: 1,
    logger: testLogger,
  });
}
