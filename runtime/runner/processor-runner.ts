import type { Batch, Bus, Consumer, OutRecord, TransactionalProducer } from '../bus/types.ts';
import type { Codec } from '../../schemas/codec.ts';
import { injectTraceContext, type Logger, type Telemetry } from '../telemetry/index.ts';
import { describeError, GapstreamError } from '../errors.ts';
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
  /** How often a stateful step's timer runs (default 60 s). */
  timerMs?: number;
  /** Wall clock for the timer (tests move time forward). Default Date.now. */
  clock?: () => number;
}

/** A running processor. */
export interface RunningProcessor {
  readonly name: string;
  /** Its consumer group and input topics (for waiting until the pipeline has drained). */
  readonly consumes?: { groupId: string; topics: string[] };
  stop(): Promise<void>;
}

type AnyStep = StatelessStep<unknown> | StatefulStep<unknown, unknown>;

/** Keys a timer re-evaluates per partition and transaction. */
const TIMER_CHUNK = 500;

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

  const extraInputs = (step.kind === 'stateful' && step.extraInputs) || [];
  await deps.bus.ensureTopics([
    {
      topic: step.input,
      partitions: deps.partitions,
      retainForever: step.kind === 'stateful' && step.retainInput === true,
    },
  ]);
  if (changelog) {
    // Co-partitioned: state of input partition p lives in changelog partition p, and so do the
    // records of partition p of every extra input (created before the outputs, which may name them).
    const partitions = await deps.bus.partitionCount(step.input);
    await deps.bus.ensureTopics([
      { topic: changelog, partitions, compacted: true },
      ...extraInputs.map((topic) => ({ topic, partitions })),
    ]);
    for (const topic of [changelog, ...extraInputs]) {
      const n = await deps.bus.partitionCount(topic);
      if (n !== partitions)
        throw new GapstreamError(
          'NOT_CO_PARTITIONED',
          `${topic} has ${n} partitions but ${step.input} has ${partitions}: a stateful step needs them equal (recreate ${topic})`,
        );
    }
  }
  await deps.bus.ensureTopics([
    ...step.outputs.map((topic) => ({ topic, partitions: deps.partitions })),
    { topic: DEAD_LETTER_TOPIC, partitions: deps.partitions },
  ]);

  const producer: TransactionalProducer = await deps.bus.transactionalProducer(
    `${group}.${deps.instanceId ?? '0'}`,
  );
  const consumer: Consumer = await deps.bus.consumer({
    groupId: group,
    topics: [step.input, ...extraInputs],
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

  // Batches and timer ticks never interleave: both read and write the same partition stores.
  let turn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = turn.then(fn);
    turn = run.catch(() => undefined);
    return run;
  };

  const handleBatch = async (batch: Batch): Promise<void> => exclusive(() => processBatch(batch));

  const processBatch = async (batch: Batch): Promise<void> => {
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
          let input = await deps.codec.decode(topic, record.value ?? Buffer.alloc(0));
          if (step.kind === 'stateful' && step.prepare) {
            input = await step.prepare(input, (t, bytes) => deps.codec.decode(t, bytes));
          }
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

  /**
   * Offers due keys of every assigned partition to the step's timer, at most TIMER_CHUNK keys per
   * partition and transaction; returns whether a partition may have more (the caller runs
   * another chunk, releasing the lock in between so batches and heartbeats are not starved on a
   * period rollover that makes every key due at once).
   */
  const tickChunk = async (now: number): Promise<boolean> => {
    if (step.kind !== 'stateful' || !step.timer || !changelog) return false;
    const assigned = new Set(
      consumer
        .assignment()
        .filter((tp) => tp.topic === step.input)
        .map((tp) => tp.partition),
    );
    // Revoked partitions are another instance's now: never write their state.
    for (const p of stores.keys()) if (!assigned.has(p)) stores.delete(p);
    let more = false;
    for (const partition of assigned) {
      // Partitions that saw no record since (re)assignment are restored too: time passes for them.
      const store = stores.get(partition) ?? (await restore(partition));
      const out: OutRecord[] = [];
      const changed = new Map<string, unknown>();
      for (const [key, state] of store) {
        if (changed.size >= TIMER_CHUNK) {
          more = true;
          break;
        }
        try {
          if (!step.timer.due(state, now)) continue;
          const result = step.timer.fire(state, key, now);
          const encoded: OutRecord[] = [];
          for (const o of result.outputs) {
            encoded.push({ topic: o.topic, key: o.key, value: await deps.codec.encode(o.topic, o.value) });
          }
          out.push(...encoded);
          changed.set(key, result.state);
        } catch (err) {
          // One key's failure must not stop the others; it is offered again on the next tick.
          metrics.error(describeError(err).code);
          log.warn({ partition, err: describeError(err) }, 'timer could not re-evaluate a key');
        }
      }
      if (
        changed.size === 0 ||
        !consumer.assignment().some((tp) => tp.topic === step.input && tp.partition === partition)
      )
        continue;
      try {
        await producer.transaction(async (tx) => {
          await tx.send([
            ...out,
            ...[...changed].map(([key, state]) => ({
              topic: changelog,
              key,
              partition,
              value: state === undefined ? null : step.serializeState(state),
            })),
          ]);
        });
      } catch (err) {
        stores.delete(partition);
        metrics.error(describeError(err).code);
        log.warn({ partition, err: describeError(err) }, 'timer transaction failed; state will be restored');
        continue;
      }
      for (const [key, state] of changed) {
        if (state === undefined) store.delete(key);
        else store.set(key, state);
      }
      log.info({ partition, keys: changed.size, outputs: out.length }, 'timer re-evaluated keys');
    }
    return more;
  };
  const tick = async (): Promise<void> => {
    const now = (deps.clock ?? Date.now)();
    while (await exclusive(() => tickChunk(now)));
  };
  let ticking = false;
  const timer =
    step.kind === 'stateful' && step.timer
      ? setInterval(() => {
          if (ticking) return;
          ticking = true;
          tick()
            .catch((err: unknown) => log.warn({ err: describeError(err) }, 'timer tick failed'))
            .finally(() => (ticking = false));
        }, deps.timerMs ?? 60_000)
      : undefined;
  timer?.unref();

  await consumer.run(handleBatch);
  log.info({ group, input: step.input }, 'processor started');
  return {
    name: step.name,
    consumes: { groupId: group, topics: [step.input, ...extraInputs] },
    stop: async () => {
      if (timer) clearInterval(timer);
      await exclusive(() => Promise.resolve());
      await consumer.stop();
      await producer.close();
    },
  };
}
