import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ErrorCode, errorInfo, ProtocolError } from './errors.js';

describe('ErrorCode', () => {
  // Numbers from Kafka's protocol (org.apache.kafka.common.protocol.Errors).
  it.each([
    ['UNKNOWN_SERVER_ERROR', -1],
    ['NONE', 0],
    ['OFFSET_OUT_OF_RANGE', 1],
    ['CORRUPT_MESSAGE', 2],
    ['UNKNOWN_TOPIC_OR_PARTITION', 3],
    ['LEADER_NOT_AVAILABLE', 5],
    ['NOT_LEADER_OR_FOLLOWER', 6],
    ['REQUEST_TIMED_OUT', 7],
    ['BROKER_NOT_AVAILABLE', 8],
    ['MESSAGE_TOO_LARGE', 10],
    ['NETWORK_EXCEPTION', 13],
    ['COORDINATOR_NOT_AVAILABLE', 15],
    ['NOT_COORDINATOR', 16],
    ['INVALID_TOPIC_EXCEPTION', 17],
    ['NOT_ENOUGH_REPLICAS', 19],
    ['NOT_ENOUGH_REPLICAS_AFTER_APPEND', 20],
    ['INVALID_REQUIRED_ACKS', 21],
    ['INVALID_TIMESTAMP', 32],
    ['TOPIC_ALREADY_EXISTS', 36],
    ['INVALID_PARTITIONS', 37],
    ['INVALID_REPLICATION_FACTOR', 38],
    ['INVALID_CONFIG', 40],
    ['INVALID_REQUEST', 42],
    ['KAFKA_STORAGE_ERROR', 56],
    ['FENCED_LEADER_EPOCH', 74],
    ['UNKNOWN_LEADER_EPOCH', 75],
    ['UNSUPPORTED_COMPRESSION_TYPE', 76],
    ['STALE_BROKER_EPOCH', 77],
    ['INVALID_RECORD', 87],
    ['DUPLICATE_BROKER_REGISTRATION', 101],
    ['BROKER_ID_NOT_REGISTERED', 102],
  ])('%s is Kafka code %i', (name, code) => {
    expect((ErrorCode as Record<string, number>)[name]).toBe(code);
    expect(errorInfo(code).name).toBe(name);
  });

  it('has unique codes and unique names', () => {
    const codes = ERROR_CODES.map((e) => e.code);
    const names = ERROR_CODES.map((e) => e.name);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(ErrorCode).sort()).toEqual([...names].sort());
  });

  it('gives every code a non-empty message', () => {
    for (const info of ERROR_CODES) expect(info.message.length, info.name).toBeGreaterThan(0);
  });

  it('marks leadership and availability problems retriable', () => {
    for (const name of [
      'LEADER_NOT_AVAILABLE',
      'NOT_LEADER_OR_FOLLOWER',
      'REQUEST_TIMED_OUT',
      'NETWORK_EXCEPTION',
      'NOT_ENOUGH_REPLICAS',
      'FENCED_LEADER_EPOCH',
      'UNKNOWN_LEADER_EPOCH',
      'KAFKA_STORAGE_ERROR',
    ] as const) {
      expect(errorInfo(ErrorCode[name]).retriable, name).toBe(true);
    }
  });

  it('marks bad input non-retriable, including the two Fjord deliberately differs from Kafka on', () => {
    for (const name of [
      'CORRUPT_MESSAGE',
      'UNKNOWN_TOPIC_OR_PARTITION',
      'MESSAGE_TOO_LARGE',
      'INVALID_RECORD',
      'INVALID_CONFIG',
      'UNSUPPORTED_COMPRESSION_TYPE',
      'TOPIC_ALREADY_EXISTS',
      'NONE',
    ] as const) {
      expect(errorInfo(ErrorCode[name]).retriable, name).toBe(false);
    }
  });
});

describe('errorInfo', () => {
  it('maps an unknown code to a non-retriable row that keeps the number', () => {
    expect(errorInfo(999)).toEqual({
      code: 999,
      name: 'UNKNOWN_ERROR_CODE_999',
      retriable: false,
      message: 'Unknown error code 999.',
    });
  });
});

describe('ProtocolError', () => {
  it('carries code, retriable, name and the default message', () => {
    const err = new ProtocolError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.name).toBe('ProtocolError');
    expect(err.code).toBe(6);
    expect(err.retriable).toBe(true);
    expect(err.errorName).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(err.message).toBe(errorInfo(6).message);
    expect(err.stack).toContain('ProtocolError');
  });

  it('uses a given message and cause', () => {
    const cause = new Error('disk');
    const err = new ProtocolError(ErrorCode.KAFKA_STORAGE_ERROR, 'write failed', { cause });
    expect(err.message).toBe('write failed');
    expect(err.cause).toBe(cause);
  });

  it('handles unknown codes', () => {
    const err = new ProtocolError(12345);
    expect([err.code, err.retriable, err.errorName]).toEqual([12345, false, 'UNKNOWN_ERROR_CODE_12345']);
  });
});
