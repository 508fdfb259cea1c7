import { ApiKey, type KafkaStruct, ZERO_UUID } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import { controllerId, kafkaBrokers } from './kafka-brokers.js';

/**
 * Metadata v0–12: brokers (their Kafka addresses), cluster id, a controller id, and topics
 * with partitions, leaders, leader epochs, replicas and ISRs from the coordinator. Null topics
 * (v1+) or an empty list (v0) means all topics. Fjord never creates topics on a Metadata
 * request (allowAutoTopicCreation is answered as auto.create.topics.enable=false does).
 * Topics the principal may not DESCRIBE are left out of an all-topics answer and answered
 * TOPIC_AUTHORIZATION_FAILED when named, whether they exist or not, as Kafka does. Without a
 * reachable coordinator leader the answer lists this broker alone and every named topic as
 * LEADER_NOT_AVAILABLE, so that the client retries.
 */
export function metadataApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.Metadata,
    minVersion: 0,
    maxVersion: 12,
    notes:
      "Brokers are the live brokers with a Kafka listener of the name the client came in on, at that listener's address; the controller id is the lowest of them (Fjord's controller, the coordinator, is never shown). No auto-creation.",
    async handle(request, { header, access }) {
      const { all, names } = requestedTopics(request, header.apiVersion);
      const described = access.allowedNames('DESCRIBE', 'TOPIC', names);
      const denied = names.filter((name) => !described.has(name));
      const asked = names.filter((name) => described.has(name));
      const metadata =
        !all && asked.length === 0
          ? await deps.coordinator.getMetadata({ topics: [] }).then((m) => ({ ...m, topics: [] }))
          : await deps.coordinator.getMetadata({ topics: asked });
      const brokers = kafkaBrokers(metadata.brokers, deps.listenerName);
      const visible = all
        ? metadata.topics.filter((topic) => access.allows('DESCRIBE', 'TOPIC', topic.name))
        : metadata.topics;
      const topics: KafkaStruct[] = [
        ...visible.map((topic) => ({
          errorCode: topic.errorCode,
          name: topic.name,
          topicId: topic.topicId || undefined,
          isInternal: false,
          partitions: topic.partitions.map((p) => ({
            errorCode: p.leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
            partitionIndex: p.partition,
            leaderId: p.leader,
            leaderEpoch: p.leaderEpoch,
            replicaNodes: p.replicas,
            isrNodes: p.isr,
            offlineReplicas: p.replicas.filter((id) => !brokers.some((b) => b.nodeId === id)),
          })),
        })),
        ...denied.map((name) => unlistedTopic(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED)),
      ];
      return {
        throttleTimeMs: 0,
        brokers,
        clusterId: metadata.clusterId,
        controllerId: controllerId(brokers),
        topics,
      };
    },
    unavailable(request, { header }) {
      const { names } = requestedTopics(request, header.apiVersion);
      const self = {
        nodeId: deps.brokerId,
        host: deps.advertisedHost,
        port: deps.advertisedPort,
        rack: null,
      };
      return {
        throttleTimeMs: 0,
        brokers: [self],
        clusterId: null,
        controllerId: deps.brokerId,
        topics: names.map((name) => unlistedTopic(name, ErrorCode.LEADER_NOT_AVAILABLE)),
      };
    },
  };
}

/** The requested topic names; `all` for null topics (v1+) or an empty list (v0). */
function requestedTopics(request: KafkaStruct, version: number): { all: boolean; names: string[] } {
  const requested =
    request.topics === null ? null : asStructs(request.topics).map((t) => t.name as string | null);
  const all = requested === null || (version === 0 && requested.length === 0);
  return { all, names: all ? [] : requested.filter((n): n is string => n !== null) };
}

/** A topic answered with an error only (no id, no partitions). */
function unlistedTopic(name: string, errorCode: number): KafkaStruct {
  return { errorCode, name, topicId: ZERO_UUID, isInternal: false, partitions: [] };
}
