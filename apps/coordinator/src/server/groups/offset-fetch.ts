import { ErrorCode, type v1 } from '@fjord/protocol';
import type { GroupContext } from '../../groups/group-context.js';
import { checkMember } from '../../groups/offsets.js';
import { groupById } from '../../metadata/group-records.js';

/**
 * OffsetFetch: committed offsets (-1 when none). A member's read is epoch-checked so a fenced
 * member learns it at once; an admin read (no member id) is not.
 */
export function offsetFetch(ctx: GroupContext, req: v1.OffsetFetchRequest__Output): v1.OffsetFetchResponse {
  const fail = (errorCode: number, errorMessage: string) => ({ errorCode, errorMessage, offsets: [] });
  if (req.groupId.trim() === '') return fail(ErrorCode.INVALID_GROUP_ID, 'the group id must not be empty');
  const group = groupById(ctx.store.state, req.groupId);
  if (!group) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `group "${req.groupId}" does not exist`);
  if (req.memberId !== '') {
    const problem = checkMember(group, req.memberId, req.memberEpoch);
    if (problem) return fail(problem.errorCode, problem.message);
  }
  const offsets: v1.CommittedOffset[] = [];
  if (req.topics.length === 0) {
    for (const topic of Object.keys(group.offsets).sort()) {
      const partitions = group.offsets[topic] ?? {};
      for (const p of Object.keys(partitions)
        .map(Number)
        .sort((a, b) => a - b)) {
        const c = partitions[String(p)]!;
        offsets.push({ topic, partition: p, offset: c.offset, metadata: c.metadata });
      }
    }
  } else {
    for (const t of req.topics) {
      for (const p of t.partitions) {
        const c = group.offsets[t.topic]?.[String(p)];
        offsets.push({
          topic: t.topic,
          partition: p,
          offset: c?.offset ?? '-1',
          metadata: c?.metadata ?? '',
        });
      }
    }
  }
  return { errorCode: ErrorCode.NONE, errorMessage: '', offsets };
}
