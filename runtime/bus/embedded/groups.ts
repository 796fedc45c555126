/**
 * Consumer groups of the embedded bus: membership, partition assignment and rebalances.
 *
 * A rebalance is "eager", like Kafka's classic protocol: every member stops taking batches and
 * finishes the one in flight, then the partitions are reassigned and every member restarts
 * from the group's committed offsets. Waiting for in-flight handlers is what Kafka achieves with
 * generation fencing: no two members ever process the same partition at the same time, so a
 * state store restored by the new owner cannot be overwritten by the old one.
 */

/** One topic-partition. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** What the coordinator needs from a group member (the embedded consumer). */
export interface GroupMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  /** Stop handing out batches; resolves once no handler call is running. */
  quiesce(): Promise<void>;
  /** Takes a new assignment: resets positions, fires assignment listeners, resumes. */
  assign(partitions: TopicPartition[], generation: number): void;
}

/**
 * Kafka's RoundRobinAssignor: all subscribed topic-partitions sorted by topic then partition,
 * dealt in turn to members sorted by id, skipping members not subscribed to the topic.
 * Deterministic: the same members and topics always give the same assignment.
 */
export function roundRobinAssign(
  members: readonly { memberId: string; topics: readonly string[] }[],
  partitionCount: (topic: string) => number,
): Map<string, TopicPartition[]> {
  const sorted = [...members].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
  );
  const result = new Map<string, TopicPartition[]>(sorted.map((m) => [m.memberId, []]));
  const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort();
  let next = 0;
  for (const topic of topics) {
    const count = partitionCount(topic);
    for (let partition = 0; partition < count; partition++) {
      // Some member subscribes to this topic (it came from a subscription), so this ends.
      for (;;) {
        const member = sorted[next % sorted.length]!;
        next++;
        if (member.topics.includes(topic)) {
          result.get(member.memberId)!.push({ topic, partition });
          break;
        }
      }
    }
  }
  return result;
}

class Group {
  readonly members = new Map<string, GroupMember>();
  generation = 0;
  /** Rebalances of one group run one after another. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly partitionCount: (topic: string) => number) {}

  /** Queues a membership change followed by a rebalance; resolves when that rebalance is done. */
  change(mutate: () => void): Promise<void> {
    const run = this.chain.then(async () => {
      mutate();
      await this.rebalance();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async rebalance(): Promise<void> {
    const members = [...this.members.values()];
    await Promise.all(members.map((m) => m.quiesce()));
    this.generation++;
    const assignment = roundRobinAssign(members, this.partitionCount);
    for (const m of members) m.assign(assignment.get(m.memberId) ?? [], this.generation);
  }
}

/** All consumer groups of one bus. */
export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private nextMember = 0;

  constructor(private readonly partitionCount: (topic: string) => number) {}

  /**
   * A new member id for `groupId`. Ids sort in join order (zero-padded counter), so with
   * round-robin assignment the first member keeps partition 0 across joins, as in Kafka where
   * ids are assigned by the coordinator.
   */
  newMemberId(groupId: string): string {
    this.nextMember++;
    return `${groupId}-${String(this.nextMember).padStart(9, '0')}`;
  }

  /** Adds a member and rebalances the group; resolves once every member has its assignment. */
  join(groupId: string, member: GroupMember): Promise<void> {
    let group = this.groups.get(groupId);
    if (group === undefined) this.groups.set(groupId, (group = new Group(this.partitionCount)));
    return group.change(() => group.members.set(member.memberId, member));
  }

  /**
   * Removes a member (which has already stopped taking batches) and rebalances the rest.
   * Must not be awaited from inside a handler of that group: the rebalance waits for handlers.
   */
  leave(groupId: string, member: GroupMember): Promise<void> {
    const group = this.groups.get(groupId);
    if (group === undefined) return Promise.resolve();
    return group.change(() => group.members.delete(member.memberId));
  }

  /** Current members of a group, sorted by id (for diagnostics and tests). */
  membersOf(groupId: string): string[] {
    return [...(this.groups.get(groupId)?.members.keys() ?? [])].sort();
  }
}
