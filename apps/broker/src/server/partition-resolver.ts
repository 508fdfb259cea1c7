import { ErrorCode, topicNameProblem } from '@fjord/protocol';
import type { HostedPartition, HostedReplicas } from '../cluster/hosted-replicas.js';

/** A requested partition this broker leads, or the error code to answer with. */
export type Resolution =
  | { ok: true; hosted: HostedPartition }
  | { ok: false; errorCode: number; errorMessage: string };

/** Asks the coordinator for fresh metadata; resolves false when it could not be reached. */
export type RefreshMetadata = () => Promise<boolean>;

/**
 * Maps (topic, partition) of a request to the partition this broker leads. A miss first
 * refreshes metadata once per request (docs/dev/CONTRACTS.md: a just-created topic is served
 * without waiting for the next heartbeat); when the coordinator cannot be reached the answer
 * is the retriable NOT_LEADER_OR_FOLLOWER, so clients retry instead of giving up.
 */
export class PartitionResolver {
  constructor(
    private readonly brokerId: number,
    private readonly replicas: HostedReplicas,
    private readonly refreshMetadata: RefreshMetadata,
  ) {}

  /** Resolves every (topic, partition) of one request, refreshing metadata at most once. */
  async resolveAll(requested: ReadonlyArray<{ topic: string; partition: number }>): Promise<Resolution[]> {
    const needsRefresh =
      !this.replicas.hasMetadata ||
      requested.some(
        (r) =>
          !this.replicas.get(r.topic, r.partition) && !this.replicas.offlinePartition(r.topic, r.partition),
      );
    const refreshed = needsRefresh ? await this.refreshMetadata() : true;
    return requested.map((r) => this.resolve(r.topic, r.partition, refreshed));
  }

  /**
   * Resolves against the metadata at hand, without a refresh (a long-polling fetch re-checks
   * leadership this way after waiting).
   */
  resolveCurrent(topic: string, partition: number): Resolution {
    return this.resolve(topic, partition, true);
  }

  private resolve(topic: string, partition: number, refreshed: boolean): Resolution {
    const hosted = this.replicas.get(topic, partition);
    if (!hosted) {
      const offline = this.replicas.offlinePartition(topic, partition);
      if (offline) {
        return fail(
          ErrorCode.KAFKA_STORAGE_ERROR,
          `broker ${this.brokerId} has ${topic}/${partition} offline: ${offline.reason}`,
        );
      }
      if (!refreshed || !this.replicas.hasMetadata) {
        return fail(
          ErrorCode.NOT_LEADER_OR_FOLLOWER,
          `broker ${this.brokerId} could not refresh metadata from the coordinator; retry`,
        );
      }
      const known = this.replicas.topic(topic) !== undefined;
      // Never echo an invalid name: one of 10 000 characters named by each of thousands of
      // partitions made a 90 KiB request a 33 MiB answer (found by the gRPC fuzzer).
      const nameProblem = known ? undefined : topicNameProblem(topic);
      return fail(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        known
          ? `broker ${this.brokerId} does not host partition ${partition} of topic "${topic}"`
          : nameProblem
            ? `broker ${this.brokerId} hosts no such topic: ${nameProblem}`
            : `broker ${this.brokerId} does not host topic "${topic}"`,
      );
    }
    if (hosted.log.isDeleted)
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" was deleted`);
    if (hosted.leader !== this.brokerId) {
      const leader = hosted.leader < 0 ? 'no leader right now' : `the leader is broker ${hosted.leader}`;
      return fail(
        ErrorCode.NOT_LEADER_OR_FOLLOWER,
        `broker ${this.brokerId} is not the leader of ${topic}/${partition}; ${leader}`,
      );
    }
    return { ok: true, hosted };
  }
}

function fail(errorCode: number, errorMessage: string): Resolution {
  return { ok: false, errorCode, errorMessage };
}
