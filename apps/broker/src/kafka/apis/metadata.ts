import { ApiKey, type KafkaStruct } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import { controllerId, kafkaBrokers } from './kafka-brokers.js';

/**
 * Metadata v0–12: brokers (their Kafka addresses), cluster id, a controller id, and topics
 * with partitions, leaders, leader epochs, replicas and ISRs from the coordinator. Null topics
 * (v1+) or an empty list (v0) means all topics. Fjord never creates topics on a Metadata
 * request (allowAutoTopicCreation is answered as auto.create.topics.enable=false does).
 */
export function metadataApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.Metadata,
    minVersion: 0,
    maxVersion: 12,
    notes:
      "Brokers are the live brokers with a Kafka listener of the name the client came in on, at that listener's address; the controller id is the lowest of them (Fjord's controller, the coordinator, is never shown). No auto-creation.",
    async handle(request, { header }) {
      const requested =
        request.topics === null ? null : asStructs(request.topics).map((t) => t.name as string | null);
      const all = requested === null || (header.apiVersion === 0 && requested.length === 0);
      const names = all ? [] : requested.filter((n): n is string => n !== null);
      const metadata = await deps.coordinator.getMetadata({ topics: names });
      const brokers = kafkaBrokers(metadata.brokers, deps.listenerName);
      const topics: KafkaStruct[] =
        !all && names.length === 0
          ? []
          : metadata.topics.map((topic) => ({
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
            }));
      return {
        throttleTimeMs: 0,
        brokers,
        clusterId: metadata.clusterId,
        controllerId: controllerId(brokers),
        topics,
      };
    },
  };
}
