import { RE2JS } from 're2js';
import type { GroupMembership, MemberState } from '../metadata/group-state.js';
import { type MetadataState, topicIdByName } from '../metadata/state.js';

/**
 * Longest subscription regex accepted, in characters. RE2 matches in time linear in the
 * pattern times the topic name, and a resolution runs for every member on every rebalance,
 * so the pattern is bounded too.
 */
export const MAX_SUBSCRIPTION_REGEX_LENGTH = 1000;

/** Regexes whose matches are kept per topic-name map; past this many the map starts over. */
const MAX_CACHED_PATTERNS = 1000;

/**
 * Why `source` cannot be a subscription regex, or undefined when it can. Regexes use RE2
 * syntax (as KIP-848's RE2/J) and are evaluated by re2js in linear time, so no pattern can
 * stall the coordinator; backreferences and lookaround, which need backtracking, are refused.
 */
export function regexProblem(source: string): string | undefined {
  if (source.length > MAX_SUBSCRIPTION_REGEX_LENGTH) {
    return `subscription regex is ${source.length} characters long; at most ${MAX_SUBSCRIPTION_REGEX_LENGTH} are allowed`;
  }
  try {
    RE2JS.compile(source);
    return undefined;
  } catch (error) {
    return `subscription regex /${source}/ is not valid RE2: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Topic names matching each regex, per topic-name map. The state is immutable and apply()
 * replaces `topicIdsByName` only when a topic is created or deleted, so a regex is matched
 * against the topics once per such change, not on every heartbeat of every member (re2js
 * takes microseconds per name).
 */
const matchesByTopics = new WeakMap<Readonly<Record<string, string>>, Map<string, readonly string[]>>();

function topicsMatching(topicIdsByName: Readonly<Record<string, string>>, source: string): readonly string[] {
  let bySource = matchesByTopics.get(topicIdsByName);
  if (!bySource) {
    bySource = new Map();
    matchesByTopics.set(topicIdsByName, bySource);
  }
  let matches = bySource.get(source);
  if (!matches) {
    // A stored subscription that is not valid RE2 (from before RE2) matches nothing.
    const regex = regexProblem(source) === undefined ? RE2JS.compile(source) : undefined;
    matches = regex ? Object.keys(topicIdsByName).filter((name) => regex.testExact(name)) : [];
    if (bySource.size >= MAX_CACHED_PATTERNS) bySource.clear();
    bySource.set(source, matches);
  }
  return matches;
}

/**
 * The existing topics a member subscribes to (names, and names matching its regex), sorted.
 * A regex must match the whole topic name, as in Kafka (KIP-848's TopicRegexResolver and the
 * Java consumer's `subscribe(Pattern)` both use `matcher(name).matches()`): `orders-.*`
 * subscribes to `orders-eu`, `orders-` does not.
 */
export function resolveTopics(state: MetadataState, member: MemberState): string[] {
  const topics = new Set<string>();
  for (const name of member.subscribedTopics) if (topicIdByName(state, name) !== undefined) topics.add(name);
  if (member.subscribedRegex !== null) {
    for (const name of topicsMatching(state.topicIdsByName, member.subscribedRegex)) topics.add(name);
  }
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
      const id = topicIdByName(state, topic)!;
      out[topic] = state.topics[id]!.partitions.length;
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
