import { ApiKey, type KafkaStruct } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import type { KafkaAccess } from '../security/kafka-access.js';

/**
 * OffsetCommit v0–9, forwarded to the coordinator's classic commit: a member's commit with
 * its generation, or a simple commit (v0, or generation -1) to a group without members. The
 * member of a KIP-848 group (ConsumerGroupHeartbeat) puts its member epoch in the same field
 * (v9 names it generationIdOrMemberEpoch; the request is v8's), and the coordinator checks it
 * as its own protocol's commit. Retention times and commit timestamps (v1–4) are accepted and
 * not used: committed offsets live as long as their group, as in Kafka 4. Without READ on the
 * group every partition is answered GROUP_AUTHORIZATION_FAILED; partitions of a topic the
 * principal may not READ are answered TOPIC_AUTHORIZATION_FAILED and not committed.
 */
export function offsetCommitApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.OffsetCommit,
    minVersion: 0,
    maxVersion: 9,
    notes:
      "Forwarded: a member's commit with its generation (KIP-848 members: their member epoch), or a simple commit (v0, generation -1) to a group without members. Retention times are accepted and unused.",
    async handle(request, { header, access }) {
      const topics = asStructs(request.topics);
      const answerAll = (errorCode: number) => commitAnswer(topics, () => errorCode);
      if (!access.allows('READ', 'GROUP', request.groupId as string))
        return answerAll(ErrorCode.GROUP_AUTHORIZATION_FAILED);
      const readable = access.allowedNames(
        'READ',
        'TOPIC',
        topics.map((t) => t.name as string),
      );
      const committed = topics.filter((t) => readable.has(t.name as string));
      const answer = await deps.coordinator.classicOffsetCommit({
        groupId: request.groupId as string,
        generationId: header.apiVersion >= 1 ? (request.generationIdOrMemberEpoch as number) : -1,
        memberId: header.apiVersion >= 1 ? (request.memberId as string) : '',
        instanceId: (request.groupInstanceId as string | null) ?? '',
        topics: committed.map((t) => ({
          topic: t.name as string,
          partitions: asStructs(t.partitions).map((p) => ({
            partition: p.partitionIndex as number,
            offset: String(p.committedOffset as bigint),
            metadata: (p.committedMetadata as string | null) ?? '',
          })),
        })),
      });
      const byTopic = new Map(answer.topics.map((t) => [t.topic, t]));
      return commitAnswer(topics, (topic, partition) => {
        if (!readable.has(topic)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        if (answer.errorCode !== ErrorCode.NONE) return answer.errorCode;
        return (
          byTopic.get(topic)?.partitions.find((r) => r.partition === partition)?.errorCode ?? ErrorCode.NONE
        );
      });
    },
    unavailable: (request) =>
      commitAnswer(asStructs(request.topics), () => ErrorCode.COORDINATOR_NOT_AVAILABLE),
  };
}

/** OffsetCommit's answer: every requested partition with its error code. */
function commitAnswer(topics: KafkaStruct[], errorOf: (topic: string, partition: number) => number) {
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: asStructs(t.partitions).map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: errorOf(t.name as string, p.partitionIndex as number),
      })),
    })),
  };
}

/**
 * OffsetFetch v1–9: the group's committed offsets from the coordinator (-1 where none, and
 * for a group that does not exist, as Kafka answers). Null topics (v2+) = every committed
 * partition; v8 asks for several groups at once; v9's member id and epoch (a KIP-848 member,
 * epoch >= 0) are checked by the coordinator, as Kafka does. requireStable (v7+) needs
 * nothing: Fjord has no transactions. A group the principal may not DESCRIBE is answered
 * GROUP_AUTHORIZATION_FAILED; named partitions of a topic it may not DESCRIBE are answered
 * TOPIC_AUTHORIZATION_FAILED, and an all-topics fetch leaves such topics out, as Kafka does.
 */
export function offsetFetchApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.OffsetFetch,
    minVersion: 1,
    maxVersion: 9,
    notes:
      'Committed offsets, -1 where none (also for an unknown group); v8 batches groups; v9 checks a KIP-848 member’s epoch. Leader epochs are not kept (-1).',
    async handle(request, { header, access }) {
      if (header.apiVersion >= 8) {
        const groups = await Promise.all(
          asStructs(request.groups).map(async (g) => {
            // Classic members send epoch -1 (and may send their member id): nothing to check.
            const epoch = (g.memberEpoch as number | undefined) ?? -1;
            const member =
              epoch >= 0 ? { memberId: (g.memberId as string | null) ?? '', memberEpoch: epoch } : undefined;
            const answer = await groupOffsets(
              deps,
              access,
              g.groupId as string,
              g.topics === null ? null : asStructs(g.topics),
              member,
            );
            return { groupId: g.groupId, topics: answer.topics, errorCode: answer.errorCode };
          }),
        );
        return { throttleTimeMs: 0, groups };
      }
      const answer = await groupOffsets(
        deps,
        access,
        request.groupId as string,
        request.topics === null ? null : asStructs(request.topics),
      );
      return { throttleTimeMs: 0, ...answer };
    },
    unavailable: (request, { header }) => {
      const failed = { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
      if (header.apiVersion >= 8)
        return {
          throttleTimeMs: 0,
          groups: asStructs(request.groups).map((g) => ({ groupId: g.groupId, ...failed })),
        };
      return { throttleTimeMs: 0, ...failed };
    },
  };
}

/**
 * One group's committed offsets for the requested topics (null: all), in OffsetFetch's shape;
 * with `member`, the coordinator checks that member's epoch first.
 */
async function groupOffsets(
  deps: KafkaDeps,
  access: KafkaAccess,
  groupId: string,
  requested: KafkaStruct[] | null,
  member?: { memberId: string; memberEpoch: number },
) {
  if (!access.allows('DESCRIBE', 'GROUP', groupId))
    return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
  const describable = (topic: string) => access.allows('DESCRIBE', 'TOPIC', topic);
  const answer = await deps.coordinator.offsetFetch({
    groupId,
    memberId: member?.memberId ?? '',
    memberEpoch: member?.memberEpoch ?? -1,
    topics: (requested ?? [])
      .filter((t) => describable(t.name as string))
      .map((t) => ({
        topic: t.name as string,
        partitions: t.partitionIndexes as number[],
      })),
  });
  const missingGroup = answer.errorCode === ErrorCode.GROUP_ID_NOT_FOUND;
  const errorCode = missingGroup ? ErrorCode.NONE : answer.errorCode;
  const offsets = (missingGroup ? [] : answer.offsets).filter((o) => describable(o.topic));
  const committed = new Map(offsets.map((o) => [`${o.topic}:${o.partition}`, o]));
  const topics =
    requested === null
      ? [...new Set(offsets.map((o) => o.topic))].map((name) => ({
          name,
          partitionIndexes: offsets.filter((o) => o.topic === name).map((o) => o.partition),
        }))
      : requested.map((t) => ({ name: t.name as string, partitionIndexes: t.partitionIndexes as number[] }));
  return {
    errorCode,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        const found = committed.get(`${t.name}:${partitionIndex}`);
        return {
          partitionIndex,
          committedOffset: BigInt(found?.offset ?? -1),
          committedLeaderEpoch: -1,
          metadata: found?.metadata ?? '',
          errorCode: describable(t.name) ? errorCode : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        };
      }),
    })),
  };
}
