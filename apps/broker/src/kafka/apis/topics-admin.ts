import { ApiKey } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';

/** Kafka's num.partitions default, used when a client asks for the broker default (-1, v4+). */
const DEFAULT_PARTITIONS = 1;

/**
 * CreateTopics v0–4, forwarded to the coordinator's CreateTopics. -1 partitions or
 * replication factor (v4's "broker default") mean 1 partition and Fjord's default factor.
 * Manual replica assignments are refused per topic (the coordinator places replicas).
 */
export function createTopicsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.CreateTopics,
    minVersion: 0,
    maxVersion: 4,
    notes:
      'Forwarded to the coordinator; -1 partitions or replication factor take the defaults. Manual replica assignments are refused.',
    async handle(request) {
      const topics = asStructs(request.topics);
      const manual = topics.filter((t) => asStructs(t.assignments).length > 0);
      const wanted = topics.filter((t) => asStructs(t.assignments).length === 0);
      const answer = await deps.coordinator.createTopics({
        validateOnly: request.validateOnly as boolean,
        topics: wanted.map((t) => ({
          name: t.name as string,
          partitions: (t.numPartitions as number) === -1 ? DEFAULT_PARTITIONS : (t.numPartitions as number),
          replicationFactor: (t.replicationFactor as number) === -1 ? 0 : (t.replicationFactor as number),
          configs: Object.fromEntries(
            asStructs(t.configs).map((c) => [c.name as string, (c.value as string | null) ?? '']),
          ),
        })),
      });
      return {
        throttleTimeMs: 0,
        topics: [
          ...answer.topics.map((t) => ({
            name: t.name,
            errorCode: t.errorCode,
            errorMessage: t.errorCode === ErrorCode.NONE ? null : t.errorMessage,
          })),
          ...manual.map((t) => ({
            name: t.name,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: 'manual replica assignments are not supported; Fjord places replicas itself',
          })),
        ],
      };
    },
  };
}

/** DeleteTopics v0–5 (by name; v6 deletes by topic id and is not served), forwarded to the coordinator. */
export function deleteTopicsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.DeleteTopics,
    minVersion: 0,
    maxVersion: 5,
    notes: 'By name (v6 deletes by id and is not served).',
    async handle(request) {
      const names = (request.topicNames as string[] | null) ?? [];
      const answer = await deps.coordinator.deleteTopics({ topics: names });
      return {
        throttleTimeMs: 0,
        responses: answer.topics.map((t) => ({
          name: t.name,
          errorCode: t.errorCode,
          errorMessage: t.errorCode === ErrorCode.NONE ? null : t.errorMessage,
        })),
      };
    },
  };
}
