import { RE2JS } from 're2js';
import type { GroupMembership, MemberState } from '../metadata/group-state.js';
import type { MetadataState } from '../metadata/state.js';

/**
 * Longest subscription regex accepted, in characters. RE2 matches in time linear in the
 * pattern times the topic name, and a resolution runs for every member on every rebalance,
 * so the pattern is bounded too.
 */
export const MAX_SUBSCRIPTION_REGEX_LENGTH = 1000;

/** Compiled patterns kept for reuse; past this many the cache starts over. */
const MAX_CACHED_PATTERNS = 1000;
const compiled = new Map<string, RE2JS | null>();

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

/** The compiled regex, or null when `source` is not an acceptable one (see {@link regexProblem}). */
export function compileRegex(source: string): RE2JS | null {
  const cached = compiled.get(source);
  if (cached !== undefined) return cached;
  const pattern = regexProblem(source) === undefined ? RE2JS.compile(source) : null;
  if (compiled.size >= MAX_CACHED_PATTERNS) compiled.clear();
  compiled.set(source, pattern);
  return pattern;
}

/**
 * The existing topics a member subscribes to (names, and names matching its regex), sorted.
 * A regex matches a topic when it matches anywhere in the name, as JavaScript's
 * `RegExp.test` (the SDK sends a RegExp's source): anchor it with ^ and $ for a whole name.
 */
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
