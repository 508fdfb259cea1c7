import { ApiKey, type KafkaStruct } from '@fjord/kafka-protocol';
import { fetch } from '../../server/fetch.js';
import { asStructs, int64, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';

/** Kafka's FETCH_SESSION_ID_NOT_FOUND: the listener never creates incremental fetch sessions. */
const FETCH_SESSION_ID_NOT_FOUND = 70;

/**
 * Fetch v4–11: the broker's own fetch core (the gRPC path's), so long-polling (maxWaitMs,
 * minBytes), byte limits, the high watermark and leader-epoch checks are the same, and the
 * stored RecordBatch v2 bytes go to the client as they are. Fetch sessions (v7+) are always
 * declined with session id 0, which tells the client to keep sending full requests; the last
 * stable offset is the high watermark (no transactions); preferredReadReplica is -1 (read
 * from the leader). Kafka clients are always consumers here: followers use gRPC.
 */
export function fetchApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.Fetch,
    minVersion: 4,
    maxVersion: 11,
    notes:
      "The gRPC path's fetch core: long-poll, byte limits, leader-epoch checks; stored batches as they are. Fetch sessions are declined (session id 0), so clients send full requests.",
    async handle(request, { signal }) {
      if ((request.sessionId as number) !== 0) {
        return { throttleTimeMs: 0, errorCode: FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
      }
      const topics = asStructs(request.topics);
      const answer = await fetch(
        deps.broker,
        {
          replicaId: -1,
          maxWaitMs: request.maxWaitMs as number,
          minBytes: request.minBytes as number,
          maxBytes: request.maxBytes as number,
          topics: topics.map((t) => ({
            topic: t.topic as string,
            partitions: asStructs(t.partitions).map((p) => ({
              partition: p.partition as number,
              fetchOffset: String(p.fetchOffset as bigint),
              partitionMaxBytes: p.partitionMaxBytes as number,
              currentLeaderEpoch: p.currentLeaderEpoch as number,
            })),
          })),
        },
        signal,
      );
      const responses: KafkaStruct[] = (answer.topics ?? []).map((t) => ({
        topic: t.topic,
        partitions: (t.partitions ?? []).map((p) => ({
          partitionIndex: p.partition,
          errorCode: p.errorCode,
          highWatermark: int64(p.highWatermark),
          lastStableOffset: int64(p.highWatermark),
          logStartOffset: int64(p.logStartOffset),
          abortedTransactions: [],
          preferredReadReplica: -1,
          records: p.records ?? Buffer.alloc(0),
        })),
      }));
      return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
    },
  };
}
