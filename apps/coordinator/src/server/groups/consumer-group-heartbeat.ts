import { ErrorCode, type v1 } from '@fjord/protocol';
import type { GroupContext } from '../../groups/group-context.js';
import {
  DEFAULT_REBALANCE_TIMEOUT_MS,
  type HeartbeatInput,
  type HeartbeatOutcome,
  heartbeat,
  LEAVE_EPOCH,
} from '../../groups/heartbeat.js';
import { cloneGroup, sameGroup } from '../../groups/membership.js';
import { groupById } from '../../metadata/group-records.js';
import { isEmptyAssignment, sameAssignment } from '../../metadata/group-state.js';
import { metadataRecord } from '../../metadata/records.js';
import { assignmentFromWire, assignmentToWire } from './wire.js';

type Success = Extract<HeartbeatOutcome, { ok: true }>;

/**
 * ConsumerGroupHeartbeat: runs the membership state machine inside a proposal, appends a
 * GroupUpdate only when the group changed (a plain keep-alive writes nothing), and keeps the
 * member's in-memory session. A heartbeat that asks for it (`maxWaitMs`) and brings the
 * member nothing new is held until the member's answer changes or its time is up (see
 * HeartbeatWaiters), so a rebalance reaches stable members at once; a held heartbeat whose
 * call is cancelled (`cancelled`) stops waiting at once.
 */
export async function consumerGroupHeartbeat(
  ctx: GroupContext,
  req: v1.ConsumerGroupHeartbeatRequest__Output,
  cancelled?: AbortSignal,
): Promise<v1.ConsumerGroupHeartbeatResponse> {
  const sessionTimeoutMs = Math.min(
    ctx.maxSessionTimeoutMs,
    Math.max(ctx.minSessionTimeoutMs, req.sessionTimeoutMs || ctx.maxSessionTimeoutMs),
  );
  const input: HeartbeatInput = {
    groupId: req.groupId,
    memberId: req.memberId,
    memberEpoch: req.memberEpoch,
    instanceId: req.instanceId === '' ? null : req.instanceId,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : DEFAULT_REBALANCE_TIMEOUT_MS,
    sessionTimeoutMs,
    subscribedTopics: req.subscribedTopicNames.filter((t) => t !== ''),
    subscribedRegex: req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex,
    assignor: req.serverAssignor,
    owned: assignmentFromWire(req.ownedPartitions, ctx.store.state),
    unchanged: {
      subscribedTopics: req.subscribedTopicNamesUnchanged,
      subscribedRegex: req.subscribedTopicRegexUnchanged,
      rebalanceTimeout: req.rebalanceTimeoutUnchanged,
      ownedPartitions: req.ownedPartitionsUnchanged,
    },
  };
  // Any heartbeat of a member (even a leave) supersedes the member's held one.
  const token = input.memberId === '' ? undefined : ctx.waiters.arrived(input.groupId, input.memberId);
  try {
    // Without a token the pass always runs, so there is an outcome.
    let outcome = (await run(ctx, input, undefined)) as HeartbeatOutcome;
    if (outcome.ok) {
      updateSession(ctx, input, outcome);
      const holdMs = token === undefined ? 0 : holdFor(ctx, req.maxWaitMs, input, outcome);
      if (token !== undefined && holdMs > 0)
        outcome = await hold(ctx, input, token, outcome, holdMs, cancelled);
    }
    return toResponse(ctx, input, outcome);
  } finally {
    if (token !== undefined) ctx.waiters.done(input.groupId, input.memberId, token);
  }
}

/**
 * One pass of the state machine in a proposal. With `token`, the pass is skipped (undefined)
 * when a newer heartbeat of the member arrived meanwhile: a held request must never re-apply
 * its older subscription or owned partitions over a newer one.
 */
function run(ctx: GroupContext, input: HeartbeatInput, token: number | undefined) {
  return ctx.store.propose((proposal): HeartbeatOutcome | undefined => {
    if (token !== undefined && !ctx.waiters.isLatest(input.groupId, input.memberId, token)) return undefined;
    const current = groupById(proposal.state, input.groupId);
    if (current?.protocol === 'classic') return classicGroupConflict(input.groupId);
    const result = heartbeat(proposal.state, current, input, () => ctx.random.uuid());
    if (!result.ok) return result;
    const before = current ? cloneGroup(current) : undefined;
    if (result.group && !sameGroup(before, result.group)) {
      proposal.append(metadataRecord({ type: 'GroupUpdate', group: result.group }));
      proposal.afterCommit(() => ctx.waiters.wake(input.groupId));
    }
    return result;
  });
}

// How long the answer may be held: only a settled member (nothing to revoke, nothing new, the
// epoch it sent) waits; a member with something to do is answered at once. Half the session
// timeout at most, so the member's next heartbeat always lands well inside its session.
function holdFor(ctx: GroupContext, maxWaitMs: number, input: HeartbeatInput, outcome: Success): number {
  if (maxWaitMs <= 0 || input.memberEpoch <= 0) return 0;
  const member = outcome.group?.members[outcome.memberId];
  if (!member || member.away || outcome.memberId !== input.memberId) return 0;
  if (outcome.memberEpoch !== input.memberEpoch || !sameAssignment(outcome.assignment, input.owned)) return 0;
  return Math.min(maxWaitMs, ctx.heartbeatIntervalMs, Math.floor(input.sessionTimeoutMs / 2));
}

async function hold(
  ctx: GroupContext,
  input: HeartbeatInput,
  token: number,
  held: Success,
  holdMs: number,
  cancelled: AbortSignal | undefined,
): Promise<HeartbeatOutcome> {
  const deadline = Date.now() + holdMs;
  for (;;) {
    const reason = await ctx.waiters.wait(input.groupId, input.memberId, deadline - Date.now(), cancelled);
    // A newer heartbeat took over: it keeps the session and gets the news, not this one. A
    // cancelled call's answer is read by nobody, and must not count as the member heard from.
    if (reason === 'superseded' || reason === 'cancelled') return held;
    if (!ctx.waiters.isLatest(input.groupId, input.memberId, token)) return held;
    if (reason !== 'changed') break;
    // Most changes of a group leave most members' answers alone: check cheaply (the state
    // machine is pure) before proposing anything.
    if (!answerChanges(ctx, input, held)) {
      if (Date.now() >= deadline) break;
      continue;
    }
    const again = await run(ctx, input, token);
    // Superseded while queued: the newer heartbeat has the news.
    if (!again) return held;
    if (again.ok) updateSession(ctx, input, again);
    return again;
  }
  // Answered unchanged: the member's session counts from now, as if it had just heartbeated.
  const member = groupById(ctx.store.state, input.groupId)?.members[input.memberId];
  if (member && !member.away) ctx.sessions.touch(input.groupId, input.memberId, input.sessionTimeoutMs);
  return held;
}

function answerChanges(ctx: GroupContext, input: HeartbeatInput, held: Success): boolean {
  const state = ctx.store.state;
  const now = heartbeat(state, groupById(state, input.groupId), input, () => ctx.random.uuid());
  return (
    !now.ok ||
    now.memberId !== held.memberId ||
    now.memberEpoch !== held.memberEpoch ||
    !sameAssignment(now.assignment, held.assignment)
  );
}

function toResponse(
  ctx: GroupContext,
  input: HeartbeatInput,
  outcome: HeartbeatOutcome,
): v1.ConsumerGroupHeartbeatResponse {
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
    assignment: assignmentToWire(outcome.assignment, ctx.store.state),
  };
}

// Sessions are in memory, updated once the heartbeat's record (if any) is stored.
function updateSession(ctx: GroupContext, input: HeartbeatInput, outcome: Success): void {
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

/** Kafka's INCONSISTENT_GROUP_PROTOCOL: the id belongs to a classic (JoinGroup) group. */
function classicGroupConflict(groupId: string): HeartbeatOutcome {
  return {
    ok: false,
    errorCode: 23,
    message: `group "${groupId}" is a classic (JoinGroup/SyncGroup) group; a Fjord-protocol member cannot join it`,
  };
}
