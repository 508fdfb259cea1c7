import { ErrorCode, type v1 } from '@fjord/protocol';
import type { Cluster } from '../../cluster/metadata.js';
import { protocolError } from '../../errors.js';
import { groupBy } from '../../group-by.js';
import type { TopicPartition } from '../../topic-partition.js';

/** Partitions grouped by topic, as the wire carries them. */
export function toWire(partitions: Iterable<TopicPartition>): v1.TopicPartitions[] {
  const byTopic = groupBy(partitions, (tp) => tp.topic);
  return [...byTopic].map(([topic, tps]) => ({
    topic,
    partitions: tps.map((tp) => tp.partition).sort((a, b) => a - b),
  }));
}

/** Wire topic-partition lists to a flat list. */
export function fromWire(list: readonly v1.TopicPartitions__Output[]): TopicPartition[] {
  return list.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
}

/** Throws the protocol error of a response's top-level error code, if any. */
export function throwIfError(response: { errorCode: number; errorMessage: string }, context = {}): void {
  if (response.errorCode !== ErrorCode.NONE)
    throw protocolError(response.errorCode, response.errorMessage, context);
}

/**
 * One ConsumerGroupHeartbeat call (errors in the response are returned, not thrown); aborting
 * `signal` cancels it (a held long-poll heartbeat included).
 */
export function sendHeartbeat(
  cluster: Cluster,
  request: v1.ConsumerGroupHeartbeatRequest,
  signal?: AbortSignal,
): Promise<v1.ConsumerGroupHeartbeatResponse__Output> {
  return cluster.groups<v1.ConsumerGroupHeartbeatResponse__Output>(
    (client) => (metadata, options, callback) =>
      client.consumerGroupHeartbeat(request, metadata, options, callback),
    signal,
  );
}

/** An offset to commit: the offset of the next record to consume. */
export interface OffsetAndPartition extends TopicPartition {
  offset: bigint;
}

/**
 * Commits offsets for a member (or reports the first failure): a whole-request error
 * (fenced, unknown member) or a per-partition one (partition not owned).
 */
export async function commitOffsets(
  cluster: Cluster,
  groupId: string,
  memberId: string,
  memberEpoch: number,
  offsets: readonly OffsetAndPartition[],
): Promise<void> {
  const byTopic = new Map<string, v1.OffsetCommitPartition[]>();
  for (const o of offsets) {
    byTopic.set(o.topic, [
      ...(byTopic.get(o.topic) ?? []),
      { partition: o.partition, offset: o.offset.toString(), metadata: '' },
    ]);
  }
  const response = await cluster.groups<v1.OffsetCommitResponse__Output>(
    (client) => (metadata, options, callback) =>
      client.offsetCommit(
        {
          groupId,
          memberId,
          memberEpoch,
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        },
        metadata,
        options,
        callback,
      ),
  );
  throwIfError(response);
  for (const t of response.topics) {
    for (const p of t.partitions) throwIfError(p, { topic: t.topic, partition: p.partition });
  }
}

/** Committed offsets of partitions (undefined = none), read by a member or an admin (memberId ''). */
export async function fetchCommitted(
  cluster: Cluster,
  groupId: string,
  memberId: string,
  memberEpoch: number,
  partitions: readonly TopicPartition[],
): Promise<Map<string, bigint | undefined>> {
  const response = await cluster.groups<v1.OffsetFetchResponse__Output>(
    (client) => (metadata, options, callback) =>
      client.offsetFetch(
        { groupId, memberId, memberEpoch, topics: toWire(partitions) },
        metadata,
        options,
        callback,
      ),
  );
  throwIfError(response);
  const out = new Map<string, bigint | undefined>();
  for (const o of response.offsets) {
    const offset = BigInt(o.offset);
    out.set(`${o.topic}:${o.partition}`, offset >= 0n ? offset : undefined);
  }
  return out;
}
