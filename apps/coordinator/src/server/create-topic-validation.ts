import {
  ErrorCode,
  ProtocolError,
  parseTopicConfig,
  type TopicConfig,
  topicNameProblem,
  type v1,
} from '@fjord/protocol';
import { liveBrokerIds, type MetadataState, topicIdByName } from '../metadata/state.js';

/** Kafka's upper bound is much higher; 10 000 keeps one topic's metadata small. */
export const MAX_PARTITIONS = 10_000;

/** A topic that passed validation, with defaults resolved. */
export interface ValidNewTopic {
  ok: true;
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Config overrides exactly as given (validated). */
  configs: Record<string, string>;
  liveBrokerIds: number[];
}

/** Why a topic cannot be created. */
export interface RejectedNewTopic {
  ok: false;
  errorCode: number;
  errorMessage: string;
}

/**
 * Checks one topic of a CreateTopics request against the state, in the order a user fixes
 * them: name, duplicate in the request, existence, partitions, replication factor, configs.
 */
export function validateNewTopic(
  state: MetadataState,
  topic: v1.CreatableTopic__Output,
  namesInRequest: ReadonlyMap<string, number>,
): ValidNewTopic | RejectedNewTopic {
  const reject = (errorCode: number, errorMessage: string): RejectedNewTopic => ({
    ok: false,
    errorCode,
    errorMessage,
  });
  const nameProblem = topicNameProblem(topic.name);
  if (nameProblem) return reject(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  if ((namesInRequest.get(topic.name) ?? 0) > 1) {
    return reject(ErrorCode.INVALID_REQUEST, `topic "${topic.name}" appears more than once in the request`);
  }
  if (topicIdByName(state, topic.name) !== undefined) {
    return reject(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${topic.name}" already exists`);
  }
  if (!Number.isInteger(topic.partitions) || topic.partitions < 1 || topic.partitions > MAX_PARTITIONS) {
    return reject(
      ErrorCode.INVALID_PARTITIONS,
      `number of partitions must be between 1 and ${MAX_PARTITIONS}, got ${topic.partitions}`,
    );
  }
  // 0 is proto3's "unset": the default factor, 1.
  const replicationFactor = topic.replicationFactor === 0 ? 1 : topic.replicationFactor;
  const live = liveBrokerIds(state);
  const factorProblem = replicationFactorProblem(replicationFactor, live.length);
  if (factorProblem) return reject(ErrorCode.INVALID_REPLICATION_FACTOR, factorProblem);
  let config: TopicConfig;
  try {
    config = parseTopicConfig(topic.configs);
  } catch (error) {
    if (error instanceof ProtocolError) return reject(error.code, error.message);
    throw error;
  }
  const minIsrProblem = minInsyncReplicasProblem(config, replicationFactor);
  if (minIsrProblem) return reject(ErrorCode.INVALID_CONFIG, minIsrProblem);
  return {
    ok: true,
    name: topic.name,
    partitions: topic.partitions,
    replicationFactor,
    configs: { ...topic.configs },
    liveBrokerIds: live,
  };
}

function replicationFactorProblem(replicationFactor: number, liveBrokers: number): string | undefined {
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    return `replication factor must be at least 1, got ${replicationFactor}`;
  }
  if (liveBrokers === 0) return 'no live brokers';
  if (replicationFactor > liveBrokers) {
    return (
      `replication factor ${replicationFactor} is larger than ` +
      `the number of live brokers (${liveBrokers})`
    );
  }
  return undefined;
}

/**
 * Why `config` cannot hold for a topic with `replicationFactor` replicas, if it cannot: a
 * min.insync.replicas above the factor would refuse every acks=all write forever.
 */
export function minInsyncReplicasProblem(config: TopicConfig, replicationFactor: number): string | undefined {
  const minIsr = config['min.insync.replicas'];
  if (minIsr <= replicationFactor) return undefined;
  return (
    `min.insync.replicas ${minIsr} is larger than the replication factor ${replicationFactor}: ` +
    'no acks=all write could ever succeed'
  );
}
