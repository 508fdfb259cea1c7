import { ErrorCode, type v1 } from '@fjord/protocol';
import { placeReplicas } from '../election/replica-placement.js';
import { metadataRecord } from '../metadata/records.js';
import { EVERY_TOPIC, type TopicAccess } from './access/topic-access.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { validateNewTopic } from './create-topic-validation.js';

/**
 * CreateTopics: validates each topic on its own; valid ones get a random topic id and a
 * placement and are created together in one metadata batch, invalid ones store nothing.
 * With `validate_only` nothing is appended at all.
 */
export async function createTopics(
  ctx: CoordinatorContext,
  request: v1.CreateTopicsRequest__Output,
  access: TopicAccess = EVERY_TOPIC,
): Promise<v1.CreateTopicsResponse> {
  const namesInRequest = new Map<string, number>();
  for (const topic of request.topics)
    namesInRequest.set(topic.name, (namesInRequest.get(topic.name) ?? 0) + 1);

  const results = await ctx.store.propose((proposal) =>
    request.topics.map((topic): v1.TopicResult => {
      const denied = access.denied(topic.name);
      if (denied) return { name: topic.name, topicId: '', ...denied };
      const checked = validateNewTopic(proposal.state, topic, namesInRequest);
      if (!checked.ok) {
        return {
          name: topic.name,
          topicId: '',
          errorCode: checked.errorCode,
          errorMessage: checked.errorMessage,
        };
      }
      if (request.validateOnly)
        return { name: topic.name, topicId: '', errorCode: ErrorCode.NONE, errorMessage: '' };
      const topicId = ctx.random.uuid();
      const startIndex = ctx.random.int(checked.liveBrokerIds.length);
      const partitions = placeReplicas(
        checked.liveBrokerIds,
        checked.partitions,
        checked.replicationFactor,
        startIndex,
      );
      proposal.append(
        metadataRecord({
          type: 'CreateTopic',
          topicId,
          name: checked.name,
          partitions,
          configs: checked.configs,
        }),
      );
      return { name: topic.name, topicId, errorCode: ErrorCode.NONE, errorMessage: '' };
    }),
  );
  for (const result of results) {
    if (result.errorCode === ErrorCode.NONE && !request.validateOnly) {
      ctx.logger.info({ topic: result.name, topicId: result.topicId }, 'topic created');
    }
  }
  return { topics: results };
}
