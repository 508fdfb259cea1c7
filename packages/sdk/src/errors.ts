import { ERROR_CODE_METADATA_KEY, ErrorCode, errorInfo, ProtocolError } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/** Options shared by every Fjord error constructor. */
export interface FjordErrorOptions {
  /** The underlying error (a gRPC error, a decoding error, the last retriable failure, ...). */
  cause?: unknown;
}

/** Where a per-partition wire error happened. */
export interface PartitionContext {
  topic?: string;
  partition?: number;
}

/**
 * The root of every error the SDK throws. `retriable` is the SDK's own retry decision: true
 * when the same request may succeed later (leader moved, broker restarting); the SDK has
 * already retried those within its timeouts before it lets one reach you.
 */
export class FjordError extends Error {
  /** Stable error name, e.g. `NOT_LEADER_OR_FOLLOWER` or `CONNECTION_ERROR`. */
  readonly code: string;
  /** The wire error code (Kafka numbering) when the error came from a server. */
  readonly errorCode?: number;
  /** True when retrying the same operation may succeed. */
  readonly retriable: boolean;

  constructor(
    message: string,
    init: { code: string; retriable: boolean; errorCode?: number },
    options?: FjordErrorOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FjordError';
    this.code = init.code;
    this.retriable = init.retriable;
    if (init.errorCode !== undefined) this.errorCode = init.errorCode;
  }

  /**
   * Normalises anything thrown into a FjordError: FjordErrors pass through, gRPC errors are
   * mapped by status and the `fjord-error-code` trailer, protocol errors by their code, the
   * rest become a non-retriable `UNKNOWN` error that keeps the original as `cause`.
   */
  static from(error: unknown, address?: string): FjordError {
    if (error instanceof FjordError) return error;
    if (error instanceof ProtocolError) return protocolError(error.code, error.message, {}, { cause: error });
    if (isGrpcServiceError(error)) return fromGrpcError(error, address);
    const message = error instanceof Error ? error.message : String(error);
    return new FjordError(message, { code: 'UNKNOWN', retriable: false }, { cause: error });
  }
}

/**
 * An error reported by a coordinator or broker with a wire error code. Known codes have their
 * own subclass (see {@link protocolError}); the rest are instances of this class.
 */
export class FjordProtocolError extends FjordError {
  declare readonly errorCode: number;
  /** The topic the error is about, when it was reported per topic or partition. */
  readonly topic?: string;
  /** The partition the error is about, when it was reported per partition. */
  readonly partition?: number;

  constructor(
    errorCode: number,
    message?: string,
    context: PartitionContext = {},
    options?: FjordErrorOptions,
  ) {
    const info = errorInfo(errorCode);
    super(message || info.message, { code: info.name, retriable: info.retriable, errorCode }, options);
    this.name = 'FjordProtocolError';
    if (context.topic !== undefined) this.topic = context.topic;
    if (context.partition !== undefined) this.partition = context.partition;
  }
}

type ProtocolErrorClass = new (
  message?: string,
  context?: PartitionContext,
  options?: FjordErrorOptions,
) => FjordProtocolError;

// Each subclass pins its wire code; the class name is the public name users `instanceof`.
function wireClass(errorCode: number, name: string): ProtocolErrorClass {
  const cls = class extends FjordProtocolError {
    constructor(message?: string, context?: PartitionContext, options?: FjordErrorOptions) {
      super(errorCode, message, context, options);
      this.name = name;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

/** 1: the offset is outside the partition's log (below log start or past its end). */
export const OffsetOutOfRangeError = wireClass(ErrorCode.OFFSET_OUT_OF_RANGE, 'OffsetOutOfRangeError');
export type OffsetOutOfRangeError = FjordProtocolError;
/** 2: a record batch failed its CRC check or has a malformed header. */
export const CorruptMessageError = wireClass(ErrorCode.CORRUPT_MESSAGE, 'CorruptMessageError');
export type CorruptMessageError = FjordProtocolError;
/** 3: the topic or partition does not exist (Fjord never auto-creates topics). */
export const UnknownTopicOrPartitionError = wireClass(
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  'UnknownTopicOrPartitionError',
);
export type UnknownTopicOrPartitionError = FjordProtocolError;
/** 5: the partition has no leader right now (retriable). */
export const LeaderNotAvailableError = wireClass(ErrorCode.LEADER_NOT_AVAILABLE, 'LeaderNotAvailableError');
export type LeaderNotAvailableError = FjordProtocolError;
/** 6: the broker asked is not the partition's leader (retriable, after a metadata refresh). */
export const NotLeaderError = wireClass(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'NotLeaderError');
export type NotLeaderError = FjordProtocolError;
/** 10: the record batch is larger than the topic's `max.message.bytes`. */
export const MessageTooLargeError = wireClass(ErrorCode.MESSAGE_TOO_LARGE, 'MessageTooLargeError');
export type MessageTooLargeError = FjordProtocolError;
/** 17: the topic name is invalid. */
export const InvalidTopicError = wireClass(ErrorCode.INVALID_TOPIC_EXCEPTION, 'InvalidTopicError');
export type InvalidTopicError = FjordProtocolError;
/** 19: fewer in-sync replicas than `min.insync.replicas` (retriable). */
export const NotEnoughReplicasError = wireClass(ErrorCode.NOT_ENOUGH_REPLICAS, 'NotEnoughReplicasError');
export type NotEnoughReplicasError = FjordProtocolError;
/** 36: a topic with this name already exists. */
export const TopicAlreadyExistsError = wireClass(ErrorCode.TOPIC_ALREADY_EXISTS, 'TopicAlreadyExistsError');
export type TopicAlreadyExistsError = FjordProtocolError;
/** 37: the number of partitions is invalid. */
export const InvalidPartitionsError = wireClass(ErrorCode.INVALID_PARTITIONS, 'InvalidPartitionsError');
export type InvalidPartitionsError = FjordProtocolError;
/** 38: the replication factor is invalid (or larger than the cluster supports). */
export const InvalidReplicationFactorError = wireClass(
  ErrorCode.INVALID_REPLICATION_FACTOR,
  'InvalidReplicationFactorError',
);
export type InvalidReplicationFactorError = FjordProtocolError;
/** 40: a topic config name or value is invalid. */
export const InvalidConfigError = wireClass(ErrorCode.INVALID_CONFIG, 'InvalidConfigError');
export type InvalidConfigError = FjordProtocolError;
/** 42: the server could not interpret the request. */
export const InvalidRequestError = wireClass(ErrorCode.INVALID_REQUEST, 'InvalidRequestError');
export type InvalidRequestError = FjordProtocolError;

/** 22: the partition is not assigned to this group member (commit of a partition not owned). */
export const NotAssignedError = wireClass(ErrorCode.ILLEGAL_GENERATION, 'NotAssignedError');
export type NotAssignedError = FjordProtocolError;
/** 24: the group id is invalid (empty). */
export const InvalidGroupIdError = wireClass(ErrorCode.INVALID_GROUP_ID, 'InvalidGroupIdError');
export type InvalidGroupIdError = FjordProtocolError;
/** 25: the coordinator does not know this group member (it was removed); the consumer rejoins. */
export const UnknownMemberIdError = wireClass(ErrorCode.UNKNOWN_MEMBER_ID, 'UnknownMemberIdError');
export type UnknownMemberIdError = FjordProtocolError;
/** 68: the group still has members (reset offsets and delete need an empty group). */
export const NonEmptyGroupError = wireClass(ErrorCode.NON_EMPTY_GROUP, 'NonEmptyGroupError');
export type NonEmptyGroupError = FjordProtocolError;
/** 69: the group does not exist. */
export const GroupIdNotFoundError = wireClass(ErrorCode.GROUP_ID_NOT_FOUND, 'GroupIdNotFoundError');
export type GroupIdNotFoundError = FjordProtocolError;
/** 110: the member's epoch is fenced (a zombie); the consumer rejoins. */
export const FencedMemberEpochError = wireClass(ErrorCode.FENCED_MEMBER_EPOCH, 'FencedMemberEpochError');
export type FencedMemberEpochError = FjordProtocolError;
/** 113: the member's epoch is stale. */
export const StaleMemberEpochError = wireClass(ErrorCode.STALE_MEMBER_EPOCH, 'StaleMemberEpochError');
export type StaleMemberEpochError = FjordProtocolError;

/** The one table from wire code to error class; codes not listed map to FjordProtocolError. */
export const ERROR_CLASSES: ReadonlyMap<number, ProtocolErrorClass> = new Map([
  [ErrorCode.OFFSET_OUT_OF_RANGE, OffsetOutOfRangeError],
  [ErrorCode.CORRUPT_MESSAGE, CorruptMessageError],
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, UnknownTopicOrPartitionError],
  [ErrorCode.LEADER_NOT_AVAILABLE, LeaderNotAvailableError],
  [ErrorCode.NOT_LEADER_OR_FOLLOWER, NotLeaderError],
  [ErrorCode.MESSAGE_TOO_LARGE, MessageTooLargeError],
  [ErrorCode.INVALID_TOPIC_EXCEPTION, InvalidTopicError],
  [ErrorCode.NOT_ENOUGH_REPLICAS, NotEnoughReplicasError],
  [ErrorCode.TOPIC_ALREADY_EXISTS, TopicAlreadyExistsError],
  [ErrorCode.INVALID_PARTITIONS, InvalidPartitionsError],
  [ErrorCode.INVALID_REPLICATION_FACTOR, InvalidReplicationFactorError],
  [ErrorCode.INVALID_CONFIG, InvalidConfigError],
  [ErrorCode.INVALID_REQUEST, InvalidRequestError],
  [ErrorCode.ILLEGAL_GENERATION, NotAssignedError],
  [ErrorCode.INVALID_GROUP_ID, InvalidGroupIdError],
  [ErrorCode.UNKNOWN_MEMBER_ID, UnknownMemberIdError],
  [ErrorCode.NON_EMPTY_GROUP, NonEmptyGroupError],
  [ErrorCode.GROUP_ID_NOT_FOUND, GroupIdNotFoundError],
  [ErrorCode.FENCED_MEMBER_EPOCH, FencedMemberEpochError],
  [ErrorCode.STALE_MEMBER_EPOCH, StaleMemberEpochError],
]);

/** Builds the error for a wire code: its class from {@link ERROR_CLASSES}, the retriable flag from the protocol table. */
export function protocolError(
  errorCode: number,
  message?: string,
  context: PartitionContext = {},
  options?: FjordErrorOptions,
): FjordProtocolError {
  const cls = ERROR_CLASSES.get(errorCode);
  const text = message || errorInfo(errorCode).message;
  // Servers often name the topic already; repeat it only when the message lacks it.
  const where = describeContext(context);
  const named =
    context.partition === undefined && context.topic !== undefined && text.includes(`"${context.topic}"`);
  const full = where && !named ? `${text} (${where})` : text;
  return cls ? new cls(full, context, options) : new FjordProtocolError(errorCode, full, context, options);
}

function describeContext({ topic, partition }: PartitionContext): string {
  if (topic === undefined) return '';
  return partition === undefined ? `topic "${topic}"` : `topic "${topic}" partition ${partition}`;
}

/** A broker or the coordinator could not be reached, or the connection broke mid-request (retriable). */
export class ConnectionError extends FjordError {
  /** The `host:port` that failed. */
  readonly address: string | undefined;
  constructor(message: string, address?: string, options?: FjordErrorOptions) {
    super(message, { code: 'CONNECTION_ERROR', retriable: true }, options);
    this.name = 'ConnectionError';
    this.address = address;
  }
}

/** A request got no answer within its deadline (`requestTimeoutMs`) (retriable). */
export class RequestTimeoutError extends FjordError {
  /** The `host:port` the request went to, when known. */
  readonly address: string | undefined;
  constructor(message: string, address?: string, options?: FjordErrorOptions) {
    super(message, { code: 'REQUEST_TIMEOUT', retriable: true }, options);
    this.name = 'RequestTimeoutError';
    this.address = address;
  }
}

/** The caller passed something the SDK refuses before sending anything (bad option, bad message). */
export class InvalidArgumentError extends FjordError {
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, { code: 'INVALID_ARGUMENT', retriable: false }, options);
    this.name = 'InvalidArgumentError';
  }
}

/** Retries of a retriable failure ran out of time; `cause` is the last failure. */
export class RetriesExceededError extends FjordError {
  constructor(message: string, options?: FjordErrorOptions, code = 'RETRIES_EXCEEDED') {
    super(message, { code, retriable: false }, options);
    this.name = 'RetriesExceededError';
  }
}

/** A produce could not be delivered within `deliveryTimeoutMs`; `cause` is the last failure. */
export class DeliveryTimeoutError extends RetriesExceededError {
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, options, 'DELIVERY_TIMEOUT');
    this.name = 'DeliveryTimeoutError';
  }
}

/** The client, producer or consumer was closed before or during the call. */
export class ClosedError extends FjordError {
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, { code: 'CLOSED', retriable: false }, options);
    this.name = 'ClosedError';
  }
}

/**
 * The producer's buffer (`bufferMemoryBytes`) had no room for a send within `maxBlockMs`, or
 * too many sends already wait for room. Not retriable by the SDK: the application should
 * slow down (await its sends, `flush()` or `waitForCapacity()`).
 */
export class BufferExhaustedError extends FjordError {
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, { code: 'BUFFER_EXHAUSTED', retriable: false }, options);
    this.name = 'BufferExhaustedError';
  }
}

/** The feature exists in Kafka's API but not in Fjord yet (e.g. consumer groups). */
export class UnsupportedFeatureError extends FjordError {
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, { code: 'UNSUPPORTED_FEATURE', retriable: false }, options);
    this.name = 'UnsupportedFeatureError';
  }
}

/** A consumer has no position for a partition and `autoOffsetReset` is `'none'`. */
export class NoOffsetForPartitionError extends FjordError {
  constructor(message: string, options?: FjordErrorOptions) {
    super(message, { code: 'NO_OFFSET_FOR_PARTITION', retriable: false }, options);
    this.name = 'NoOffsetForPartitionError';
  }
}

/**
 * Several independent operations failed (e.g. two of three topics in createTopics). `errors`
 * lists each; `retriable` is true only when every one of them is.
 */
export class FjordAggregateError extends FjordError {
  readonly errors: readonly FjordError[];
  constructor(message: string, errors: readonly FjordError[]) {
    const detail = errors.map((e) => `${e.code}: ${e.message}`).join('; ');
    super(`${message}: ${detail}`, { code: 'MULTIPLE_ERRORS', retriable: errors.every((e) => e.retriable) });
    this.name = 'FjordAggregateError';
    this.errors = errors;
  }
}

/** Throws the single error, or a FjordAggregateError when there are several. */
export function throwAll(message: string, errors: readonly FjordError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new FjordAggregateError(message, errors);
}

function isGrpcServiceError(error: unknown): error is grpc.ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<grpc.ServiceError>).code === 'number' &&
    'metadata' in error &&
    (error as grpc.ServiceError).metadata instanceof grpc.Metadata
  );
}

/**
 * Maps a gRPC call failure. A `fjord-error-code` trailer wins (the server said what went
 * wrong); otherwise the status decides: unreachable / reset / deadline are retriable
 * connection problems, everything else is not.
 */
export function fromGrpcError(error: grpc.ServiceError, address?: string): FjordError {
  const where = address ? ` (${address})` : '';
  const trailer = error.metadata?.get(ERROR_CODE_METADATA_KEY)[0];
  const details = error.details || error.message;
  if (trailer !== undefined && /^-?\d+$/.test(String(trailer))) {
    return protocolError(Number(trailer), `${details}${where}`, {}, { cause: error });
  }
  switch (error.code) {
    case grpc.status.UNAVAILABLE:
      return new ConnectionError(`cannot reach ${address ?? 'server'}: ${details}`, address, {
        cause: error,
      });
    case grpc.status.DEADLINE_EXCEEDED:
      return new RequestTimeoutError(`request to ${address ?? 'server'} timed out: ${details}`, address, {
        cause: error,
      });
    case grpc.status.CANCELLED:
      return new ConnectionError(`request to ${address ?? 'server'} was cancelled: ${details}`, address, {
        cause: error,
      });
    case grpc.status.INVALID_ARGUMENT:
      return protocolError(ErrorCode.INVALID_REQUEST, `${details}${where}`, {}, { cause: error });
    case grpc.status.RESOURCE_EXHAUSTED:
      return new FjordError(
        `${details}${where}`,
        { code: 'RESOURCE_EXHAUSTED', retriable: false },
        { cause: error },
      );
    case grpc.status.UNIMPLEMENTED:
      return new FjordError(
        `${details}${where}`,
        { code: 'UNIMPLEMENTED', retriable: false },
        { cause: error },
      );
    default:
      return protocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `${details}${where}`, {}, { cause: error });
  }
}

/** A key or value deserializer threw; the consumer stays at `offset` (seek past it to skip the record). */
export class DeserializationError extends FjordError {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  constructor(
    message: string,
    where: { topic: string; partition: number; offset: bigint },
    options?: FjordErrorOptions,
  ) {
    super(message, { code: 'DESERIALIZATION_ERROR', retriable: false }, options);
    this.name = 'DeserializationError';
    this.topic = where.topic;
    this.partition = where.partition;
    this.offset = where.offset;
  }
}
