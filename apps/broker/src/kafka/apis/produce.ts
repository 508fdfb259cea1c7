import { ApiKey } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import { produce } from '../../server/produce.js';
import { asStructs, int64, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';

const VALID_ACKS = new Set([0, 1, -1]);

/**
 * Produce v3–9 (RecordBatch v2 only, hence from v3): the broker's own produce core, the one
 * the gRPC path calls, so batch validation, idempotent-producer sequence checks, acks and
 * min.insync.replicas behave the same on both paths. acks=0 gets no response, as in Kafka.
 * Transactional produce is refused (Fjord has no transactions). A partition of a topic the
 * principal may not WRITE is answered TOPIC_AUTHORIZATION_FAILED and the rest is produced; with
 * acks=0 a refusal closes the connection, Kafka's only way to tell such a producer.
 */
export function produceApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.Produce,
    minVersion: 3,
    maxVersion: 9,
    notes:
      "RecordBatch v2 only (hence v3+). The gRPC path's produce core: same validation, idempotence checks, acks and min.insync.replicas. acks=0 gets no response. No transactions.",
    async handle(request, { signal, access, closeAfterResponse }) {
      const allTopics = asStructs(request.topicData);
      const writable = access.allowedNames(
        'WRITE',
        'TOPIC',
        allTopics.map((t) => t.name as string),
      );
      const denied = allTopics.filter((t) => !writable.has(t.name as string));
      const topicData = allTopics.filter((t) => writable.has(t.name as string));
      const acks = request.acks as number;
      const refusal =
        request.transactionalId !== null
          ? { code: ErrorCode.INVALID_REQUEST, message: 'transactions are not supported by Fjord' }
          : VALID_ACKS.has(acks)
            ? undefined
            : {
                code: ErrorCode.INVALID_REQUIRED_ACKS,
                message: `acks must be 0, 1 or -1 (all), got ${acks}`,
              };
      if (refusal) {
        return {
          responses: allTopics.map((t) => ({
            name: t.name,
            partitionResponses: asStructs(t.partitionData).map((p) =>
              failed(p.index as number, refusal.code, refusal.message),
            ),
          })),
          throttleTimeMs: 0,
        };
      }
      const answer = await produce(
        deps.broker,
        {
          acks,
          timeoutMs: request.timeoutMs as number,
          topics: topicData.map((t) => ({
            topic: t.name as string,
            partitions: asStructs(t.partitionData).map((p) => ({
              partition: p.index as number,
              records: (p.records as Buffer | null) ?? Buffer.alloc(0),
            })),
          })),
          // The connection closed: nobody reads the answer, so the acks=all wait stops.
        },
        signal,
      );
      if (acks === 0) {
        if (denied.length > 0) closeAfterResponse('acks=0 produce to a topic the principal may not WRITE');
        return null;
      }
      return {
        responses: [
          ...(answer.topics ?? []).map((t) => ({
            name: t.topic,
            partitionResponses: (t.partitions ?? []).map((p) => ({
              index: p.partition,
              errorCode: p.errorCode,
              baseOffset: int64(p.baseOffset),
              logAppendTimeMs: int64(p.logAppendTimeMs),
              logStartOffset: int64(p.logStartOffset),
              recordErrors: [],
              errorMessage: p.errorCode === ErrorCode.NONE ? null : (p.errorMessage ?? null),
            })),
          })),
          ...denied.map((t) => ({
            name: t.name,
            partitionResponses: asStructs(t.partitionData).map((p) =>
              failed(p.index as number, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null),
            ),
          })),
        ],
        throttleTimeMs: 0,
      };
    },
  };
}

function failed(index: number, errorCode: number, message: string | null) {
  return {
    index,
    errorCode,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage: message,
  };
}
