import type { Proposal } from '../metadata/proposal.js';
import { metadataRecord } from '../metadata/records.js';
import { isEligibleLeader, type MetadataState } from '../metadata/state.js';
import { forEachPartition, type PartitionChange } from './leader-election.js';
import { appendPartitionChanges } from './partition-changes.js';

/**
 * Leadership and ISR moves for a broker shutting down (`state` already marks it as in
 * controlled shutdown): each partition it leads gets the first other eligible ISR member
 * as leader, and the broker leaves every ISR that keeps another member, so acks=all writes
 * do not wait for it. A partition with no other candidate keeps it as leader (it goes
 * offline when the broker's session ends, as without controlled shutdown).
 */
export function controlledShutdownChanges(state: MetadataState, brokerId: number): PartitionChange[] {
  const changes: PartitionChange[] = [];
  forEachPartition(state, (topic, p) => {
    if (!p.isr.includes(brokerId) && p.leader !== brokerId) return;
    const others = p.isr.filter((id) => id !== brokerId);
    if (p.leader === brokerId) {
      const successor = others.find((id) => isEligibleLeader(state, id));
      if (successor === undefined) return;
      changes.push({ topicId: topic.topicId, partition: p.partition, leader: successor, isr: others });
    } else if (others.length > 0) {
      changes.push({ topicId: topic.topicId, partition: p.partition, leader: p.leader, isr: others });
    }
  });
  return changes;
}

/** Partitions `brokerId` leads. */
export function leadershipCount(state: MetadataState, brokerId: number): number {
  let count = 0;
  forEachPartition(state, (_topic, p) => {
    if (p.leader === brokerId) count++;
  });
  return count;
}

/** Appends BrokerControlledShutdown and the moves it causes; returns the leaderships left. */
export function proposeControlledShutdown(proposal: Proposal, brokerId: number): number {
  proposal.append(metadataRecord({ type: 'BrokerControlledShutdown', brokerId }));
  appendPartitionChanges(proposal, controlledShutdownChanges(proposal.state, brokerId));
  return leadershipCount(proposal.state, brokerId);
}
