// @fjord/kafka-protocol: the Kafka wire codec the brokers' Kafka listener speaks.

export { API_MESSAGES, ApiKey, type ApiMessages } from './apis.js';
export { decodeMessage, defaultValue, encodeMessage, type KafkaStruct, ZERO_UUID } from './codec.js';
export { KafkaProtocolError } from './errors.js';
export { FrameSplitter } from './framing.js';
export {
  decodeRequestHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  frameResponse,
  type RequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from './header.js';
export { DEFAULT_DECODE_LIMITS, DEFAULT_MAX_FRAME_BYTES, type DecodeLimits } from './limits.js';
export { Reader } from './reader.js';
export {
  type FieldSchema,
  inVersions,
  type MessageSchema,
  parseVersions,
  type ScalarType,
  type VersionRange,
} from './schema.js';
export { Writer } from './writer.js';
