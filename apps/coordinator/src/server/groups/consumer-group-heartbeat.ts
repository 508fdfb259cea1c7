import { ErrorCode, type v1 } from '@fjord/protocol';
import { groupById } from '../../groups/apply-group.js';
import { isEmptyAssignment } from '../../groups/group-state.js';
import { type HeartbeatOutcome, heartbeat, LEAVE_EPOCH } from '../../groups/heartbeat.js';
import { cloneGroup, sameGroup } from '../../groups/membership.js';
import { metadataRecord } from '../../metadata/records.js';
import type { GroupContext } from './group-context.js';
import { assignmentFromWire, assignmentToWire } from './wire.js';

/**
 * ConsumerGroupHeartbeat: runs the membership state machine inside a proposal, appends a
 * GroupUpdate only when the group changed (a plain keep-alive writes nothing), and keeps the
 * member's in-memory session.
 */
export async function consumerGroupHeartbeat(
  ctx: GroupContext,
  req: v1.ConsumerGroupHeartbeatRequest__Output,
): Promise<v1.ConsumerGroupHeartbeatResponse> {
  const sessionTimeoutMs = Math.min(
    ctx.maxSessionTimeoutMs,
    Math.max(ctx.minSessionTimeoutMs, req.sessionTimeoutMs || ctx.maxSessionTimeoutMs),
  );
  const input = {
    groupId: req.groupId,
    memberId: req.memberId,
    memberEpoch: req.memberEpoch,
    instanceId: req.instanceId === '' ? null : req.instanceId,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : 300_000,
    sessionTimeoutMs,
    subscribedTopics: req.subscribedTopicNames.filter((t) => t !== ''),
    subscribedRegex: req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex,
    assignor: req.serverAssignor,
    owned: assignmentFromWire(req.ownedPartitions),
  };
  const outcome = await ctx.store.propose((proposal) => {
    const current = groupById(proposal.state, input.groupId);
    const result = heartbeat(proposal.state, current, input, () => ctx.random.uuid());
    if (!result.ok) return result;
    const before = current ? cloneGroup(current) : undefined;
    if (result.group && !sameGroup(before, result.group)) {
      proposal.append(metadataRecord({ type: 'GroupUpdate', group: result.group }));
    }
    return result;
  });
  if (outcome.ok) updateSession(ctx, input, outcome);
  if (!outcome.ok) {
    return {
      errorCode: outcome.errorCode,
      errorMessage: outcome.message,
      memberId: input.memberId,
      memberEpoch: input.memberEpoch,
      heartbeatIntervalMs: ctx.heartbeatIntervalMs,
      assignment: [],
    };
  }
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: '',
    memberId: outcome.memberId,
    memberEpoch: outcome.memberEpoch,
    heartbeatIntervalMs: ctx.heartbeatIntervalMs,
    assignment: assignmentToWire(outcome.assignment),
  };
}

// Sessions are in memory, updated once the heartbeat's record (if any) is stored.
function updateSession(
  ctx: GroupContext,
  input: { groupId: string; memberId: string; memberEpoch: number; sessionTimeoutMs: number },
  outcome: Extract<HeartbeatOutcome, { ok: true }>,
): void {
  for (const id of outcome.removedMemberIds) ctx.sessions.remove(input.groupId, id);
  const member = outcome.group?.members[outcome.memberId];
  if (input.memberEpoch === LEAVE_EPOCH || !member) {
    ctx.sessions.remove(input.groupId, input.memberId);
    return;
  }
  // A static member that stepped away keeps its session running: it has one timeout to return.
  if (!member.away) ctx.sessions.touch(input.groupId, member.memberId, input.sessionTimeoutMs);
  ctx.sessions.setRevoking(
    input.groupId,
    member.memberId,
    !isEmptyAssignment(member.revoking),
    member.rebalanceTimeoutMs,
  );
}
