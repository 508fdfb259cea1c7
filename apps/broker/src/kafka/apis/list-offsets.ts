import { ApiKey } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import { listOffsets } from '../../server/list-offsets.js';
import { asStructs, int64, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';

/**
 * ListOffsets v1–6: the broker's own lookup (-2 earliest, -1 latest = high watermark, which
 * is also the last stable offset since Fjord has no transactions, or a timestamp). v7's
 * max-timestamp query (-3) is not served, so v7 is not advertised. Partitions of a topic the
 * principal may not DESCRIBE are answered TOPIC_AUTHORIZATION_FAILED.
 */
export function listOffsetsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.ListOffsets,
    minVersion: 1,
    maxVersion: 6,
    notes:
      "-2 earliest, -1 latest (the high watermark, which is also the last stable offset), or a timestamp. v7's max-timestamp query is not served.",
    async handle(request, { access }) {
      const requested = asStructs(request.topics);
      const allowed = access.allowedNames(
        'DESCRIBE',
        'TOPIC',
        requested.map((t) => t.name as string),
      );
      const denied = requested.filter((t) => !allowed.has(t.name as string));
      const answer = await listOffsets(deps.broker, {
        topics: requested
          .filter((t) => allowed.has(t.name as string))
          .map((t) => ({
            topic: t.name as string,
            partitions: asStructs(t.partitions).map((p) => ({
              partition: p.partitionIndex as number,
              timestamp: String(p.timestamp as bigint),
            })),
          })),
      });
      return {
        throttleTimeMs: 0,
        topics: [
          ...(answer.topics ?? []).map((t) => ({
            name: t.topic,
            partitions: (t.partitions ?? []).map((p) => ({
              partitionIndex: p.partition,
              errorCode: p.errorCode,
              timestamp: int64(p.timestamp),
              offset: int64(p.offset),
              leaderEpoch: p.leaderEpoch,
            })),
          })),
          ...denied.map((t) => ({
            name: t.name,
            partitions: asStructs(t.partitions).map((p) => ({
              partitionIndex: p.partitionIndex,
              errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
              timestamp: -1n,
              offset: -1n,
              leaderEpoch: -1,
            })),
          })),
        ],
      };
    },
  };
}
