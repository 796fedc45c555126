import { join, resolve } from 'node:path';
import { createEmbeddedBus } from './bus/embedded/index.ts';
import { createKafkaBus } from './bus/kafka/kafka-bus.ts';
import type { Bus } from './bus/types.ts';
import { withNamespace } from './bus/namespaced-bus.ts';
import type { Config } from './config/load.ts';
import { createLogger, createTelemetry, type Logger, type Telemetry } from './telemetry/index.ts';
import { createLocalCodec, createRegistryCodec, type Codec } from '../schemas/codec.ts';
import { openStore, type Store } from '../sinks/clickhouse/store.ts';

/** Everything a component needs, built from the validated config: the same code for both modes. */
export interface Runtime {
  config: Config;
  bus: Bus;
  codec: Codec;
  store: Store;
  telemetry: Telemetry;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Opens the bus (Kafka when KAFKA_BROKERS is set, else the embedded durable log), the codec
 * (Schema Registry, or local schema ids in embedded mode), the ClickHouse store (server when
 * CLICKHOUSE_URL is set, else chDB) and telemetry. Closes what it opened if a later step fails.
 */
export async function openRuntime(
  config: Config,
  serviceName: string,
  options: { store?: boolean } = {},
): Promise<Runtime> {
  const logger = createLogger({ level: config.log.level, name: serviceName });
  const opened: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of opened.reverse())
      await close().catch((err: unknown) => logger.error({ err }, 'error while closing'));
    opened.length = 0;
  };
  try {
    const telemetry = await createTelemetry({
      serviceName,
      prometheusPort: config.telemetry.metricsPort,
      otlpEndpoint: config.telemetry.otlpEndpoint,
    });
    opened.push(() => telemetry.shutdown());

    const dataDir = resolve(config.dataDir);
    let rawBus: Bus;
    let codec: Codec;
    if (config.mode === 'distributed') {
      rawBus = await createKafkaBus({
        brokers: config.kafka.brokers!,
        clientId: config.kafka.clientId,
        ssl: config.kafka.ssl,
        sslCaFile: config.kafka.sslCaFile,
        saslMechanism: config.kafka.saslMechanism,
        saslUsername: config.kafka.saslUsername,
        saslPassword: config.kafka.saslPassword,
        replicationFactor: config.kafka.replicationFactor,
        sessionTimeoutMs: config.kafka.sessionTimeoutMs,
        logger: logger.child({ component: 'kafka' }),
      });
      opened.push(() => rawBus.close());
      codec = await createRegistryCodec({
        url: config.schemaRegistry.url!,
        username: config.schemaRegistry.username,
        password: config.schemaRegistry.password,
      });
    } else {
      rawBus = await createEmbeddedBus({
        dataDir: join(dataDir, 'bus'),
        fsync: config.embedded.fsync,
        logger: logger.child({ component: 'bus/embedded' }),
      });
      opened.push(() => rawBus.close());
      codec = await createLocalCodec();
    }

    const bus = withNamespace(rawBus, config.namespace);
    let store: Store | undefined;
    if (options.store !== false) {
      store = await openStore(
        config.clickhouse.url
          ? {
              driver: 'http',
              url: config.clickhouse.url,
              username: config.clickhouse.username,
              password: config.clickhouse.password,
              database: config.clickhouse.database,
            }
          : { driver: 'chdb', path: join(dataDir, 'chdb'), database: config.clickhouse.database },
      );
      opened.push(() => store!.close());
    }
    logger.info(
      {
        mode: config.mode,
        store: store?.driver ?? 'none',
        dataDir: config.mode === 'embedded' ? dataDir : undefined,
      },
      'runtime opened',
    );
    return {
      config,
      bus,
      codec,
      store: store ?? closedStore(),
      telemetry,
      logger,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function closedStore(): Store {
  const fail = (): Promise<never> =>
    Promise.reject(new Error('this command was started without a ClickHouse store'));
  return { driver: 'chdb', exec: fail, query: fail, insert: fail, close: () => Promise.resolve() };
}
