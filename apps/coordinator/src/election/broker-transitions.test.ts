import { describe, expect, it } from 'vitest';
import { apply, applyAll, InconsistentRecordError } from '../metadata/apply.js';
import { Proposal } from '../metadata/proposal.js';
import { metadataRecord } from '../metadata/records.js';
import { emptyState, type MetadataState, topicByName } from '../metadata/state.js';
import { proposeFence, proposeRegistration, proposeUnfence } from './broker-transitions.js';
import { placeReplicas } from './replica-placement.js';

function clusterWithBrokers(brokerIds: number[]): Proposal {
  const proposal = new Proposal(emptyState(), 0);
  proposal.append(metadataRecord({ type: 'InitCluster', clusterId: 'cluster-1' }));
  for (const brokerId of brokerIds) {
    proposeRegistration(proposal, {
      brokerId,
      host: '127.0.0.1',
      port: 7400 + brokerId,
      incarnationId: `inc-${brokerId}`,
    });
  }
  return proposal;
}

function createTopic(proposal: Proposal, name: string, replicationFactor: number, configs = {}): string {
  const topicId = `id-${name}`;
  const live = Object.values(proposal.state.brokers)
    .filter((b) => !b.fenced)
    .map((b) => b.brokerId);
  const partitions = placeReplicas(live, 2, replicationFactor, 0);
  proposal.append(metadataRecord({ type: 'CreateTopic', topicId, name, partitions, configs }));
  return topicId;
}

function partition0(state: MetadataState, name: string) {
  return topicByName(state, name)!.partitions[0]!;
}

describe('broker transitions applied by the metadata state machine', () => {
  it('is deterministic: replaying the same records gives a deep-equal state', () => {
    const proposal = clusterWithBrokers([1, 2, 3]);
    createTopic(proposal, 'orders', 3, { 'retention.ms': '1000' });
    const doomed = createTopic(proposal, 'doomed', 1);
    proposeFence(proposal, 1);
    proposeUnfence(proposal, 1);
    proposal.append(metadataRecord({ type: 'AlterTopicConfigs', topicId: 'id-orders', configs: {} }));
    proposal.append(metadataRecord({ type: 'DeleteTopic', topicId: doomed }));

    const records = JSON.parse(JSON.stringify(proposal.records));
    const replayed = applyAll(emptyState(), records);
    expect(replayed).toEqual(proposal.state);
    expect(applyAll(emptyState(), records)).toEqual(replayed);
    expect(topicByName(replayed, 'doomed')).toBeUndefined();
    expect(topicByName(replayed, 'orders')!.configs).toEqual({});
  });

  it('does not modify the state it is given', () => {
    const before = clusterWithBrokers([1]).state;
    const frozen = JSON.stringify(before);
    apply(before, metadataRecord({ type: 'FenceBroker', brokerId: 1 }));
    expect(JSON.stringify(before)).toBe(frozen);
  });

  it('uses the record offset as broker epoch, and re-registration moves it forward', () => {
    const proposal = clusterWithBrokers([1]);
    const first = proposal.state.brokers['1']!.brokerEpoch;
    expect(first).toBe('1');
    const second = proposeRegistration(proposal, { brokerId: 1, host: 'h', port: 1, incarnationId: 'inc-1' });
    expect(BigInt(second)).toBeGreaterThan(BigInt(first));
  });

  it('elects the next live ISR member when the leader is fenced, and bumps both epochs', () => {
    const proposal = clusterWithBrokers([1, 2, 3]);
    createTopic(proposal, 'orders', 3);
    expect(partition0(proposal.state, 'orders')).toMatchObject({ leader: 1, isr: [1, 2, 3], leaderEpoch: 0 });

    proposeFence(proposal, 1);
    expect(partition0(proposal.state, 'orders')).toMatchObject({
      leader: 2,
      isr: [2, 3],
      leaderEpoch: 1,
      partitionEpoch: 1,
    });
    proposeFence(proposal, 2);
    expect(partition0(proposal.state, 'orders')).toMatchObject({ leader: 3, isr: [3], leaderEpoch: 2 });
    proposeFence(proposal, 3);
    // The last ISR member stays in the ISR; the partition goes offline.
    expect(partition0(proposal.state, 'orders')).toMatchObject({ leader: -1, isr: [3], leaderEpoch: 3 });
  });

  it('elects a leader only from the ISR when a broker comes back', () => {
    const proposal = clusterWithBrokers([1, 2, 3]);
    createTopic(proposal, 'orders', 3);
    proposeFence(proposal, 1);
    proposeFence(proposal, 2);
    proposeFence(proposal, 3);
    proposeUnfence(proposal, 1);
    expect(partition0(proposal.state, 'orders')).toMatchObject({ leader: -1, isr: [3] });
    proposeUnfence(proposal, 3);
    expect(partition0(proposal.state, 'orders')).toMatchObject({ leader: 3, isr: [3], leaderEpoch: 4 });
  });

  it('with unclean election enabled, a live out-of-ISR replica takes over', () => {
    const proposal = clusterWithBrokers([1, 2]);
    createTopic(proposal, 'lossy', 2, { 'unclean.leader.election.enable': 'true' });
    proposeFence(proposal, 2);
    proposeFence(proposal, 1);
    expect(partition0(proposal.state, 'lossy')).toMatchObject({ leader: -1, isr: [1] });
    proposeUnfence(proposal, 2);
    expect(partition0(proposal.state, 'lossy')).toMatchObject({ leader: 2, isr: [2] });
  });

  it('a single-replica partition goes offline on fence and returns on unfence', () => {
    const proposal = clusterWithBrokers([1]);
    createTopic(proposal, 'solo', 1);
    proposeFence(proposal, 1);
    expect(partition0(proposal.state, 'solo')).toMatchObject({ leader: -1, isr: [1], leaderEpoch: 1 });
    proposeRegistration(proposal, { brokerId: 1, host: 'h', port: 1, incarnationId: 'restarted' });
    expect(partition0(proposal.state, 'solo')).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 2 });
  });

  it('fences the old incarnation first when a new one registers over a live broker', () => {
    const proposal = clusterWithBrokers([1]);
    createTopic(proposal, 'solo', 1);
    proposeRegistration(proposal, { brokerId: 1, host: 'h', port: 1, incarnationId: 'new-process' });
    // Two partitions: each goes offline with the fence and comes back with the registration.
    expect(proposal.records.slice(-6).map((r) => r.type)).toEqual([
      'FenceBroker',
      'ChangePartition',
      'ChangePartition',
      'RegisterBroker',
      'ChangePartition',
      'ChangePartition',
    ]);
    expect(partition0(proposal.state, 'solo')).toMatchObject({ leader: 1, leaderEpoch: 2 });
  });

  it('refuses records that do not fit the state', () => {
    expect(() => apply(emptyState(), metadataRecord({ type: 'DeleteTopic', topicId: 'nope' }))).toThrow(
      InconsistentRecordError,
    );
    expect(() => apply(emptyState(), metadataRecord({ type: 'FenceBroker', brokerId: 9 }))).toThrow(
      InconsistentRecordError,
    );
  });
});
