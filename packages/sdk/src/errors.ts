import {
  ERROR_CODE_METADATA_KEY,
  ERROR_CODES,
  ErrorCode,
  type ErrorName,
  errorInfo,
  ProtocolError,
} from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/** The name of every error a Fjord server can answer with (the wire table, without `NONE`). */
export type WireErrorName = Exclude<ErrorName, 'NONE'>;

/** Codes of the errors the SDK raises itself, before or around a request. */
export type ClientErrorCode =
  /** Something that is not a Fjord error was thrown; see `cause`. */
  | 'UNKNOWN'
  /** A server answered with a wire error code this SDK version does not know; see `errorCode`. */
  | 'UNKNOWN_ERROR_CODE'
  | 'CONNECTION_ERROR'
  | 'REQUEST_TIMEOUT'
  | 'INVALID_ARGUMENT'
  | 'RETRIES_EXCEEDED'
  | 'DELIVERY_TIMEOUT'
  | 'CLOSED'
  | 'BUFFER_EXHAUSTED'
  | 'UNSUPPORTED_FEATURE'
  | 'NO_OFFSET_FOR_PARTITION'
  | 'DESERIALIZATION_ERROR'
  | 'RECORD_DECODE_ERROR'
  | 'MULTIPLE_ERRORS'
  /** The gRPC layer refused the request (message larger than the channel allows). */
  | 'RESOURCE_EXHAUSTED'
  /** The server does not implement the RPC (an older server). */
  | 'UNIMPLEMENTED'
  /** A consumer commit while its group membership is being re-established. */
  | 'NOT_IN_GROUP';

/** Every value {@link FjordError.code} can take: a typo in `error.code === '...'` does not compile. */
export type FjordErrorCode = WireErrorName | ClientErrorCode;

/** Options shared by every Fjord error constructor. */
export interface FjordErrorOptions {
  /** The underlying error (a gRPC error, a decoding error, the last retriable failure, ...). */
  cause?: unknown;
}

/** Where a wire error happened; each part given is added to the message and kept as a property. */
export interface WireErrorContext {
  topic?: string;
  partition?: number;
  /** The `host:port` of the server that answered. */
  address?: string;
}

/**
 * The root of every error the SDK throws. `retriable` is the SDK's own retry decision: true
 * when the same request may succeed later (leader moved, broker restarting); the SDK has
 * already retried those within its timeouts before it lets one reach you.
 *
 * ```ts
 * try {
 *   await admin.createTopics([{ name: 'orders', partitions: 3 }]);
 * } catch (e) {
 *   const error = FjordError.from(e);
 *   if (error instanceof TopicAlreadyExistsError) return; // or: error.code === 'TOPIC_ALREADY_EXISTS'
 *   throw error;
 * }
 * ```
 */
export class FjordError extends Error {
  /** Stable error name, e.g. `NOT_LEADER_OR_FOLLOWER` (from a server) or `CONNECTION_ERROR` (from the SDK). */
  readonly code: FjordErrorCode;
  /** The wire error code (Kafka numbering) when the error came from a server. */
  readonly errorCode?: number;
  /** True when retrying the same operation may succeed. */
  readonly retriable: boolean;
  /**
   * The message as the server (or the failing layer) wrote it, without the topic, partition or
   * address the SDK adds to `message`. Equal to `message` for errors the SDK raises itself.
   */
  readonly rawMessage: string;

  constructor(
    message: string,
    init: { code: FjordErrorCode; retriable: boolean; errorCode?: number; rawMessage?: string },
    options?: FjordErrorOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = init.code;
    this.retriable = init.retriable;
    this.rawMessage = init.rawMessage ?? message;
    if (init.errorCode !== undefined) this.errorCode = init.errorCode;
  }

  /**
   * Normalises anything thrown into a FjordError: FjordErrors pass through; gRPC errors are
   * mapped by the `fjord-error-code` trailer, else by their status; `ProtocolError`s by their
   * code; anything else becomes a non-retriable `UNKNOWN` error that keeps the original as
   * `cause`. `address` names the server a gRPC error came from, when the caller knows it.
   */
  static from(error: unknown, address?: string): FjordError {
    if (error instanceof FjordError) return error;
    if (error instanceof ProtocolError) return protocolError(error.code, error.message, {}, { cause: error });
    if (isGrpcServiceError(error)) return fromGrpcError(error, address);
    const message =
      error instanceof Error ? error.message : typeof error === 'string' ? error : describe(error);
    return new FjordError(message, { code: 'UNKNOWN', retriable: false }, { cause: error });
  }
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return `${value} was thrown`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * An error a coordinator or broker answered with. Each wire code has its own subclass with a
 * `static code` (`NotLeaderError.code === 'NOT_LEADER_OR_FOLLOWER'`), so both `instanceof` and
 * a check of `code` narrow the type; a code this SDK does not know is an instance of this class
 * with code `UNKNOWN_ERROR_CODE`. `retriable` comes from the wire table (`@fjord/protocol`).
 */
export class FjordProtocolError extends FjordError {
  declare readonly code: WireErrorName | 'UNKNOWN_ERROR_CODE';
  declare readonly errorCode: number;
  /** The topic the error is about, when it was reported per topic or partition. */
  readonly topic?: string;
  /** The partition the error is about, when it was reported per partition. */
  readonly partition?: number;
  /** The `host:port` of the server that answered, when known. */
  readonly address?: string;

  /**
   * `message` is the server's text (default: the wire table's message for the code). The
   * error's `message` adds the context to it; `rawMessage` keeps it as given.
   */
  constructor(
    errorCode: number,
    message?: string,
    context: WireErrorContext = {},
    options?: FjordErrorOptions,
  ) {
    const info = errorInfo(errorCode);
    const known = WIRE_CODES.has(errorCode);
    const raw = message || info.message;
    super(
      withContext(raw, context),
      {
        code: known ? (info.name as WireErrorName) : 'UNKNOWN_ERROR_CODE',
        retriable: info.retriable,
        errorCode,
        rawMessage: raw,
      },
      options,
    );
    if (context.topic !== undefined) this.topic = context.topic;
    if (context.partition !== undefined) this.partition = context.partition;
    if (context.address !== undefined) this.address = context.address;
  }
}

const WIRE_CODES: ReadonlySet<number> = new Set(
  ERROR_CODES.filter((info) => info.code !== ErrorCode.NONE).map((info) => info.code),
);

// Servers often name the topic already; repeat it only when the message lacks it.
function withContext(text: string, { topic, partition, address }: WireErrorContext): string {
  const parts: string[] = [];
  if (topic !== undefined) {
    const named = partition === undefined && text.includes(`"${topic}"`);
    if (!named)
      parts.push(partition === undefined ? `topic "${topic}"` : `topic "${topic}" partition ${partition}`);
  }
  if (address !== undefined) parts.push(address);
  return parts.length > 0 ? `${text} (${parts.join(', ')})` : text;
}

/** A class of {@link FjordProtocolError} for one wire code. */
export interface WireErrorClass<N extends WireErrorName = WireErrorName> {
  readonly code: N;
  new (
    message?: string,
    context?: WireErrorContext,
    options?: FjordErrorOptions,
  ): FjordProtocolError & { readonly code: N };
}

/** -1: the server failed unexpectedly (a bug or an unexpected state); see its log. */
export class UnknownServerError extends FjordProtocolError {
  static readonly code = 'UNKNOWN_SERVER_ERROR';
  declare readonly code: typeof UnknownServerError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.UNKNOWN_SERVER_ERROR, message, context, options);
  }
}

/** 1: the offset is outside the partition's log (below log start or past its end). */
export class OffsetOutOfRangeError extends FjordProtocolError {
  static readonly code = 'OFFSET_OUT_OF_RANGE';
  declare readonly code: typeof OffsetOutOfRangeError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.OFFSET_OUT_OF_RANGE, message, context, options);
  }
}

/** 2: a record batch failed its CRC check or has a malformed header. */
export class CorruptMessageError extends FjordProtocolError {
  static readonly code = 'CORRUPT_MESSAGE';
  declare readonly code: typeof CorruptMessageError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.CORRUPT_MESSAGE, message, context, options);
  }
}

/** 3: the topic or partition does not exist (Fjord never auto-creates topics). */
export class UnknownTopicOrPartitionError extends FjordProtocolError {
  static readonly code = 'UNKNOWN_TOPIC_OR_PARTITION';
  declare readonly code: typeof UnknownTopicOrPartitionError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message, context, options);
  }
}

/** 5: the partition has no leader right now (retriable). */
export class LeaderNotAvailableError extends FjordProtocolError {
  static readonly code = 'LEADER_NOT_AVAILABLE';
  declare readonly code: typeof LeaderNotAvailableError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.LEADER_NOT_AVAILABLE, message, context, options);
  }
}

/** 6: the broker asked is not the partition's leader (retriable, after a metadata refresh). */
export class NotLeaderError extends FjordProtocolError {
  static readonly code = 'NOT_LEADER_OR_FOLLOWER';
  declare readonly code: typeof NotLeaderError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.NOT_LEADER_OR_FOLLOWER, message, context, options);
  }
}

/** 7: the server gave up waiting (e.g. for replicas to acknowledge with acks 'all') (retriable). Not the client-side deadline, which is {@link RequestTimeoutError}. */
export class RequestTimedOutError extends FjordProtocolError {
  static readonly code = 'REQUEST_TIMED_OUT';
  declare readonly code: typeof RequestTimedOutError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.REQUEST_TIMED_OUT, message, context, options);
  }
}

/** 8: the broker is not available, in Fjord only while it restarts (retriable). */
export class BrokerNotAvailableError extends FjordProtocolError {
  static readonly code = 'BROKER_NOT_AVAILABLE';
  declare readonly code: typeof BrokerNotAvailableError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.BROKER_NOT_AVAILABLE, message, context, options);
  }
}

/** 10: the record batch is larger than the topic's `max.message.bytes`. */
export class MessageTooLargeError extends FjordProtocolError {
  static readonly code = 'MESSAGE_TOO_LARGE';
  declare readonly code: typeof MessageTooLargeError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.MESSAGE_TOO_LARGE, message, context, options);
  }
}

/** 13: the server lost a connection it needed (e.g. to a replica) before it could answer (retriable). */
export class NetworkError extends FjordProtocolError {
  static readonly code = 'NETWORK_EXCEPTION';
  declare readonly code: typeof NetworkError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.NETWORK_EXCEPTION, message, context, options);
  }
}

/** 15: the coordinator is not available (retriable). */
export class CoordinatorNotAvailableError extends FjordProtocolError {
  static readonly code = 'COORDINATOR_NOT_AVAILABLE';
  declare readonly code: typeof CoordinatorNotAvailableError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.COORDINATOR_NOT_AVAILABLE, message, context, options);
  }
}

/**
 * 16: the coordinator that answered is not the quorum leader (retriable). The SDK follows
 * the leader by itself; this reaches an application only when no leader could be found.
 */
export class NotCoordinatorError extends FjordProtocolError {
  static readonly code = 'NOT_COORDINATOR';
  declare readonly code: typeof NotCoordinatorError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.NOT_COORDINATOR, message, context, options);
  }
}

/** 17: the topic name is invalid. */
export class InvalidTopicError extends FjordProtocolError {
  static readonly code = 'INVALID_TOPIC_EXCEPTION';
  declare readonly code: typeof InvalidTopicError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_TOPIC_EXCEPTION, message, context, options);
  }
}

/** 19: fewer in-sync replicas than `min.insync.replicas`; nothing was written (retriable). */
export class NotEnoughReplicasError extends FjordProtocolError {
  static readonly code = 'NOT_ENOUGH_REPLICAS';
  declare readonly code: typeof NotEnoughReplicasError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.NOT_ENOUGH_REPLICAS, message, context, options);
  }
}

/** 20: the batch was written, but the ISR shrank below `min.insync.replicas` before enough replicas acknowledged it (retriable). */
export class NotEnoughReplicasAfterAppendError extends FjordProtocolError {
  static readonly code = 'NOT_ENOUGH_REPLICAS_AFTER_APPEND';
  declare readonly code: typeof NotEnoughReplicasAfterAppendError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, message, context, options);
  }
}

/** 21: `acks` must be 0, 1 or -1 (all). */
export class InvalidRequiredAcksError extends FjordProtocolError {
  static readonly code = 'INVALID_REQUIRED_ACKS';
  declare readonly code: typeof InvalidRequiredAcksError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_REQUIRED_ACKS, message, context, options);
  }
}

/** 22 (ILLEGAL_GENERATION): the partition is not assigned to this group member (commit of a partition not owned). */
export class NotAssignedError extends FjordProtocolError {
  static readonly code = 'ILLEGAL_GENERATION';
  declare readonly code: typeof NotAssignedError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.ILLEGAL_GENERATION, message, context, options);
  }
}

/** 24: the group id is invalid (empty). */
export class InvalidGroupIdError extends FjordProtocolError {
  static readonly code = 'INVALID_GROUP_ID';
  declare readonly code: typeof InvalidGroupIdError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_GROUP_ID, message, context, options);
  }
}

/** 25: the coordinator does not know this group member (it was removed); the consumer rejoins. */
export class UnknownMemberIdError extends FjordProtocolError {
  static readonly code = 'UNKNOWN_MEMBER_ID';
  declare readonly code: typeof UnknownMemberIdError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.UNKNOWN_MEMBER_ID, message, context, options);
  }
}

/** 32: a record's timestamp is out of the acceptable range. */
export class InvalidTimestampError extends FjordProtocolError {
  static readonly code = 'INVALID_TIMESTAMP';
  declare readonly code: typeof InvalidTimestampError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_TIMESTAMP, message, context, options);
  }
}

/** 36: a topic with this name already exists. */
export class TopicAlreadyExistsError extends FjordProtocolError {
  static readonly code = 'TOPIC_ALREADY_EXISTS';
  declare readonly code: typeof TopicAlreadyExistsError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.TOPIC_ALREADY_EXISTS, message, context, options);
  }
}

/** 37: the number of partitions is invalid. */
export class InvalidPartitionsError extends FjordProtocolError {
  static readonly code = 'INVALID_PARTITIONS';
  declare readonly code: typeof InvalidPartitionsError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_PARTITIONS, message, context, options);
  }
}

/** 38: the replication factor is invalid (or larger than the cluster supports). */
export class InvalidReplicationFactorError extends FjordProtocolError {
  static readonly code = 'INVALID_REPLICATION_FACTOR';
  declare readonly code: typeof InvalidReplicationFactorError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_REPLICATION_FACTOR, message, context, options);
  }
}

/** 40: a topic config name or value is invalid. */
export class InvalidConfigError extends FjordProtocolError {
  static readonly code = 'INVALID_CONFIG';
  declare readonly code: typeof InvalidConfigError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_CONFIG, message, context, options);
  }
}

/** 42: the server could not interpret the request. */
export class InvalidRequestError extends FjordProtocolError {
  static readonly code = 'INVALID_REQUEST';
  declare readonly code: typeof InvalidRequestError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_REQUEST, message, context, options);
  }
}

/** 45: an idempotent producer's batch skipped a sequence number (a batch before it was lost). */
export class OutOfOrderSequenceNumberError extends FjordProtocolError {
  static readonly code = 'OUT_OF_ORDER_SEQUENCE_NUMBER';
  declare readonly code: typeof OutOfOrderSequenceNumberError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message, context, options);
  }
}

/** 46: an idempotent producer's batch repeats a sequence number that is not among the last ones the broker remembers. */
export class DuplicateSequenceNumberError extends FjordProtocolError {
  static readonly code = 'DUPLICATE_SEQUENCE_NUMBER';
  declare readonly code: typeof DuplicateSequenceNumberError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, message, context, options);
  }
}

/** 47: the producer epoch is older than the one the broker knows (the producer is fenced). */
export class InvalidProducerEpochError extends FjordProtocolError {
  static readonly code = 'INVALID_PRODUCER_EPOCH';
  declare readonly code: typeof InvalidProducerEpochError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_PRODUCER_EPOCH, message, context, options);
  }
}

/** 56: the broker could not read or write its storage (retriable). */
export class StorageError extends FjordProtocolError {
  static readonly code = 'KAFKA_STORAGE_ERROR';
  declare readonly code: typeof StorageError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.KAFKA_STORAGE_ERROR, message, context, options);
  }
}

/** 59: the broker has no state for this producer id (e.g. retention removed it). */
export class UnknownProducerIdError extends FjordProtocolError {
  static readonly code = 'UNKNOWN_PRODUCER_ID';
  declare readonly code: typeof UnknownProducerIdError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.UNKNOWN_PRODUCER_ID, message, context, options);
  }
}

/** 68: the group still has members (reset offsets and delete need an empty group). */
export class NonEmptyGroupError extends FjordProtocolError {
  static readonly code = 'NON_EMPTY_GROUP';
  declare readonly code: typeof NonEmptyGroupError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.NON_EMPTY_GROUP, message, context, options);
  }
}

/** 69: the group does not exist. */
export class GroupIdNotFoundError extends FjordProtocolError {
  static readonly code = 'GROUP_ID_NOT_FOUND';
  declare readonly code: typeof GroupIdNotFoundError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.GROUP_ID_NOT_FOUND, message, context, options);
  }
}

/** 74: the leader epoch in the request is older than the broker's (retriable, after a metadata refresh). */
export class FencedLeaderEpochError extends FjordProtocolError {
  static readonly code = 'FENCED_LEADER_EPOCH';
  declare readonly code: typeof FencedLeaderEpochError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.FENCED_LEADER_EPOCH, message, context, options);
  }
}

/** 75: the leader epoch in the request is newer than the broker's (retriable). */
export class UnknownLeaderEpochError extends FjordProtocolError {
  static readonly code = 'UNKNOWN_LEADER_EPOCH';
  declare readonly code: typeof UnknownLeaderEpochError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.UNKNOWN_LEADER_EPOCH, message, context, options);
  }
}

/** 76: the batch's compression type is not supported. */
export class UnsupportedCompressionTypeError extends FjordProtocolError {
  static readonly code = 'UNSUPPORTED_COMPRESSION_TYPE';
  declare readonly code: typeof UnsupportedCompressionTypeError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, message, context, options);
  }
}

/** 77: the broker epoch is stale; the broker must register again. */
export class StaleBrokerEpochError extends FjordProtocolError {
  static readonly code = 'STALE_BROKER_EPOCH';
  declare readonly code: typeof StaleBrokerEpochError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.STALE_BROKER_EPOCH, message, context, options);
  }
}

/** 80: the preferred leader is down or not in the ISR (retriable). */
export class PreferredLeaderNotAvailableError extends FjordProtocolError {
  static readonly code = 'PREFERRED_LEADER_NOT_AVAILABLE';
  declare readonly code: typeof PreferredLeaderNotAvailableError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, message, context, options);
  }
}

/** 84: the preferred replica already leads the partition. */
export class ElectionNotNeededError extends FjordProtocolError {
  static readonly code = 'ELECTION_NOT_NEEDED';
  declare readonly code: typeof ElectionNotNeededError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.ELECTION_NOT_NEEDED, message, context, options);
  }
}

/** 87: a record in the batch is invalid. */
export class InvalidRecordError extends FjordProtocolError {
  static readonly code = 'INVALID_RECORD';
  declare readonly code: typeof InvalidRecordError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_RECORD, message, context, options);
  }
}

/** 95: the partition epoch in an ISR change is not the current one (retriable). */
export class InvalidUpdateVersionError extends FjordProtocolError {
  static readonly code = 'INVALID_UPDATE_VERSION';
  declare readonly code: typeof InvalidUpdateVersionError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_UPDATE_VERSION, message, context, options);
  }
}

/** 101: another live broker process is registered with this id. */
export class DuplicateBrokerRegistrationError extends FjordProtocolError {
  static readonly code = 'DUPLICATE_BROKER_REGISTRATION';
  declare readonly code: typeof DuplicateBrokerRegistrationError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.DUPLICATE_BROKER_REGISTRATION, message, context, options);
  }
}

/** 102: the broker id is not registered. */
export class BrokerIdNotRegisteredError extends FjordProtocolError {
  static readonly code = 'BROKER_ID_NOT_REGISTERED';
  declare readonly code: typeof BrokerIdNotRegisteredError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.BROKER_ID_NOT_REGISTERED, message, context, options);
  }
}

/** 107: a replica that would join the ISR is fenced or not a live broker. */
export class IneligibleReplicaError extends FjordProtocolError {
  static readonly code = 'INELIGIBLE_REPLICA';
  declare readonly code: typeof IneligibleReplicaError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INELIGIBLE_REPLICA, message, context, options);
  }
}

/** 110: the member's epoch is fenced (a zombie); the consumer rejoins. */
export class FencedMemberEpochError extends FjordProtocolError {
  static readonly code = 'FENCED_MEMBER_EPOCH';
  declare readonly code: typeof FencedMemberEpochError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.FENCED_MEMBER_EPOCH, message, context, options);
  }
}

/** 111: the static member's instance id is still held by a live member of the group (KIP-848). */
export class UnreleasedInstanceIdError extends FjordProtocolError {
  static readonly code = 'UNRELEASED_INSTANCE_ID';
  declare readonly code: typeof UnreleasedInstanceIdError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.UNRELEASED_INSTANCE_ID, message, context, options);
  }
}

/** 112: the assignor is not supported (use `uniform` or `range`). */
export class UnsupportedAssignorError extends FjordProtocolError {
  static readonly code = 'UNSUPPORTED_ASSIGNOR';
  declare readonly code: typeof UnsupportedAssignorError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.UNSUPPORTED_ASSIGNOR, message, context, options);
  }
}

/** 113: the member's epoch is stale. */
export class StaleMemberEpochError extends FjordProtocolError {
  static readonly code = 'STALE_MEMBER_EPOCH';
  declare readonly code: typeof StaleMemberEpochError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.STALE_MEMBER_EPOCH, message, context, options);
  }
}

/** 129: the subscription regular expression is not valid RE2 syntax, or too long. */
export class InvalidRegularExpressionError extends FjordProtocolError {
  static readonly code = 'INVALID_REGULAR_EXPRESSION';
  declare readonly code: typeof InvalidRegularExpressionError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.INVALID_REGULAR_EXPRESSION, message, context, options);
  }
}

/**
 * The principal may not do this (codes 29, 30, 31, 53): an ACL denies it, or none allows it while the
 * authorizer is on. Not retriable: the same call fails until the ACLs change.
 */
export class AuthorizationError extends FjordProtocolError {
  /** The kind of resource that was refused. */
  readonly resourceType: 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID';
  constructor(
    errorCode: number,
    message: string | undefined,
    resourceType: AuthorizationError['resourceType'],
    context?: WireErrorContext,
    options?: FjordErrorOptions,
  ) {
    super(errorCode, message, context, options);
    this.resourceType = resourceType;
  }
}

/**
 * The login failed (codes 58, 33, 34): wrong credentials, an unknown user, a mechanism the server does
 * not enable, or a SASL message out of turn. Not retriable with the same credentials.
 */
export class AuthenticationError extends FjordProtocolError {}

/** 29: the principal may not use the topic. */
export class TopicAuthorizationFailedError extends AuthorizationError {
  static readonly code = 'TOPIC_AUTHORIZATION_FAILED';
  declare readonly code: typeof TopicAuthorizationFailedError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.TOPIC_AUTHORIZATION_FAILED, message, 'TOPIC', context, options);
  }
}

/** 30: the principal may not use the group. */
export class GroupAuthorizationFailedError extends AuthorizationError {
  static readonly code = 'GROUP_AUTHORIZATION_FAILED';
  declare readonly code: typeof GroupAuthorizationFailedError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.GROUP_AUTHORIZATION_FAILED, message, 'GROUP', context, options);
  }
}

/** 31: the principal may not make this cluster action. */
export class ClusterAuthorizationFailedError extends AuthorizationError {
  static readonly code = 'CLUSTER_AUTHORIZATION_FAILED';
  declare readonly code: typeof ClusterAuthorizationFailedError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, message, 'CLUSTER', context, options);
  }
}

/** 53: the principal may not use the transactional id. */
export class TransactionalIdAuthorizationFailedError extends AuthorizationError {
  static readonly code = 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED';
  declare readonly code: typeof TransactionalIdAuthorizationFailedError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, message, 'TRANSACTIONAL_ID', context, options);
  }
}

/** 33: the SASL mechanism is not enabled on the listener. */
export class UnsupportedSaslMechanismError extends AuthenticationError {
  static readonly code = 'UNSUPPORTED_SASL_MECHANISM';
  declare readonly code: typeof UnsupportedSaslMechanismError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.UNSUPPORTED_SASL_MECHANISM, message, context, options);
  }
}

/** 34: a SASL message came out of turn, or the listener does not take SASL. */
export class IllegalSaslStateError extends AuthenticationError {
  static readonly code = 'ILLEGAL_SASL_STATE';
  declare readonly code: typeof IllegalSaslStateError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.ILLEGAL_SASL_STATE, message, context, options);
  }
}

/** 58: authentication failed: wrong credentials, an unknown user, or an invalid session token. */
export class SaslAuthenticationFailedError extends AuthenticationError {
  static readonly code = 'SASL_AUTHENTICATION_FAILED';
  declare readonly code: typeof SaslAuthenticationFailedError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.SASL_AUTHENTICATION_FAILED, message, context, options);
  }
}

/** 54: security features are disabled: the cluster runs without an authorizer. */
export class SecurityDisabledError extends FjordProtocolError {
  static readonly code = 'SECURITY_DISABLED';
  declare readonly code: typeof SecurityDisabledError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.SECURITY_DISABLED, message, context, options);
  }
}

/** 89: a quota was exceeded; retry after the throttle time (retriable). */
export class ThrottlingQuotaExceededError extends FjordProtocolError {
  static readonly code = 'THROTTLING_QUOTA_EXCEEDED';
  declare readonly code: typeof ThrottlingQuotaExceededError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.THROTTLING_QUOTA_EXCEEDED, message, context, options);
  }
}

/** 91: the resource (a user, an ACL) does not exist. */
export class ResourceNotFoundError extends FjordProtocolError {
  static readonly code = 'RESOURCE_NOT_FOUND';
  declare readonly code: typeof ResourceNotFoundError.code;
  constructor(message?: string, context?: WireErrorContext, options?: FjordErrorOptions) {
    super(ErrorCode.RESOURCE_NOT_FOUND, message, context, options);
  }
}

const WIRE_ERROR_CLASSES = {
  UNKNOWN_SERVER_ERROR: UnknownServerError,
  OFFSET_OUT_OF_RANGE: OffsetOutOfRangeError,
  CORRUPT_MESSAGE: CorruptMessageError,
  UNKNOWN_TOPIC_OR_PARTITION: UnknownTopicOrPartitionError,
  LEADER_NOT_AVAILABLE: LeaderNotAvailableError,
  NOT_LEADER_OR_FOLLOWER: NotLeaderError,
  REQUEST_TIMED_OUT: RequestTimedOutError,
  BROKER_NOT_AVAILABLE: BrokerNotAvailableError,
  MESSAGE_TOO_LARGE: MessageTooLargeError,
  NETWORK_EXCEPTION: NetworkError,
  COORDINATOR_NOT_AVAILABLE: CoordinatorNotAvailableError,
  NOT_COORDINATOR: NotCoordinatorError,
  INVALID_TOPIC_EXCEPTION: InvalidTopicError,
  NOT_ENOUGH_REPLICAS: NotEnoughReplicasError,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: NotEnoughReplicasAfterAppendError,
  INVALID_REQUIRED_ACKS: InvalidRequiredAcksError,
  ILLEGAL_GENERATION: NotAssignedError,
  INVALID_GROUP_ID: InvalidGroupIdError,
  UNKNOWN_MEMBER_ID: UnknownMemberIdError,
  INVALID_TIMESTAMP: InvalidTimestampError,
  TOPIC_ALREADY_EXISTS: TopicAlreadyExistsError,
  INVALID_PARTITIONS: InvalidPartitionsError,
  INVALID_REPLICATION_FACTOR: InvalidReplicationFactorError,
  INVALID_CONFIG: InvalidConfigError,
  INVALID_REQUEST: InvalidRequestError,
  OUT_OF_ORDER_SEQUENCE_NUMBER: OutOfOrderSequenceNumberError,
  DUPLICATE_SEQUENCE_NUMBER: DuplicateSequenceNumberError,
  INVALID_PRODUCER_EPOCH: InvalidProducerEpochError,
  KAFKA_STORAGE_ERROR: StorageError,
  UNKNOWN_PRODUCER_ID: UnknownProducerIdError,
  NON_EMPTY_GROUP: NonEmptyGroupError,
  GROUP_ID_NOT_FOUND: GroupIdNotFoundError,
  FENCED_LEADER_EPOCH: FencedLeaderEpochError,
  UNKNOWN_LEADER_EPOCH: UnknownLeaderEpochError,
  UNSUPPORTED_COMPRESSION_TYPE: UnsupportedCompressionTypeError,
  STALE_BROKER_EPOCH: StaleBrokerEpochError,
  PREFERRED_LEADER_NOT_AVAILABLE: PreferredLeaderNotAvailableError,
  ELECTION_NOT_NEEDED: ElectionNotNeededError,
  INVALID_RECORD: InvalidRecordError,
  INVALID_UPDATE_VERSION: InvalidUpdateVersionError,
  DUPLICATE_BROKER_REGISTRATION: DuplicateBrokerRegistrationError,
  BROKER_ID_NOT_REGISTERED: BrokerIdNotRegisteredError,
  INELIGIBLE_REPLICA: IneligibleReplicaError,
  FENCED_MEMBER_EPOCH: FencedMemberEpochError,
  UNRELEASED_INSTANCE_ID: UnreleasedInstanceIdError,
  UNSUPPORTED_ASSIGNOR: UnsupportedAssignorError,
  STALE_MEMBER_EPOCH: StaleMemberEpochError,
  INVALID_REGULAR_EXPRESSION: InvalidRegularExpressionError,
  TOPIC_AUTHORIZATION_FAILED: TopicAuthorizationFailedError,
  GROUP_AUTHORIZATION_FAILED: GroupAuthorizationFailedError,
  CLUSTER_AUTHORIZATION_FAILED: ClusterAuthorizationFailedError,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: TransactionalIdAuthorizationFailedError,
  UNSUPPORTED_SASL_MECHANISM: UnsupportedSaslMechanismError,
  ILLEGAL_SASL_STATE: IllegalSaslStateError,
  SASL_AUTHENTICATION_FAILED: SaslAuthenticationFailedError,
  SECURITY_DISABLED: SecurityDisabledError,
  THROTTLING_QUOTA_EXCEEDED: ThrottlingQuotaExceededError,
  RESOURCE_NOT_FOUND: ResourceNotFoundError,
} as const satisfies { readonly [N in WireErrorName]: WireErrorClass<N> };

/** The one table from wire code to error class; codes not listed become a plain {@link FjordProtocolError}. */
export const ERROR_CLASSES: ReadonlyMap<number, WireErrorClass> = new Map(
  Object.values(WIRE_ERROR_CLASSES).map((cls): [number, WireErrorClass] => [ErrorCode[cls.code], cls]),
);

/** Builds the error for a wire code: its class from {@link ERROR_CLASSES}, `retriable` from the wire table. */
export function protocolError(
  errorCode: number,
  message?: string,
  context: WireErrorContext = {},
  options?: FjordErrorOptions,
): FjordProtocolError {
  const cls = ERROR_CLASSES.get(errorCode);
  return cls
    ? new cls(message, context, options)
    : new FjordProtocolError(errorCode, message, context, options);
}

/** A broker or the coordinator could not be reached, or the connection broke mid-request (retriable). */
export class ConnectionError extends FjordError {
  static readonly code = 'CONNECTION_ERROR';
  declare readonly code: typeof ConnectionError.code;
  /** The `host:port` that failed. */
  readonly address: string | undefined;
  constructor(message: string, address?: string, options?: FjordErrorOptions & { rawMessage?: string }) {
    super(message, { code: ConnectionError.code, retriable: true, ...rawOf(options) }, options);
    this.address = address;
  }
}

/** A request got no answer within its deadline (`requestTimeoutMs`) (retriable). */
export class RequestTimeoutError extends FjordError {
  static readonly code = 'REQUEST_TIMEOUT';
  declare readonly code: typeof RequestTimeoutError.code;
  /** The `host:port` the request went to, when known. */
  readonly address: string | undefined;
  constructor(message: string, address?: string, options?: FjordErrorOptions & { rawMessage?: string }) {
    super(message, { code: RequestTimeoutError.code, retriable: true, ...rawOf(options) }, options);
    this.address = address;
  }
}

function rawOf(options: { rawMessage?: string } | undefined): { rawMessage?: string } {
  return options?.rawMessage === undefined ? {} : { rawMessage: options.rawMessage };
}

/** The caller passed something the SDK refuses before sending anything (bad option, bad message). */
export class InvalidArgumentError extends FjordError {
  static readonly code = 'INVALID_ARGUMENT';
  declare readonly code: typeof InvalidArgumentError.code;
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, { code: InvalidArgumentError.code, retriable: false }, options);
  }
}

/** Retries of a retriable failure ran out of time; `cause` is the last failure. */
export class RetriesExceededError extends FjordError {
  // Widened so that DeliveryTimeoutError, a kind of RetriesExceededError, can have its own code.
  static readonly code: 'RETRIES_EXCEEDED' | 'DELIVERY_TIMEOUT' = 'RETRIES_EXCEEDED';
  declare readonly code: 'RETRIES_EXCEEDED' | 'DELIVERY_TIMEOUT';
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, { code: (new.target as typeof RetriesExceededError).code, retriable: false }, options);
  }
}

/** A produce could not be delivered within `deliveryTimeoutMs`; `cause` is the last failure. */
export class DeliveryTimeoutError extends RetriesExceededError {
  static override readonly code = 'DELIVERY_TIMEOUT';
  declare readonly code: typeof DeliveryTimeoutError.code;
}

/** The client, producer or consumer was closed before or during the call. */
export class ClosedError extends FjordError {
  static readonly code = 'CLOSED';
  declare readonly code: typeof ClosedError.code;
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, { code: ClosedError.code, retriable: false }, options);
  }
}

/**
 * The producer's buffer (`bufferMemoryBytes`) had no room for a send within `maxBlockMs`, or
 * too many sends already wait for room. Not retriable by the SDK: the application should
 * slow down (await its sends, `flush()` or `waitForCapacity()`).
 */
export class BufferExhaustedError extends FjordError {
  static readonly code = 'BUFFER_EXHAUSTED';
  declare readonly code: typeof BufferExhaustedError.code;
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, { code: BufferExhaustedError.code, retriable: false }, options);
  }
}

/** The feature exists in Kafka's API but not in Fjord (e.g. transactions). */
export class UnsupportedFeatureError extends FjordError {
  static readonly code = 'UNSUPPORTED_FEATURE';
  declare readonly code: typeof UnsupportedFeatureError.code;
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, { code: UnsupportedFeatureError.code, retriable: false }, options);
  }
}

/** A consumer has no position for a partition and `autoOffsetReset` is `'none'`. */
export class NoOffsetForPartitionError extends FjordError {
  static readonly code = 'NO_OFFSET_FOR_PARTITION';
  declare readonly code: typeof NoOffsetForPartitionError.code;
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, { code: NoOffsetForPartitionError.code, retriable: false }, options);
  }
}

/** A key or value deserializer threw; the consumer stays at `offset` (seek past it to skip the record). */
export class DeserializationError extends FjordError {
  static readonly code = 'DESERIALIZATION_ERROR';
  declare readonly code: typeof DeserializationError.code;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  constructor(
    message: string,
    where: { topic: string; partition: number; offset: bigint },
    options?: FjordErrorOptions,
  ) {
    super(message, { code: DeserializationError.code, retriable: false }, options);
    this.topic = where.topic;
    this.partition = where.partition;
    this.offset = where.offset;
  }
}

/**
 * Several independent operations failed (e.g. two of three topics in createTopics). `errors`
 * lists each; `retriable` is true only when every one of them is.
 */
export class FjordAggregateError extends FjordError {
  static readonly code = 'MULTIPLE_ERRORS';
  declare readonly code: typeof FjordAggregateError.code;
  readonly errors: readonly FjordError[];
  constructor(message: string, errors: readonly FjordError[]) {
    const detail = errors.map((e) => `${e.code}: ${e.message}`).join('; ');
    super(`${message}: ${detail}`, {
      code: FjordAggregateError.code,
      retriable: errors.every((e) => e.retriable),
      rawMessage: message,
    });
    this.errors = errors;
  }
}

/** Throws the single error, or a FjordAggregateError when there are several. */
export function throwAll(message: string, errors: readonly FjordError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new FjordAggregateError(message, errors);
}

// Structural, not `instanceof grpc.Metadata`: an application may load a second copy of grpc-js.
function isGrpcServiceError(error: unknown): error is grpc.ServiceError {
  if (!(error instanceof Error)) return false;
  const candidate = error as Partial<grpc.ServiceError>;
  return (
    typeof candidate.code === 'number' &&
    typeof candidate.metadata === 'object' &&
    candidate.metadata !== null &&
    typeof candidate.metadata.get === 'function'
  );
}

// What Node's TLS layer and OpenSSL say when a handshake fails: a certificate the client does
// not trust or whose name does not match, a server that wants a client certificate, TLS
// spoken to a plaintext listener ("wrong version number").
const TLS_FAILURE =
  /certificate|self[- ]signed|altnames|SSL routines|ssl3_|tlsv1|wrong version number|handshake|ERR_TLS|CERT_/i;

/** The TLS reason inside a grpc-js UNAVAILABLE message, or undefined when it is not about TLS. */
function tlsFailureOf(details: string): string | undefined {
  if (!TLS_FAILURE.test(details)) return undefined;
  // grpc-js wraps the socket error: "No connection established. Last error: <why>. Resolution note: ..."
  const last = /Last error: (?:Error: )?(.*?)(?:\s*\(\d{4}-[^)]*\))?\.?\s*(?:Resolution note:.*)?$/s.exec(
    details,
  );
  const reason = (last?.[1] ?? details).replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:/, '').trim();
  return reason.split('\n')[0]?.replace(/:\.\.\/deps\/openssl\/.*$/, '');
}

/**
 * Maps a gRPC call failure. A `fjord-error-code` trailer wins (the server said what went
 * wrong); otherwise the status decides: unreachable / reset / deadline are retriable
 * connection problems, everything else is not.
 */
export function fromGrpcError(error: grpc.ServiceError, address?: string): FjordError {
  const trailer = error.metadata.get(ERROR_CODE_METADATA_KEY)[0];
  const details = error.details || error.message;
  const context = address === undefined ? {} : { address };
  const cause = { cause: error };
  if (trailer !== undefined && /^-?\d+$/.test(String(trailer))) {
    return protocolError(Number(trailer), details, context, cause);
  }
  const server = address ?? 'server';
  switch (error.code) {
    case grpc.status.UNAVAILABLE: {
      const tls = tlsFailureOf(details);
      const message = tls
        ? `TLS handshake with ${server} failed: ${tls} (check ssl: the CA that signed the server's certificate, the server name, a client certificate where the listener requires one)`
        : `cannot reach ${server}: ${details}`;
      return new ConnectionError(message, address, { ...cause, rawMessage: details });
    }
    case grpc.status.UNAUTHENTICATED:
      // Servers always name the SASL code; a bare UNAUTHENTICATED is still a failed login.
      return protocolError(ErrorCode.SASL_AUTHENTICATION_FAILED, details, context, cause);
    case grpc.status.DEADLINE_EXCEEDED:
      return new RequestTimeoutError(`request to ${server} timed out: ${details}`, address, {
        ...cause,
        rawMessage: details,
      });
    case grpc.status.CANCELLED:
      return new ConnectionError(`request to ${server} was cancelled: ${details}`, address, {
        ...cause,
        rawMessage: details,
      });
    case grpc.status.INVALID_ARGUMENT:
      return new InvalidRequestError(details, context, cause);
    case grpc.status.RESOURCE_EXHAUSTED:
    case grpc.status.UNIMPLEMENTED: {
      const code = error.code === grpc.status.UNIMPLEMENTED ? 'UNIMPLEMENTED' : 'RESOURCE_EXHAUSTED';
      const message = address === undefined ? details : `${details} (${address})`;
      return new FjordError(message, { code, retriable: false, rawMessage: details }, cause);
    }
    default:
      return new UnknownServerError(details, context, cause);
  }
}
