/**
 * A kafkajs partition assigner that gives partition p of EVERY subscribed topic to the same
 * member (sorted member ids, p mod members). A stateful step that reads its input and its own
 * repartition topic keeps one state store per partition number, so both topics' partition p
 * must land on the instance that owns that store: Kafka Streams guarantees this co-partitioning
 * with its own assignor; kafkajs's RoundRobinAssigner does not (it deals topic-partitions in
 * turn across topics). For a single topic this is the same as round robin.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'GapstreamCoPartitioned',
  version: 0,
  assign({ members, topics }) {
    const sorted = members.map((m) => m.memberId).sort();
    const assignment = new Map<string, Record<string, number[]>>(sorted.map((id) => [id, {}]));
    for (const topic of topics) {
      for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
        const owner = assignment.get(sorted[partitionId % sorted.length]!)!;
        (owner[topic] ??= []).push(partitionId);
      }
    }
    return Promise.resolve(
      [...assignment].map(([memberId, a]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: a,
          userData: Buffer.alloc(0),
        }),
      })),
    );
  },
  protocol({ topics }) {
    return {
      name: 'GapstreamCoPartitioned',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
