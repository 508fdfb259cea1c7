import type { GroupMembership } from './group-state.js';
import type { BrokerControlledShutdownRecord } from './replication-records.js';
import type { SecurityRecord } from './security-records.js';
import type { ListenerEndpointState } from './state.js';

export type { BrokerControlledShutdownRecord } from './replication-records.js';
export type {
  AccessControlEntryRecord,
  BrokerPrincipalRecord,
  RemoveAccessControlEntryRecord,
  RemoveUserScramCredentialRecord,
  SecurityRecord,
  UserScramCredentialRecord,
} from './security-records.js';

/**
 * Metadata log records. The coordinator's state changes only by appending one of these and
 * applying it (apply.ts). Everything non-deterministic (ids, epochs taken from offsets,
 * placement, election outcomes) is decided before appending and carried in the record, so
 * replaying the log reproduces the state exactly. `v` is the record format version; a
 * reader refuses versions it does not know instead of guessing.
 */
export const RECORD_VERSION = 1;

/** The cluster's identity; the first record of every log. */
export interface InitClusterRecord {
  v: 1;
  type: 'InitCluster';
  clusterId: string;
}

/** A broker (re-)registered; it is alive afterwards. */
export interface RegisterBrokerRecord {
  v: 1;
  type: 'RegisterBroker';
  brokerId: number;
  host: string;
  port: number;
  /** Advertised Kafka listener (absent: none, and in records from before the listener existed). */
  kafkaHost?: string;
  kafkaPort?: number;
  /** Every named listener (absent in records from before named listeners). */
  listeners?: ListenerEndpointState[];
  kafkaListeners?: ListenerEndpointState[];
  incarnationId: string;
  /** The offset this record got in the log (monotonic, as in KRaft); decimal string. */
  brokerEpoch: string;
}

/** The broker missed its session timeout. */
export interface FenceBrokerRecord {
  v: 1;
  type: 'FenceBroker';
  brokerId: number;
}

/** A fenced broker heartbeated again with its current epoch. */
export interface UnfenceBrokerRecord {
  v: 1;
  type: 'UnfenceBroker';
  brokerId: number;
}

/** Initial assignment of one partition of a new topic. */
export interface PartitionAssignment {
  partition: number;
  /** Replica broker ids; the first is the preferred leader. */
  replicas: number[];
  leader: number;
  isr: number[];
}

export interface CreateTopicRecord {
  v: 1;
  type: 'CreateTopic';
  topicId: string;
  name: string;
  partitions: PartitionAssignment[];
  /** Config overrides only (Kafka names, string values); defaults are not stored. */
  configs: Record<string, string>;
}

export interface DeleteTopicRecord {
  v: 1;
  type: 'DeleteTopic';
  topicId: string;
}

/** Replaces the topic's config overrides as a whole. */
export interface AlterTopicConfigsRecord {
  v: 1;
  type: 'AlterTopicConfigs';
  topicId: string;
  configs: Record<string, string>;
}

/**
 * New leader and ISR of one partition (an election or an ISR change). Applying it bumps
 * the partition epoch always and the leader epoch when the leader changes.
 */
export interface ChangePartitionRecord {
  v: 1;
  type: 'ChangePartition';
  topicId: string;
  partition: number;
  leader: number;
  isr: number[];
  /** Eligible leader replicas (KIP-966) after the change; absent in records written before them. */
  elr?: number[];
}

/** A consumer group's membership after a change (join, leave, reconciliation, expiry). */
export interface GroupUpdateRecord {
  v: 1;
  type: 'GroupUpdate';
  group: GroupMembership;
}

/**
 * Committed offsets of a group (decimal strings), from a member's commit or an admin reset;
 * either may move an offset back. Offsets of a topic that does not exist when the record is
 * applied are dropped (the topic was deleted meanwhile).
 */
export interface GroupOffsetCommitRecord {
  v: 1;
  type: 'GroupOffsetCommit';
  groupId: string;
  offsets: Array<{ topic: string; partition: number; offset: string; metadata: string }>;
}

/** An empty group and its offsets are deleted. */
export interface GroupDeleteRecord {
  v: 1;
  type: 'GroupDelete';
  groupId: string;
}

/**
 * A block of producer ids was handed to the allocator: ids [firstId, firstId + size) are
 * taken, whether or not they were all given out, so none is reused after a restart.
 */
export interface ProducerIdBlockRecord {
  v: 1;
  type: 'ProducerIdBlock';
  /** Decimal string; must equal the state's `producerIdsEnd`. */
  firstId: string;
  size: number;
}

export type MetadataRecord =
  | BrokerControlledShutdownRecord
  | InitClusterRecord
  | RegisterBrokerRecord
  | FenceBrokerRecord
  | UnfenceBrokerRecord
  | CreateTopicRecord
  | DeleteTopicRecord
  | AlterTopicConfigsRecord
  | ChangePartitionRecord
  | GroupUpdateRecord
  | GroupOffsetCommitRecord
  | GroupDeleteRecord
  | ProducerIdBlockRecord
  | SecurityRecord;

export type MetadataRecordType = MetadataRecord['type'];

/** Distributes Omit over the union so each record keeps its own fields. */
type WithoutVersion<T> = T extends MetadataRecord ? Omit<T, 'v'> : never;

/** Builds a record of the current format version. */
export function metadataRecord(fields: WithoutVersion<MetadataRecord>): MetadataRecord {
  return { v: RECORD_VERSION, ...fields } as MetadataRecord;
}
