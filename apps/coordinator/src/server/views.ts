import { parseTopicConfig, renderTopicConfig, type v1 } from '@fjord/protocol';
import {
  type BrokerState,
  type MetadataState,
  type PartitionState,
  type TopicState,
  topicsSortedByName,
} from '../metadata/state.js';

/**
 * Every registered broker as the clients of one listener see it, by id: its address on the
 * listener named `listenerName` (the one the client came in on). A broker without a listener
 * of that name is left out, as Kafka leaves it out of Metadata: that client could not reach it.
 * A broker registered before named listeners, or `listenerName` undefined (a call that did not
 * come through a listener), gives its inter-broker address.
 */
export function brokerInfos(state: MetadataState, listenerName: string | undefined): v1.BrokerInfo[] {
  return Object.values(state.brokers)
    .sort((a, b) => a.brokerId - b.brokerId)
    .flatMap((broker) => {
      const address = addressOn(broker, listenerName);
      return address ? [brokerInfo(broker, address)] : [];
    });
}

function addressOn(
  broker: BrokerState,
  listenerName: string | undefined,
): { host: string; port: number } | undefined {
  if (listenerName === undefined || broker.listeners === undefined) return broker;
  return broker.listeners.find((l) => l.name === listenerName);
}

function brokerInfo(broker: BrokerState, address: { host: string; port: number }): v1.BrokerInfo {
  return {
    id: broker.brokerId,
    host: address.host,
    port: address.port,
    alive: !broker.fenced,
    kafkaHost: broker.kafkaHost ?? '',
    kafkaPort: broker.kafkaPort ?? 0,
    kafkaListeners: (broker.kafkaListeners ?? []).map(({ name, host, port, securityProtocol }) => ({
      name,
      host,
      port,
      securityProtocol,
    })),
  };
}

/**
 * Effective topic config (defaults filled in) as Kafka-style strings. Overrides were
 * validated when stored; should a later version reject one, the raw overrides are served
 * rather than failing every heartbeat and describe call.
 */
export function effectiveTopicConfigs(topic: TopicState): Record<string, string> {
  try {
    return renderTopicConfig(parseTopicConfig(topic.configs));
  } catch {
    return { ...topic.configs };
  }
}

function partitionInfo(p: PartitionState): v1.PartitionInfo {
  return {
    partition: p.partition,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    replicas: [...p.replicas],
    isr: [...p.isr],
    partitionEpoch: p.partitionEpoch,
    elr: [...(p.elr ?? [])],
  };
}

/** Full description of a topic. */
export function topicInfo(topic: TopicState): v1.TopicInfo {
  return {
    name: topic.name,
    topicId: topic.topicId,
    partitions: topic.partitions.map(partitionInfo),
    configs: effectiveTopicConfigs(topic),
    errorCode: 0,
    errorMessage: '',
  };
}

/** A TopicInfo that only reports why the topic could not be described. */
export function topicError(name: string, errorCode: number, errorMessage: string): v1.TopicInfo {
  return { name, topicId: '', partitions: [], configs: {}, errorCode, errorMessage };
}

/** A partition of a topic, as {@link hostedPartitions} lists them. */
export interface TopicPartitionState {
  readonly topic: TopicState;
  readonly partition: PartitionState;
}

/** The partitions `brokerId` hosts (is a replica of), sorted by topic name, then partition. */
export function hostedPartitions(state: MetadataState, brokerId: number): TopicPartitionState[] {
  const hosted: TopicPartitionState[] = [];
  for (const topic of topicsSortedByName(state)) {
    for (const partition of topic.partitions) {
      if (partition.replicas.includes(brokerId)) hosted.push({ topic, partition });
    }
  }
  return hosted;
}

/**
 * What a broker needs to serve `partition` of `topic`; `configs` is the topic's
 * {@link effectiveTopicConfigs}, passed in so that it is computed once per topic.
 */
export function hostedReplica(
  topic: TopicState,
  partition: PartitionState,
  configs: Record<string, string>,
): v1.HostedReplica {
  return { topic: topic.name, topicId: topic.topicId, ...partitionInfo(partition), configs };
}

/** {@link hostedReplica} of each of `partitions`, computing each topic's configs once. */
export function hostedReplicasOf(partitions: readonly TopicPartitionState[]): v1.HostedReplica[] {
  const configsByTopic = new Map<TopicState, Record<string, string>>();
  return partitions.map(({ topic, partition }) => {
    let configs = configsByTopic.get(topic);
    if (!configs) {
      configs = effectiveTopicConfigs(topic);
      configsByTopic.set(topic, configs);
    }
    return hostedReplica(topic, partition, configs);
  });
}

/** Every replica `brokerId` hosts, with what it needs to serve it; sorted by topic, partition. */
export function hostedReplicas(state: MetadataState, brokerId: number): v1.HostedReplica[] {
  return hostedReplicasOf(hostedPartitions(state, brokerId));
}

/** Partitions whose ISR is smaller than their replica set, or that have no leader. */
export function underReplicatedPartitions(state: MetadataState): v1.UnderReplicatedPartition[] {
  const found: v1.UnderReplicatedPartition[] = [];
  for (const topic of topicsSortedByName(state)) {
    for (const p of topic.partitions) {
      if (p.leader >= 0 && p.isr.length >= p.replicas.length) continue;
      found.push({
        topic: topic.name,
        partition: p.partition,
        leader: p.leader,
        replicas: [...p.replicas],
        isr: [...p.isr],
      });
    }
  }
  return found;
}
