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
  /**
   * The eligible leader replicas after the change, when the change decides them itself;
   * otherwise appendPartitionChanges derives them from the ISR change.
   */
  elr?: number[];
}

/**
 * Elections after `brokerId` was fenced (`state` already has it fenced). The broker leaves
 * every ISR unless it is the last member (as in Kafka, so the partition remembers which
 * replica has all acknowledged data). Partitions it led get the first other live ISR member
 * as leader, else a live eligible leader replica (KIP-966) with itself as the ISR; without
 * one they go offline (-1), unless the topic allows unclean election, in which case any
 * live replica leads with itself as the only ISR member.
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
      const fromElr = fromIsr === undefined ? eligibleLeaderReplica(state, p) : undefined;
      const unclean = fromIsr === undefined && fromElr === undefined && allowsUncleanElection(topic);
      const fromReplicas = unclean ? p.replicas.find((id) => isEligibleLeader(state, id)) : undefined;
      leader = fromIsr ?? fromElr ?? fromReplicas ?? -1;
      if (fromElr !== undefined) isr = [fromElr];
      if (fromReplicas !== undefined) {
        // An unclean leader may lack committed records: nobody is safe to follow it as ELR.
        changes.push({
          topicId: topic.topicId,
          partition: p.partition,
          leader,
          isr: [fromReplicas],
          elr: [],
        });
        return;
      }
    }
    if (leader !== p.leader || !sameMembers(isr, p.isr)) {
      changes.push({ topicId: topic.topicId, partition: p.partition, leader, isr: [...isr] });
    }
  });
  return changes;
}

/** The first eligible leader replica that is alive and may lead, if any. */
function eligibleLeaderReplica(state: MetadataState, p: PartitionState): number | undefined {
  return (p.elr ?? []).find((id) => isEligibleLeader(state, id));
}

/**
 * Elections after `brokerId` became alive (registered or unfenced): offline partitions whose
 * ISR contains it get it as leader; so do offline partitions that list it as an eligible
 * leader replica (KIP-966), with it as the only ISR member. With unclean election enabled,
 * an offline partition it merely replicates also gets it as leader (and as the only ISR
 * member).
 */
export function changesAfterUnfence(state: MetadataState, brokerId: number): PartitionChange[] {
  const changes: PartitionChange[] = [];
  forEachPartition(state, (topic, p) => {
    if (p.leader !== -1) return;
    const change = { topicId: topic.topicId, partition: p.partition, leader: brokerId };
    if (p.isr.includes(brokerId)) {
      changes.push({ ...change, isr: [...p.isr] });
    } else if ((p.elr ?? []).includes(brokerId)) {
      changes.push({ ...change, isr: [brokerId] });
    } else if (p.replicas.includes(brokerId) && allowsUncleanElection(topic)) {
      changes.push({ ...change, isr: [brokerId], elr: [] });
    }
  });
  return changes;
}

/**
 * ISR and ELR moves for a broker that registers after an unclean stop: it may have lost
 * records it had acknowledged (unflushed writes), so it leaves every ELR, and every ISR
 * that keeps another member. Where it is the last ISR member it stays, as the only copy
 * known to hold everything (Kafka's "last known leader"), unless an eligible leader
 * replica exists: then it leaves the ISR too and the partition waits for (or elects) that
 * replica instead, which is KIP-966's answer to the "last replica standing" loss.
 */
export function uncleanRestartChanges(state: MetadataState, brokerId: number): PartitionChange[] {
  const changes: PartitionChange[] = [];
  forEachPartition(state, (topic, p) => {
    const elrBefore = p.elr ?? [];
    if (!p.isr.includes(brokerId) && !elrBefore.includes(brokerId)) return;
    const elr = elrBefore.filter((id) => id !== brokerId);
    const others = p.isr.filter((id) => id !== brokerId);
    const leaveIsr = p.isr.includes(brokerId) && (others.length > 0 || elr.length > 0);
    const isr = leaveIsr ? others : [...p.isr];
    let leader = p.leader === brokerId && leaveIsr ? -1 : p.leader;
    if (leader === -1) {
      const successor =
        isr.find((id) => isEligibleLeader(state, id)) ?? elr.find((id) => isEligibleLeader(state, id));
      if (successor !== undefined) {
        leader = successor;
        if (!isr.includes(successor)) isr.splice(0, isr.length, successor);
      }
    }
    const elrAfter = elr.filter((id) => !isr.includes(id));
    if (leader === p.leader && sameMembers(isr, p.isr) && sameMembers(elrAfter, elrBefore)) return;
    changes.push({ topicId: topic.topicId, partition: p.partition, leader, isr, elr: elrAfter });
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
