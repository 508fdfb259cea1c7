import { ErrorCode, type v1 } from '@fjord/protocol';
import { appendPartitionChanges } from '../election/partition-changes.js';
import type { ElectionScope } from '../election/preferred-election.js';
import { preferredLeaderChanges } from '../election/preferred-election.js';
import { topicByName } from '../metadata/state.js';
import type { CoordinatorContext } from './coordinator-context.js';

/** ElectLeaders: preferred leader election for the named partitions (all when empty). */
export async function electLeaders(
  ctx: CoordinatorContext,
  request: v1.ElectLeadersRequest__Output,
): Promise<v1.ElectLeadersResponse> {
  const unknown: v1.ElectLeadersResult[] = [];
  const outcome = await ctx.store.propose((proposal) => {
    let scope: ElectionScope = 'all';
    if (request.topics.length > 0) {
      const wanted = new Map<string, number[]>();
      for (const t of request.topics) {
        const topic = topicByName(proposal.state, t.topic);
        if (!topic) {
          unknown.push({
            topic: t.topic,
            partition: -1,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: `topic "${t.topic}" does not exist`,
            leader: -1,
          });
          continue;
        }
        wanted.set(topic.topicId, [...(wanted.get(topic.topicId) ?? []), ...t.partitions]);
      }
      scope = wanted;
    }
    const { changes, results } = preferredLeaderChanges(proposal.state, scope);
    appendPartitionChanges(proposal, changes);
    return results;
  });
  const partitions = outcome.map(
    (r): v1.ElectLeadersResult => ({
      topic: ctx.store.state.topics[r.topicId]?.name ?? r.topicId,
      partition: r.partition,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      leader: r.leader,
    }),
  );
  const moved = partitions.filter((p) => p.errorCode === ErrorCode.NONE);
  if (moved.length > 0) ctx.logger.info({ partitions: moved.length }, 'preferred leaders elected');
  return { partitions: [...unknown, ...partitions] };
}
