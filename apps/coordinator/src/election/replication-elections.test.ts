import { ErrorCode } from '@fjord/protocol';
import { describe, expect, it } from 'vitest';
import { Proposal } from '../metadata/proposal.js';
import { metadataRecord } from '../metadata/records.js';
import { emptyState } from '../metadata/state.js';
import { proposeFence, proposeRegistration } from './broker-transitions.js';
import { leadershipCount, proposeControlledShutdown } from './controlled-shutdown.js';
import { decideIsrChange } from './isr-change.js';
import { changesAfterUnfence } from './leader-election.js';
import { appendPartitionChanges } from './partition-changes.js';
import { preferredLeaderChanges } from './preferred-election.js';

const TOPIC = 'topic-1';

/** Brokers 1..3 and one RF=3 partition with replicas [1,2,3] led by 1. */
function cluster(configs: Record<string, string> = {}): Proposal {
  const proposal = new Proposal(emptyState(), 0);
  proposal.append(metadataRecord({ type: 'InitCluster', clusterId: 'c' }));
  for (const brokerId of [1, 2, 3]) {
    proposeRegistration(proposal, {
      brokerId,
      host: '127.0.0.1',
      port: 7400 + brokerId,
      incarnationId: `i${brokerId}`,
    });
  }
  proposal.append(
    metadataRecord({
      type: 'CreateTopic',
      topicId: TOPIC,
      name: 'orders',
      partitions: [{ partition: 0, replicas: [1, 2, 3], leader: 1, isr: [1, 2, 3] }],
      configs,
    }),
  );
  return proposal;
}

const part = (p: Proposal) => p.state.topics[TOPIC]!.partitions[0]!;
const ask = (p: Proposal, fields: Partial<Parameters<typeof decideIsrChange>[1]>) =>
  decideIsrChange(p.state, {
    brokerId: 1,
    topicId: TOPIC,
    partition: 0,
    leaderEpoch: part(p).leaderEpoch,
    partitionEpoch: part(p).partitionEpoch,
    newIsr: [1, 2],
    ...fields,
  });

describe('AlterPartition validation (decideIsrChange)', () => {
  it('accepts a shrink from the current leader with current epochs', () => {
    const decision = ask(cluster(), {});
    expect(decision).toEqual({ ok: true, change: { topicId: TOPIC, partition: 0, leader: 1, isr: [1, 2] } });
  });

  it('refuses a stale leader epoch (a fenced leader) and a stale partition epoch', () => {
    const p = cluster();
    expect(ask(p, { leaderEpoch: part(p).leaderEpoch - 1 })).toMatchObject({
      ok: false,
      errorCode: ErrorCode.FENCED_LEADER_EPOCH,
    });
    expect(ask(p, { partitionEpoch: part(p).partitionEpoch - 1 })).toMatchObject({
      ok: false,
      errorCode: ErrorCode.INVALID_UPDATE_VERSION,
    });
  });

  it('refuses a request from a broker that no longer leads', () => {
    const p = cluster();
    proposeFence(p, 1);
    expect(part(p).leader).toBe(2);
    expect(ask(p, { brokerId: 1, leaderEpoch: 0, partitionEpoch: 0 })).toMatchObject({
      ok: false,
      errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
    });
  });

  it('refuses an ISR without the leader, with strangers or duplicates, or adding a fenced broker', () => {
    const p = cluster();
    expect(ask(p, { newIsr: [2, 3] })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect(ask(p, { newIsr: [1, 4] })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect(ask(p, { newIsr: [1, 1] })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    proposeFence(p, 3);
    expect(part(p).isr).toEqual([1, 2]);
    expect(ask(p, { newIsr: [1, 2, 3] })).toMatchObject({ errorCode: ErrorCode.INELIGIBLE_REPLICA });
  });
});

describe('elections with replication', () => {
  it('elects the new leader from the ISR only and bumps the leader epoch', () => {
    const p = cluster();
    p.append(
      metadataRecord({ type: 'ChangePartition', topicId: TOPIC, partition: 0, leader: 1, isr: [1, 3] }),
    );
    proposeFence(p, 1);
    expect(part(p)).toMatchObject({ leader: 3, isr: [3], leaderEpoch: 1 });
  });

  it('goes offline rather than electing outside the ISR unless unclean election is on', () => {
    const clean = cluster();
    clean.append(
      metadataRecord({ type: 'ChangePartition', topicId: TOPIC, partition: 0, leader: 1, isr: [1] }),
    );
    proposeFence(clean, 1);
    expect(part(clean)).toMatchObject({ leader: -1, isr: [1] });
    const unclean = cluster({ 'unclean.leader.election.enable': 'true' });
    unclean.append(
      metadataRecord({ type: 'ChangePartition', topicId: TOPIC, partition: 0, leader: 1, isr: [1] }),
    );
    proposeFence(unclean, 1);
    expect(part(unclean)).toMatchObject({ leader: 2, isr: [2] });
  });

  it('controlled shutdown moves leadership to another ISR member and removes the broker from ISRs', () => {
    const p = cluster();
    expect(proposeControlledShutdown(p, 1)).toBe(0);
    expect(part(p)).toMatchObject({ leader: 2, isr: [2, 3] });
    expect(leadershipCount(p.state, 1)).toBe(0);
    // While shutting down it is never elected (here: the new leader fails).
    proposeFence(p, 2);
    expect(part(p).leader).toBe(3);
  });

  it('a broker restarting after an unclean stop leaves the ISRs that have other members', () => {
    const p = cluster();
    proposeRegistration(p, { brokerId: 3, host: '127.0.0.1', port: 7403, incarnationId: 'i3-new' }, false);
    expect(part(p).isr).toEqual([1, 2]);
  });

  it('preferred election returns leadership to the first replica once it is back in the ISR', () => {
    const p = cluster();
    proposeFence(p, 1);
    expect(part(p).leader).toBe(2);
    const notInIsr = preferredLeaderChanges(p.state, 'all');
    expect(notInIsr.changes).toEqual([]);
    expect(notInIsr.results[0]).toMatchObject({ errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE });
    proposeRegistration(p, { brokerId: 1, host: '127.0.0.1', port: 7401, incarnationId: 'i1-new' });
    p.append(
      metadataRecord({ type: 'ChangePartition', topicId: TOPIC, partition: 0, leader: 2, isr: [2, 3, 1] }),
    );
    const { changes, results } = preferredLeaderChanges(p.state, 'all');
    expect(changes).toEqual([{ topicId: TOPIC, partition: 0, leader: 1, isr: [2, 3, 1] }]);
    expect(results[0]).toMatchObject({ errorCode: ErrorCode.NONE, leader: 1 });
    for (const change of changes) p.append(metadataRecord({ type: 'ChangePartition', ...change }));
    expect(preferredLeaderChanges(p.state, 'all').results[0]).toMatchObject({
      errorCode: ErrorCode.ELECTION_NOT_NEEDED,
    });
  });
});

describe('eligible leader replicas (KIP-966)', () => {
  const minIsr2 = { 'min.insync.replicas': '2' };
  const restart = (p: Proposal, brokerId: number, clean: boolean) =>
    proposeRegistration(
      p,
      { brokerId, host: '127.0.0.1', port: 7400 + brokerId, incarnationId: `i${brokerId}-${p.nextOffset}` },
      clean,
    );
  /** Fences 3 then 2: the ISR goes [1,2,3] -> [1,2] -> [1], below min.insync.replicas=2. */
  const lastReplicaStanding = () => {
    const p = cluster(minIsr2);
    proposeFence(p, 3);
    expect(part(p)).toMatchObject({ isr: [1, 2], elr: [] });
    proposeFence(p, 2);
    expect(part(p)).toMatchObject({ leader: 1, isr: [1], elr: [2] });
    return p;
  };

  it('a replica leaving an ISR that is below min.insync.replicas becomes eligible; a full ISR clears the ELR', () => {
    const p = lastReplicaStanding();
    restart(p, 2, true);
    const grow = ask(p, { newIsr: [1, 2] });
    expect(grow.ok).toBe(true);
    if (grow.ok) appendPartitionChanges(p, [grow.change]);
    expect(part(p)).toMatchObject({ isr: [1, 2], elr: [] });
  });

  it('with min.insync.replicas=1 nobody becomes eligible', () => {
    const p = cluster();
    proposeFence(p, 3);
    proposeFence(p, 2);
    expect(part(p)).toMatchObject({ isr: [1], elr: [] });
  });

  it('when the last ISR member is fenced, a live eligible replica leads', () => {
    const p = lastReplicaStanding();
    restart(p, 2, true);
    proposeFence(p, 1);
    expect(part(p)).toMatchObject({ leader: 2, isr: [2], elr: [1] });
  });

  it('an offline partition elects an eligible replica when it comes back, before the last ISR member', () => {
    const p = lastReplicaStanding();
    proposeFence(p, 1);
    expect(part(p)).toMatchObject({ leader: -1, isr: [1], elr: [2] });
    restart(p, 2, true);
    expect(part(p)).toMatchObject({ leader: 2, isr: [2], elr: [1] });
  });

  it('the last ISR member back from an unclean stop waits for an eligible replica instead of leading', () => {
    const p = lastReplicaStanding();
    proposeFence(p, 1);
    restart(p, 1, false);
    expect(part(p)).toMatchObject({ leader: -1, isr: [], elr: [2] });
    restart(p, 2, true);
    expect(part(p)).toMatchObject({ leader: 2, isr: [2], elr: [] });
  });

  it('the last ISR member back from an unclean stop leads when no replica is eligible (last known leader)', () => {
    const p = cluster(minIsr2);
    p.append(metadataRecord({ type: 'ChangePartition', topicId: TOPIC, partition: 0, leader: 1, isr: [1] }));
    proposeFence(p, 1);
    restart(p, 1, false);
    expect(part(p)).toMatchObject({ leader: 1, isr: [1], elr: [] });
  });

  it('an unclean restart takes the broker out of every ELR; a clean one keeps it', () => {
    const clean = lastReplicaStanding();
    restart(clean, 2, true);
    expect(part(clean).elr).toEqual([2]);
    const unclean = lastReplicaStanding();
    restart(unclean, 2, false);
    expect(part(unclean)).toMatchObject({ leader: 1, isr: [1], elr: [] });
  });

  it('unclean election leaves no eligible replicas behind', () => {
    const p = cluster({ ...minIsr2, 'unclean.leader.election.enable': 'true' });
    proposeFence(p, 3);
    proposeFence(p, 2);
    proposeFence(p, 1);
    expect(part(p)).toMatchObject({ leader: -1, isr: [1], elr: [2] });
    p.append(metadataRecord({ type: 'UnfenceBroker', brokerId: 3 }));
    for (const change of changesAfterUnfence(p.state, 3)) appendPartitionChanges(p, [change]);
    expect(part(p)).toMatchObject({ leader: 3, isr: [3], elr: [] });
  });
});
