import { isDeepStrictEqual } from 'node:util';
import {
  type Assignment,
  type AssignorName,
  type GroupMembership,
  intersect,
  isEmptyAssignment,
  type MemberState,
  subtract,
  union,
} from '../metadata/group-state.js';
import type { MetadataState } from '../metadata/state.js';
import { ASSIGNOR_BY_NAME } from './assignors/index.js';
import { resolveTopics, subscribedTopicPartitions } from './subscription.js';

/** A new, empty group. */
export function newGroup(groupId: string, assignor: AssignorName): GroupMembership {
  return {
    groupId,
    groupEpoch: 0,
    assignmentEpoch: 0,
    assignor,
    members: {},
    target: {},
    subscribedTopicPartitions: {},
  };
}

/**
 * A deep copy of the membership part (committed offsets left out: they are not part of a
 * GroupUpdate record and can be large), safe to change without touching the input.
 */
export function cloneGroup(group: GroupMembership): GroupMembership {
  const { groupId, groupEpoch, assignmentEpoch, assignor, members, target, subscribedTopicPartitions } =
    group;
  return structuredClone({
    groupId,
    groupEpoch,
    assignmentEpoch,
    assignor,
    members,
    target,
    subscribedTopicPartitions,
  });
}

/** True when two memberships are equal (a heartbeat that changed nothing appends nothing). */
export function sameGroup(a: GroupMembership | undefined, b: GroupMembership | undefined): boolean {
  return isDeepStrictEqual(a, b);
}

/** Bumps the group epoch: membership, a subscription or a subscribed topic changed. */
export function bumpEpoch(group: GroupMembership): void {
  group.groupEpoch++;
}

/**
 * Brings the target assignment up to the group epoch (and notices topic changes first: a new
 * topic matching a regex or new partitions bump the epoch). Runs the group's assignor with
 * the previous target as the starting point, so the sticky assignor moves little.
 */
export function refreshTarget(state: MetadataState, group: GroupMembership): void {
  const partitions = subscribedTopicPartitions(state, group);
  if (!isDeepStrictEqual(partitions, group.subscribedTopicPartitions)) {
    group.subscribedTopicPartitions = partitions;
    bumpEpoch(group);
  }
  if (group.assignmentEpoch >= group.groupEpoch) return;
  const members = Object.values(group.members)
    .sort((a, b) => (a.memberId < b.memberId ? -1 : 1))
    .map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      topics: resolveTopics(state, m),
      current: group.target[m.memberId] ?? {},
    }));
  group.target = ASSIGNOR_BY_NAME[group.assignor]({ members, topicPartitions: partitions });
  group.assignmentEpoch = group.groupEpoch;
}

/**
 * KIP-848 reconciliation of one member against the target, given what it reports owning.
 * Partitions leaving the member are first revoked (the member keeps its epoch and must
 * confirm it stopped using them); only once nothing is left to revoke does it move to the
 * assignment epoch and receive new partitions, and then only partitions no other member
 * still holds (assigned or being revoked). That is what keeps a partition from ever having
 * two owners.
 */
export function reconcileMember(group: GroupMembership, member: MemberState, owned: Assignment): void {
  const target = group.target[member.memberId] ?? {};
  const stillRevoking = intersect(member.revoking, owned);
  const keep = intersect(member.assigned, target);
  const toRevoke = union(subtract(member.assigned, target), stillRevoking);
  if (!isEmptyAssignment(toRevoke)) {
    member.assigned = keep;
    member.revoking = toRevoke;
    return;
  }
  let heldByOthers: Assignment = {};
  for (const other of Object.values(group.members)) {
    if (other.memberId !== member.memberId)
      heldByOthers = union(heldByOthers, union(other.assigned, other.revoking));
  }
  member.assigned = union(keep, subtract(target, heldByOthers));
  member.revoking = {};
  if (member.memberEpoch !== group.assignmentEpoch) {
    member.previousMemberEpoch = member.memberEpoch;
    member.memberEpoch = group.assignmentEpoch;
  }
}

/** Removes a member (left, session expired, too slow to revoke); its partitions become free. */
export function removeMember(state: MetadataState, group: GroupMembership, memberId: string): void {
  if (!group.members[memberId]) return;
  delete group.members[memberId];
  delete group.target[memberId];
  bumpEpoch(group);
  refreshTarget(state, group);
}
