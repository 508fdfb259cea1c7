import { ErrorCode } from '@fjord/protocol';
import {
  ASSIGNORS,
  type Assignment,
  type AssignorName,
  type GroupMembership,
  type MemberState,
  union,
} from '../metadata/group-state.js';
import type { MetadataState } from '../metadata/state.js';
import {
  bumpEpoch,
  cloneGroup,
  newGroup,
  reconcileMember,
  refreshTarget,
  removeMember,
} from './membership.js';
import { regexProblem } from './subscription.js';

/** Member epochs with a special meaning (KIP-848). */
export const JOIN_EPOCH = 0;
export const LEAVE_EPOCH = -1;
export const STATIC_LEAVE_EPOCH = -2;

/** The rebalance timeout of a member that names none: Kafka's max.poll.interval.ms default. */
export const DEFAULT_REBALANCE_TIMEOUT_MS = 300_000;
/**
 * Longest rebalance timeout a member gets, whatever it asks for: a member slow to revoke
 * holds its partitions that long, so an int32 maximum (24 days) must not be honoured.
 */
export const MAX_REBALANCE_TIMEOUT_MS = 1_800_000;

/** A heartbeat as the state machine sees it (decoded from the wire). */
export interface HeartbeatInput {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscribedTopics: string[];
  subscribedRegex: string | null;
  /** '' = the default (uniform). */
  assignor: string;
  owned: Assignment;
  /**
   * Kafka's incremental heartbeat (KIP-848's null fields): what is marked here keeps the
   * member's current value instead of the one above. Ignored on a join, which is complete.
   */
  unchanged?: {
    subscribedTopics?: boolean;
    subscribedRegex?: boolean;
    rebalanceTimeout?: boolean;
    ownedPartitions?: boolean;
  };
}

export type HeartbeatOutcome =
  | {
      ok: true;
      /** The group after the heartbeat (undefined when there is none, e.g. leaving an unknown group). */
      group: GroupMembership | undefined;
      memberId: string;
      memberEpoch: number;
      assignment: Assignment;
      /** Members that no longer exist (replaced static members): their sessions end. */
      removedMemberIds: string[];
    }
  | { ok: false; errorCode: number; message: string };

const fail = (errorCode: number, message: string): HeartbeatOutcome => ({ ok: false, errorCode, message });

/**
 * One ConsumerGroupHeartbeat against the current state: join (epoch 0), leave (-1), static
 * leave (-2) or keep alive and reconcile (> 0). Pure: `group` is not modified, the new member
 * id comes from `newMemberId`, and the caller appends a record when the group changed.
 */
export function heartbeat(
  state: MetadataState,
  current: GroupMembership | undefined,
  input: HeartbeatInput,
  newMemberId: () => string,
): HeartbeatOutcome {
  if (input.groupId.trim() === '') return fail(ErrorCode.INVALID_GROUP_ID, 'the group id must not be empty');
  const assignor = input.assignor === '' ? 'uniform' : input.assignor;
  if (!(ASSIGNORS as readonly string[]).includes(assignor)) {
    return fail(
      ErrorCode.UNSUPPORTED_ASSIGNOR,
      `unknown assignor "${input.assignor}" (use uniform or range)`,
    );
  }
  if (input.memberEpoch === LEAVE_EPOCH || input.memberEpoch === STATIC_LEAVE_EPOCH) {
    return leave(state, current, input);
  }
  if (input.memberEpoch < 0)
    return fail(ErrorCode.INVALID_REQUEST, `invalid member epoch ${input.memberEpoch}`);
  const joining = input.memberEpoch === JOIN_EPOCH;
  const keepsTopics = !joining && input.unchanged?.subscribedTopics === true;
  const keepsRegex = !joining && input.unchanged?.subscribedRegex === true;
  if (!keepsTopics && !keepsRegex && input.subscribedTopics.length === 0 && input.subscribedRegex === null) {
    return fail(ErrorCode.INVALID_REQUEST, 'the subscription is empty: subscribe to topics or a regex');
  }
  const badRegex =
    keepsRegex || input.subscribedRegex === null ? undefined : regexProblem(input.subscribedRegex);
  if (badRegex !== undefined) return fail(ErrorCode.INVALID_REGULAR_EXPRESSION, badRegex);
  let request = input;
  const group = current ? cloneGroup(current) : newGroup(input.groupId, assignor as AssignorName);
  const removedMemberIds: string[] = [];
  let member: MemberState | undefined = group.members[input.memberId];
  if (joining) {
    if (Object.keys(group.members).length === 0) group.assignor = assignor as AssignorName;
    const memberId = input.memberId === '' ? newMemberId() : input.memberId;
    const previous = input.instanceId === null ? undefined : staticMember(group, input.instanceId);
    if (previous && previous.memberId !== memberId && !previous.away) {
      // KIP-848: the holder is alive (it did not leave with epoch -2, its session has not
      // expired). Handing its partitions over would leave two consumers owning them.
      return fail(
        ErrorCode.UNRELEASED_INSTANCE_ID,
        `instance id "${input.instanceId}" is held by live member ${previous.memberId} of group ${input.groupId}`,
      );
    }
    if (previous && previous.memberId !== memberId) {
      // A static member back under a new member id takes over the old one's place and
      // partitions: no group epoch bump, so nobody else is reassigned.
      member = { ...previous, memberId, away: false };
      delete group.members[previous.memberId];
      group.members[memberId] = member;
      if (group.target[previous.memberId]) group.target[memberId] = group.target[previous.memberId]!;
      delete group.target[previous.memberId];
      removedMemberIds.push(previous.memberId);
    } else if (!member) {
      const rebalanceTimeoutMs = Math.min(input.rebalanceTimeoutMs, MAX_REBALANCE_TIMEOUT_MS);
      member = {
        memberId,
        instanceId: input.instanceId,
        memberEpoch: 0,
        previousMemberEpoch: 0,
        away: false,
        subscribedTopics: [...new Set(input.subscribedTopics)].sort(),
        subscribedRegex: input.subscribedRegex,
        sessionTimeoutMs: input.sessionTimeoutMs,
        rebalanceTimeoutMs,
        assigned: {},
        revoking: {},
      };
      group.members[memberId] = member;
      bumpEpoch(group);
    }
  } else {
    if (!current || !member) {
      return fail(ErrorCode.UNKNOWN_MEMBER_ID, `member ${input.memberId} is not in group ${input.groupId}`);
    }
    if (input.memberEpoch !== member.memberEpoch && !isLostResponse(member, input)) {
      return fail(
        ErrorCode.FENCED_MEMBER_EPOCH,
        `member epoch ${input.memberEpoch} is fenced (current ${member.memberEpoch}); rejoin`,
      );
    }
    request = withUnchangedFields(input, member);
  }
  member.away = false;
  member.sessionTimeoutMs = request.sessionTimeoutMs;
  member.rebalanceTimeoutMs = Math.min(request.rebalanceTimeoutMs, MAX_REBALANCE_TIMEOUT_MS);
  const topics = [...new Set(request.subscribedTopics)].sort();
  if (
    topics.join('\u0000') !== member.subscribedTopics.join('\u0000') ||
    request.subscribedRegex !== member.subscribedRegex
  ) {
    member.subscribedTopics = topics;
    member.subscribedRegex = request.subscribedRegex;
    bumpEpoch(group);
  }
  refreshTarget(state, group);
  reconcileMember(group, member, request.owned);
  return {
    ok: true,
    group,
    memberId: member.memberId,
    memberEpoch: member.memberEpoch,
    assignment: member.assigned,
    removedMemberIds,
  };
}

/**
 * The heartbeat of a known member with what it left unchanged filled in from its current
 * state. Unchanged owned partitions count as everything the member may still hold (assigned
 * and being revoked): it has confirmed no revocation, so none is taken as done.
 */
function withUnchangedFields(input: HeartbeatInput, member: MemberState): HeartbeatInput {
  const unchanged = input.unchanged;
  if (!unchanged) return input;
  return {
    ...input,
    ...(unchanged.subscribedTopics ? { subscribedTopics: member.subscribedTopics } : {}),
    ...(unchanged.subscribedRegex ? { subscribedRegex: member.subscribedRegex } : {}),
    ...(unchanged.rebalanceTimeout ? { rebalanceTimeoutMs: member.rebalanceTimeoutMs } : {}),
    ...(unchanged.ownedPartitions ? { owned: union(member.assigned, member.revoking) } : {}),
  };
}

function leave(
  state: MetadataState,
  current: GroupMembership | undefined,
  input: HeartbeatInput,
): HeartbeatOutcome {
  const ok = (group: GroupMembership | undefined): HeartbeatOutcome => ({
    ok: true,
    group,
    memberId: input.memberId,
    memberEpoch: input.memberEpoch,
    assignment: {},
    removedMemberIds: [],
  });
  const member = current?.members[input.memberId];
  if (!current || !member) return ok(current);
  const group = cloneGroup(current);
  if (input.memberEpoch === STATIC_LEAVE_EPOCH && member.instanceId !== null) {
    // Away for at most one session timeout: its partitions wait for it instead of moving.
    group.members[input.memberId]!.away = true;
    return ok(group);
  }
  removeMember(state, group, input.memberId);
  return ok(group);
}

function staticMember(group: GroupMembership, instanceId: string): MemberState | undefined {
  return Object.values(group.members).find((m) => m.instanceId === instanceId);
}

// The member missed the response that moved its epoch: accept its previous epoch as long as
// it claims nothing beyond what it was given.
function isLostResponse(member: MemberState, input: HeartbeatInput): boolean {
  if (input.memberEpoch !== member.previousMemberEpoch) return false;
  for (const [topic, partitions] of Object.entries(input.owned)) {
    for (const p of partitions) {
      if (!member.assigned[topic]?.includes(p) && !member.revoking[topic]?.includes(p)) return false;
    }
  }
  return true;
}
