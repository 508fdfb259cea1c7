import type { v1 } from '@fjord/protocol';
import { type Assignment, fromPairs, toPairs } from '../../metadata/group-state.js';
import { type MetadataState, topicIdByName } from '../../metadata/state.js';

/**
 * Wire topic-partition lists to an assignment. A list may name its topic by id instead
 * (Kafka clients do); an id no topic has any more (deleted) is dropped.
 */
export function assignmentFromWire(
  list: readonly v1.TopicPartitions__Output[],
  state: MetadataState,
): Assignment {
  return fromPairs(
    list.flatMap((t) => {
      // Own properties only: a topic id from the wire may be any string, `constructor` too.
      const byId = Object.hasOwn(state.topics, t.topicId) ? state.topics[t.topicId]?.name : undefined;
      const topic = t.topic !== '' ? t.topic : byId;
      return topic === undefined ? [] : t.partitions.map((p) => [topic, p] as const);
    }),
  );
}

/** An assignment as wire topic-partition lists (topics sorted), each with its topic id. */
export function assignmentToWire(a: Assignment, state: MetadataState): v1.TopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const [topic, partition] of toPairs(a)) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  return [...byTopic].map(([topic, partitions]) => ({
    topic,
    partitions,
    topicId: topicIdByName(state, topic) ?? '',
  }));
}
