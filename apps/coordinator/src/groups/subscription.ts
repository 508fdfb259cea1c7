import type { GroupMembership, MemberState } from '../metadata/group-state.js';
import type { MetadataState } from '../metadata/state.js';

/** Compiles a subscription regex; null when the source is not a valid JavaScript RegExp. */
export function compileRegex(source: string): RegExp | null {
  try {
    return new RegExp(source);
  } catch {
    return null;
  }
}

/** The existing topics a member subscribes to (names, and names matching its regex), sorted. */
export function resolveTopics(state: MetadataState, member: MemberState): string[] {
  const regex = member.subscribedRegex === null ? null : compileRegex(member.subscribedRegex);
  const topics = new Set<string>();
  for (const name of member.subscribedTopics) if (state.topicIdsByName[name] !== undefined) topics.add(name);
  if (regex) for (const name of Object.keys(state.topicIdsByName)) if (regex.test(name)) topics.add(name);
  return [...topics].sort();
}

/**
 * Partition counts of every topic some member subscribes to. A change of this map (topic
 * created matching a regex, partitions added, topic deleted) bumps the group epoch, which is
 * how new partitions reach running consumers without a restart.
 */
export function subscribedTopicPartitions(
  state: MetadataState,
  group: GroupMembership,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const member of Object.values(group.members)) {
    for (const topic of resolveTopics(state, member)) {
      const id = state.topicIdsByName[topic]!;
      out[topic] = state.topics[id]!.partitions.length;
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
