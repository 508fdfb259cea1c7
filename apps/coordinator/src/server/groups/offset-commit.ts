import { ErrorCode, type v1 } from '@fjord/protocol';
import { InvalidRequestError } from '@fjord/server-kit';
import type { GroupContext } from '../../groups/group-context.js';
import { type OffsetToCommit, planCommit } from '../../groups/offsets.js';
import { groupById } from '../../metadata/group-records.js';
import { metadataRecord } from '../../metadata/records.js';

/** OffsetCommit: a member commits offsets of partitions it owns; forward moves are stored. */
export async function offsetCommit(
  ctx: GroupContext,
  req: v1.OffsetCommitRequest__Output,
): Promise<v1.OffsetCommitResponse> {
  if (req.groupId.trim() === '') {
    return {
      errorCode: ErrorCode.INVALID_GROUP_ID,
      errorMessage: 'the group id must not be empty',
      topics: [],
    };
  }
  const offsets = offsetsFromWire(req.topics);
  const plan = await ctx.store.propose((proposal) => {
    const result = planCommit(groupById(proposal.state, req.groupId), req.memberId, req.memberEpoch, offsets);
    if (result.ok && result.toStore.length > 0) {
      proposal.append(
        metadataRecord({
          type: 'GroupOffsetCommit',
          groupId: req.groupId,
          offsets: result.toStore.map((o) => ({ ...o, offset: o.offset.toString() })),
        }),
      );
    }
    return result;
  });
  if (!plan.ok) return { errorCode: plan.errorCode, errorMessage: plan.message, topics: [] };
  const byTopic = new Map<string, v1.PartitionResult[]>();
  for (const r of plan.results) {
    byTopic.set(r.topic, [
      ...(byTopic.get(r.topic) ?? []),
      { partition: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage },
    ]);
  }
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: '',
    topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
  };
}

/** Decodes offsets to commit; a malformed offset fails the whole request. */
export function offsetsFromWire(topics: readonly v1.OffsetCommitTopic__Output[]): OffsetToCommit[] {
  const out: OffsetToCommit[] = [];
  for (const t of topics) {
    for (const p of t.partitions) {
      if (!/^-?\d+$/.test(p.offset)) throw new InvalidRequestError(`invalid offset "${p.offset}"`);
      out.push({ topic: t.topic, partition: p.partition, offset: BigInt(p.offset), metadata: p.metadata });
    }
  }
  return out;
}
