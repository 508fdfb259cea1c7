// @fjord/protocol: the wire contract shared by the SDK, the broker and the coordinator.

export {
  ERROR_CODE_METADATA_KEY,
  GRPC_CHANNEL_OPTIONS,
  grpcRequestError,
  loadFjordProto,
  MAX_GRPC_MESSAGE_BYTES,
  PROTO_DIR,
  PROTO_LOADER_OPTIONS,
  type FjordProto,
} from './grpc.js';
export { ERROR_CODES, ErrorCode, type ErrorCodeInfo, type ErrorName, errorInfo, ProtocolError } from './errors.js';
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
export { crc32c } from './crc32c.js';
export { murmur2, partitionForKey, toPositive } from './murmur2.js';
export {
  type BatchHeader,
  Compression,
  type DecodedBatch,
  decodeRecordBatch,
  encodeRecordBatch,
  type EncodeBatchInput,
  type Header,
  LATEST_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  patchBaseOffset,
  patchPartitionLeaderEpoch,
  setLogAppendTime,
  readBatchHeader,
  RECORD_BATCH_OVERHEAD,
  type Record,
  type RecordInput,
  splitBatches,
  TimestampType,
  validateBatch,
} from './record-batch.js';
export type * as v1 from './gen/index.js';
