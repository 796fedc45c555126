import type { RunningProcessor } from './processor-runner.ts';
import type { Batch, Bus, Consumer, OutRecord, Producer } from '../bus/types.ts';
import type { Codec } from '../../schemas/codec.ts';
import { describeError } from '../errors.ts';
import type { Logger, Telemetry } from '../telemetry/index.ts';
import { DEAD_LETTER_TOPIC, deadLetter } from './dead-letter.ts';
import { batchCommitted, positionAfter } from './batch.ts';
import type { StepContext } from './step.ts';

/** A sink: a pure mapping from records to rows, and an idempotent writer. */
export interface SinkSpec<I, R> {
  readonly name: string;
  readonly input: string;
  /** Pure: one input value to zero or more rows. Throwing dead-letters the record. */
  toRows(input: I, ctx: StepContext): readonly R[];
  /**
   * Writes a batch. Must be idempotent (a replayed batch leaves the same query results), since
   * the position is committed after the write: a crash in between re-delivers the batch.
   */
  write(rows: readonly R[]): Promise<void>;
}

export interface SinkDeps {
  bus: Bus;
  codec: Codec;
  telemetry: Telemetry;
  logger: Logger;
  app?: string;
  partitions: number;
  maxBatchSize?: number;
}

/**
 * Runs a sink at-least-once with an idempotent write, which together give exactly-once results:
 * rows are written, then the position is committed. Bad records go to the dead-letter topic
 * (written durably before the position moves past them) and never stop the partition.
 */
export async function startSink<I, R>(spec: SinkSpec<I, R>, deps: SinkDeps): Promise<RunningProcessor> {
  const group = `${deps.app ?? 'gapstream'}.${spec.name}`;
  const metrics = deps.telemetry.stage(spec.name);
  const log = deps.logger.child({ component: 'sink', stage: spec.name });
  const where = { stage: spec.name, component: 'sink' as const, codec: deps.codec, metrics, log };
  await deps.bus.ensureTopics([
    { topic: spec.input, partitions: deps.partitions },
    { topic: DEAD_LETTER_TOPIC, partitions: deps.partitions },
  ]);
  const producer: Producer = await deps.bus.producer();
  const consumer: Consumer = await deps.bus.consumer({
    groupId: group,
    topics: [spec.input],
    maxBatchSize: deps.maxBatchSize ?? 1_000,
  });

  const handle = async (batch: Batch): Promise<void> => {
    const { records, topic, partition } = batch;
    const started = performance.now();
    metrics.received(records.length);
    const span = deps.telemetry.startRecordSpan(
      spec.name,
      { topic, partition, offset: records[0]!.offset },
      records[0]!.headers,
    );
    try {
      const rows: R[] = [];
      const dead: OutRecord[] = [];
      for (const record of records) {
        try {
          const input = await deps.codec.decode<I>(topic, record.value ?? Buffer.alloc(0));
          rows.push(
            ...spec.toRows(input, {
              source: { topic, partition, offset: record.offset },
              key: record.key,
              timestamp: record.timestamp,
            }),
          );
        } catch (err) {
          dead.push(await deadLetter(where, record, err));
        }
      }
      if (rows.length > 0) await spec.write(rows);
      if (dead.length > 0) await producer.send(dead);
      await consumer.commit([positionAfter(batch)]);
      batchCommitted(metrics, group, batch, rows.length, started);
    } catch (err) {
      span.recordException(err as Error);
      metrics.error(describeError(err).code);
      throw err;
    } finally {
      span.end();
    }
  };

  await consumer.run(handle);
  log.info({ group, input: spec.input }, 'sink started');
  return {
    name: spec.name,
    consumes: { groupId: group, topics: [spec.input] },
    stop: async () => {
      await consumer.stop();
      await producer.close();
    },
  };
}
