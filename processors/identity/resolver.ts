/**
 * The single identity writer (docs/identity.md): consumes the one-partition
 * `identity.request.v1`, applies each request to the in-memory index and writes, per batch and in
 * one transaction, the person events, the link events, the index changelog and the consumer
 * position. The transactional id is fixed (not per instance), so a second resolver that starts
 * fences the first: two writers can never both commit, which is what makes "one identity, one
 * person" hold under concurrency.
 */
import type { Batch, Bus, OutRecord } from '../../runtime/bus/types.ts';
import type { Codec } from '../../schemas/codec.ts';
import type { Logger, Telemetry } from '../../runtime/telemetry/index.ts';
import { BadRecordError, describeError } from '../../runtime/errors.ts';
import { DEAD_LETTER_TOPIC, deadLetter } from '../../runtime/runner/dead-letter.ts';
import { batchCommitted, positionAfter } from '../../runtime/runner/batch.ts';
import { IdentityIndex, type IdentityConfig } from './identity-index.ts';
import type { RecordSnapshot, Review } from './index-state.ts';
import { applyRequest, movesHistory, type PersonEventValue } from './resolve-step.ts';
import { BadIdentityRequestError } from './errors.ts';
import {
  IDENTITY_LINK_TOPIC,
  IDENTITY_REQUEST_TOPIC,
  PERSON_EVENT_TOPIC,
  type IdentityRequest,
} from './route.ts';

export interface ResolverDeps {
  bus: Bus;
  codec: Codec;
  telemetry: Telemetry;
  logger: Logger;
  config: IdentityConfig;
  app?: string;
  /** Partitions of person.event.v1 and identity.link.v1 (the stateful processors' parallelism). */
  partitions: number;
  maxBatchSize?: number;
}

export interface RunningResolver {
  readonly name: string;
  readonly consumes: { groupId: string; topics: string[] };
  /** The live index (tests and the bench read it; never write it from outside). */
  index(): IdentityIndex | undefined;
  stop(): Promise<void>;
}

export const RESOLVER_NAME = 'identity-resolver';

/** Kafka's answer to a producer whose transactional id a newer producer has taken. */
function isFenced(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const type = (e as { type?: string }).type;
    if (type === 'INVALID_PRODUCER_EPOCH' || type === 'PRODUCER_FENCED' || /fenced/i.test(e.message))
      return true;
  }
  return false;
}

export function resolverChangelog(app: string): string {
  return `${app}.${RESOLVER_NAME}.changelog`;
}

/** Creates the resolver's topics; refuses a request topic with more than one partition. */
export async function ensureIdentityTopics(bus: Bus, app: string, partitions: number): Promise<void> {
  await bus.ensureTopics([
    { topic: IDENTITY_REQUEST_TOPIC, partitions: 1 },
    // Kept forever: `gapstream recompute` replays it from the start (docs/contracts.md).
    { topic: PERSON_EVENT_TOPIC, partitions, retainForever: true },
    { topic: IDENTITY_LINK_TOPIC, partitions },
    { topic: DEAD_LETTER_TOPIC, partitions },
    { topic: resolverChangelog(app), partitions: 1, compacted: true },
  ]);
  const n = await bus.partitionCount(IDENTITY_REQUEST_TOPIC);
  if (n !== 1)
    throw new Error(
      `${IDENTITY_REQUEST_TOPIC} has ${n} partitions; the identity resolver is a single writer and needs exactly 1 (docs/identity.md, "single writer"): recreate the topic with one partition`,
    );
}

/** Rebuilds the index from the changelog: records (latest snapshot per key), then no-link pairs and reviews. */
async function restore(bus: Bus, app: string, config: IdentityConfig, log: Logger): Promise<IdentityIndex> {
  const records = new Map<string, RecordSnapshot>();
  const reviews = new Map<string, Review>();
  let n = 0;
  for await (const r of bus.readPartition(resolverChangelog(app), 0)) {
    n++;
    if (r.key === null) continue;
    const id = r.key.slice(2);
    if (r.key.startsWith('r:')) {
      if (r.value === null) records.delete(id);
      else records.set(id, JSON.parse(r.value.toString('utf8')) as RecordSnapshot);
    } else if (r.key.startsWith('v:')) {
      if (r.value === null) reviews.delete(id);
      else reviews.set(id, JSON.parse(r.value.toString('utf8')) as Review);
    }
  }
  const index = new IdentityIndex(config);
  const ordered = [...records.values()].sort((a, b) => a.seq - b.seq);
  for (const s of ordered) index.restore(s);
  index.restoreNoLinks(ordered);
  for (const v of reviews.values()) index.state.restoreReview(v);
  index.drainChanges();
  log.info(
    { changelogRecords: n, records: records.size, persons: index.state.persons.size, reviews: reviews.size },
    'identity index restored',
  );
  return index;
}

export async function startResolver(deps: ResolverDeps): Promise<RunningResolver> {
  const app = deps.app ?? 'gapstream';
  const group = `${app}.${RESOLVER_NAME}`;
  const metrics = deps.telemetry.stage(RESOLVER_NAME);
  const log = deps.logger.child({ component: 'processor', stage: RESOLVER_NAME });
  const where = { stage: RESOLVER_NAME, component: 'processor' as const, codec: deps.codec, metrics, log };
  await ensureIdentityTopics(deps.bus, app, deps.partitions);
  // Fixed transactional id: a newer resolver fences any older one (single writer).
  const producer = await deps.bus.transactionalProducer(group);
  const consumer = await deps.bus.consumer({
    groupId: group,
    topics: [IDENTITY_REQUEST_TOPIC],
    maxBatchSize: deps.maxBatchSize ?? 2000,
  });
  let index: IdentityIndex | undefined;
  let fenced = false;
  consumer.onAssignmentChange(() => {
    index = undefined;
  });

  const personRecord = (p: PersonEventValue): Promise<OutRecord> =>
    deps.codec
      .encode(PERSON_EVENT_TOPIC, p)
      .then((value) => ({ topic: PERSON_EVENT_TOPIC, key: p.personId, value }));

  const handleBatch = async (batch: Batch): Promise<void> => {
    const { records, topic, partition } = batch;
    const started = performance.now();
    metrics.received(records.length);
    index ??= await restore(deps.bus, app, deps.config, log);
    const ix = index;
    const out: OutRecord[] = [];
    let dead = 0;
    try {
      for (const record of records) {
        const requestId = `${topic}/${partition}/${record.offset}`;
        // Only a request refused before it touched the index is dead-lettered (undecodable, or
        // BadIdentityRequestError). Anything failing after the index changed fails the batch: the
        // index is rebuilt from the changelog and the batch re-read, so the changelog never holds
        // a change whose link and person events were not written with it.
        let result: ReturnType<typeof applyRequest>;
        try {
          const req = await deps.codec.decode<IdentityRequest>(topic, record.value ?? Buffer.alloc(0));
          result = applyRequest(ix, req, requestId, record.timestamp);
        } catch (err) {
          if (!(err instanceof BadRecordError) && !(err instanceof BadIdentityRequestError)) throw err;
          dead++;
          out.push(await deadLetter(where, record, err));
          continue;
        }
        for (const link of result.links) {
          const value = await deps.codec.encode(IDENTITY_LINK_TOPIC, link);
          out.push({ topic: IDENTITY_LINK_TOPIC, key: link.personId, value });
          if (movesHistory(link)) {
            // Both persons' partitions learn of the move, in order with their other events.
            for (const personId of [link.personId, link.otherPersonId!])
              out.push(
                await personRecord({
                  personId,
                  recordId: link.recordId,
                  kind: 'IDENTITY',
                  sourceTopic: IDENTITY_LINK_TOPIC,
                  sourcePartition: null,
                  sourceOffset: null,
                  payload: value,
                  at: record.timestamp,
                }),
              );
          }
        }
        for (const p of result.persons) out.push(await personRecord(p));
      }
      const changes = ix.drainChanges();
      const changelog: OutRecord[] = [
        ...changes.records.map((s) => ({
          topic: resolverChangelog(app),
          key: `r:${s.id}`,
          partition: 0,
          value: Buffer.from(JSON.stringify(s)),
        })),
        ...changes.reviews.map(([k, v]) => ({
          topic: resolverChangelog(app),
          key: `v:${k}`,
          partition: 0,
          value: v === null ? null : Buffer.from(JSON.stringify(v)),
        })),
      ];
      await producer.transaction(async (tx) => {
        await tx.send([...out, ...changelog]);
        await tx.sendOffsets(group, [positionAfter(batch)]);
      });
    } catch (err) {
      // Nothing of the batch committed, but the index already changed: rebuild it from the changelog.
      index = undefined;
      metrics.error(describeError(err).code);
      if (isFenced(err) && !fenced) {
        // A newer resolver owns the transactional id: this one must leave the group so the
        // partition moves to the writer that can commit.
        fenced = true;
        log.error(
          { group },
          'another identity resolver took over (this producer was fenced): stopping this one',
        );
        setImmediate(() => void consumer.stop().catch(() => undefined));
      }
      throw err;
    }
    batchCommitted(metrics, group, batch, out.length - dead, started);
  };

  await consumer.run(handleBatch);
  log.info({ group }, 'identity resolver started');
  return {
    name: RESOLVER_NAME,
    consumes: { groupId: group, topics: [IDENTITY_REQUEST_TOPIC] },
    index: () => index,
    stop: async () => {
      await consumer.stop();
      await producer.close();
    },
  };
}
