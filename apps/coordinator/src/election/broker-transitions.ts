import type { Proposal } from '../metadata/proposal.js';
import { metadataRecord } from '../metadata/records.js';
import { controlledShutdownChanges } from './controlled-shutdown.js';
import { changesAfterFence, changesAfterUnfence, type PartitionChange } from './leader-election.js';

/** What a broker announces when it registers. */
export interface BrokerRegistration {
  brokerId: number;
  host: string;
  port: number;
  incarnationId: string;
}

/** Appends FenceBroker and the elections it causes. */
export function proposeFence(proposal: Proposal, brokerId: number): void {
  proposal.append(metadataRecord({ type: 'FenceBroker', brokerId }));
  appendChanges(proposal, changesAfterFence(proposal.state, brokerId));
}

/** Appends UnfenceBroker and the elections it enables. */
export function proposeUnfence(proposal: Proposal, brokerId: number): void {
  proposal.append(metadataRecord({ type: 'UnfenceBroker', brokerId }));
  appendChanges(proposal, changesAfterUnfence(proposal.state, brokerId));
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
  // After an unclean stop the broker may have lost unflushed data: it leaves every ISR that
  // has another member and rejoins only once its leader sees it caught up (KIP-966 spirit).
  if (!previousShutdownClean)
    appendChanges(proposal, controlledShutdownChanges(proposal.state, registration.brokerId));
  appendChanges(proposal, changesAfterUnfence(proposal.state, registration.brokerId));
  return brokerEpoch;
}

function appendChanges(proposal: Proposal, changes: readonly PartitionChange[]): void {
  for (const change of changes) proposal.append(metadataRecord({ type: 'ChangePartition', ...change }));
}
