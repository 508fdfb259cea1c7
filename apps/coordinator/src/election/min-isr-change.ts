import { parseTopicConfig } from '@fjord/protocol';
import type { TopicState } from '../metadata/state.js';
import type { PartitionChange } from './leader-election.js';

/**
 * The partition changes a new `min.insync.replicas` of `topic` needs: every non-empty
 * eligible-leader-replica set is cleared, leader and ISR unchanged (as Kafka does, KIP-966).
 * An ELR member is only safe while the leader cannot commit without it; under a lower
 * minimum the ISR commits alone, and a stale ELR member elected later would lack records
 * acknowledged after the change. Nothing changes when the effective value stays the same.
 */
export function elrChangesForConfigs(
  topic: TopicState,
  nextConfigs: Readonly<Record<string, string>>,
): PartitionChange[] {
  const before = parseTopicConfig(topic.configs)['min.insync.replicas'];
  const after = parseTopicConfig(nextConfigs)['min.insync.replicas'];
  if (before === after) return [];
  return topic.partitions
    .filter((p) => (p.elr ?? []).length > 0)
    .map((p) => ({
      topicId: topic.topicId,
      partition: p.partition,
      leader: p.leader,
      isr: [...p.isr],
      elr: [],
    }));
}
