// @fjord/protocol: the wire contract shared by the SDK, the broker and the coordinator.

export {
  AUTHORIZATION_METADATA_KEY,
  ChannelSecurity,
  type ChannelSecurityOptions,
  type PemValue,
  REAUTHENTICATE_METADATA_KEY,
  SASL_CLIENT_MECHANISMS,
  SASL_LOGIN_TIMEOUT_MS,
  SaslChannelSession,
  type SaslClientMechanism,
  type SaslOptions,
  type SecuredChannel,
  type SessionGrant,
  type SslOptions,
  sessionInterceptor,
  type TlsCertificateProviders,
} from './channel-security/index.js';
export {
  COMPRESSION_NAMES,
  Compression,
  type CompressionName,
  compressionCode,
  compressRecords,
  decompressRecords,
  loadCompressionCodecs,
} from './compression/index.js';
export {
  type CoordinatorFailure,
  classifyCoordinatorGrpcError,
  leaderHintOf,
} from './coordinator-failure.js';
export {
  type CoordinatorAttemptFailure,
  type CoordinatorCallOptions,
  CoordinatorQuorum,
  type CoordinatorQuorumOptions,
  type QuorumView,
} from './coordinator-quorum.js';
export { crc32c } from './crc32c.js';
export {
  ERROR_CODES,
  ErrorCode,
  type ErrorCodeInfo,
  type ErrorName,
  errorInfo,
  ProtocolError,
} from './errors.js';
export {
  encodeFetchResponse,
  type FetchAnswer,
  type FetchPartitionAnswer,
  type FetchTopicAnswer,
  totalLength,
} from './fetch-codec.js';
export type * as v1 from './gen/index.js';
export {
  ERROR_CODE_METADATA_KEY,
  type FjordProto,
  GRPC_CHANNEL_OPTIONS,
  grpcRequestError,
  LEADER_HINT_METADATA_KEY,
  loadFjordProto,
  MAX_GRPC_MESSAGE_BYTES,
  PROTO_DIR,
  PROTO_LOADER_OPTIONS,
} from './grpc.js';
export { murmur2, partitionForKey, toPositive } from './murmur2.js';
export {
  type DecodedProduceStreamRequest,
  decodeProduceRequest,
  decodeProduceStreamRequest,
  encodeProduceRequest,
  encodeProduceStreamRequest,
  ProduceCodecError,
} from './produce-codec.js';
export {
  type BatchHeader,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type DecodedBatch,
  type DecodeOptions,
  decodeRecordBatch,
  decodeRecordsOfBatch,
  EARLIEST_TIMESTAMP,
  EMPTY_HEADERS,
  type EncodeBatchInput,
  encodeRecordBatch,
  type Header,
  LATEST_TIMESTAMP,
  patchBaseOffset,
  patchPartitionLeaderEpoch,
  RECORD_BATCH_OVERHEAD,
  type Record,
  type RecordBuilder,
  type RecordInput,
  readBatchHeader,
  setCreateTimeMaxTimestamp,
  setLogAppendTime,
  setProducerState,
  splitBatches,
  TimestampType,
  validateBatch,
} from './record-batch.js';
export { type BuildBatchOptions, RecordBatchBuilder } from './record-batch-builder.js';
export {
  type CheckedRecords,
  DEFAULT_DECOMPRESSION_BUDGET_BYTES,
  DecompressionBudget,
  type RecordValidationOptions,
  type TimestampWindow,
  validateBatchRecords,
} from './record-validation.js';
export { RESERVED_NAMES, reservedNameProblem } from './reserved-names.js';
export {
  assertValidTopicName,
  parseTopicConfig,
  renderTopicConfig,
  TOPIC_CONFIG_NAMES,
  TOPIC_CONFIG_SCHEMA,
  TOPIC_NAME_PATTERN,
  type TopicConfig,
  topicNameProblem,
} from './topic-config.js';
