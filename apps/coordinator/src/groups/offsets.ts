import { ErrorCode } from '@fjord/protocol';
import type { GroupMembership, GroupState } from '../metadata/group-state.js';

/** Longest topic name a per-partition message repeats (a valid name has at most 249 characters). */
const MAX_ECHOED_NAME = 249;

/** One partition's offset in a commit. */
export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string;
}

/** A per-partition result. */
export interface PartitionOutcome {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string;
}

/** A whole-request failure, or what to store and what to answer per partition. */
export type CommitPlan =
  | { ok: false; errorCode: number; message: string }
  | { ok: true; toStore: OffsetToCommit[]; results: PartitionOutcome[] };

/**
 * Checks a member's OffsetCommit: the member must exist with its current (or just previous)
 * epoch and own every partition it commits. Every accepted offset is stored, a lower one
 * too, as in Kafka: a consumer that seeks back and commits is honoured. A late commit of a
 * member that lost the partition cannot undo another member's progress, because ownership
 * and the epoch are checked (a fenced member's commit is refused).
 */
export function planCommit(
  group: GroupState | undefined,
  memberId: string,
  memberEpoch: number,
  offsets: readonly OffsetToCommit[],
): CommitPlan {
  const check = checkMember(group, memberId, memberEpoch);
  if (check) return check;
  const member = group!.members[memberId]!;
  const toStore: OffsetToCommit[] = [];
  const results: PartitionOutcome[] = [];
  for (const o of offsets) {
    const where = { topic: o.topic, partition: o.partition };
    if (o.offset < 0n) {
      results.push({ ...where, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'offset must be >= 0' });
      continue;
    }
    const owns =
      (member.assigned[o.topic]?.includes(o.partition) ?? false) ||
      (member.revoking[o.topic]?.includes(o.partition) ?? false);
    if (!owns) {
      results.push({
        ...where,
        errorCode: ErrorCode.ILLEGAL_GENERATION,
        // Neither a long (invalid) topic name nor the member id is echoed per partition: a
        // request naming thousands of partitions would be answered many times its size.
        errorMessage: `${o.topic.length > MAX_ECHOED_NAME ? `a topic of ${o.topic.length} characters` : o.topic}:${o.partition} is not assigned to this member`,
      });
      continue;
    }
    toStore.push(o);
    results.push({ ...where, errorCode: ErrorCode.NONE, errorMessage: '' });
  }
  return { ok: true, toStore, results };
}

/**
 * Checks that a member may act in the group: UNKNOWN_MEMBER_ID when it is not there,
 * FENCED_MEMBER_EPOCH when its epoch is newer than the coordinator's (impossible unless it
 * was reset), STALE_MEMBER_EPOCH when older than the previous one. Returns undefined when fine.
 */
export function checkMember(
  group: GroupMembership | undefined,
  memberId: string,
  memberEpoch: number,
): { ok: false; errorCode: number; message: string } | undefined {
  if (!group)
    return { ok: false, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, message: 'the group does not exist' };
  const member = group.members[memberId];
  if (!member) {
    return {
      ok: false,
      errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
      message: `member ${memberId} is not in group ${group.groupId}`,
    };
  }
  if (memberEpoch > member.memberEpoch) {
    return {
      ok: false,
      errorCode: ErrorCode.FENCED_MEMBER_EPOCH,
      message: `member epoch ${memberEpoch} is newer than the group's ${member.memberEpoch}`,
    };
  }
  if (memberEpoch !== member.memberEpoch && memberEpoch !== member.previousMemberEpoch) {
    return {
      ok: false,
      errorCode: ErrorCode.STALE_MEMBER_EPOCH,
      message: `member epoch ${memberEpoch} is stale (current ${member.memberEpoch})`,
    };
  }
  return undefined;
}
