/**
 * @fjord/sdk: the Fjord client. Everything an application needs is exported here, by name;
 * tools built inside the Fjord repository (CLI, testkit, bench) reach the SDK's building
 * blocks through `@fjord/sdk/internal`, which makes no compatibility promise.
 *
 * @packageDocumentation
 */

// Sections follow the sorted module paths (biome sorts the exports).
// --- Admin -----------------------------------------------------------------------------------
export {
  type AclDescription,
  type AclEntry,
  type AclFilter,
  type AclOperationType,
  AclOperationTypes,
  type AclPermissionType,
  AclPermissionTypes,
  type AclResource,
  type AclResourceType,
  AclResourceTypes,
  type ResourcePatternType,
  ResourcePatternTypes,
} from './admin/acl-shapes.js';
export type {
  Admin,
  ClusterDescription,
  ElectionResult,
  NewTopic,
  OffsetSpec,
  PartitionDescription,
  PartitionOffset,
  QuorumCoordinator,
  QuorumDescription,
  TopicConfigChange,
  TopicDescription,
  TopicListing,
  UnderReplicatedPartition,
} from './admin/admin.js';
export type {
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  GroupOffsetReset,
  GroupPartitionOffset,
} from './admin/group-admin.js';
export type { ScramMechanismName } from './admin/scram-salting.js';
export type {
  DeleteAclsResult,
  DescribeAclsResult,
  ScramMechanismOption,
  UserScramCredentialAlteration,
  UserScramCredentialsDescription,
} from './admin/security-admin.js';
// --- Consumer --------------------------------------------------------------------------------
export type { Consumer, ConsumerRecord } from './consumer/consumer.js';
export { NO_HEADERS } from './consumer/consumer-record.js';
export type { CommitOptions } from './consumer/group/group-session.js';
export type { RebalanceListener } from './consumer/group/rebalance-listener.js';
export type { EachBatchPayload, EachMessagePayload, RunOptions } from './consumer/runner.js';
// --- Errors: the root, the errors the SDK raises itself, one class per wire error code -------
export {
  AuthenticationError,
  AuthorizationError,
  BrokerIdNotRegisteredError,
  BrokerNotAvailableError,
  BufferExhaustedError,
  type ClientErrorCode,
  ClosedError,
  ClusterAuthorizationFailedError,
  ConnectionError,
  CoordinatorNotAvailableError,
  CorruptMessageError,
  DeliveryTimeoutError,
  DeserializationError,
  DuplicateBrokerRegistrationError,
  DuplicateSequenceNumberError,
  ElectionNotNeededError,
  FencedLeaderEpochError,
  FencedMemberEpochError,
  FjordAggregateError,
  FjordError,
  type FjordErrorCode,
  type FjordErrorOptions,
  FjordProtocolError,
  GroupAuthorizationFailedError,
  GroupIdNotFoundError,
  IllegalSaslStateError,
  IneligibleReplicaError,
  InvalidArgumentError,
  InvalidConfigError,
  InvalidGroupIdError,
  InvalidPartitionsError,
  InvalidProducerEpochError,
  InvalidRecordError,
  InvalidRegularExpressionError,
  InvalidReplicationFactorError,
  InvalidRequestError,
  InvalidRequiredAcksError,
  InvalidTimestampError,
  InvalidTopicError,
  InvalidUpdateVersionError,
  LeaderNotAvailableError,
  MessageTooLargeError,
  NetworkError,
  NonEmptyGroupError,
  NoOffsetForPartitionError,
  NotAssignedError,
  NotCoordinatorError,
  NotEnoughReplicasAfterAppendError,
  NotEnoughReplicasError,
  NotLeaderError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceNumberError,
  PreferredLeaderNotAvailableError,
  RequestTimedOutError,
  RequestTimeoutError,
  ResourceNotFoundError,
  RetriesExceededError,
  SaslAuthenticationFailedError,
  SecurityDisabledError,
  StaleBrokerEpochError,
  StaleMemberEpochError,
  StorageError,
  ThrottlingQuotaExceededError,
  TopicAlreadyExistsError,
  TopicAuthorizationFailedError,
  TransactionalIdAuthorizationFailedError,
  UnknownLeaderEpochError,
  UnknownMemberIdError,
  UnknownProducerIdError,
  UnknownServerError,
  UnknownTopicOrPartitionError,
  UnreleasedInstanceIdError,
  UnsupportedAssignorError,
  UnsupportedCompressionTypeError,
  UnsupportedFeatureError,
  UnsupportedSaslMechanismError,
  type WireErrorClass,
  type WireErrorContext,
  type WireErrorName,
} from './errors.js';
// --- The client, its options and logger, the default partitioner ---------------------------
export { Fjord } from './fjord.js';
export type { FjordLogger } from './logger.js';
export type {
  ConsumerOptions,
  FjordOptions,
  Partitioner,
  PartitionerArgs,
  ProducerOptions,
  SaslOptions,
  SslOptions,
} from './options.js';
export { createDefaultPartitioner } from './producer/partitioner.js';
// --- Producer, retry policy ------------------------------------------------------------------
export type { Message, Producer, RecordMetadata, SendRequest } from './producer/producer.js';
export { RecordDecodeError, type UndecodableBatchLocation } from './record-decode-error.js';
export type { RetryPolicy } from './retry.js';
// --- Serializers -----------------------------------------------------------------------------
export {
  type Deserializer,
  jsonDeserializer,
  jsonSerializer,
  type Serializer,
  stringDeserializer,
  stringSerializer,
} from './serde.js';
export type { TopicPartition } from './topic-partition.js';
