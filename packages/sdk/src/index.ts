// @fjord/sdk: the Fjord client.

export {
  Admin,
  type ClusterDescription,
  type NewTopic,
  type OffsetSpec,
  type PartitionDescription,
  type PartitionOffset,
  type TopicConfigChange,
  type TopicDescription,
  type TopicListing,
} from './admin/admin.js';
export { Consumer, type ConsumerRecord } from './consumer/consumer.js';
export type { TopicPartition } from './consumer/fetcher.js';
// --- Advanced: for tools and libraries built on the SDK ------------------------------------
export {
  ClosedError,
  ConnectionError,
  CorruptMessageError,
  DeliveryTimeoutError,
  DeserializationError,
  ERROR_CLASSES,
  FjordAggregateError,
  FjordError,
  type FjordErrorOptions,
  FjordProtocolError,
  fromGrpcError,
  InvalidArgumentError,
  InvalidConfigError,
  InvalidPartitionsError,
  InvalidReplicationFactorError,
  InvalidRequestError,
  InvalidTopicError,
  LeaderNotAvailableError,
  MessageTooLargeError,
  NoOffsetForPartitionError,
  NotEnoughReplicasError,
  NotLeaderError,
  OffsetOutOfRangeError,
  type PartitionContext,
  protocolError,
  RequestTimeoutError,
  RetriesExceededError,
  TopicAlreadyExistsError,
  UnknownTopicOrPartitionError,
  UnsupportedFeatureError,
} from './errors.js';
// --- For users -----------------------------------------------------------------------------
export { Fjord } from './fjord.js';
export type { Logger } from './logger.js';
export type { ConsumerOptions, FjordOptions, ProducerOptions } from './options.js';
export {
  CONSUMER_OPTIONS_SCHEMA,
  FJORD_OPTIONS_SCHEMA,
  PRODUCER_OPTIONS_SCHEMA,
  RETRY_SCHEMA,
} from './options.js';
export type { Partitioner, PartitionerArgs } from './producer/partitioner.js';
export { createDefaultPartitioner } from './producer/partitioner.js';
export { type Message, Producer, type RecordMetadata, type SendRequest } from './producer/producer.js';
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
