import type { Bus, InRecord, OutRecord, TopicPartitionOffset } from './types.ts';

/**
 * Prefixes every topic, group and transactional id with a namespace, so several deployments
 * (or test runs) share one Kafka cluster without seeing each other. Components keep using the
 * logical names (`hl7.raw.v1`); only this wrapper knows the physical ones.
 */
export function withNamespace(bus: Bus, namespace: string): Bus {
  if (namespace === '') return bus;
  const p = `${namespace}.`;
  const out = (t: string): string => p + t;
  const back = (t: string): string => (t.startsWith(p) ? t.slice(p.length) : t);
  const outRec = (r: OutRecord): OutRecord => ({ ...r, topic: out(r.topic) });
  const inRec = (r: InRecord): InRecord => ({ ...r, topic: back(r.topic) });
  const outTpo = (o: TopicPartitionOffset): TopicPartitionOffset => ({ ...o, topic: out(o.topic) });
  const inTpo = (o: TopicPartitionOffset): TopicPartitionOffset => ({ ...o, topic: back(o.topic) });
  return {
    kind: bus.kind,
    ensureTopics: (specs) => bus.ensureTopics(specs.map((s) => ({ ...s, topic: out(s.topic) }))),
    partitionCount: (topic) => bus.partitionCount(out(topic)),
    producer: async () => {
      const producer = await bus.producer();
      return {
        send: async (records) =>
          (await producer.send(records.map(outRec))).map((m) => ({ ...m, topic: back(m.topic) })),
        close: () => producer.close(),
      };
    },
    transactionalProducer: async (id) => {
      const producer = await bus.transactionalProducer(out(id));
      return {
        transaction: (work) =>
          producer.transaction((tx) =>
            work({
              send: (records) => tx.send(records.map(outRec)),
              sendOffsets: (group, offsets) => tx.sendOffsets(out(group), offsets.map(outTpo)),
            }),
          ),
        close: () => producer.close(),
      };
    },
    consumer: async (options) => {
      const consumer = await bus.consumer({
        ...options,
        groupId: out(options.groupId),
        topics: options.topics.map(out),
      });
      return {
        run: (handler) =>
          consumer.run((batch) =>
            handler({ ...batch, topic: back(batch.topic), records: batch.records.map(inRec) }),
          ),
        commit: (offsets) => consumer.commit(offsets.map(outTpo)),
        onAssignmentChange: (listener) => consumer.onAssignmentChange(listener),
        assignment: () => consumer.assignment().map((tp) => ({ ...tp, topic: back(tp.topic) })),
        stop: () => consumer.stop(),
      };
    },
    endOffsets: async (topic) => (await bus.endOffsets(out(topic))).map(inTpo),
    ...(bus.startOffsets
      ? { startOffsets: async (topic: string) => (await bus.startOffsets!(out(topic))).map(inTpo) }
      : {}),
    committedOffsets: async (group, topic) => (await bus.committedOffsets(out(group), out(topic))).map(inTpo),
    readPartition: async function* (topic, partition, fromOffset) {
      for await (const r of bus.readPartition(out(topic), partition, fromOffset)) yield inRec(r);
    },
    close: () => bus.close(),
  };
}
