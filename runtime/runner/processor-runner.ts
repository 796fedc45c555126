import type { Batch, Bus, Consumer, OutRecord, TransactionalProducer } from '../bus/types.ts';
import type { Codec } from '../../schemas/codec.ts';
import { injectTraceContext, type Logger, type Telemetry } from '../telemetry/index.ts';
import { describeError } from '../errors.ts';
import { DEAD_LETTER_TOPIC, deadLetter } from './dead-letter.ts';
import { batchCommitted, positionAfter } from './batch.ts';
import type { StatefulStep, StatelessStep, StepContext, StepOutput } from './step.ts';

export interface RunnerDeps {
  bus: Bus;
  codec: Codec;
  telemetry: Telemetry;
  logger: Logger;
  /** Prefix of group ids, transactional ids and changelog topics. */
  app?: string;
  /** Stable per process: a restarted instance with the same id fences its previous incarnation. */
  instanceId?: string;
  /** Partition count for topics the runner creates. */
  partitions: number;
  maxBatchSize?: number;
}

/** A running processor. */
export interface RunningProcessor {
  readonly name: string;
  stop(): Promise<void>;
}

type AnyStep = StatelessStep<unknown> | StatefulStep<unknown, unknown>;

/** Changelog topic of a stateful step: compacted, co-partitioned with its input. */
export function changelogTopic(app: string, step: { name: string }): string {
  return `${app}.${step.name}.changelog`;
}

/**
 * Runs a step with exactly-once effects: for each partition batch, the step's outputs, the
 * changelog of the state it changed, dead letters and the consumer position are written in one
 * transaction. A crash anywhere leaves either all of it or none of it, and the batch is re-read.
 * State lives in memory per partition and is rebuilt from the changelog when a partition is
 * (re)assigned, so a restarted or rebalanced processor continues exactly where it committed.
 */
export async function startProcessor(step: AnyStep, deps: RunnerDeps): Promise<RunningProcessor> {
  const app = deps.app ?? 'gapstream';
  const group = `${app}.${step.name}`;
  const metrics = deps.telemetry.stage(step.name);
  const log = deps.logger.child({ component: 'processor', stage: step.name });
  const changelog = step.kind === 'stateful' ? changelogTopic(app, step) : undefined;
  const where = { stage: step.name, component: 'processor' as const, codec: deps.codec, metrics, log };

  await deps.bus.ensureTopics([
    { topic: step.input, partitions: deps.partitions },
    ...step.outputs.map((topic) => ({ topic, partitions: deps.partitions })),
    { topic: DEAD_LETTER_TOPIC, partitions: deps.partitions },
  ]);
  if (changelog) {
    // Co-partitioned: state of input partition p lives in changelog partition p.
    await deps.bus.ensureTopics([
      { topic: changelog, partitions: await deps.bus.partitionCount(step.input), compacted: true },
    ]);
  }

  const producer: TransactionalProducer = await deps.bus.transactionalProducer(
    `${group}.${deps.instanceId ?? '0'}`,
  );
  const consumer: Consumer = await deps.bus.consumer({
    groupId: group,
    topics: [step.input],
    maxBatchSize: deps.maxBatchSize ?? 500,
  });
  const stores = new Map<number, Map<string, unknown>>();
  consumer.onAssignmentChange(() => stores.clear());

  /** Rebuilds one partition's store from its changelog (latest value per key wins). */
  const restore = async (partition: number): Promise<Map<string, unknown>> => {
    const store = new Map<string, unknown>();
    if (step.kind === 'stateful' && changelog) {
      let n = 0;
      for await (const r of deps.bus.readPartition(changelog, partition)) {
        if (r.key === null) continue;
        if (r.value === null) store.delete(r.key);
        else store.set(r.key, step.deserializeState(r.value));
        n++;
      }
      log.info({ partition, changelogRecords: n, keys: store.size }, 'state restored from changelog');
    }
    stores.set(partition, store);
    return store;
  };

  const handleBatch = async (batch: Batch): Promise<void> => {
    const { records, topic, partition } = batch;
    const started = performance.now();
    metrics.received(records.length);
    const store = stores.get(partition) ?? (await restore(partition));
    // One span per batch, continuing the trace of its first record; outputs carry this span's context.
    const span = deps.telemetry.startRecordSpan(
      step.name,
      { topic, partition, offset: records[0]!.offset },
      records[0]!.headers,
    );
    const out: OutRecord[] = [];
    const changed = new Map<string, unknown>();
    let dead = 0;
    try {
      for (const record of records) {
        const ctx: StepContext = {
          source: { topic, partition, offset: record.offset },
          key: record.key,
          timestamp: record.timestamp,
          rawValue: record.value,
        };
        try {
          const input = await deps.codec.decode(topic, record.value ?? Buffer.alloc(0));
          let outputs: readonly StepOutput[];
          let nextState: unknown;
          if (step.kind === 'stateless') {
            outputs = step.process(input, ctx);
          } else {
            const key = record.key ?? '';
            const result = step.process(changed.has(key) ? changed.get(key) : store.get(key), input, ctx);
            outputs = result.outputs;
            nextState = result.state;
          }
          // Encode everything before touching state: a record that fails here leaves no trace but its dead letter.
          const encoded: OutRecord[] = [];
          for (const o of outputs) {
            encoded.push({
              topic: o.topic,
              key: o.key,
              value: await deps.codec.encode(o.topic, o.value),
              headers: injectTraceContext(record.headers, span),
            });
          }
          out.push(...encoded);
          if (step.kind === 'stateful') changed.set(record.key ?? '', nextState);
        } catch (err) {
          dead++;
          out.push(await deadLetter(where, record, err));
        }
      }
      const changelogRecords: OutRecord[] = [];
      if (changelog && step.kind === 'stateful') {
        for (const [key, state] of changed) {
          changelogRecords.push({
            topic: changelog,
            key,
            partition,
            value: state === undefined ? null : step.serializeState(state),
          });
        }
      }
      await producer.transaction(async (tx) => {
        await tx.send([...out, ...changelogRecords]);
        await tx.sendOffsets(group, [positionAfter(batch)]);
      });
    } catch (err) {
      // Nothing of this batch is committed: forget the partition's state so it is restored from
      // the changelog before the batch is re-read.
      stores.delete(partition);
      span.recordException(err as Error);
      metrics.error(describeError(err).code);
      throw err;
    } finally {
      span.end();
    }
    for (const [key, state] of changed) {
      if (state === undefined) store.delete(key);
      else store.set(key, state);
    }
    batchCommitted(metrics, group, batch, out.length - dead, started);
  };

  await consumer.run(handleBatch);
  log.info({ group, input: step.input }, 'processor started');
  return {
    name: step.name,
    stop: async () => {
      await consumer.stop();
      await producer.close();
    },
  };
}
