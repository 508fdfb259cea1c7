import { EARLIEST_TIMESTAMP, ErrorCode, LATEST_TIMESTAMP, type v1 } from '@fjord/protocol';
import type { HostedPartition } from '../cluster/hosted-replicas.js';
import { type CallAccess, resolveAllowed, UNRESTRICTED_ACCESS } from './call-access.js';
import type { BrokerServiceDeps } from './service-deps.js';

/**
 * ListOffsets: -2 gives the log start offset, -1 the high watermark, a timestamp >= 0 the
 * first offset whose record timestamp is >= it (one time-index seek; -1 when none).
 * Partitions of topics in `access.deniedTopics` are answered TOPIC_AUTHORIZATION_FAILED.
 */
export async function listOffsets(
  deps: BrokerServiceDeps,
  request: v1.ListOffsetsRequest__Output,
  access: CallAccess = UNRESTRICTED_ACCESS,
): Promise<v1.ListOffsetsResponse> {
  const targets = request.topics.flatMap((t, topicIndex) =>
    t.partitions.map((p) => ({
      topicIndex,
      topic: t.topic,
      partition: p.partition,
      timestamp: BigInt(p.timestamp),
    })),
  );
  const resolutions = await resolveAllowed(deps.resolver, targets, access, 'DESCRIBE');
  const results = await Promise.all(
    targets.map((target, i) => {
      const resolution = resolutions[i]!;
      if (!resolution.ok) return failed(target.partition, resolution.errorCode, resolution.errorMessage);
      return lookup(resolution.hosted, target.timestamp);
    }),
  );
  const topics: v1.ListOffsetsTopicResult[] = request.topics.map((t) => ({ topic: t.topic, partitions: [] }));
  targets.forEach((target, i) => {
    topics[target.topicIndex]!.partitions!.push(results[i]!);
  });
  return { topics };
}

async function lookup(hosted: HostedPartition, timestamp: bigint): Promise<v1.ListOffsetsPartitionResult> {
  const { log, partition, leaderEpoch } = hosted;
  const found = (offset: bigint, timestampMs: number, epoch: number): v1.ListOffsetsPartitionResult => ({
    partition,
    errorCode: ErrorCode.NONE,
    errorMessage: '',
    offset: offset.toString(),
    timestamp: String(timestampMs),
    leaderEpoch: epoch,
  });
  if (timestamp === BigInt(EARLIEST_TIMESTAMP)) return found(log.logStartOffset, -1, leaderEpoch);
  if (timestamp === BigInt(LATEST_TIMESTAMP)) return found(log.highWatermark, -1, leaderEpoch);
  if (timestamp < 0n) {
    return failed(
      partition,
      ErrorCode.INVALID_REQUEST,
      `timestamp ${timestamp} is invalid: use -2 (earliest), -1 (latest) or a time in ms >= 0`,
    );
  }
  const match = await log.offsetForTimestamp(Number(timestamp));
  return match ? found(match.offset, match.timestampMs, match.leaderEpoch) : found(-1n, -1, -1);
}

function failed(partition: number, errorCode: number, errorMessage: string): v1.ListOffsetsPartitionResult {
  return { partition, errorCode, errorMessage, offset: '-1', timestamp: '-1', leaderEpoch: -1 };
}
