import { ApiKey, type KafkaStruct } from '@fjord/kafka-protocol';
import { ErrorCode, type v1 } from '@fjord/protocol';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';

/**
 * The session timeout of a Kafka client's KIP-848 membership: in Kafka it is the broker's
 * group.consumer.session.timeout.ms (the request has no such field); this is its default.
 */
export const KAFKA_CONSUMER_SESSION_TIMEOUT_MS = 45_000;

/** First ConsumerGroupHeartbeat version in which the client generates its member id (KIP-1082). */
const CLIENT_MEMBER_ID = 1;
/** Kafka's "authorized operations not requested" value. */
const OPERATIONS_NOT_REQUESTED = -2147483648;

/**
 * ConsumerGroupHeartbeat v0–1 (KIP-848), forwarded to the coordinator's own consumer-group
 * protocol, which is KIP-848 already: same epochs, server-side assignors (`uniform`, `range`),
 * revocation before reassignment. Kafka's null fields ("unchanged since the last heartbeat")
 * are forwarded as such, so the coordinator keeps the member's subscription, rebalance
 * timeout or owned partitions. Topics travel by id, which the coordinator maps. The session
 * timeout is Kafka's broker default (45 s); the rack id is accepted and unused (no rack-aware
 * assignor). v1 clients choose their member id, and an empty one is refused as Kafka 4 does.
 * A group id used by a classic (JoinGroup) group is refused with INCONSISTENT_GROUP_PROTOCOL.
 * Needs READ on the group (GROUP_AUTHORIZATION_FAILED) and DESCRIBE on every subscribed topic
 * name (TOPIC_AUTHORIZATION_FAILED naming them, as KIP-848's broker does). Topics matched by a
 * regex are not filtered by the principal's rights (the coordinator resolves the regex).
 */
export function consumerGroupHeartbeatApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.ConsumerGroupHeartbeat,
    minVersion: 0,
    maxVersion: 1,
    notes:
      "Forwarded to the coordinator's consumer-group protocol (KIP-848 already): assignors uniform and range, null fields kept as unchanged. Session timeout 45 s (Kafka's broker default); rack ids unused. A classic group's id is refused (INCONSISTENT_GROUP_PROTOCOL).",
    async handle(request, { header, access }) {
      const memberId = request.memberId as string;
      const memberEpoch = request.memberEpoch as number;
      if (header.apiVersion >= CLIENT_MEMBER_ID && memberId === '') {
        return failure(ErrorCode.INVALID_REQUEST, 'MemberId can not be empty.', memberEpoch);
      }
      if (!access.allows('READ', 'GROUP', request.groupId as string))
        return failure(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.', memberEpoch);
      const names = request.subscribedTopicNames as string[] | null;
      const hidden = (names ?? []).filter((name) => !access.allows('DESCRIBE', 'TOPIC', name));
      if (hidden.length > 0) {
        return failure(
          ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          `The member is not authorized to access topics: [${hidden.sort().join(', ')}]`,
          memberEpoch,
        );
      }
      const regex = (request.subscribedTopicRegex as string | null | undefined) ?? null;
      const owned = request.topicPartitions === null ? null : asStructs(request.topicPartitions);
      const rebalanceTimeoutMs = request.rebalanceTimeoutMs as number;
      const answer = await deps.coordinator.consumerGroupHeartbeat({
        groupId: request.groupId as string,
        memberId,
        memberEpoch,
        instanceId: (request.instanceId as string | null) ?? '',
        rebalanceTimeoutMs: Math.max(rebalanceTimeoutMs, 0),
        sessionTimeoutMs: KAFKA_CONSUMER_SESSION_TIMEOUT_MS,
        subscribedTopicNames: names ?? [],
        subscribedTopicRegex: regex ?? '',
        serverAssignor: (request.serverAssignor as string | null) ?? '',
        ownedPartitions: (owned ?? []).map((t) => ({
          topic: '',
          topicId: t.topicId as string,
          partitions: t.partitions as number[],
        })),
        maxWaitMs: 0,
        // v0 has no regex field: a v0 member never subscribes by regex.
        subscribedTopicNamesUnchanged: names === null,
        subscribedTopicRegexUnchanged: regex === null && header.apiVersion >= 1,
        rebalanceTimeoutUnchanged: rebalanceTimeoutMs < 0,
        ownedPartitionsUnchanged: owned === null,
      });
      if (answer.errorCode !== ErrorCode.NONE) {
        return failure(answer.errorCode, answer.errorMessage, memberEpoch);
      }
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        memberId: answer.memberId,
        memberEpoch: answer.memberEpoch,
        heartbeatIntervalMs: answer.heartbeatIntervalMs,
        // Always the whole assignment (Kafka may leave it out when unchanged; sending it is
        // allowed, and clients compare before acting). None after leaving (epoch -1, or -2
        // for a static member stepping away).
        assignment:
          answer.memberEpoch < 0
            ? null
            : {
                topicPartitions: answer.assignment.map((t) => ({
                  topicId: t.topicId,
                  partitions: t.partitions,
                })),
              },
      };
    },
    unavailable: (request, _context, message) =>
      failure(ErrorCode.COORDINATOR_NOT_AVAILABLE, message, request.memberEpoch as number),
  };
}

function failure(errorCode: number, errorMessage: string, memberEpoch: number): KafkaStruct {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    memberId: null,
    memberEpoch,
    heartbeatIntervalMs: 0,
    assignment: null,
  };
}

/**
 * ConsumerGroupDescribe v0: KIP-848 groups with their epochs, assignor and members (current
 * and target assignments by topic id and name). A classic group, or an id no group has, is
 * GROUP_ID_NOT_FOUND, as Kafka answers. Members have no client id or host (Fjord's protocol
 * does not carry them) and no rack. A group the principal may not DESCRIBE is answered
 * GROUP_AUTHORIZATION_FAILED.
 */
export function consumerGroupDescribeApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.ConsumerGroupDescribe,
    minVersion: 0,
    maxVersion: 0,
    notes:
      'Fjord-protocol (KIP-848) groups; a classic or unknown group is GROUP_ID_NOT_FOUND. Members show no client id, host or rack.',
    async handle(request, { access }) {
      const ids = request.groupIds as string[];
      const allowed = access.allowedNames('DESCRIBE', 'GROUP', ids);
      const described = await Promise.all(
        ids.map((groupId) =>
          allowed.has(groupId)
            ? deps.coordinator.describeGroup({ groupId })
            : Promise.resolve(
                refusedGroup(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.'),
              ),
        ),
      );
      return {
        throttleTimeMs: 0,
        groups: described.map((g, i) => describedGroup(ids[i] as string, g)),
      };
    },
    unavailable: (request, _context, message) => ({
      throttleTimeMs: 0,
      groups: (request.groupIds as string[]).map((groupId) =>
        describedGroup(groupId, refusedGroup(ErrorCode.COORDINATOR_NOT_AVAILABLE, message)),
      ),
    }),
  };
}

/** A describe answer carrying only an error. */
function refusedGroup(errorCode: number, errorMessage: string): v1.DescribeGroupResponse__Output {
  return { errorCode, errorMessage } as v1.DescribeGroupResponse__Output;
}

function describedGroup(groupId: string, g: v1.DescribeGroupResponse__Output): KafkaStruct {
  const base = {
    groupId,
    groupState: '',
    groupEpoch: -1,
    assignmentEpoch: -1,
    assignorName: '',
    members: [],
    authorizedOperations: OPERATIONS_NOT_REQUESTED,
  };
  if (g.errorCode !== ErrorCode.NONE)
    return { ...base, errorCode: g.errorCode, errorMessage: g.errorMessage };
  if (g.protocol === 'classic') {
    return {
      ...base,
      errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
      errorMessage: `Group ${groupId} is not a consumer group.`,
    };
  }
  return {
    ...base,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    groupState: g.state,
    groupEpoch: g.groupEpoch,
    assignmentEpoch: g.assignmentEpoch,
    assignorName: g.assignor,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId === '' ? null : m.instanceId,
      rackId: null,
      memberEpoch: m.memberEpoch,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: m.subscribedTopicNames,
      subscribedTopicRegex: m.subscribedTopicRegex === '' ? null : m.subscribedTopicRegex,
      assignment: { topicPartitions: m.assignment.map(describedPartitions) },
      targetAssignment: { topicPartitions: m.targetAssignment.map(describedPartitions) },
    })),
  };
}

function describedPartitions(t: v1.TopicPartitions__Output): KafkaStruct {
  return { topicId: t.topicId, topicName: t.topic, partitions: t.partitions };
}
