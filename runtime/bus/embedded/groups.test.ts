import { describe, expect, it } from 'vitest';
import { roundRobinAssign } from './groups.ts';

const counts: Record<string, number> = { a: 3, b: 2 };
const partitionCount = (t: string): number => counts[t] ?? 0;
const flat = (m: Map<string, { topic: string; partition: number }[]>): Record<string, string[]> =>
  Object.fromEntries([...m].map(([id, tps]) => [id, tps.map((tp) => `${tp.topic}${tp.partition}`)]));

describe('roundRobinAssign (Kafka RoundRobinAssignor)', () => {
  it('deals sorted partitions to sorted members in turn', () => {
    const out = roundRobinAssign(
      [
        { memberId: 'm2', topics: ['a', 'b'] },
        { memberId: 'm1', topics: ['b', 'a'] },
      ],
      partitionCount,
    );
    expect(flat(out)).toEqual({ m1: ['a0', 'a2', 'b1'], m2: ['a1', 'b0'] });
  });

  it('skips members not subscribed to a topic', () => {
    const out = roundRobinAssign(
      [
        { memberId: 'm1', topics: ['a'] },
        { memberId: 'm2', topics: ['a', 'b'] },
      ],
      partitionCount,
    );
    expect(flat(out)).toEqual({ m1: ['a0', 'a2'], m2: ['a1', 'b0', 'b1'] });
  });

  it('leaves extra members with nothing and handles no members', () => {
    const out = roundRobinAssign(
      ['m1', 'm2', 'm3', 'm4'].map((memberId) => ({ memberId, topics: ['b'] })),
      partitionCount,
    );
    expect(flat(out)).toEqual({ m1: ['b0'], m2: ['b1'], m3: [], m4: [] });
    expect(roundRobinAssign([], partitionCount).size).toBe(0);
  });
});
