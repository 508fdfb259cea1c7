import type { GroupState } from './group-state.js';
import type { SecurityState } from './security-state.js';

/**
 * The coordinator's in-memory metadata state. Plain JSON data (no classes) so replay results
 * can be compared with deep equality; the one exception is `security`, whose maps a snapshot
 * stores as arrays (quorum/metadata-state-machine.ts). Treat it as immutable: apply() returns
 * a new state and shares unchanged parts.
 */
export interface MetadataState {
  clusterId: string | null;
  /** By broker id (decimal string key). */
  brokers: Record<string, BrokerState>;
  /** By topic id. */
  topics: Record<string, TopicState>;
  /** Topic name -> topic id, kept by apply() for lookups by name. */
  topicIdsByName: Record<string, string>;
  /** Consumer groups by group id (membership and committed offsets). */
  groups: Record<string, GroupState>;
  /**
   * The first producer id no block has taken yet (decimal string); absent until the first
   * ProducerIdBlock record, meaning 0.
   */
  producerIdsEnd?: string;
  /** ACLs, SCRAM credentials and broker principals; absent until the first such record. */
  security?: SecurityState;
}

/** One advertised listener of a broker, as registered. */
export interface ListenerEndpointState {
  name: string;
  host: string;
  port: number;
  securityProtocol: string;
}

export interface BrokerState {
  brokerId: number;
  /** The inter-broker listener's advertised address (the only one before named listeners). */
  host: string;
  port: number;
  /** Advertised Kafka listener; absent when the broker runs none. */
  kafkaHost?: string;
  kafkaPort?: number;
  /** Every gRPC listener; absent in registrations from before named listeners. */
  listeners?: ListenerEndpointState[];
  /** Every Kafka-protocol listener; absent as `listeners` is, or when the broker runs none. */
  kafkaListeners?: ListenerEndpointState[];
  incarnationId: string;
  /** Offset of the broker's latest RegisterBroker record; decimal string. */
  brokerEpoch: string;
  /** True while the broker is fenced (missed its session); fenced brokers lead nothing. */
  fenced: boolean;
  /**
   * True from a ControlledShutdown request until the broker registers again: it is not
   * elected leader anywhere meanwhile (absent in states from before replication).
   */
  inControlledShutdown?: boolean;
}

export interface TopicState {
  topicId: string;
  name: string;
  /** Config overrides (Kafka names, string values); effective config = defaults + these. */
  configs: Record<string, string>;
  /** Indexed by partition number. */
  partitions: PartitionState[];
}

export interface PartitionState {
  partition: number;
  replicas: number[];
  isr: number[];
  /**
   * Eligible leader replicas (KIP-966): replicas that left the ISR while it was below
   * min.insync.replicas, so they hold every committed record and may be elected when no ISR
   * member is alive. Absent in states from before ELR (read as empty).
   */
  elr?: number[];
  /** Broker id of the leader; -1 while the partition is offline. */
  leader: number;
  /** Bumped on every leader change. */
  leaderEpoch: number;
  /** Bumped on every change of leader, replicas or ISR. */
  partitionEpoch: number;
}

/** The state before the first record. */
export function emptyState(): MetadataState {
  return { clusterId: null, brokers: {}, topics: {}, topicIdsByName: {}, groups: {} };
}

/** True when the broker is registered and not fenced. */
export function isBrokerAlive(state: MetadataState, brokerId: number): boolean {
  const broker = state.brokers[String(brokerId)];
  return broker !== undefined && !broker.fenced;
}

/** True when the broker may be elected leader: alive and not shutting down. */
export function isEligibleLeader(state: MetadataState, brokerId: number): boolean {
  const broker = state.brokers[String(brokerId)];
  return broker !== undefined && !broker.fenced && broker.inControlledShutdown !== true;
}

/** Ids of registered, unfenced brokers, ascending. */
export function liveBrokerIds(state: MetadataState): number[] {
  return Object.values(state.brokers)
    .filter((b) => !b.fenced)
    .map((b) => b.brokerId)
    .sort((a, b) => a - b);
}

/** The topic with this name, if it exists. */
export function topicByName(state: MetadataState, name: string): TopicState | undefined {
  const topicId = topicIdByName(state, name);
  return topicId === undefined ? undefined : state.topics[topicId];
}

/**
 * The id of the topic named `name`, if it exists. Own properties only: `constructor`,
 * `toString` and `__proto__` are valid topic names, and a plain lookup found Object's
 * prototype members under them (CreateTopics answered "already exists"; a subscription to
 * one crashed every heartbeat of its group; found by the gRPC fuzzer).
 */
export function topicIdByName(state: MetadataState, name: string): string | undefined {
  return Object.hasOwn(state.topicIdsByName, name) ? state.topicIdsByName[name] : undefined;
}

/** All topics sorted by name. */
export function topicsSortedByName(state: MetadataState): TopicState[] {
  return Object.values(state.topics).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
