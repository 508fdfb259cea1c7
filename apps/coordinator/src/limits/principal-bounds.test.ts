import { ErrorCode } from '@fjord/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../liveness/clock.js';
import type { GroupMembership, MemberState } from '../metadata/group-state.js';
import type { MetadataState } from '../metadata/state.js';
import { emptyState } from '../metadata/state.js';
import { type BoundName, PrincipalBounds } from './principal-bounds.js';

function member(memberId: string): MemberState {
  return {
    memberId,
    instanceId: null,
    memberEpoch: 1,
    previousMemberEpoch: 0,
    away: false,
    subscribedTopics: [],
    subscribedRegex: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    assigned: {},
    revoking: {},
  };
}

/** A state whose groups have the given members. */
function withGroups(groups: Record<string, string[]>): MetadataState {
  const state = emptyState();
  for (const [groupId, members] of Object.entries(groups)) {
    const membership: GroupMembership = {
      groupId,
      groupEpoch: 1,
      assignmentEpoch: 1,
      assignor: 'uniform',
      members: Object.fromEntries(members.map((id) => [id, member(id)])),
      target: {},
      subscribedTopicPartitions: {},
    };
    state.groups[groupId] = { ...membership, offsets: {} } as MetadataState['groups'][string];
  }
  return state;
}

describe('PrincipalBounds', () => {
  const settings = {
    maxGroupsPerPrincipal: 2,
    maxGroupMembersPerPrincipal: 3,
    maxProducerIdsPerPrincipalPerMinute: 2,
  };

  it('bounds the groups a principal creates, counting only groups that still exist', () => {
    let state = withGroups({});
    const bounds = new PrincipalBounds(settings, new ManualClock(), () => state);
    const refused: BoundName[] = [];
    bounds.onRefusal((bound) => refused.push(bound));
    for (const [groupId, memberId] of [
      ['a', 'm1'],
      ['b', 'm2'],
    ] as const) {
      expect(bounds.admitMember('User:alice', groupId)).toBeUndefined();
      bounds.recordMember('User:alice', groupId, memberId, true);
    }
    state = withGroups({ a: ['m1'], b: ['m2'] });
    const refusal = bounds.admitMember('User:alice', 'c');
    expect(refusal).toMatchObject({ bound: 'groups', errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED });
    expect(refusal!.errorMessage).toMatch(/User:alice keeps 2 consumer groups.*--max-groups-per-principal/);
    // Another principal has its own count; joining an existing group creates none.
    expect(bounds.admitMember('User:bob', 'c')).toBeUndefined();
    expect(bounds.admitMember('User:alice', 'a')).toBeUndefined();
    // Group b is deleted: alice may create another.
    state = withGroups({ a: ['m1'] });
    expect(bounds.admitMember('User:alice', 'c')).toBeUndefined();
    expect(refused).toEqual(['groups']);
  });

  it('bounds the members a principal keeps over all groups, forgetting those that left', () => {
    let state = withGroups({ g: ['m1', 'm2', 'm3'] });
    const bounds = new PrincipalBounds(settings, new ManualClock(), () => state);
    for (const id of ['m1', 'm2', 'm3']) bounds.recordMember('User:alice', 'g', id, false);
    expect(bounds.admitMember('User:alice', 'g')?.bound).toBe('members');
    state = withGroups({ g: ['m1', 'm3'] });
    expect(bounds.admitMember('User:alice', 'g')).toBeUndefined();
  });

  it('bounds producer ids per principal per minute', () => {
    const clock = new ManualClock();
    const bounds = new PrincipalBounds(settings, clock, () => emptyState());
    expect(bounds.takeProducerId('User:alice')).toBeUndefined();
    expect(bounds.takeProducerId('User:alice')).toBeUndefined();
    const refusal = bounds.takeProducerId('User:alice');
    expect(refusal?.bound).toBe('producer_ids');
    expect(refusal?.errorMessage).toMatch(/retry in 60000 ms/);
    expect(bounds.takeProducerId('User:bob')).toBeUndefined();
    clock.advance(60_000);
    expect(bounds.takeProducerId('User:alice')).toBeUndefined();
  });
});
