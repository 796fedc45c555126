import type { Bus, InRecord } from '../../runtime/bus/types.ts';

/** Every committed record of a topic, partition by partition (tests only: reads it all into memory). */
export async function readTopic(bus: Bus, topic: string): Promise<InRecord[]> {
  const out: InRecord[] = [];
  const partitions = await bus.partitionCount(topic);
  for (let p = 0; p < partitions; p++) for await (const r of bus.readPartition(topic, p)) out.push(r);
  return out;
}
