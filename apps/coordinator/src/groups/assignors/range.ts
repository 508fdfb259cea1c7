import { fromPairs } from '../../metadata/group-state.js';
import type { Assignor } from './assignor.js';

/**
 * Kafka's range assignor: per topic, the members subscribed to it (ordered by instance id,
 * then member id) get consecutive ranges; the first `partitions % members` get one more.
 */
export const rangeAssignor: Assignor = ({ members, topicPartitions }) => {
  const pairs = new Map<string, Array<[string, number]>>(members.map((m) => [m.memberId, []]));
  for (const topic of Object.keys(topicPartitions).sort()) {
    const count = topicPartitions[topic] ?? 0;
    const subscribers = members
      .filter((m) => m.topics.includes(topic))
      .sort((a, b) => compare(a.instanceId ?? a.memberId, b.instanceId ?? b.memberId));
    if (subscribers.length === 0) continue;
    const base = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    let next = 0;
    subscribers.forEach((member, i) => {
      const size = base + (i < extra ? 1 : 0);
      for (let p = next; p < next + size; p++) pairs.get(member.memberId)!.push([topic, p]);
      next += size;
    });
  }
  return Object.fromEntries([...pairs].map(([id, list]) => [id, fromPairs(list)]));
};

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
