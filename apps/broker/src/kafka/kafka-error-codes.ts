/**
 * Kafka error codes the Kafka listener answers with that Fjord's own protocol has no use for
 * (the shared table in @fjord/protocol holds the rest, with the same numbers).
 */
export const KafkaErrorCode = {
  UNSUPPORTED_VERSION: 35,
  REBALANCE_IN_PROGRESS: 27,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  UNKNOWN_SERVER_ERROR: -1,
  UNSUPPORTED_ENDPOINT_TYPE: 119,
  UNKNOWN_TOPIC_ID: 100,
  /** A cluster change found no controller; Kafka clients refresh metadata and retry. */
  NOT_CONTROLLER: 41,
} as const;
