/**
 * The embedded bus adapter: the Bus port in process, on a durable local log. See embedded-bus.ts.
 */
export { createEmbeddedBus, EmbeddedBus, LOG_FILE_NAME, DEFAULT_MAX_BATCH_SIZE } from './embedded-bus.ts';
export type { EmbeddedBusOptions, EmbeddedBusLogger } from './config.ts';
export { resolveEmbeddedBusOptions } from './config.ts';
