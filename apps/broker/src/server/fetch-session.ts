import { ErrorCode, type FetchAnswer, type FetchPartitionAnswer, type v1 } from '@fjord/protocol';
import { InvalidRequestError } from '@fjord/server-kit';

/** A partition of a fetch session, as the client last described it (offset moved by answers). */
interface SessionPartition {
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
}

// Where a batch's lastOffsetDelta is (Kafka RecordBatch v2).
const LAST_OFFSET_DELTA_OFFSET = 23;

/**
 * What the broker keeps of one FetchStream (KIP-227's fetch session, without session ids: the
 * session is the stream): its partitions with their fetch offsets, byte limits and leader
 * epochs. Each request changes it, each answer moves a consumer's offsets past what was sent.
 */
export class FetchSession {
  readonly #topics = new Map<string, Map<number, SessionPartition>>();
  #replicaId: number | undefined;

  /** -1 for a consumer; a broker id for a follower. Set by the first request. */
  get replicaId(): number {
    return this.#replicaId ?? -1;
  }

  /** Partitions in the session. */
  get size(): number {
    let size = 0;
    for (const partitions of this.#topics.values()) size += partitions.size;
    return size;
  }

  /**
   * Applies a request's changes: added or changed partitions, then removed ones. A request
   * whose replica_id differs from the session's first one, or naming a fetch offset that is
   * not an integer, is refused (InvalidRequestError) and changes nothing.
   */
  apply(request: v1.FetchSessionRequest__Output): void {
    if (this.#replicaId !== undefined && request.replicaId !== this.#replicaId) {
      throw new InvalidRequestError(
        `FetchStream: replica_id ${request.replicaId} differs from the session's ${this.#replicaId} (set by its first request)`,
      );
    }
    const changes: Array<{ topic: string; partition: SessionPartition }> = [];
    for (const topic of request.topics) {
      for (const p of topic.partitions) {
        let fetchOffset: bigint;
        try {
          fetchOffset = BigInt(p.fetchOffset);
        } catch {
          throw new InvalidRequestError(
            `FetchStream: fetch_offset "${p.fetchOffset}" of ${topic.topic}/${p.partition} is not an integer`,
          );
        }
        changes.push({
          topic: topic.topic,
          partition: {
            partition: p.partition,
            fetchOffset,
            partitionMaxBytes: p.partitionMaxBytes,
            currentLeaderEpoch: p.currentLeaderEpoch,
          },
        });
      }
    }
    this.#replicaId = request.replicaId;
    for (const { topic, partition } of changes) {
      let partitions = this.#topics.get(topic);
      if (!partitions) {
        partitions = new Map();
        this.#topics.set(topic, partitions);
      }
      partitions.set(partition.partition, partition);
    }
    for (const topic of request.topics) {
      const partitions = this.#topics.get(topic.topic);
      if (!partitions) continue;
      for (const removed of topic.removedPartitions) partitions.delete(removed);
      if (partitions.size === 0) this.#topics.delete(topic.topic);
    }
  }

  /** A Fetch over every partition of the session, with the request's limits. */
  fetchRequest(request: v1.FetchSessionRequest__Output): v1.FetchRequest__Output {
    return {
      replicaId: this.replicaId,
      maxWaitMs: request.maxWaitMs,
      minBytes: request.minBytes,
      maxBytes: request.maxBytes,
      topics: [...this.#topics].map(([topic, partitions]) => ({
        topic,
        partitions: [...partitions.values()].map((p) => ({
          partition: p.partition,
          fetchOffset: p.fetchOffset.toString(),
          partitionMaxBytes: p.partitionMaxBytes,
          currentLeaderEpoch: p.currentLeaderEpoch,
        })),
      })),
    };
  }

  /** The session's topics, as the authorization rule reads them (`topics[].topic`). */
  authorizationView(): { replicaId: number; topics: Array<{ topic: string }> } {
    return { replicaId: this.replicaId, topics: [...this.#topics.keys()].map((topic) => ({ topic })) };
  }

  /**
   * The answer as the session sends it: only partitions with records or an error. A consumer
   * session's partitions that got records move to the end of the last batch sent, so the
   * client need not send their offsets again. A follower's do not: its fetch offset is its log
   * end, which moves the leader's high watermark, and only the follower knows when it has
   * appended what it was sent.
   */
  answered(answer: FetchAnswer): FetchAnswer {
    const topics = [];
    for (const topic of answer.topics) {
      const partitions: FetchPartitionAnswer[] = [];
      const session = this.#topics.get(topic.topic);
      for (const p of topic.partitions) {
        if (p.records.length === 0 && p.errorCode === ErrorCode.NONE) continue;
        partitions.push(p);
        const entry = session?.get(p.partition);
        if (entry && this.replicaId < 0 && p.errorCode === ErrorCode.NONE && p.records.length > 0) {
          entry.fetchOffset = batchEnd(p.records[p.records.length - 1]!);
        }
      }
      if (partitions.length > 0) topics.push({ ...topic, partitions });
    }
    return { topics, throttleTimeMs: answer.throttleTimeMs };
  }
}

/** The offset after a stored batch (baseOffset + lastOffsetDelta + 1). */
function batchEnd(batch: Buffer): bigint {
  return batch.readBigInt64BE(0) + BigInt(batch.readInt32BE(LAST_OFFSET_DELTA_OFFSET) + 1);
}
