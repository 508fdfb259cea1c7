import { ERROR_CODE_METADATA_KEY, ERROR_CODES, ErrorCode, ProtocolError } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AuthenticationError,
  AuthorizationError,
  BrokerIdNotRegisteredError,
  BrokerNotAvailableError,
  BufferExhaustedError,
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
  protocolError,
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
} from './errors.js';
import { RecordDecodeError } from './record-decode-error.js';

// Written out from Kafka's protocol error table (org.apache.kafka.common.protocol.Errors: name,
// number, and whether the exception is a RetriableException), not derived from the SDK's own
// tables, so that a wrong number, flag or class in them fails here.
const KAFKA: ReadonlyArray<readonly [name: string, code: number, kafkaRetriable: boolean, cls: unknown]> = [
  ['UNKNOWN_SERVER_ERROR', -1, false, UnknownServerError],
  ['OFFSET_OUT_OF_RANGE', 1, false, OffsetOutOfRangeError],
  ['CORRUPT_MESSAGE', 2, true, CorruptMessageError],
  ['UNKNOWN_TOPIC_OR_PARTITION', 3, true, UnknownTopicOrPartitionError],
  ['LEADER_NOT_AVAILABLE', 5, true, LeaderNotAvailableError],
  ['NOT_LEADER_OR_FOLLOWER', 6, true, NotLeaderError],
  ['REQUEST_TIMED_OUT', 7, true, RequestTimedOutError],
  ['BROKER_NOT_AVAILABLE', 8, false, BrokerNotAvailableError],
  ['MESSAGE_TOO_LARGE', 10, false, MessageTooLargeError],
  ['NETWORK_EXCEPTION', 13, true, NetworkError],
  ['COORDINATOR_NOT_AVAILABLE', 15, true, CoordinatorNotAvailableError],
  ['NOT_COORDINATOR', 16, true, NotCoordinatorError],
  ['INVALID_TOPIC_EXCEPTION', 17, false, InvalidTopicError],
  ['NOT_ENOUGH_REPLICAS', 19, true, NotEnoughReplicasError],
  ['NOT_ENOUGH_REPLICAS_AFTER_APPEND', 20, true, NotEnoughReplicasAfterAppendError],
  ['INVALID_REQUIRED_ACKS', 21, false, InvalidRequiredAcksError],
  ['ILLEGAL_GENERATION', 22, false, NotAssignedError],
  ['INVALID_GROUP_ID', 24, false, InvalidGroupIdError],
  ['UNKNOWN_MEMBER_ID', 25, false, UnknownMemberIdError],
  ['INVALID_TIMESTAMP', 32, false, InvalidTimestampError],
  ['TOPIC_ALREADY_EXISTS', 36, false, TopicAlreadyExistsError],
  ['INVALID_PARTITIONS', 37, false, InvalidPartitionsError],
  ['INVALID_REPLICATION_FACTOR', 38, false, InvalidReplicationFactorError],
  ['INVALID_CONFIG', 40, false, InvalidConfigError],
  ['INVALID_REQUEST', 42, false, InvalidRequestError],
  ['OUT_OF_ORDER_SEQUENCE_NUMBER', 45, false, OutOfOrderSequenceNumberError],
  ['DUPLICATE_SEQUENCE_NUMBER', 46, false, DuplicateSequenceNumberError],
  ['INVALID_PRODUCER_EPOCH', 47, false, InvalidProducerEpochError],
  ['KAFKA_STORAGE_ERROR', 56, true, StorageError],
  ['UNKNOWN_PRODUCER_ID', 59, false, UnknownProducerIdError],
  ['NON_EMPTY_GROUP', 68, false, NonEmptyGroupError],
  ['GROUP_ID_NOT_FOUND', 69, false, GroupIdNotFoundError],
  ['FENCED_LEADER_EPOCH', 74, true, FencedLeaderEpochError],
  ['UNKNOWN_LEADER_EPOCH', 75, true, UnknownLeaderEpochError],
  ['UNSUPPORTED_COMPRESSION_TYPE', 76, false, UnsupportedCompressionTypeError],
  ['STALE_BROKER_EPOCH', 77, false, StaleBrokerEpochError],
  ['PREFERRED_LEADER_NOT_AVAILABLE', 80, true, PreferredLeaderNotAvailableError],
  ['ELECTION_NOT_NEEDED', 84, true, ElectionNotNeededError],
  ['INVALID_RECORD', 87, false, InvalidRecordError],
  ['INVALID_UPDATE_VERSION', 95, false, InvalidUpdateVersionError],
  ['DUPLICATE_BROKER_REGISTRATION', 101, false, DuplicateBrokerRegistrationError],
  ['BROKER_ID_NOT_REGISTERED', 102, false, BrokerIdNotRegisteredError],
  ['INELIGIBLE_REPLICA', 107, false, IneligibleReplicaError],
  ['FENCED_MEMBER_EPOCH', 110, false, FencedMemberEpochError],
  ['UNRELEASED_INSTANCE_ID', 111, false, UnreleasedInstanceIdError],
  ['UNSUPPORTED_ASSIGNOR', 112, false, UnsupportedAssignorError],
  ['STALE_MEMBER_EPOCH', 113, false, StaleMemberEpochError],
  ['INVALID_REGULAR_EXPRESSION', 129, false, InvalidRegularExpressionError],
  ['TOPIC_AUTHORIZATION_FAILED', 29, false, TopicAuthorizationFailedError],
  ['GROUP_AUTHORIZATION_FAILED', 30, false, GroupAuthorizationFailedError],
  ['CLUSTER_AUTHORIZATION_FAILED', 31, false, ClusterAuthorizationFailedError],
  ['UNSUPPORTED_SASL_MECHANISM', 33, false, UnsupportedSaslMechanismError],
  ['ILLEGAL_SASL_STATE', 34, false, IllegalSaslStateError],
  ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 53, false, TransactionalIdAuthorizationFailedError],
  ['SECURITY_DISABLED', 54, false, SecurityDisabledError],
  ['SASL_AUTHENTICATION_FAILED', 58, false, SaslAuthenticationFailedError],
  ['THROTTLING_QUOTA_EXCEEDED', 89, true, ThrottlingQuotaExceededError],
  ['RESOURCE_NOT_FOUND', 91, false, ResourceNotFoundError],
];

// The rows where Fjord's retry decision deliberately differs from Kafka's (reasons in
// @fjord/protocol's errors.ts).
const FJORD_FLIPS_RETRIABLE = new Set([
  'CORRUPT_MESSAGE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'BROKER_NOT_AVAILABLE',
  'ELECTION_NOT_NEEDED',
  'INVALID_UPDATE_VERSION',
]);

type AnyWireClass = {
  readonly code: string;
  new (message?: string, context?: { topic?: string; partition?: number }): FjordProtocolError;
};

function grpcError(code: grpc.status, details: string, fjordCode?: number): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (fjordCode !== undefined) metadata.set(ERROR_CODE_METADATA_KEY, String(fjordCode));
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), { code, details, metadata });
}

describe('one error class per wire error code', () => {
  it('covers every code of the wire table, and nothing else', () => {
    const wire = ERROR_CODES.filter((info) => info.code !== ErrorCode.NONE).map((info) => info.code);
    expect(KAFKA.map(([, code]) => code).sort((a, b) => a - b)).toEqual([...wire].sort((a, b) => a - b));
    expect(new Set(KAFKA.map(([, , , cls]) => cls)).size).toBe(KAFKA.length);
  });

  it.each(KAFKA)('%s (%i) has its own class, code and retriable flag', (name, code, kafkaRetriable, cls) => {
    const Class = cls as AnyWireClass;
    const retriable = FJORD_FLIPS_RETRIABLE.has(name) ? !kafkaRetriable : kafkaRetriable;

    expect(Class.code).toBe(name);
    const built = new Class('server says no', { topic: 'orders', partition: 3 });
    const mapped = protocolError(code, 'server says no', { topic: 'orders', partition: 3 });
    for (const error of [built, mapped]) {
      expect(error).toBeInstanceOf(Class);
      expect(error).toBeInstanceOf(FjordProtocolError);
      expect(error).toBeInstanceOf(FjordError);
      expect(error).toBeInstanceOf(Error);
      expect(error.constructor).toBe(Class);
      expect(error.code).toBe(name);
      expect(error.errorCode).toBe(code);
      expect(error.retriable).toBe(retriable);
      expect(error.name).toBe(Class.name);
      expect(error.topic).toBe('orders');
      expect(error.partition).toBe(3);
      expect(error.message).toBe('server says no (topic "orders" partition 3)');
      expect(error.rawMessage).toBe('server says no');
    }
    // No other wire class claims this error.
    for (const [, , , other] of KAFKA)
      if (other !== cls) expect(built).not.toBeInstanceOf(other as AnyWireClass);
  });

  it('lets TypeScript narrow by instanceof and by code', () => {
    const error: FjordError = protocolError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (error instanceof NotLeaderError) expectTypeOf(error.code).toEqualTypeOf<'NOT_LEADER_OR_FOLLOWER'>();
    expectTypeOf<TopicAlreadyExistsError>().not.toEqualTypeOf<NotLeaderError>();
    expectTypeOf<typeof NotLeaderError.code>().toEqualTypeOf<'NOT_LEADER_OR_FOLLOWER'>();
    expectTypeOf<'NOT_LEADER_OR_FOLLOWR'>().not.toExtend<FjordErrorCode>();
    expectTypeOf<'CONNECTION_ERROR'>().toExtend<FjordErrorCode>();
  });

  it('uses the wire table’s message when the server sent none, and names the topic only once', () => {
    const plain = protocolError(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(plain.message).toBe('A topic with this name already exists.');
    const named = protocolError(ErrorCode.TOPIC_ALREADY_EXISTS, 'topic "a" exists', { topic: 'a' });
    expect(named.message).toBe('topic "a" exists');
    expect(named.topic).toBe('a');
  });

  it('keeps an unknown code as a non-retriable FjordProtocolError with code UNKNOWN_ERROR_CODE', () => {
    const error = protocolError(9999, 'strange');
    expect(error.constructor).toBe(FjordProtocolError);
    expect(error.code).toBe('UNKNOWN_ERROR_CODE');
    expect(error.errorCode).toBe(9999);
    expect(error.retriable).toBe(false);
    expect(error.message).toBe('strange');
  });
});

describe('errors the SDK raises itself', () => {
  it.each([
    [ConnectionError, 'CONNECTION_ERROR', true, new ConnectionError('down', 'h:1')],
    [RequestTimeoutError, 'REQUEST_TIMEOUT', true, new RequestTimeoutError('slow', 'h:1')],
    [RetriesExceededError, 'RETRIES_EXCEEDED', false, new RetriesExceededError('gave up')],
    [DeliveryTimeoutError, 'DELIVERY_TIMEOUT', false, new DeliveryTimeoutError('too late')],
    [InvalidArgumentError, 'INVALID_ARGUMENT', false, new InvalidArgumentError('bad option')],
    [ClosedError, 'CLOSED', false, new ClosedError('closed')],
    [BufferExhaustedError, 'BUFFER_EXHAUSTED', false, new BufferExhaustedError('full')],
    [UnsupportedFeatureError, 'UNSUPPORTED_FEATURE', false, new UnsupportedFeatureError('no')],
    [NoOffsetForPartitionError, 'NO_OFFSET_FOR_PARTITION', false, new NoOffsetForPartitionError('none')],
    [
      DeserializationError,
      'DESERIALIZATION_ERROR',
      false,
      new DeserializationError('bad json', { topic: 't', partition: 0, offset: 5n }),
    ],
    [
      RecordDecodeError,
      'RECORD_DECODE_ERROR',
      false,
      new RecordDecodeError('bad batch', { topic: 't', partition: 0, offset: 5n, nextOffset: 9n }),
    ],
  ] as const)('%o has static code %s', (cls, code, retriable, error) => {
    expect(cls.code).toBe(code);
    expect(error).toBeInstanceOf(cls);
    expect(error).toBeInstanceOf(FjordError);
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(retriable);
    expect(error.name).toBe(cls.name);
    expect(error.rawMessage).toBe(error.message);
  });

  it('FjordAggregateError has static code MULTIPLE_ERRORS', () => {
    const error = new FjordAggregateError('x', [new ClosedError('closed')]);
    expect([FjordAggregateError.code, error.code, error.name]).toEqual([
      'MULTIPLE_ERRORS',
      'MULTIPLE_ERRORS',
      'FjordAggregateError',
    ]);
  });
});

describe('FjordError.from', () => {
  it('maps the fjord-error-code trailer through the table and keeps the server’s text in rawMessage', () => {
    const error = FjordError.from(
      grpcError(grpc.status.INVALID_ARGUMENT, 'acks must be 0, 1 or -1', ErrorCode.INVALID_REQUIRED_ACKS),
      'h:1',
    );
    expect(error).toBeInstanceOf(InvalidRequiredAcksError);
    expect(error.code).toBe('INVALID_REQUIRED_ACKS');
    expect(error.errorCode).toBe(21);
    expect(error.retriable).toBe(false);
    expect(error.message).toBe('acks must be 0, 1 or -1 (h:1)');
    expect(error.rawMessage).toBe('acks must be 0, 1 or -1');
    expect((error as InvalidRequiredAcksError).address).toBe('h:1');
  });

  it('makes UNAVAILABLE a retriable ConnectionError naming the address', () => {
    const cause = grpcError(grpc.status.UNAVAILABLE, 'No connection established');
    const error = FjordError.from(cause, '127.0.0.1:7401');
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.retriable).toBe(true);
    expect((error as ConnectionError).address).toBe('127.0.0.1:7401');
    expect(error.message).toBe('cannot reach 127.0.0.1:7401: No connection established');
    expect(error.rawMessage).toBe('No connection established');
    expect(error.cause).toBe(cause);
  });

  it.each([
    [
      'a server certificate of another CA',
      'No connection established. Last error: Error: unable to verify the first certificate. Resolution note: ',
      'unable to verify the first certificate',
    ],
    [
      'a listener that requires a client certificate',
      'No connection established. Last error: 802CA878C97F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n (2026-12-01T13:35:02.092Z). Resolution note: ',
      'ssl3_read_bytes:tlsv13 alert certificate required',
    ],
    [
      'TLS spoken to a plaintext listener',
      'No connection established. Last error: Error: 802CA878C97F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n. Resolution note: ',
      'ssl3_get_record:wrong version number',
    ],
    [
      'a certificate without the dialled name',
      "No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: elsewhere.test. is not in the cert's altnames: DNS:localhost. Resolution note: ",
      "Hostname/IP does not match certificate's altnames",
    ],
  ])('says TLS when the handshake failed (%s)', (_, details, reason) => {
    const error = FjordError.from(grpcError(grpc.status.UNAVAILABLE, details), '127.0.0.1:7401');
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(/^TLS handshake with 127\.0\.0\.1:7401 failed: /);
    expect(error.message).toContain(reason);
    expect(error.message).not.toContain('Resolution note');
    expect(error.rawMessage).toBe(details);
  });

  it('maps login refusals to AuthenticationErrors that are not retried', () => {
    const refused = FjordError.from(
      grpcError(grpc.status.UNAUTHENTICATED, 'authentication failed: invalid credentials', 58),
      'h:1',
    );
    expect(refused).toBeInstanceOf(SaslAuthenticationFailedError);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect(refused.retriable).toBe(false);
    const bare = FjordError.from(grpcError(grpc.status.UNAUTHENTICATED, 'no token'));
    expect(bare).toBeInstanceOf(SaslAuthenticationFailedError);
    const denied = FjordError.from(
      grpcError(grpc.status.PERMISSION_DENIED, 'Produce: WRITE on Topic:orders', 29),
    );
    expect(denied).toBeInstanceOf(AuthorizationError);
    expect((denied as AuthorizationError).resourceType).toBe('TOPIC');
  });

  it('makes DEADLINE_EXCEEDED a retriable RequestTimeoutError', () => {
    const error = FjordError.from(grpcError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'), 'h:2');
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.retriable).toBe(true);
  });

  it('makes INVALID_ARGUMENT without trailer a non-retriable InvalidRequestError, other statuses UnknownServerError', () => {
    const invalid = FjordError.from(grpcError(grpc.status.INVALID_ARGUMENT, 'bad'));
    expect(invalid).toBeInstanceOf(InvalidRequestError);
    expect(invalid.retriable).toBe(false);
    const internal = FjordError.from(grpcError(grpc.status.INTERNAL, 'oops'));
    expect(internal).toBeInstanceOf(UnknownServerError);
    expect(internal.rawMessage).toBe('oops');
    const unimplemented = FjordError.from(grpcError(grpc.status.UNIMPLEMENTED, 'no such method'), 'h:3');
    expect([unimplemented.code, unimplemented.message]).toEqual(['UNIMPLEMENTED', 'no such method (h:3)']);
  });

  it('recognises a gRPC error whose Metadata comes from another copy of grpc-js', () => {
    const foreign = Object.assign(new Error('6 ALREADY_EXISTS: exists'), {
      code: grpc.status.ALREADY_EXISTS,
      details: 'exists',
      metadata: { get: (key: string) => (key === ERROR_CODE_METADATA_KEY ? ['36'] : []) },
    });
    expect(FjordError.from(foreign)).toBeInstanceOf(TopicAlreadyExistsError);
  });

  it('passes FjordErrors through and wraps protocol errors, plain errors, strings and other values', () => {
    const original = new ConnectionError('down', 'h:1');
    expect(FjordError.from(original)).toBe(original);
    const fromProtocol = FjordError.from(new ProtocolError(ErrorCode.CORRUPT_MESSAGE, 'bad crc'));
    expect(fromProtocol).toBeInstanceOf(CorruptMessageError);
    expect(fromProtocol.message).toBe('bad crc');
    const plain = new TypeError('x is not a function');
    const fromPlain = FjordError.from(plain);
    expect([fromPlain.code, fromPlain.message, fromPlain.retriable, fromPlain.cause]).toEqual([
      'UNKNOWN',
      'x is not a function',
      false,
      plain,
    ]);
    const fromString = FjordError.from('boom');
    expect([fromString.code, fromString.message, fromString.cause]).toEqual(['UNKNOWN', 'boom', 'boom']);
    expect(FjordError.from({ reason: 'odd' }).message).toBe('{"reason":"odd"}');
    expect(FjordError.from(undefined).message).toBe('undefined was thrown');
  });

  it('aggregates several failures, retriable only when all are', () => {
    const error = new FjordAggregateError('2 failed', [
      protocolError(ErrorCode.TOPIC_ALREADY_EXISTS, undefined, { topic: 'a' }),
      protocolError(ErrorCode.NOT_LEADER_OR_FOLLOWER, undefined, { topic: 'b' }),
    ]);
    expect(error).toBeInstanceOf(FjordError);
    expect(error.errors).toHaveLength(2);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/TOPIC_ALREADY_EXISTS.*topic "a".*NOT_LEADER_OR_FOLLOWER/);
    expect(error.rawMessage).toBe('2 failed');
  });
});
