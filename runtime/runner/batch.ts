/**
 * Bookkeeping every runner does per partition batch (processors, sinks, the identity resolver):
 * the position to commit after it, and the same metrics once it is committed.
 */
import type { Batch, TopicPartitionOffset } from '../bus/types.ts';
import type { StageMetrics } from '../telemetry/index.ts';

/** The consumer position after a batch (the offset of the next record to read). */
export function positionAfter(batch: Batch): TopicPartitionOffset {
  return {
    topic: batch.topic,
    partition: batch.partition,
    offset: batch.records[batch.records.length - 1]!.offset + 1,
  };
}

/** Records a committed batch: records emitted, latency since `started`, lag left behind it. */
export function batchCommitted(
  metrics: StageMetrics,
  group: string,
  batch: Batch,
  emitted: number,
  started: number,
): void {
  const { topic, partition, offset } = positionAfter(batch);
  metrics.emitted(emitted);
  metrics.latency(performance.now() - started);
  metrics.lag(topic, partition, Math.max(0, batch.highWatermark - offset), group);
}
