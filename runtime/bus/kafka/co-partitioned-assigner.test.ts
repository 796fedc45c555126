import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { CoPartitionedAssigner } from './co-partitioned-assigner.ts';

const cluster = {
  findTopicPartitionMetadata: (topic: string) =>
    Array.from({ length: topic === 'input' ? 3 : 3 }, (_, partitionId) => ({ partitionId })),
};

async function assign(memberIds: string[]): Promise<Record<string, Record<string, number[]>>> {
  const assigner = CoPartitionedAssigner({ cluster } as never);
  const out = await assigner.assign({
    members: memberIds.map((memberId) => ({ memberId, memberMetadata: Buffer.alloc(0) })),
    topics: ['input', 'repartition'],
  });
  return Object.fromEntries(
    out.map((m) => [m.memberId, AssignerProtocol.MemberAssignment.decode(m.memberAssignment)!.assignment]),
  );
}

describe('CoPartitionedAssigner', () => {
  it('gives partition p of every topic to the same member', async () => {
    expect(await assign(['m-b', 'm-a'])).toEqual({
      'm-a': { input: [0, 2], repartition: [0, 2] },
      'm-b': { input: [1], repartition: [1] },
    });
  });

  it('one member takes everything; extra members take nothing', async () => {
    expect(await assign(['only'])).toEqual({ only: { input: [0, 1, 2], repartition: [0, 1, 2] } });
    const four = await assign(['m1', 'm2', 'm3', 'm4']);
    expect(four['m4']).toEqual({});
  });
});
