import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Config } from '../../config/load.ts';

/** What the Kafka adapter needs from the configuration (security settings included). */
export type KafkaSettings = Pick<
  Config['kafka'],
  'clientId' | 'ssl' | 'sslCaFile' | 'saslMechanism' | 'saslUsername' | 'saslPassword'
> & {
  brokers: string[];
};

/** Minimal logger shape so the adapter does not depend on a logging library. */
export interface BusLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/**
 * Builds the kafkajs client. TLS and SASL come from configuration (secrets from the
 * environment); kafkajs' own logs are routed to ours at WARN and above.
 */
export function createKafkaClient(settings: KafkaSettings, logger: BusLogger): Kafka {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      // kafkajs log lines carry broker and protocol details, never record contents.
      const { message, ...rest } = entry.log;
      const fields = { kafkajs: entry.namespace, ...rest };
      if (entry.level === logLevel.ERROR) logger.error(fields, message);
      else if (entry.level === logLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    },
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5_000 },
  };
  if (settings.ssl)
    config.ssl = settings.sslCaFile ? { ca: [readFileSync(settings.sslCaFile, 'utf8')] } : true;
  if (settings.saslMechanism) {
    config.sasl = {
      mechanism: settings.saslMechanism,
      username: settings.saslUsername ?? '',
      password: settings.saslPassword ?? '',
    } as SASLOptions;
  }
  return new Kafka(config);
}
