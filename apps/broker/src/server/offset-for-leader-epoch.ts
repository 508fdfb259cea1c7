import { ErrorCode, type v1 } from '@fjord/protocol';
import { endOffsetForEpoch } from '../replication/replica-log.js';
import { type CallAccess, resolveAllowed, UNRESTRICTED_ACCESS } from './call-access.js';
import type { BrokerServiceDeps } from './service-deps.js';

/**
 * OffsetForLeaderEpoch (KIP-101), answered by the leader: for each partition, the largest
 * epoch <= the asked one in the leader's epoch cache and where it ends (the start of the
 * next epoch, or the log end for the latest), so a follower truncates where the logs
 * agree rather than at its high watermark. Partitions of topics in `access.deniedTopics` are
 * answered TOPIC_AUTHORIZATION_FAILED (a client's request; a replica's needs the Cluster).
 */
export async function offsetForLeaderEpoch(
  deps: BrokerServiceDeps,
  request: v1.OffsetForLeaderEpochRequest__Output,
  access: CallAccess = UNRESTRICTED_ACCESS,
): Promise<v1.OffsetForLeaderEpochResponse> {
  const targets = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, request: p })));
  const resolutions = await resolveAllowed(
    deps.resolver,
    targets.map((t) => ({ topic: t.topic, partition: t.request.partition })),
    access,
    'DESCRIBE',
  );
  const byTopic = new Map<string, v1.OffsetForLeaderEpochPartitionResult[]>();
  targets.forEach((target, i) => {
    const resolution = resolutions[i]!;
    const { partition, currentLeaderEpoch, leaderEpoch } = target.request;
    let result: v1.OffsetForLeaderEpochPartitionResult;
    if (!resolution.ok) {
      result = failed(partition, resolution.errorCode, resolution.errorMessage);
    } else if (currentLeaderEpoch >= 0 && currentLeaderEpoch !== resolution.hosted.leaderEpoch) {
      const older = currentLeaderEpoch < resolution.hosted.leaderEpoch;
      result = failed(
        partition,
        older ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH,
        `leader epoch ${currentLeaderEpoch} is ${older ? 'older' : 'newer'} than the leader's ${resolution.hosted.leaderEpoch}`,
      );
    } else {
      const { log } = resolution.hosted;
      const found =
        leaderEpoch >= resolution.hosted.leaderEpoch
          ? { epoch: resolution.hosted.leaderEpoch, endOffset: log.logEndOffset }
          : endOffsetForEpoch(log.leaderEpochCache, log.logEndOffset, leaderEpoch);
      result = {
        partition,
        errorCode: ErrorCode.NONE,
        errorMessage: '',
        leaderEpoch: found.epoch,
        endOffset: found.endOffset.toString(),
      };
    }
    byTopic.set(target.topic, [...(byTopic.get(target.topic) ?? []), result]);
  });
  return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
}

function failed(
  partition: number,
  errorCode: number,
  errorMessage: string,
): v1.OffsetForLeaderEpochPartitionResult {
  return { partition, errorCode, errorMessage, leaderEpoch: -1, endOffset: '-1' };
}
