import type { v1 } from '@fjord/protocol';
import type { TopicAccess } from '../access/topic-access.js';

/**
 * Runs an offset commit (OffsetCommit, ClassicOffsetCommit) with only the topics the caller
 * may READ, and answers every partition of the others TOPIC_AUTHORIZATION_FAILED, as Kafka
 * does: the allowed offsets are committed, the denied ones are not.
 */
export async function commitAllowedTopics<Req extends { topics: v1.OffsetCommitTopic__Output[] }>(
  request: Req,
  access: TopicAccess,
  commit: (allowed: Req) => Promise<v1.OffsetCommitResponse>,
): Promise<v1.OffsetCommitResponse> {
  const allowed: v1.OffsetCommitTopic__Output[] = [];
  const denied: v1.TopicPartitionResults[] = [];
  for (const topic of request.topics) {
    const denial = access.denied(topic.topic);
    if (!denial) allowed.push(topic);
    else
      denied.push({
        topic: topic.topic,
        partitions: topic.partitions.map((p) => ({ partition: p.partition, ...denial })),
      });
  }
  if (denied.length === 0) return commit(request);
  const answer = await commit({ ...request, topics: allowed });
  return { ...answer, topics: [...(answer.topics ?? []), ...denied] };
}

/** An offset fetch's answer without the topics the caller may not DESCRIBE (Kafka leaves them out). */
export function withoutHiddenTopics(
  answer: v1.OffsetFetchResponse,
  access: TopicAccess,
): v1.OffsetFetchResponse {
  return {
    ...answer,
    offsets: (answer.offsets ?? []).filter(
      (o) => o.topic !== undefined && access.mayList(o.topic) && !access.denied(o.topic),
    ),
  };
}
