import { parseTopicConfig } from '@fjord/protocol';
import type { Proposal } from '../metadata/proposal.js';
import { metadataRecord } from '../metadata/records.js';
import type { PartitionState, TopicState } from '../metadata/state.js';
import type { PartitionChange } from './leader-election.js';

/**
 * The eligible leader replicas (KIP-966) after `change`. While the ISR is smaller than
 * min.insync.replicas the leader's high watermark cannot advance (the broker's strict
 * min-ISR rule), so a replica that leaves the ISR then still holds every committed record
 * and may lead later: it joins the ELR. Members of the new ISR leave it; once the ISR is
 * back at min.insync.replicas the ELR is empty. A change that names its own `elr` (an
 * unclean restart, which takes the broker out) keeps it.
 */
export function eligibleLeaderReplicasAfter(
  topic: TopicState,
  current: PartitionState,
  change: PartitionChange,
): number[] {
  if (change.elr) return [...change.elr];
  const minIsr = parseTopicConfig(topic.configs)['min.insync.replicas'];
  if (change.isr.length >= minIsr) return [];
  const left = current.isr.filter((id) => !change.isr.includes(id));
  const elr = [...(current.elr ?? []), ...left].filter((id) => !change.isr.includes(id));
  return [...new Set(elr)];
}

/** Appends one ChangePartition record per change, each with its eligible leader replicas. */
export function appendPartitionChanges(proposal: Proposal, changes: readonly PartitionChange[]): void {
  for (const change of changes) {
    const topic = proposal.state.topics[change.topicId];
    const current = topic?.partitions[change.partition];
    const elr = topic && current ? eligibleLeaderReplicasAfter(topic, current, change) : [];
    proposal.append(
      metadataRecord({
        type: 'ChangePartition',
        topicId: change.topicId,
        partition: change.partition,
        leader: change.leader,
        isr: [...change.isr],
        elr,
      }),
    );
  }
}
