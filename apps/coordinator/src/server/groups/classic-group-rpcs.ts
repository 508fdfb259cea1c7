import { ErrorCode, type v1 } from '@fjord/protocol';
import { ClassicErrorCode } from '../../groups/classic/classic-errors.js';
import type { GroupContext } from '../../groups/group-context.js';
import { groupById } from '../../metadata/group-records.js';
import { metadataRecord } from '../../metadata/records.js';
import { offsetCommit, offsetsFromWire } from './offset-commit.js';

/** JoinGroup: joins (or rejoins) a classic group; answers when the rebalance completes. */
export async function joinGroup(
  ctx: GroupContext,
  req: v1.JoinGroupRequest__Output,
): Promise<v1.JoinGroupResponse> {
  const opened = await ctx.classic.open(req.groupId);
  if ('refusal' in opened)
    return { ...opened.refusal, generationId: -1, memberId: req.memberId, members: [] };
  if (req.sessionTimeoutMs < ctx.minSessionTimeoutMs || req.sessionTimeoutMs > ctx.maxSessionTimeoutMs) {
    return {
      errorCode: ClassicErrorCode.INVALID_SESSION_TIMEOUT,
      errorMessage: `session timeout must be between ${ctx.minSessionTimeoutMs} and ${ctx.maxSessionTimeoutMs} ms, got ${req.sessionTimeoutMs}`,
      generationId: -1,
      memberId: req.memberId,
      members: [],
    };
  }
  const result = await opened.group.join({
    memberId: req.memberId,
    instanceId: req.instanceId === '' ? null : req.instanceId,
    clientId: req.clientId,
    clientHost: req.clientHost,
    sessionTimeoutMs: req.sessionTimeoutMs,
    // v0 clients send none: Kafka then uses the session timeout.
    rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
  });
  return result;
}

/** SyncGroup: the leader hands out the assignments; every member gets its own. */
export async function syncGroup(
  ctx: GroupContext,
  req: v1.SyncGroupRequest__Output,
): Promise<v1.SyncGroupResponse> {
  const group = ctx.classic.get(req.groupId);
  if (!group) return unknown(req.memberId, req.groupId);
  const mismatch =
    (req.protocolType !== '' && req.protocolType !== group.protocolType) ||
    (req.protocolName !== '' && req.protocolName !== group.protocolName);
  if (mismatch && group.members.has(req.memberId)) {
    return {
      errorCode: ClassicErrorCode.INCONSISTENT_GROUP_PROTOCOL,
      errorMessage: `the generation uses ${group.protocolType}/${group.protocolName}, not ${req.protocolType}/${req.protocolName}`,
    };
  }
  const assignments = new Map(req.assignments.map((a) => [a.memberId, Buffer.from(a.assignment)]));
  return group.sync(req.generationId, req.memberId, assignments);
}

/** Heartbeat of a classic member. */
export function classicHeartbeat(ctx: GroupContext, req: v1.HeartbeatRequest__Output): v1.HeartbeatResponse {
  const group = ctx.classic.get(req.groupId);
  if (!group) return unknown(req.memberId, req.groupId);
  return group.heartbeat(req.generationId, req.memberId);
}

/** LeaveGroup: members leave (by member id or instance id); the rest rebalance. */
export function leaveGroup(ctx: GroupContext, req: v1.LeaveGroupRequest__Output): v1.LeaveGroupResponse {
  const group = ctx.classic.get(req.groupId);
  const leaving = req.members.map((m) => ({
    memberId: m.memberId,
    instanceId: m.instanceId === '' ? null : m.instanceId,
  }));
  const results = group ? group.leave(leaving) : leaving.map((l) => unknown(l.memberId, req.groupId));
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: '',
    members: req.members.map((m, i) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      errorCode: results[i]!.errorCode,
    })),
  };
}

/**
 * OffsetCommit of a classic member (its generation) or a simple commit (generation -1) to a
 * group without members. Every offset is stored, backwards too: a classic consumer that
 * seeks and commits means it.
 */
export async function classicOffsetCommit(
  ctx: GroupContext,
  req: v1.ClassicOffsetCommitRequest__Output,
): Promise<v1.OffsetCommitResponse> {
  const existing = groupById(ctx.store.state, req.groupId);
  if (existing && existing.protocol !== 'classic') {
    // A Kafka client of a KIP-848 group commits through the same OffsetCommit as classic
    // members, with its member epoch where they put the generation (Kafka's
    // generationIdOrMemberEpoch), so the broker forwards both here alike.
    return offsetCommit(ctx, {
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.generationId,
      topics: req.topics,
    });
  }
  const opened = await ctx.classic.open(req.groupId);
  if ('refusal' in opened) return { ...opened.refusal, topics: [] };
  const problem = opened.group.commitProblem(req.generationId, req.memberId);
  if (problem) return { ...problem, topics: [] };
  const offsets = offsetsFromWire(req.topics);
  const valid = offsets.filter((o) => o.offset >= 0n);
  if (valid.length > 0) {
    await ctx.store.propose((proposal) => {
      proposal.append(
        metadataRecord({
          type: 'GroupOffsetCommit',
          groupId: req.groupId,
          offsets: valid.map((o) => ({ ...o, offset: o.offset.toString() })),
        }),
      );
    });
  }
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: '',
    topics: req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) =>
        BigInt(p.offset) < 0n
          ? {
              partition: p.partition,
              errorCode: ErrorCode.INVALID_REQUEST,
              errorMessage: 'offset must be >= 0',
            }
          : { partition: p.partition, errorCode: ErrorCode.NONE, errorMessage: '' },
      ),
    })),
  };
}

function unknown(memberId: string, groupId: string) {
  return {
    errorCode: ClassicErrorCode.UNKNOWN_MEMBER_ID,
    errorMessage: `member ${memberId} is not in group ${groupId}`,
  };
}
