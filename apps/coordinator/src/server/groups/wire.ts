import type { v1 } from '@fjord/protocol';
import { type Assignment, fromPairs, toPairs } from '../../metadata/group-state.js';

/** Wire topic-partition lists to an assignment. */
export function assignmentFromWire(list: readonly v1.TopicPartitions__Output[]): Assignment {
  return fromPairs(list.flatMap((t) => t.partitions.map((p) => [t.topic, p] as const)));
}

/** An assignment as wire topic-partition lists (topics sorted). */
export function assignmentToWire(a: Assignment): v1.TopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const [topic, partition] of toPairs(a)) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}
