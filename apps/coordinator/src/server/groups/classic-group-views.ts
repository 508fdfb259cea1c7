import { ErrorCode, type v1 } from '@fjord/protocol';
import type { ClassicGroup } from '../../groups/classic/classic-group.js';
import { assignedPartitions, subscribedTopics } from '../../groups/classic/consumer-protocol.js';
import type { MetadataState } from '../../metadata/state.js';
import { assignmentToWire } from './wire.js';

/** A classic group in ListGroups (no members in memory: Empty, e.g. after a coordinator restart). */
export function classicListing(groupId: string, group: ClassicGroup | undefined): v1.GroupListing {
  return { groupId, state: group?.state ?? 'Empty', members: group?.members.size ?? 0, protocol: 'classic' };
}

/**
 * A classic group in DescribeGroup: Kafka's state, the generation (as group and member
 * epoch), the client-side assignor, and each member with its subscription and assignment read
 * from the consumer-protocol bytes (so `fjord groups describe` shows a KafkaJS group like any other).
 */
export function describeClassicGroup(
  groupId: string,
  group: ClassicGroup | undefined,
  state: MetadataState,
): v1.DescribeGroupResponse {
  const generation = group?.generationId ?? 0;
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: '',
    groupId,
    state: group?.state ?? 'Empty',
    groupEpoch: generation,
    assignmentEpoch: generation,
    assignor: group?.protocolName ?? '',
    protocol: 'classic',
    protocolType: group?.protocolType ?? '',
    protocolName: group?.protocolName ?? '',
    members: [...(group?.members.values() ?? [])]
      .sort((a, b) => (a.memberId < b.memberId ? -1 : 1))
      .map((m) => {
        const metadata =
          m.protocols.find((p) => p.name === group!.protocolName)?.metadata ?? m.protocols[0]?.metadata;
        const assignment = assignmentToWire(assignedPartitions(m.assignment), state);
        return {
          memberId: m.memberId,
          instanceId: m.instanceId ?? '',
          memberEpoch: generation,
          subscribedTopicNames: metadata ? subscribedTopics(metadata) : [],
          subscribedTopicRegex: '',
          assignment,
          targetAssignment: assignment,
          clientId: m.clientId,
          clientHost: m.clientHost,
          classicMetadata: metadata ?? Buffer.alloc(0),
          classicAssignment: m.assignment,
        };
      }),
  };
}
