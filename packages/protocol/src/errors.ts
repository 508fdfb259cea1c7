/**
 * Fjord error codes. Numbers follow Kafka's protocol error codes so that people who know
 * Kafka recognise them and a later Kafka-protocol listener can pass them through.
 *
 * `retriable` is the client's retry decision: true when the same request may succeed after
 * a metadata refresh or a wait (leader moved, broker restarting), false when retrying cannot
 * help (bad input, unknown topic). Fjord differs from Kafka on five rows:
 * - UNKNOWN_TOPIC_OR_PARTITION and CORRUPT_MESSAGE are retriable in Kafka, but Fjord has no
 *   topic auto-creation and a corrupt batch comes from the client, so neither is here;
 * - BROKER_NOT_AVAILABLE is retriable here because it only ever means "restarting";
 * - ELECTION_NOT_NEEDED is retriable in Kafka (an InvalidMetadataException) but answers an
 *   admin's preferred election that has nothing to do, which retrying cannot change;
 * - INVALID_UPDATE_VERSION is retriable here: a leader whose ISR change carried a stale
 *   partition epoch re-reads the partition and tries again.
 */
export interface ErrorCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly retriable: boolean;
  readonly message: string;
}

const rows = [
  [-1, 'UNKNOWN_SERVER_ERROR', false, 'An unexpected server error occurred.'],
  [0, 'NONE', false, 'No error.'],
  [
    1,
    'OFFSET_OUT_OF_RANGE',
    false,
    'The requested offset is outside the range of offsets kept for the partition.',
  ],
  [2, 'CORRUPT_MESSAGE', false, 'The record batch failed its CRC check or has a malformed header.'],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', false, 'This server does not host this topic-partition.'],
  [5, 'LEADER_NOT_AVAILABLE', true, 'There is no leader for this topic-partition right now.'],
  [
    6,
    'NOT_LEADER_OR_FOLLOWER',
    true,
    'This server is not the leader (or a follower) for that topic-partition.',
  ],
  [7, 'REQUEST_TIMED_OUT', true, 'The request timed out.'],
  [8, 'BROKER_NOT_AVAILABLE', true, 'The broker is not available.'],
  [10, 'MESSAGE_TOO_LARGE', false, 'The record batch is larger than the topic accepts (max.message.bytes).'],
  [13, 'NETWORK_EXCEPTION', true, 'The server disconnected before a response was received.'],
  [15, 'COORDINATOR_NOT_AVAILABLE', true, 'The coordinator is not available.'],
  [
    16,
    'NOT_COORDINATOR',
    true,
    'This coordinator is not the quorum leader; retry at the leader (the answer names it when known).',
  ],
  [17, 'INVALID_TOPIC_EXCEPTION', false, 'The topic name is invalid.'],
  [19, 'NOT_ENOUGH_REPLICAS', true, 'There are fewer in-sync replicas than min.insync.replicas.'],
  [
    20,
    'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
    true,
    'The batch was written, but fewer in-sync replicas than required acknowledged it.',
  ],
  [21, 'INVALID_REQUIRED_ACKS', false, 'acks must be 0, 1 or -1 (all).'],
  [22, 'ILLEGAL_GENERATION', false, 'The partition is not assigned to this group member.'],
  [24, 'INVALID_GROUP_ID', false, 'The group id is invalid (empty).'],
  [25, 'UNKNOWN_MEMBER_ID', false, 'The group member is not known; it must rejoin.'],
  [29, 'TOPIC_AUTHORIZATION_FAILED', false, 'The principal is not authorized to use the topic.'],
  [30, 'GROUP_AUTHORIZATION_FAILED', false, 'The principal is not authorized to use the group.'],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', false, 'The principal is not authorized for this cluster action.'],
  [32, 'INVALID_TIMESTAMP', false, 'The timestamp of the record is out of the acceptable range.'],
  [33, 'UNSUPPORTED_SASL_MECHANISM', false, 'The SASL mechanism is not enabled on this listener.'],
  [34, 'ILLEGAL_SASL_STATE', false, 'The SASL message came out of turn, or the listener does not take SASL.'],
  [36, 'TOPIC_ALREADY_EXISTS', false, 'A topic with this name already exists.'],
  [37, 'INVALID_PARTITIONS', false, 'The number of partitions is invalid.'],
  [38, 'INVALID_REPLICATION_FACTOR', false, 'The replication factor is invalid.'],
  [40, 'INVALID_CONFIG', false, 'The configuration is invalid.'],
  [42, 'INVALID_REQUEST', false, 'The request is malformed.'],
  [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false, 'The broker received an out of order sequence number.'],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', false, 'The broker received a duplicate sequence number.'],
  [
    47,
    'INVALID_PRODUCER_EPOCH',
    false,
    'The producer epoch is older than the one the broker knows (fenced).',
  ],
  [
    53,
    'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
    false,
    'The principal is not authorized to use the transactional id.',
  ],
  [54, 'SECURITY_DISABLED', false, 'Security features are disabled (no authorizer is configured).'],
  [
    58,
    'SASL_AUTHENTICATION_FAILED',
    false,
    'Authentication failed: wrong credentials, an unknown user, or an invalid session token.',
  ],
  [59, 'UNKNOWN_PRODUCER_ID', false, 'The broker has no state for this producer id.'],
  [56, 'KAFKA_STORAGE_ERROR', true, 'The broker could not read or write its storage.'],
  [68, 'NON_EMPTY_GROUP', false, 'The group has members.'],
  [69, 'GROUP_ID_NOT_FOUND', false, 'The group does not exist.'],
  [74, 'FENCED_LEADER_EPOCH', true, 'The leader epoch in the request is older than the broker’s.'],
  [75, 'UNKNOWN_LEADER_EPOCH', true, 'The leader epoch in the request is newer than the broker’s.'],
  [76, 'UNSUPPORTED_COMPRESSION_TYPE', false, 'The compression type of the batch is not supported.'],
  [77, 'STALE_BROKER_EPOCH', false, 'The broker epoch is stale; the broker must register again.'],
  [80, 'PREFERRED_LEADER_NOT_AVAILABLE', true, 'The preferred leader is down or not in the ISR.'],
  [84, 'ELECTION_NOT_NEEDED', false, 'The preferred replica already leads the partition.'],
  [87, 'INVALID_RECORD', false, 'A record in the batch is invalid.'],
  [101, 'DUPLICATE_BROKER_REGISTRATION', false, 'Another live broker process is registered with this id.'],
  [102, 'BROKER_ID_NOT_REGISTERED', false, 'The broker id is not registered.'],
  [107, 'INELIGIBLE_REPLICA', false, 'A replica that would join the ISR is fenced or not a live broker.'],
  [89, 'THROTTLING_QUOTA_EXCEEDED', true, 'A quota was exceeded; retry after the throttle time.'],
  [91, 'RESOURCE_NOT_FOUND', false, 'The resource (a user, an ACL) does not exist.'],
  [95, 'INVALID_UPDATE_VERSION', true, 'The partition epoch in the request is not the current one.'],
  [110, 'FENCED_MEMBER_EPOCH', false, 'The member epoch is fenced; the member must rejoin.'],
  [
    111,
    'UNRELEASED_INSTANCE_ID',
    false,
    'The static member instance id is still held by a live member of the group.',
  ],
  [112, 'UNSUPPORTED_ASSIGNOR', false, 'The assignor is not supported (use uniform or range).'],
  [113, 'STALE_MEMBER_EPOCH', false, 'The member epoch is stale.'],
  [129, 'INVALID_REGULAR_EXPRESSION', false, 'The subscription regular expression is not valid RE2.'],
] as const satisfies ReadonlyArray<readonly [number, string, boolean, string]>;

type Row = (typeof rows)[number];

/** Error names to codes, e.g. `ErrorCode.NOT_LEADER_OR_FOLLOWER === 6`. */
export const ErrorCode = Object.fromEntries(rows.map(([code, name]) => [name, code])) as {
  readonly [R in Row as R[1]]: R[0];
};
export type ErrorName = Row[1];

const byCode = new Map<number, ErrorCodeInfo>(
  rows.map(([code, name, retriable, message]) => [code, { code, name, retriable, message }]),
);

/** The table row for a code; unknown codes map to a non-retriable UNKNOWN row that keeps the number. */
export function errorInfo(code: number): ErrorCodeInfo {
  return (
    byCode.get(code) ?? {
      code,
      name: `UNKNOWN_ERROR_CODE_${code}`,
      retriable: false,
      message: `Unknown error code ${code}.`,
    }
  );
}

/** Every known error code, for documentation and tests. */
export const ERROR_CODES: readonly ErrorCodeInfo[] = [...byCode.values()];

/**
 * An error carrying a Fjord error code, thrown by protocol helpers (codec, config parsing)
 * and by server code. The SDK wraps it in its public FjordError hierarchy.
 */
export class ProtocolError extends Error {
  readonly code: number;
  readonly retriable: boolean;
  constructor(code: number, message?: string, options?: { cause?: unknown }) {
    const info = errorInfo(code);
    super(message ?? info.message, options);
    this.name = 'ProtocolError';
    this.code = code;
    this.retriable = info.retriable;
  }
  /** The error name from the table, e.g. `CORRUPT_MESSAGE`. */
  get errorName(): string {
    return errorInfo(this.code).name;
  }
}
