import { ErrorCode, type v1 } from '@fjord/protocol';
import { metadataRecord } from '../metadata/records.js';
import { topicByName } from '../metadata/state.js';
import { EVERY_TOPIC, type TopicAccess } from './access/topic-access.js';
import type { CoordinatorContext } from './coordinator-context.js';

/**
 * DeleteTopics: appends DeleteTopic for each existing topic. Brokers learn it from the next
 * heartbeat (the topic is missing from their hosted list). A name given twice is deleted
 * once; the second mention reports UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function deleteTopics(
  ctx: CoordinatorContext,
  request: v1.DeleteTopicsRequest__Output,
  access: TopicAccess = EVERY_TOPIC,
): Promise<v1.DeleteTopicsResponse> {
  const results = await ctx.store.propose((proposal) =>
    request.topics.map((name): v1.TopicResult => {
      const denied = access.denied(name);
      if (denied) return { name, topicId: '', ...denied };
      const topic = topicByName(proposal.state, name);
      if (!topic) {
        return {
          name,
          topicId: '',
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: `topic "${name}" does not exist`,
        };
      }
      proposal.append(metadataRecord({ type: 'DeleteTopic', topicId: topic.topicId }));
      return { name, topicId: topic.topicId, errorCode: ErrorCode.NONE, errorMessage: '' };
    }),
  );
  for (const result of results) {
    if (result.errorCode === ErrorCode.NONE) {
      ctx.logger.info({ topic: result.name, topicId: result.topicId }, 'topic deleted');
    }
  }
  return { topics: results };
}
