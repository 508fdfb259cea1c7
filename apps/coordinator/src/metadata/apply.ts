import { applyGroupRecord, dropTopicOffsets } from './group-records.js';
import type { MetadataRecord } from './records.js';
import { applyBrokerControlledShutdown } from './replication-records.js';
import { applySecurityRecord } from './security-records.js';
import { type MetadataState, type PartitionState, type TopicState, topicIdByName } from './state.js';

/** A record that does not fit the state it is applied to: the log is corrupt or out of order. */
export class InconsistentRecordError extends Error {
  constructor(record: MetadataRecord, reason: string) {
    super(`cannot apply ${record.type} record: ${reason}`);
    this.name = 'InconsistentRecordError';
  }
}

/**
 * The metadata state machine: returns the state after `record`. Pure and deterministic (no
 * clock, no randomness, no I/O); the input state is not modified, so the same records
 * replayed from the same state always give deep-equal results.
 */
export function apply(state: MetadataState, record: MetadataRecord): MetadataState {
  if (record.v !== 1) throw new InconsistentRecordError(record, `unknown record version ${String(record.v)}`);
  switch (record.type) {
    case 'InitCluster':
      if (state.clusterId !== null) throw new InconsistentRecordError(record, 'cluster already initialised');
      return { ...state, clusterId: record.clusterId };
    case 'RegisterBroker': {
      const { brokerId, host, port, kafkaHost, kafkaPort, incarnationId, brokerEpoch } = record;
      const kafka = kafkaPort ? { kafkaHost, kafkaPort } : {};
      const named = {
        ...(record.listeners?.length ? { listeners: record.listeners } : {}),
        ...(record.kafkaListeners?.length ? { kafkaListeners: record.kafkaListeners } : {}),
      };
      const broker = { brokerId, host, port, ...kafka, ...named, incarnationId, brokerEpoch, fenced: false };
      return { ...state, brokers: { ...state.brokers, [String(brokerId)]: broker } };
    }
    case 'FenceBroker':
    case 'UnfenceBroker': {
      const broker = state.brokers[String(record.brokerId)];
      if (!broker) throw new InconsistentRecordError(record, `broker ${record.brokerId} is not registered`);
      const fenced = record.type === 'FenceBroker';
      return { ...state, brokers: { ...state.brokers, [String(record.brokerId)]: { ...broker, fenced } } };
    }
    case 'BrokerControlledShutdown':
      return applyBrokerControlledShutdown(
        state,
        record,
        (reason) => new InconsistentRecordError(record, reason),
      );
    case 'CreateTopic': {
      if (state.topics[record.topicId] || topicIdByName(state, record.name) !== undefined) {
        throw new InconsistentRecordError(record, `topic ${record.name} (${record.topicId}) already exists`);
      }
      const partitions: PartitionState[] = record.partitions.map((p) => ({
        partition: p.partition,
        replicas: [...p.replicas],
        isr: [...p.isr],
        leader: p.leader,
        leaderEpoch: 0,
        partitionEpoch: 0,
      }));
      const topic: TopicState = {
        topicId: record.topicId,
        name: record.name,
        configs: { ...record.configs },
        partitions,
      };
      return {
        ...state,
        topics: { ...state.topics, [record.topicId]: topic },
        topicIdsByName: { ...state.topicIdsByName, [record.name]: record.topicId },
      };
    }
    case 'DeleteTopic': {
      const topic = requireTopic(state, record, record.topicId);
      const { [record.topicId]: _deleted, ...topics } = state.topics;
      const { [topic.name]: _name, ...topicIdsByName } = state.topicIdsByName;
      // States from before consumer groups have no groups to clean.
      const groups = state.groups === undefined ? {} : { groups: dropTopicOffsets(state.groups, topic.name) };
      return { ...state, topics, topicIdsByName, ...groups };
    }
    case 'AlterTopicConfigs': {
      const topic = requireTopic(state, record, record.topicId);
      return withTopic(state, { ...topic, configs: { ...record.configs } });
    }
    case 'ChangePartition': {
      const topic = requireTopic(state, record, record.topicId);
      const current = topic.partitions[record.partition];
      if (!current) throw new InconsistentRecordError(record, `partition ${record.partition} does not exist`);
      const changed: PartitionState = {
        ...current,
        leader: record.leader,
        isr: [...record.isr],
        elr: [...(record.elr ?? [])],
        leaderEpoch: current.leaderEpoch + (record.leader === current.leader ? 0 : 1),
        partitionEpoch: current.partitionEpoch + 1,
      };
      const partitions = topic.partitions.map((p) => (p.partition === record.partition ? changed : p));
      return withTopic(state, { ...topic, partitions });
    }
    case 'ProducerIdBlock': {
      const end = state.producerIdsEnd ?? '0';
      if (record.firstId !== end || !Number.isSafeInteger(record.size) || record.size <= 0) {
        throw new InconsistentRecordError(
          record,
          `block [${record.firstId}, +${record.size}) does not start at the next free id ${end}`,
        );
      }
      return { ...state, producerIdsEnd: (BigInt(end) + BigInt(record.size)).toString() };
    }
    case 'GroupUpdate':
    case 'GroupOffsetCommit':
    case 'GroupDelete':
      return applyGroupRecord(state, record);
    case 'AccessControlEntry':
    case 'RemoveAccessControlEntry':
    case 'UserScramCredential':
    case 'RemoveUserScramCredential':
    case 'BrokerPrincipal':
      return applySecurityRecord(state, record, (reason) => new InconsistentRecordError(record, reason));
    default: {
      const unknown: { type?: unknown } = record;
      throw new Error(`unknown metadata record type ${String(unknown.type)}`);
    }
  }
}

/** Applies records in order. */
export function applyAll(state: MetadataState, records: readonly MetadataRecord[]): MetadataState {
  return records.reduce(apply, state);
}

function requireTopic(state: MetadataState, record: MetadataRecord, topicId: string): TopicState {
  const topic = state.topics[topicId];
  if (!topic) throw new InconsistentRecordError(record, `topic ${topicId} does not exist`);
  return topic;
}

function withTopic(state: MetadataState, topic: TopicState): MetadataState {
  return { ...state, topics: { ...state.topics, [topic.topicId]: topic } };
}
