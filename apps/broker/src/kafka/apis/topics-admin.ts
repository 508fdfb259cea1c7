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
 * (-1 for a default) and null configs, which Kafka's schema allows. A topic needs CREATE on
 * the Cluster or on itself (TOPIC_AUTHORIZATION_FAILED), and its configs are shown only with
 * DESCRIBE_CONFIGS on it (else topicConfigErrorCode, as Kafka). Without a reachable
 * coordinator leader every topic is answered NOT_CONTROLLER, which clients retry.
 */
export function createTopicsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.CreateTopics,
    minVersion: 0,
    maxVersion: 7,
    notes:
      'Forwarded to the coordinator; -1 partitions or replication factor take the defaults. Manual replica assignments are refused. v5+ answers the created topic as the coordinator stored it (validate-only: the requested counts, null configs).',
    async handle(request, { header, access }) {
      const topics = asStructs(request.topics);
      const mayCreateAny = access.allowsOnCluster('CREATE');
      const refused = topics.filter(
        (t) => !mayCreateAny && !access.allows('CREATE', 'TOPIC', t.name as string),
      );
      const permitted = topics.filter((t) => !refused.includes(t));
      const manual = permitted.filter((t) => asStructs(t.assignments).length > 0);
      const wanted = permitted.filter((t) => asStructs(t.assignments).length === 0);
      const answer =
        wanted.length === 0
          ? { topics: [] }
          : await deps.coordinator.createTopics({
              validateOnly: request.validateOnly as boolean,
              topics: wanted.map((t) => ({
                name: t.name as string,
                partitions:
                  (t.numPartitions as number) === -1 ? DEFAULT_PARTITIONS : (t.numPartitions as number),
                replicationFactor:
                  (t.replicationFactor as number) === -1 ? 0 : (t.replicationFactor as number),
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
            if (stored && !access.allows('DESCRIBE_CONFIGS', 'TOPIC', t.name)) {
              return {
                ...result,
                numPartitions: stored.partitions.length,
                replicationFactor: stored.partitions[0]?.replicas.length ?? -1,
                configs: null,
                topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
              };
            }
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
          ...manual.map((t) =>
            failedTopic(
              t.name as string,
              ErrorCode.INVALID_REQUEST,
              'manual replica assignments are not supported; Fjord places replicas itself',
            ),
          ),
          ...refused.map((t) =>
            failedTopic(
              t.name as string,
              ErrorCode.TOPIC_AUTHORIZATION_FAILED,
              'Topic authorization failed.',
            ),
          ),
        ],
      };
    },
    unavailable: (request, _context, message) => ({
      throttleTimeMs: 0,
      topics: asStructs(request.topics).map((t) =>
        failedTopic(t.name as string, KafkaErrorCode.NOT_CONTROLLER, message),
      ),
    }),
  };
}

/** A CreateTopics result for a topic that was not created. */
function failedTopic(name: string, errorCode: number, errorMessage: string): KafkaStruct {
  return {
    name,
    errorCode,
    errorMessage,
    topicId: ZERO_UUID,
    numPartitions: -1,
    replicationFactor: -1,
    configs: null,
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
 * one that names no topic is answered UNKNOWN_TOPIC_ID, as Kafka does. A topic the principal
 * may not DELETE is answered TOPIC_AUTHORIZATION_FAILED and left alone. Without a reachable
 * coordinator leader: NOT_CONTROLLER for each topic.
 */
export function deleteTopicsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.DeleteTopics,
    minVersion: 0,
    maxVersion: 6,
    notes: 'By name, or (v6) by topic id, looked up in the coordinator’s metadata first.',
    async handle(request, { header, access }) {
      const deletable = (name: string) => access.allows('DELETE', 'TOPIC', name);
      const refusedResult = (name: string, topicId = ZERO_UUID) => ({
        name,
        topicId,
        errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        errorMessage: 'Topic authorization failed.',
      });
      const remove = async (names: string[]) =>
        names.length > 0 ? (await deps.coordinator.deleteTopics({ topics: names })).topics : [];
      if (header.apiVersion < DELETE_BY_ID) {
        const names = (request.topicNames as string[] | null) ?? [];
        const deleted = await remove(names.filter(deletable));
        return {
          throttleTimeMs: 0,
          responses: [
            ...deleted.map(deleteResult),
            ...names.filter((n) => !deletable(n)).map((n) => refusedResult(n)),
          ],
        };
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
      const deleted = await remove(names.filter(deletable));
      return {
        throttleTimeMs: 0,
        responses: [
          ...deleted.map(deleteResult),
          ...names.filter((n) => !deletable(n)).map((n) => refusedResult(n)),
          ...unknownIds.map((t) => ({
            name: null,
            topicId: t.topicId,
            errorCode: KafkaErrorCode.UNKNOWN_TOPIC_ID,
            errorMessage: `no topic has id ${t.topicId}`,
          })),
        ],
      };
    },
    unavailable: (request, { header }, message) => {
      const asked =
        header.apiVersion < DELETE_BY_ID
          ? ((request.topicNames as string[] | null) ?? []).map((name) => ({ name, topicId: ZERO_UUID }))
          : asStructs(request.topics).map((t) => ({
              name: t.name as string | null,
              topicId: t.topicId as string,
            }));
      return {
        throttleTimeMs: 0,
        responses: asked.map((t) => ({
          ...t,
          errorCode: KafkaErrorCode.NOT_CONTROLLER,
          errorMessage: message,
        })),
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
