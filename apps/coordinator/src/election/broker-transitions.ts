import type { Proposal } from '../metadata/proposal.js';
import { metadataRecord } from '../metadata/records.js';
import type { ListenerEndpointState } from '../metadata/state.js';
import { changesAfterFence, changesAfterUnfence, uncleanRestartChanges } from './leader-election.js';
import { appendPartitionChanges } from './partition-changes.js';

/** What a broker announces when it registers. */
export interface BrokerRegistration {
  brokerId: number;
  host: string;
  port: number;
  kafkaHost?: string;
  kafkaPort?: number;
  listeners?: ListenerEndpointState[];
  kafkaListeners?: ListenerEndpointState[];
  incarnationId: string;
}

/** Appends FenceBroker and the elections it causes. */
export function proposeFence(proposal: Proposal, brokerId: number): void {
  proposal.append(metadataRecord({ type: 'FenceBroker', brokerId }));
  appendPartitionChanges(proposal, changesAfterFence(proposal.state, brokerId));
}

/** Appends UnfenceBroker and the elections it enables. */
export function proposeUnfence(proposal: Proposal, brokerId: number): void {
  proposal.append(metadataRecord({ type: 'UnfenceBroker', brokerId }));
  appendPartitionChanges(proposal, changesAfterUnfence(proposal.state, brokerId));
}

/**
 * Appends RegisterBroker (its offset becomes the broker epoch) and the elections the now
 * alive broker enables. A new incarnation replacing one that is still alive in the state
 * (its session expired but the fence has not run yet) is fenced first, so whatever the old
 * process led moves or goes offline with an epoch bump instead of silently passing over.
 * Returns the new broker epoch.
 */
export function proposeRegistration(
  proposal: Proposal,
  registration: BrokerRegistration,
  previousShutdownClean = true,
): string {
  const existing = proposal.state.brokers[String(registration.brokerId)];
  if (existing && !existing.fenced && existing.incarnationId !== registration.incarnationId) {
    proposeFence(proposal, registration.brokerId);
  }
  const brokerEpoch = String(proposal.nextOffset);
  proposal.append(metadataRecord({ type: 'RegisterBroker', ...registration, brokerEpoch }));
  // After an unclean stop the broker may have lost unflushed data (KIP-966): it leaves ELRs
  // and ISRs, and rejoins an ISR only once its leader sees it caught up.
  if (!previousShutdownClean)
    appendPartitionChanges(proposal, uncleanRestartChanges(proposal.state, registration.brokerId));
  appendPartitionChanges(proposal, changesAfterUnfence(proposal.state, registration.brokerId));
  return brokerEpoch;
}
