/**
 * Key to partition, the same in both adapters and the same as Kafka's Java client
 * (murmur2 of the UTF-8 key, sign bit masked, modulo partition count), so a key lands in the
 * same partition whichever client wrote it. Source: Kafka `Utils.murmur2` / `toPositive`.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (seed ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k =
      (data[i4]! & 0xff) |
      ((data[i4 + 1]! & 0xff) << 8) |
      ((data[i4 + 2]! & 0xff) << 16) |
      ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Partition for a key; null keys go round-robin via `fallback`. */
export function partitionFor(key: string | null, partitions: number, fallback: () => number): number {
  if (partitions <= 0) throw new RangeError(`partition count must be positive, got ${partitions}`);
  if (key === null) return fallback() % partitions;
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
