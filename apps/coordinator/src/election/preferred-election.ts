import { ErrorCode } from '@fjord/protocol';
import { isEligibleLeader, type MetadataState } from '../metadata/state.js';
import type { PartitionChange } from './leader-election.js';

/** Which partitions a preferred election looks at: topic id -> partitions (empty = all). */
export type ElectionScope = ReadonlyMap<string, readonly number[]> | 'all';

/** Outcome of a preferred election for one partition. */
export interface PreferredElectionResult {
  topicId: string;
  partition: number;
  errorCode: number;
  errorMessage: string;
  /** The leader after the election (or as it is). */
  leader: number;
}

/**
 * Preferred leader election: a partition whose first replica (the preferred leader) is
 * alive, not shutting down and in the ISR, but does not lead, gets it as leader with the
 * ISR unchanged. Being in the ISR means it has every committed record, so nothing
 * acknowledged is lost by the move.
 */
export function preferredLeaderChanges(
  state: MetadataState,
  scope: ElectionScope,
): { changes: PartitionChange[]; results: PreferredElectionResult[] } {
  const changes: PartitionChange[] = [];
  const results: PreferredElectionResult[] = [];
  const topicIds = scope === 'all' ? Object.keys(state.topics).sort() : [...scope.keys()];
  for (const topicId of topicIds) {
    const topic = state.topics[topicId];
    if (!topic) continue;
    const wanted = scope === 'all' ? [] : (scope.get(topicId) ?? []);
    const numbers = wanted.length === 0 ? topic.partitions.map((p) => p.partition) : wanted;
    for (const partition of numbers) {
      const p = topic.partitions[partition];
      const result = (errorCode: number, errorMessage: string, leader: number) =>
        results.push({ topicId, partition, errorCode, errorMessage, leader });
      if (!p) {
        result(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `topic "${topic.name}" has no partition ${partition}`,
          -1,
        );
        continue;
      }
      const preferred = p.replicas[0]!;
      if (p.leader === preferred) {
        result(ErrorCode.ELECTION_NOT_NEEDED, `broker ${preferred} already leads`, p.leader);
      } else if (!p.isr.includes(preferred) || !isEligibleLeader(state, preferred)) {
        result(
          ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
          `preferred replica ${preferred} is ${p.isr.includes(preferred) ? 'not alive' : 'not in the ISR'}`,
          p.leader,
        );
      } else {
        changes.push({ topicId, partition, leader: preferred, isr: [...p.isr] });
        result(ErrorCode.NONE, '', preferred);
      }
    }
  }
  return { changes, results };
}
