/**
 * Waiting until a pipeline has caught up: every consumer group has committed every record of its
 * input topics. Used after a one-off load (`gapstream ingest` then the pipeline) and by tests.
 *
 * A pass reads, per pair, the end offsets of the topic and then the group's committed offsets:
 * the pair is drained when, for every partition, committed ≥ end. Downstream stages write new
 * records while upstream ones drain, so one drained pass is not enough: the wait ends only when
 * two consecutive passes (`settleMs` apart) are both drained and saw the same end offsets.
 *
 * Kafka: a transactional producer appends a commit marker after its records, and runners commit
 * the offset after the last *record* (runtime/runner/batch.ts), so a group that has read
 * everything can stay one (or a few) offsets behind the end forever. When a partition's lag has
 * not moved since the previous pass, the gap is read (committed data only): if it holds no
 * record, only markers (or aborted records) are left and the partition counts as drained. The
 * embedded bus has no markers: there the gap always holds records.
 */
import { GapstreamError } from '../errors.ts';
import type { Bus } from '../bus/types.ts';

/** A consumer group and one of its input topics. */
export interface DrainPair {
  groupId: string;
  topic: string;
}

/** Options of {@link waitUntilDrained}. */
export interface DrainOptions {
  /** Give up after this long (the error names what still lags). */
  timeoutMs: number;
  /** Pause between passes while something lags. Default 100 ms. */
  pollMs?: number;
  /** Pause between the first drained pass and the pass that confirms it. Default `pollMs`. */
  settleMs?: number;
}

/** One partition a group has not fully committed. */
export interface PartitionLag {
  groupId: string;
  topic: string;
  partition: number;
  /** The group's committed offset, or null when it has committed none on this partition. */
  committed: number | null;
  end: number;
  lag: number;
}

/** {@link waitUntilDrained} gave up: `lagging` is what the last pass found behind. */
export class DrainTimeoutError extends GapstreamError {
  readonly lagging: readonly PartitionLag[];

  constructor(message: string, lagging: readonly PartitionLag[]) {
    super('DRAIN_TIMEOUT', message, { retriable: true });
    this.name = 'DrainTimeoutError';
    this.lagging = lagging;
  }
}

/** The (group, topic) pairs of stages, each stage reading `topics`; duplicates are kept once. */
export function drainPairs(stages: readonly { groupId: string; topics: readonly string[] }[]): DrainPair[] {
  const seen = new Set<string>();
  const out: DrainPair[] = [];
  for (const { groupId, topics } of stages)
    for (const topic of topics) {
      const key = JSON.stringify([groupId, topic]);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ groupId, topic });
    }
  return out;
}

const MAX_LISTED = 20;

/** `group g, topic t, partition 0: lag 3 (committed 2, end 5)`, one per lagging partition. */
export function describeLags(lags: readonly PartitionLag[]): string {
  const listed = lags
    .slice(0, MAX_LISTED)
    .map(
      (l) =>
        `group ${l.groupId}, topic ${l.topic}, partition ${l.partition}: lag ${l.lag} (committed ${l.committed ?? 'none'}, end ${l.end})`,
    );
  if (lags.length > MAX_LISTED) listed.push(`and ${lags.length - MAX_LISTED} more partitions`);
  return listed.join('; ');
}

interface Pass {
  lagging: PartitionLag[];
  /** Every (pair, partition) → end offset seen: two drained passes must agree on it. */
  ends: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function checkOptions(opts: DrainOptions): { timeoutMs: number; pollMs: number; settleMs: number } {
  const problems: string[] = [];
  const nonNegative = (name: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      problems.push(`${name} = ${String(v)}: expected a number of milliseconds of at least 0`);
  };
  nonNegative('timeoutMs', opts.timeoutMs);
  const pollMs = opts.pollMs ?? 100;
  if (typeof pollMs !== 'number' || !Number.isFinite(pollMs) || pollMs <= 0)
    problems.push(`pollMs = ${String(pollMs)}: expected a number of milliseconds above 0`);
  const settleMs = opts.settleMs ?? pollMs;
  nonNegative('settleMs', settleMs);
  if (problems.length > 0)
    throw new GapstreamError('INVALID_DRAIN_OPTIONS', `waitUntilDrained: ${problems.join('; ')}`);
  return { timeoutMs: opts.timeoutMs, pollMs, settleMs };
}

/**
 * Resolves once every pair is drained in two consecutive passes that saw the same end offsets;
 * rejects with a {@link DrainTimeoutError} naming each lagging group, topic and partition with
 * its lag after `timeoutMs`, or at once when offsets cannot be read (an unknown topic, …).
 */
export async function waitUntilDrained(
  bus: Pick<Bus, 'endOffsets' | 'committedOffsets' | 'readPartition'>,
  pairs: readonly DrainPair[],
  opts: DrainOptions,
): Promise<void> {
  const { timeoutMs, pollMs, settleMs } = checkOptions(opts);
  if (pairs.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  /** Lag seen per partition in the previous pass (`committed:end`), to notice a stuck one. */
  let previous = new Map<string, string>();
  /** Gaps already read, by `topic/partition` and `committed:end`: true when it holds records. */
  const gapChecked = new Map<string, boolean>();

  /** Whether [from, end) of the partition holds a committed record (Kafka: not only markers). */
  async function gapHasRecords(
    topic: string,
    partition: number,
    from: number,
    end: number,
  ): Promise<boolean> {
    const key = `${topic}\u0000${partition}\u0000${from}:${end}`;
    const known = gapChecked.get(key);
    if (known !== undefined) return known;
    let found = false;
    for await (const r of bus.readPartition(topic, partition, from))
      if (r.offset >= from && r.offset < end) {
        found = true;
        break;
      }
    gapChecked.set(key, found);
    return found;
  }

  async function pass(): Promise<Pass> {
    const lagging: PartitionLag[] = [];
    const ends: string[] = [];
    const seen = new Map<string, string>();
    for (const { groupId, topic } of pairs) {
      let endOffsets, committed;
      try {
        // End first, then committed: committed ≥ end then means everything up to that end is read.
        endOffsets = await bus.endOffsets(topic);
        committed = await bus.committedOffsets(groupId, topic);
      } catch (err) {
        throw new GapstreamError(
          err instanceof GapstreamError ? err.code : 'DRAIN_OFFSETS',
          `waitUntilDrained: cannot read the offsets of group ${groupId} on topic ${topic}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      const byPartition = new Map(committed.map((c) => [c.partition, c.offset]));
      for (const { partition, offset: end } of endOffsets) {
        ends.push(`${groupId}\u0000${topic}\u0000${partition}\u0000${end}`);
        const c = byPartition.get(partition) ?? null;
        const at = c ?? 0;
        if (at >= end) continue;
        const key = `${groupId}\u0000${topic}\u0000${partition}`;
        const state = `${at}:${end}`;
        seen.set(key, state);
        // Stuck since the previous pass: markers only (Kafka), or a real lag?
        if (previous.get(key) === state && !(await gapHasRecords(topic, partition, at, end))) continue;
        lagging.push({ groupId, topic, partition, committed: c, end, lag: end - at });
      }
    }
    previous = seen;
    return { lagging, ends: ends.join('\n') };
  }

  let last = await pass();
  for (;;) {
    if (last.lagging.length === 0) {
      const wait = Math.min(settleMs, Math.max(0, deadline - Date.now()));
      await sleep(wait);
      const confirm = await pass();
      if (confirm.lagging.length === 0 && confirm.ends === last.ends) return;
      last = confirm;
      // Something moved: the downstream stages got new records. Go on polling.
      if (Date.now() >= deadline) break;
      continue;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
    last = await pass();
  }
  throw new DrainTimeoutError(
    last.lagging.length > 0
      ? `not drained within ${timeoutMs} ms: ${describeLags(last.lagging)}`
      : `not drained within ${timeoutMs} ms: every group was caught up, but the end offsets kept moving between passes (new records were still being written)`,
    last.lagging,
  );
}
