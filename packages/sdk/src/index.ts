// @fjord/sdk: the Fjord client.

export {
  Admin,
  type ClusterDescription,
  type ElectionResult,
  type NewTopic,
  type OffsetSpec,
  type PartitionDescription,
  type PartitionOffset,
  type TopicConfigChange,
  type TopicDescription,
  type TopicListing,
  type UnderReplicatedPartition,
} from './admin/admin.js';
export type {
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  GroupOffsetReset,
  GroupPartitionOffset,
} from './admin/group-admin.js';
export { Consumer, type ConsumerRecord } from './consumer/consumer.js';
export type { CommitOptions } from './consumer/group/group-session.js';
export type { RebalanceListener } from './consumer/group/rebalance-listener.js';
export type { EachBatchPayload, EachMessagePayload, RunOptions } from './consumer/runner.js';
// --- Advanced: for tools and libraries built on the SDK ------------------------------------
export {
  BufferExhaustedError,
  ClosedError,
  ConnectionError,
  CorruptMessageError,
  DeliveryTimeoutError,
  DeserializationError,
  ERROR_CLASSES,
  FencedMemberEpochError,
  FjordAggregateError,
  FjordError,
  type FjordErrorOptions,
  FjordProtocolError,
  fromGrpcError,
  GroupIdNotFoundError,
  InvalidArgumentError,
  InvalidConfigError,
  InvalidGroupIdError,
  InvalidPartitionsError,
  InvalidReplicationFactorError,
  InvalidRequestError,
  InvalidTopicError,
  LeaderNotAvailableError,
  MessageTooLargeError,
  NonEmptyGroupError,
  NoOffsetForPartitionError,
  NotAssignedError,
  NotEnoughReplicasError,
  NotLeaderError,
  OffsetOutOfRangeError,
  type PartitionContext,
  protocolError,
  RequestTimeoutError,
  RetriesExceededError,
  StaleMemberEpochError,
  TopicAlreadyExistsError,
  UnknownMemberIdError,
  UnknownTopicOrPartitionError,
  UnsupportedFeatureError,
} from './errors.js';
// --- For users -----------------------------------------------------------------------------
export { Fjord } from './fjord.js';
export type { Logger } from './logger.js';
export type {
  ConsumerOptions,
  FjordOptions,
  Partitioner,
  PartitionerArgs,
  ProducerOptions,
} from './options.js';
export {
  CONSUMER_OPTIONS_SCHEMA,
  FJORD_OPTIONS_SCHEMA,
  PRODUCER_OPTIONS_SCHEMA,
  RETRY_SCHEMA,
} from './options.js';
export { createDefaultPartitioner } from './producer/partitioner.js';
export { type Message, Producer, type RecordMetadata, type SendRequest } from './producer/producer.js';
export { RecordDecodeError, type UndecodableBatchLocation } from './record-decode-error.js';
export type { RetryPolicy } from './retry.js';
export { backoffMs } from './retry.js';
export {
  type Deserializer,
  jsonDeserializer,
  jsonSerializer,
  type Serializer,
  stringDeserializer,
  stringSerializer,
} from './serde.js';
export type { TopicPartition } from './topic-partition.js';
