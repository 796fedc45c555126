import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionFor } from './partitioner.ts';

// kafkajs' default partitioner is the Java client's murmur2 partitioner; ours must agree with it
// so a key lands in the same partition whichever adapter or client wrote it.
const kafkajsPartitioner = Partitioners.DefaultPartitioner();

describe('partitionFor', () => {
  it('matches the Java-compatible partitioner for any key and partition count', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({
            partitionId,
            leader: 0,
            partitionErrorCode: 0,
            replicas: [0],
            isr: [0],
          }));
          const expected = kafkajsPartitioner({
            topic: 't',
            partitionMetadata,
            message: { key, value: null },
          });
          expect(partitionFor(key, n, () => 0)).toBe(expected);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('spreads null keys round-robin and rejects a zero partition count', () => {
    let i = 0;
    const seen = Array.from({ length: 6 }, () => partitionFor(null, 3, () => i++));
    expect(seen).toEqual([0, 1, 2, 0, 1, 2]);
    expect(() => partitionFor('k', 0, () => 0)).toThrow(RangeError);
  });
});
