import { parseTopicConfig } from '@fjord/protocol';
import {
  isEligibleLeader,
  type MetadataState,
  type PartitionState,
  type TopicState,
} from '../metadata/state.js';

/** A new leader and ISR for one partition, to be appended as a ChangePartition record. */
export interface PartitionChange {
  topicId: string;
  partition: number;
  leader: number;
  isr: number[];
}

/**
 * Elections after `brokerId` was fenced (`state` already has it fenced). The broker leaves
 * every ISR unless it is the last member (as in Kafka, so the partition remembers which
 * replica has all acknowledged data). Partitions it led get the first other live ISR member
 * as leader; without one they go offline (-1), unless the topic allows unclean election,
 * in which case any live replica leads with itself as the only ISR member.
 */
export function changesAfterFence(state: MetadataState, brokerId: number): PartitionChange[] {
  const changes: PartitionChange[] = [];
  forEachPartition(state, (topic, p) => {
    const inIsr = p.isr.includes(brokerId);
    if (!inIsr && p.leader !== brokerId) return;
    let isr = inIsr && p.isr.length > 1 ? p.isr.filter((id) => id !== brokerId) : p.isr;
    let leader = p.leader;
    if (p.leader === brokerId) {
      const fromIsr = isr.find((id) => id !== brokerId && isEligibleLeader(state, id));
      const unclean = fromIsr === undefined && allowsUncleanElection(topic);
      const fromReplicas = unclean ? p.replicas.find((id) => isEligibleLeader(state, id)) : undefined;
      leader = fromIsr ?? fromReplicas ?? -1;
      if (fromReplicas !== undefined) isr = [fromReplicas];
    }
    if (leader !== p.leader || !sameMembers(isr, p.isr)) {
      changes.push({ topicId: topic.topicId, partition: p.partition, leader, isr: [...isr] });
    }
  });
  return changes;
}

/**
 * Elections after `brokerId` became alive (registered or unfenced): offline partitions whose
 * ISR contains it get it as leader. With unclean election enabled, an offline partition it
 * merely replicates also gets it as leader (and as the only ISR member).
 */
export function changesAfterUnfence(state: MetadataState, brokerId: number): PartitionChange[] {
  const changes: PartitionChange[] = [];
  forEachPartition(state, (topic, p) => {
    if (p.leader !== -1) return;
    if (p.isr.includes(brokerId)) {
      changes.push({ topicId: topic.topicId, partition: p.partition, leader: brokerId, isr: [...p.isr] });
    } else if (p.replicas.includes(brokerId) && allowsUncleanElection(topic)) {
      changes.push({ topicId: topic.topicId, partition: p.partition, leader: brokerId, isr: [brokerId] });
    }
  });
  return changes;
}

export function forEachPartition(
  state: MetadataState,
  visit: (topic: TopicState, p: PartitionState) => void,
): void {
  // Sorted by topic id so the order of the resulting records never depends on insertion order.
  for (const topicId of Object.keys(state.topics).sort()) {
    const topic = state.topics[topicId]!;
    for (const p of topic.partitions) visit(topic, p);
  }
}

export function allowsUncleanElection(topic: TopicState): boolean {
  return parseTopicConfig(topic.configs)['unclean.leader.election.enable'];
}

export function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
