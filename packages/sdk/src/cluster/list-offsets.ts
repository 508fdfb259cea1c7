import { ErrorCode, type v1 } from '@fjord/protocol';
import { protocolError } from '../errors.js';
import { groupBy } from '../group-by.js';
import type { Cluster, TopicMetadata } from './metadata.js';

/** One partition's answer in `Admin.listOffsets` and of the consumer's position lookups. */
export interface PartitionOffset {
  partition: number;
  /** The offset; -1n for a timestamp lookup with no record at or after the timestamp. */
  offset: bigint;
  /** For timestamp lookups: the timestamp of the record found (ms). */
  timestamp?: number;
}

/**
 * ListOffsets for `partitions` of one topic, one request per leader broker, in parallel.
 * The first partition error is thrown (retriable ones let the caller refresh and retry).
 */
export async function lookupOffsets(
  cluster: Cluster,
  topic: TopicMetadata,
  partitions: readonly number[],
  timestamp: number,
): Promise<Map<number, PartitionOffset>> {
  const byLeader = groupBy(partitions, (partition) => cluster.leaderAddress(topic, partition).address);
  const found = new Map<number, PartitionOffset>();
  await Promise.all(
    [...byLeader].map(async ([address, group]) => {
      const client = cluster.pool.broker(address);
      const response = await cluster.pool.unary<v1.ListOffsetsResponse__Output>(
        address,
        cluster.requestTimeoutMs,
        (metadata, options, callback) =>
          client.listOffsets(
            {
              topics: [
                {
                  topic: topic.name,
                  partitions: group.map((partition) => ({ partition, timestamp: String(timestamp) })),
                },
              ],
            },
            metadata,
            options,
            callback,
          ),
      );
      for (const result of response.topics.flatMap((t) => t.partitions)) {
        if (result.errorCode !== ErrorCode.NONE) {
          throw protocolError(result.errorCode, result.errorMessage, {
            topic: topic.name,
            partition: result.partition,
          });
        }
        const entry: PartitionOffset = { partition: result.partition, offset: BigInt(result.offset) };
        if (timestamp >= 0) entry.timestamp = Number(result.timestamp);
        found.set(result.partition, entry);
      }
      for (const partition of group) {
        if (!found.has(partition)) {
          throw protocolError(
            ErrorCode.UNKNOWN_SERVER_ERROR,
            'the broker did not answer for this partition',
            {
              topic: topic.name,
              partition,
            },
          );
        }
      }
    }),
  );
  return found;
}
