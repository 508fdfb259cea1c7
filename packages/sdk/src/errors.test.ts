import { ERROR_CODE_METADATA_KEY, ERROR_CODES, ErrorCode, ProtocolError } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  ConnectionError,
  ERROR_CLASSES,
  FjordAggregateError,
  FjordError,
  FjordProtocolError,
  InvalidRequestError,
  NotLeaderError,
  OffsetOutOfRangeError,
  protocolError,
  RequestTimeoutError,
  TopicAlreadyExistsError,
  UnknownTopicOrPartitionError,
} from './errors.js';

function grpcError(code: grpc.status, details: string, fjordCode?: number): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (fjordCode !== undefined) metadata.set(ERROR_CODE_METADATA_KEY, String(fjordCode));
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), { code, details, metadata });
}

describe('wire error table', () => {
  it.each(ERROR_CODES.filter((info) => info.code !== 0))(
    'maps $code $name to a FjordError with the table’s retriable flag',
    (info) => {
      const error = protocolError(info.code, undefined, { topic: 'orders', partition: 3 });
      expect(error).toBeInstanceOf(FjordError);
      expect(error).toBeInstanceOf(FjordProtocolError);
      expect(error.code).toBe(info.name);
      expect(error.errorCode).toBe(info.code);
      expect(error.retriable).toBe(info.retriable);
      expect(error.topic).toBe('orders');
      expect(error.partition).toBe(3);
      expect(error.message).toContain('topic "orders" partition 3');
      const cls = ERROR_CLASSES.get(info.code);
      if (cls) expect(error).toBeInstanceOf(cls);
    },
  );

  it('uses the dedicated classes for the common codes', () => {
    expect(protocolError(ErrorCode.NOT_LEADER_OR_FOLLOWER)).toBeInstanceOf(NotLeaderError);
    expect(protocolError(ErrorCode.NOT_LEADER_OR_FOLLOWER).name).toBe('NotLeaderError');
    expect(protocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(protocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).retriable).toBe(false);
    expect(protocolError(ErrorCode.OFFSET_OUT_OF_RANGE)).toBeInstanceOf(OffsetOutOfRangeError);
    expect(protocolError(ErrorCode.TOPIC_ALREADY_EXISTS)).toBeInstanceOf(TopicAlreadyExistsError);
    expect(protocolError(ErrorCode.TOPIC_ALREADY_EXISTS)).not.toBeInstanceOf(NotLeaderError);
  });

  it('keeps an unknown code as a non-retriable FjordProtocolError', () => {
    const error = protocolError(9999, 'strange');
    expect(error.constructor).toBe(FjordProtocolError);
    expect(error.code).toBe('UNKNOWN_ERROR_CODE_9999');
    expect(error.retriable).toBe(false);
  });
});

describe('FjordError.from', () => {
  it('maps the fjord-error-code trailer through the table', () => {
    const error = FjordError.from(
      grpcError(grpc.status.INVALID_ARGUMENT, 'acks must be 0, 1 or -1', ErrorCode.INVALID_REQUIRED_ACKS),
      'h:1',
    );
    expect(error.code).toBe('INVALID_REQUIRED_ACKS');
    expect(error.errorCode).toBe(21);
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('(h:1)');
  });

  it('makes UNAVAILABLE a retriable ConnectionError naming the address', () => {
    const cause = grpcError(grpc.status.UNAVAILABLE, 'No connection established');
    const error = FjordError.from(cause, '127.0.0.1:7401');
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.retriable).toBe(true);
    expect((error as ConnectionError).address).toBe('127.0.0.1:7401');
    expect(error.message).toContain('127.0.0.1:7401');
    expect(error.cause).toBe(cause);
  });

  it('makes DEADLINE_EXCEEDED a retriable RequestTimeoutError', () => {
    const error = FjordError.from(grpcError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'), 'h:2');
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.retriable).toBe(true);
  });

  it('makes INVALID_ARGUMENT without trailer a non-retriable INVALID_REQUEST', () => {
    const error = FjordError.from(grpcError(grpc.status.INVALID_ARGUMENT, 'bad'));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.retriable).toBe(false);
  });

  it('passes FjordErrors through and wraps protocol and unknown errors', () => {
    const original = new ConnectionError('down', 'h:1');
    expect(FjordError.from(original)).toBe(original);
    const fromProtocol = FjordError.from(new ProtocolError(ErrorCode.CORRUPT_MESSAGE, 'bad crc'));
    expect(fromProtocol.code).toBe('CORRUPT_MESSAGE');
    expect(fromProtocol.message).toBe('bad crc');
    const fromString = FjordError.from('boom');
    expect(fromString.code).toBe('UNKNOWN');
    expect(fromString.retriable).toBe(false);
    expect(fromString.cause).toBe('boom');
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
  });
});
