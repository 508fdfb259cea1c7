import { ApiKey, type KafkaStruct, ZERO_UUID } from '@fjord/kafka-protocol';
import { ErrorCode, type v1 } from '@fjord/protocol';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import { KafkaErrorCode } from '../kafka-error-codes.js';
import { topicConfigSource } from './describe-configs.js';

/** Kafka's num.partitions default, used when a client asks for the broker default (-1, v4+). */
const DEFAULT_PARTITIONS = 1;

/** First CreateTopics version whose response describes each created topic (counts, configs). */
const CREATE_DESCRIBES_TOPICS = 5;
/** First DeleteTopics version that names topics as structs (name or topic id). */
const DELETE_BY_ID = 6;

/**
 * CreateTopics v0–7, forwarded to the coordinator's CreateTopics. -1 partitions or
 * replication factor (v4's "broker default") mean 1 partition and Fjord's default factor.
 * Manual replica assignments are refused per topic (the coordinator places replicas). From
 * v5 each created topic comes back with its partition count, replication factor and effective
 * configuration (read back from the coordinator); v7 adds its topic id. A validate-only
 * request creates nothing, so there is nothing to read back: it answers the requested counts
 * (-1 for a default) and null configs, which Kafka's schema allows.
 */
export function createTopicsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.CreateTopics,
    minVersion: 0,
    maxVersion: 7,
    notes:
      'Forwarded to the coordinator; -1 partitions or replication factor take the defaults. Manual replica assignments are refused. v5+ answers the created topic as the coordinator stored it (validate-only: the requested counts, null configs).',
    async handle(request, { header }) {
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
      const validateOnly = request.validateOnly as boolean;
      const created =
        header.apiVersion >= CREATE_DESCRIBES_TOPICS && !validateOnly
          ? await describeCreated(deps, answer.topics)
          : new Map<string, v1.TopicInfo__Output>();
      return {
        throttleTimeMs: 0,
        topics: [
          ...answer.topics.map((t): KafkaStruct => {
            const result = {
              name: t.name,
              topicId: t.topicId || ZERO_UUID,
              errorCode: t.errorCode,
              errorMessage: t.errorCode === ErrorCode.NONE ? null : t.errorMessage,
            };
            const stored = created.get(t.name);
            if (stored) {
              return {
                ...result,
                numPartitions: stored.partitions.length,
                replicationFactor: stored.partitions[0]?.replicas.length ?? -1,
                configs: Object.entries(stored.configs)
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([name, value]) => ({
                    name,
                    value,
                    readOnly: false,
                    configSource: topicConfigSource(name, value),
                    isSensitive: false,
                  })),
              };
            }
            const asked = wanted.find((w) => w.name === t.name);
            const ok = t.errorCode === ErrorCode.NONE && asked !== undefined;
            return {
              ...result,
              numPartitions: ok ? (asked.numPartitions as number) : -1,
              replicationFactor: ok ? (asked.replicationFactor as number) : -1,
              configs: null,
            };
          }),
          ...manual.map((t) => ({
            name: t.name,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: 'manual replica assignments are not supported; Fjord places replicas itself',
            topicId: ZERO_UUID,
            numPartitions: -1,
            replicationFactor: -1,
            configs: null,
          })),
        ],
      };
    },
  };
}

/** The created topics (no errors) as the coordinator stored them, by name. */
async function describeCreated(
  deps: KafkaDeps,
  results: readonly v1.TopicResult__Output[],
): Promise<Map<string, v1.TopicInfo__Output>> {
  const names = results.filter((t) => t.errorCode === ErrorCode.NONE).map((t) => t.name);
  if (names.length === 0) return new Map();
  const described = await deps.coordinator.describeTopics({ topics: names });
  return new Map(described.topics.filter((t) => t.errorCode === ErrorCode.NONE).map((t) => [t.name, t]));
}

/**
 * DeleteTopics v0–6, forwarded to the coordinator (which deletes by name). v6 names each
 * topic by name or by topic id; an id is looked up in the coordinator's metadata first, and
 * one that names no topic is answered UNKNOWN_TOPIC_ID, as Kafka does.
 */
export function deleteTopicsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.DeleteTopics,
    minVersion: 0,
    maxVersion: 6,
    notes: 'By name, or (v6) by topic id, looked up in the coordinator’s metadata first.',
    async handle(request, { header }) {
      if (header.apiVersion < DELETE_BY_ID) {
        const names = (request.topicNames as string[] | null) ?? [];
        const answer = await deps.coordinator.deleteTopics({ topics: names });
        return { throttleTimeMs: 0, responses: answer.topics.map(deleteResult) };
      }
      const asked = asStructs(request.topics).map((t) => ({
        name: t.name as string | null,
        topicId: t.topicId as string,
      }));
      const byId = asked.some((t) => t.name === null)
        ? new Map((await deps.coordinator.getMetadata({ topics: [] })).topics.map((t) => [t.topicId, t.name]))
        : new Map<string, string>();
      const unknownIds = asked.filter((t) => t.name === null && !byId.has(t.topicId));
      const names = asked.flatMap((t) => t.name ?? byId.get(t.topicId) ?? []);
      const answer =
        names.length > 0 ? await deps.coordinator.deleteTopics({ topics: names }) : { topics: [] };
      return {
        throttleTimeMs: 0,
        responses: [
          ...answer.topics.map(deleteResult),
          ...unknownIds.map((t) => ({
            name: null,
            topicId: t.topicId,
            errorCode: KafkaErrorCode.UNKNOWN_TOPIC_ID,
            errorMessage: `no topic has id ${t.topicId}`,
          })),
        ],
      };
    },
  };
}

function deleteResult(t: v1.TopicResult__Output): KafkaStruct {
  return {
    name: t.name,
    topicId: t.topicId || ZERO_UUID,
    errorCode: t.errorCode,
    errorMessage: t.errorCode === ErrorCode.NONE ? null : t.errorMessage,
  };
}
